// /api/plans/:id/steps, /actions/:action/..., /review/...: the plan's own steps through the JSON
// API. Thin: each route validates its input and calls the plan-steps service.
import { Router, type Request } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { parseInput } from '../errors';
import { callerOf } from '../sprints/service';
import { ZActionDone, ZActionNotDone, type PlanStepsService } from './steps-service';

export function planStepsRoutes(steps: PlanStepsService): Router {
  const router = Router();
  const caller = (req: Request) => callerOf(requirePrincipal(req));
  const id = (req: Request) => String(req.params.id);

  router.get('/plans/:id/steps', allow('any'), async (req, res) => {
    res.json(await steps.get(caller(req), id(req)));
  });
  router.post('/plans/:id/actions/:action/done', allow('any'), async (req, res) => {
    const { note } = parseInput(ZActionDone, req.body ?? {}, 'action');
    res.json(await steps.markAction(caller(req), id(req), String(req.params.action), { type: 'done', note }));
  });
  router.post('/plans/:id/actions/:action/not-done', allow('any'), async (req, res) => {
    const { reason } = parseInput(ZActionNotDone, req.body ?? {}, 'action');
    res.json(await steps.markAction(caller(req), id(req), String(req.params.action), { type: 'not-done', reason }));
  });
  router.post('/plans/:id/review/no-change', allow('any'), async (req, res) => {
    res.json(await steps.recordNoChange(caller(req), id(req), req.body ?? {}));
  });
  router.post('/plans/:id/review/updates', allow('any'), async (req, res) => {
    res.status(201).json(await steps.requestUpdates(caller(req), id(req), req.body ?? {}));
  });
  router.post('/plans/:id/review/updates/:request/answer', allow('any'), async (req, res) => {
    res.json(await steps.answerUpdate(caller(req), id(req), String(req.params.request), req.body ?? {}));
  });

  return router;
}
