// /api/staff/...: admins manage who may act. Deactivate a person (their sessions, API token and
// unused email links stop at once; their open work comes back for reassignment), issue or revoke
// an API token, end every session of a person, list who holds which role. `:id` is a staff id or
// an email address.
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import type { AppDeps } from '../app';
import { createStaffAdminService, type AdminActor } from './staff-service';

export function staffAdminRoutes(deps: AppDeps): Router {
  const router = Router();
  const service = createStaffAdminService({ db: deps.db, temporal: deps.temporal, now: deps.now, apiTokenTtlDays: deps.config.apiTokenTtlDays });
  const admin = allow('admin');
  const actor = (req: Parameters<typeof requirePrincipal>[0]): AdminActor => {
    const who = requirePrincipal(req);
    return { actor: who.email, actorId: who.staffId };
  };
  const id = (raw: unknown) => String(raw);

  router.get('/staff/roles', admin, async (_req, res) => {
    res.json(await service.roles());
  });
  router.get('/staff/:id/open-work', admin, async (req, res) => {
    res.json(await service.openWork(id(req.params.id)));
  });
  router.post('/staff/:id/deactivate', admin, async (req, res) => {
    res.json(await service.deactivate(actor(req), id(req.params.id), req.body ?? {}));
  });
  router.post('/staff/:id/token', admin, async (req, res) => {
    res.status(201).json(await service.issueApiToken(actor(req), id(req.params.id), req.body ?? {}));
  });
  router.post('/staff/:id/token/revoke', admin, async (req, res) => {
    res.json(await service.revokeApiToken(actor(req), id(req.params.id), req.body ?? {}));
  });
  router.post('/staff/:id/sessions/end', admin, async (req, res) => {
    res.json(await service.endSessions(actor(req), id(req.params.id), req.body ?? {}));
  });

  return router;
}
