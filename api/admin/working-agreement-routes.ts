// /api/working-agreement: the working agreement in force, its versions and what each changed, and
// an admin's change (a new version). Readable with any API token; changed by admins only.
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow, allowWith } from '../access';
import { AppError } from '../errors';
import { NOT_AN_ADMIN, type WorkingAgreementService } from './working-agreement-service';
import type { AgreementVersion } from '../../domain/working-agreement';

const summary = (v: AgreementVersion) => ({ version: v.version, createdAt: v.createdAt, author: v.author, reason: v.reason, links: { self: `/api/working-agreement/versions/${v.version}` } });

export function workingAgreementRoutes(agreement: WorkingAgreementService): Router {
  const router = Router();
  const versionOf = (raw: unknown) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new AppError('NOT_FOUND', 'There is no such version of the working agreement.');
    return n;
  };

  router.get('/working-agreement', allow('any'), async (_req, res) => {
    res.json(await agreement.inForce());
  });
  router.get('/working-agreement/versions', allow('any'), async (_req, res) => {
    res.json({ versions: (await agreement.history()).map(summary) });
  });
  router.get('/working-agreement/versions/:version', allow('any'), async (req, res) => {
    const { after, changes } = await agreement.changes(versionOf(req.params.version));
    res.json({ ...after, changes });
  });
  router.post('/working-agreement', allowWith(NOT_AN_ADMIN, 'admin'), async (req, res) => {
    const p = requirePrincipal(req);
    const saved = await agreement.change({ staffId: p.staffId, name: p.name, email: p.email, roles: p.roles }, req.body);
    res.status(201).location(`/api/working-agreement/versions/${saved.version}`).json(saved);
  });

  return router;
}
