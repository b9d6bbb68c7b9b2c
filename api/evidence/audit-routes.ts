import { Router } from 'express';
import { verifyAuditChain } from '../../record/audit';
import { allow } from '../access';
import type { AppDeps } from '../app';

export function auditRoutes(deps: AppDeps): Router {
  const router = Router();

  // Recomputes the whole hash chain: any altered or removed event shows up here.
  router.get('/audit/verify', allow('admin'), async (_req, res) => {
    res.json(await verifyAuditChain(deps.db));
  });

  return router;
}
