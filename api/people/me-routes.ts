// /api/me and /api/staff: who the caller is, and who is who.
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import type { AppDeps } from '../app';
import { createDirectory } from './directory';

export function meRoutes(deps: AppDeps): Router {
  const router = Router();
  const directory = createDirectory(deps.db);

  router.get('/me', allow('any'), async (req, res) => {
    const who = requirePrincipal(req);
    const agency = await directory.agencyOf(who.agencyId);
    res.json({ id: who.staffId, email: who.email, name: who.name, roles: who.roles, agency });
  });

  // Coordinators pick task owners from here; managers and admins see who is who.
  router.get('/staff', allow('coordinator', 'manager', 'admin'), async (_req, res) => {
    res.json({ staff: await directory.activeStaff() });
  });

  return router;
}
