// /api/sprints: start a sprint, read its live state, act on its tasks.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { parseInput } from '../errors';
import { callerOf, type SprintService, type TaskAction } from './service';

const ZTaskKeyParams = z.object({ id: z.string().max(120), key: z.string().max(64) });

export function sprintRoutes(sprints: SprintService): Router {
  const router = Router();
  const params = (req: Request) => parseInput(ZTaskKeyParams, req.params, 'path');
  const body = (req: Request) => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

  router.post('/sprints', allow('coordinator'), async (req, res) => {
    const { sprintId, created } = await sprints.start(callerOf(requirePrincipal(req)), req.body);
    res.status(created ? 201 : 200).location(`/api/sprints/${sprintId}`).json({ sprintId, created, links: { self: `/api/sprints/${sprintId}`, page: `/sprints/${sprintId}` } });
  });

  router.get('/sprints/:id', allow('any'), async (req, res) => {
    res.json(await sprints.get(callerOf(requirePrincipal(req)), String(req.params.id)));
  });

  router.post('/sprints/:id/tasks/:key/complete', allow('any'), async (req, res) => {
    const { id, key } = params(req);
    res.json(await sprints.act(callerOf(requirePrincipal(req)), id, key, { ...body(req), type: 'complete' } as TaskAction, 'api'));
  });
  router.post('/sprints/:id/tasks/:key/refuse', allow('any'), async (req, res) => {
    const { id, key } = params(req);
    res.json(await sprints.act(callerOf(requirePrincipal(req)), id, key, { ...body(req), type: 'refuse' } as TaskAction, 'api'));
  });
  router.post('/sprints/:id/tasks/:key/not-applicable', allow('any'), async (req, res) => {
    const { id, key } = params(req);
    res.json(await sprints.act(callerOf(requirePrincipal(req)), id, key, { ...body(req), type: 'not-applicable' } as TaskAction, 'api'));
  });
  router.post('/sprints/:id/tasks/:key/reassign', allow('coordinator', 'admin'), async (req, res) => {
    const { id, key } = params(req);
    res.json(await sprints.act(callerOf(requirePrincipal(req)), id, key, { ...body(req), type: 'reassign' } as TaskAction, 'api'));
  });
  router.post('/sprints/:id/tasks/:key/notes', allow('any'), async (req, res) => {
    const { id, key } = params(req);
    await sprints.act(callerOf(requirePrincipal(req)), id, key, { ...body(req), type: 'note' } as TaskAction, 'api');
    res.status(202).json({ accepted: true });
  });
  router.post('/sprints/:id/cancel', allow('coordinator', 'admin'), async (req, res) => {
    res.json(await sprints.cancel(callerOf(requirePrincipal(req)), String(req.params.id), req.body));
  });

  return router;
}
