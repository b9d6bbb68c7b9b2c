// /api/me, /api/agencies and /api/staff: who the caller is, and who is who (the ids and keys
// other API inputs take).
import { Router } from 'express';
import { z } from 'zod';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import type { AppDeps } from '../app';
import { AppError, parseInput } from '../errors';
import { AGENCY_LOOKUP_HINT, createDirectory, resolveAgency, ZAgencyRef } from './directory';

export const ZStaffQuery = z.object({ agency: ZAgencyRef.optional() }).strict();

export function meRoutes(deps: AppDeps): Router {
  const router = Router();
  const directory = createDirectory(deps.db);

  router.get('/me', allow('any'), async (req, res) => {
    const who = requirePrincipal(req);
    const agency = await directory.agencyOf(who.agencyId);
    res.json({ id: who.staffId, email: who.email, name: who.name, roles: who.roles, agency });
  });

  // Anyone with a token may name an agency in an input, so anyone may look up its id and key.
  router.get('/agencies', allow('any'), async (_req, res) => {
    res.json({ agencies: await directory.agencies() });
  });

  // Coordinators pick task owners from here; managers and admins see who is who.
  router.get('/staff', allow('coordinator', 'manager', 'admin'), async (req, res) => {
    const q = parseInput(ZStaffQuery, req.query, 'query');
    const agency = q.agency === undefined ? undefined : await resolveAgency(deps.db, q.agency);
    if (q.agency !== undefined && !agency) {
      throw new AppError('INVALID_INPUT', 'The query has invalid fields.', { fields: [{ field: 'agency', message: `is not an agency careloop knows; ${AGENCY_LOOKUP_HINT}` }] });
    }
    res.json({ staff: await directory.activeStaff(agency?.id) });
  });

  return router;
}
