// /api/plans: the integrated plan, its versions and their change control, "Remind now", the
// plan-holder's handover and the person's consent to share beyond the care team.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { parseInput } from '../errors';
import { callerOf } from '../sprints/service';
import { ZRemindNow } from '../../domain/plan-input';
import type { PlanService } from './service';

const ZVersionParams = z.object({ id: z.string().max(64), n: z.coerce.number({ message: 'must be a version number' }).int().min(1).max(100_000) });
const ZDiffQuery = z
  .object({
    from: z.coerce.number({ message: 'must be a version number' }).int().min(1),
    to: z.coerce.number({ message: 'must be a version number' }).int().min(1),
  })
  .strict();

export function planRoutes(plans: PlanService): Router {
  const router = Router();
  const version = (req: Request) => parseInput(ZVersionParams, req.params, 'path');

  router.post('/plans', allow('coordinator'), async (req, res) => {
    const created = await plans.create(callerOf(requirePrincipal(req)), req.body);
    res.status(201).location(`/api/plans/${created.planId}`).json(created);
  });
  router.get('/plans/:id', allow('any'), async (req, res) => {
    res.json(await plans.get(callerOf(requirePrincipal(req)), String(req.params.id)));
  });
  router.get('/plans/:id/diff', allow('any'), async (req, res) => {
    const { from, to } = parseInput(ZDiffQuery, req.query, 'query');
    res.json(await plans.diff(callerOf(requirePrincipal(req)), String(req.params.id), from, to));
  });
  router.post('/plans/:id/versions', allow('any'), async (req, res) => {
    const published = await plans.publish(callerOf(requirePrincipal(req)), String(req.params.id), req.body);
    res.status(201).location(`/api/plans/${published.planId}/versions/${published.version}`).json(published);
  });
  router.get('/plans/:id/versions/:n', allow('any'), async (req, res) => {
    const { id, n } = version(req);
    res.json(await plans.getVersion(callerOf(requirePrincipal(req)), id, n));
  });
  router.get('/plans/:id/versions/:n/status', allow('any'), async (req, res) => {
    const { id, n } = version(req);
    res.json(await plans.status(callerOf(requirePrincipal(req)), id, n));
  });
  router.post('/plans/:id/versions/:n/acknowledge', allow('any'), async (req, res) => {
    const { id, n } = version(req);
    parseInput(z.object({}).strict(), req.body ?? {}, 'acknowledgement');
    res.json(await plans.acknowledge(callerOf(requirePrincipal(req)), id, n, 'api'));
  });
  router.post('/plans/:id/versions/:n/remind', allow('any'), async (req, res) => {
    const { id, n } = version(req);
    parseInput(ZRemindNow, req.body ?? {}, 'reminder');
    res.json(await plans.remindNow(callerOf(requirePrincipal(req)), id, n, 'api'));
  });
  router.get('/plans/:id/consent', allow('any'), async (req, res) => {
    const plan = await plans.get(callerOf(requirePrincipal(req)), String(req.params.id));
    res.json({ planId: plan.id, consent: plan.consent });
  });
  router.post('/plans/:id/consent', allow('any'), async (req, res) => {
    res.status(201).json(await plans.recordConsent(callerOf(requirePrincipal(req)), String(req.params.id), req.body));
  });
  router.post('/plans/:id/handover', allow('any'), async (req, res) => {
    res.json(await plans.handover(callerOf(requirePrincipal(req)), String(req.params.id), req.body));
  });

  return router;
}
