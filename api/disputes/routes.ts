// /api/disputes: raise an inter-agency dispute, read its live state, and act on it.
// /api/policy/disputes: the working agreement in force (stages, roles, calendar).
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { callerOf } from '../sprints/service';
import { describeDisputeAgreement, type DisputeService } from './service';

export function disputeRoutes(disputes: DisputeService): Router {
  const router = Router();
  const id = (raw: unknown) => String(raw);

  router.get('/policy/disputes', allow('any'), (_req, res) => {
    res.json(describeDisputeAgreement());
  });
  router.post('/disputes', allow('any'), async (req, res) => {
    const { disputeId } = await disputes.raise(callerOf(requirePrincipal(req)), req.body);
    res.status(201).location(`/api/disputes/${disputeId}`).json({ disputeId, links: { self: `/api/disputes/${disputeId}` } });
  });
  router.get('/disputes/:id', allow('any'), async (req, res) => {
    res.json(await disputes.get(callerOf(requirePrincipal(req)), id(req.params.id)));
  });
  router.post('/disputes/:id/positions', allow('any'), async (req, res) => {
    res.json(await disputes.statePosition(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/proposals', allow('any'), async (req, res) => {
    res.json(await disputes.propose(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/accept', allow('any'), async (req, res) => {
    res.json(await disputes.accept(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/decide', allow('admin'), async (req, res) => {
    res.json(await disputes.decide(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/withdraw', allow('any'), async (req, res) => {
    res.json(await disputes.withdraw(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });

  return router;
}
