// /api/disputes: list the disputes a caller works, raise an inter-agency dispute, read its live
// state, and act on it (positions, proposals, acceptances, declines, counter-proposals, the
// decision, a withdrawal, the interim owner's progress).
// /api/policy/disputes: the working agreement in force (stages, roles, calendar).
import { Router } from 'express';
import type { Db } from '../../runtime/db';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { callerOf } from '../sprints/service';
import { createDisputeList } from './list';
import { describeDisputeAgreement, type DisputeService } from './service';

export function disputeRoutes(disputes: DisputeService, deps?: { db: Db; now?: () => Date }): Router {
  const router = Router();
  const id = (raw: unknown) => String(raw);
  const list = deps && createDisputeList(deps);

  router.get('/policy/disputes', allow('any'), async (_req, res) => {
    res.json(describeDisputeAgreement(await disputes.agreementInForce()));
  });
  if (list) {
    router.get('/disputes', allow('any'), async (req, res) => {
      const l = await list.list(callerOf(requirePrincipal(req)), req.query);
      res.json({ query: l.query, truncated: l.truncated, disputes: l.rows.map((r) => ({ ...r, links: { self: `/api/disputes/${r.id}`, page: `/disputes/${r.id}` } })) });
    });
  }
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
  router.post('/disputes/:id/decline', allow('any'), async (req, res) => {
    res.json(await disputes.decline(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/counter', allow('any'), async (req, res) => {
    res.json(await disputes.counterPropose(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/progress', allow('any'), async (req, res) => {
    res.json(await disputes.recordProgress(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/decide', allow('admin'), async (req, res) => {
    res.json(await disputes.decide(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });
  router.post('/disputes/:id/withdraw', allow('any'), async (req, res) => {
    res.json(await disputes.withdraw(callerOf(requirePrincipal(req)), id(req.params.id), req.body ?? {}));
  });

  return router;
}
