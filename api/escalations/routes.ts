// /api/escalations: raise an escalation, read its live state, and the chair's steps.
// /api/policy/escalation: the tier policy in force.
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { callerOf } from '../sprints/service';
import { describeEscalationPolicy, type EscalationService } from './service';

export function escalationRoutes(escalations: EscalationService): Router {
  const router = Router();
  const id = (raw: unknown) => String(raw);

  router.get('/policy/escalation', allow('any'), async (_req, res) => {
    res.json(describeEscalationPolicy(await escalations.policyInForce()));
  });
  // Frontline staff raise escalations as well as coordinators and managers (seed 002, step 2).
  router.post('/escalations', allow('any'), async (req, res) => {
    const { escalationId } = await escalations.raise(callerOf(requirePrincipal(req)), req.body);
    res.status(201).location(`/api/escalations/${escalationId}`).json({ escalationId, links: { self: `/api/escalations/${escalationId}` } });
  });
  router.get('/escalations/:id', allow('any'), async (req, res) => {
    res.json(await escalations.get(callerOf(requirePrincipal(req)), id(req.params.id)));
  });
  router.post('/escalations/:id/acknowledge', allow('any'), async (req, res) => {
    res.json(await escalations.acknowledge(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/escalations/:id/respond', allow('any'), async (req, res) => {
    res.json(await escalations.respond(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/escalations/:id/resolve', allow('any'), async (req, res) => {
    res.json(await escalations.resolve(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });

  return router;
}
