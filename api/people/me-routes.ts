import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import type { AppDeps } from '../app';

export function meRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/me', allow('any'), async (req, res) => {
    const who = requirePrincipal(req);
    const agency = await deps.db.agency.findUniqueOrThrow({ where: { id: who.agencyId }, select: { key: true, name: true } });
    res.json({ id: who.staffId, email: who.email, name: who.name, roles: who.roles, agency });
  });

  // Coordinators pick task owners from here; managers and admins see who is who.
  router.get('/staff', allow('coordinator', 'manager', 'admin'), async (_req, res) => {
    const staff = await deps.db.staff.findMany({
      where: { active: true },
      select: { id: true, email: true, name: true, roles: true, agency: { select: { key: true, name: true } } },
      orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
    });
    res.json({ staff });
  });

  return router;
}
