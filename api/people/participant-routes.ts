// A person's care team and access log, for integrations. Who may call what is the table in
// `domain/access.ts`: the routes only say who must be signed in.
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { callerOf } from '../sprints/service';
import type { ParticipantService } from './participant-service';

export function participantRoutes(participants: ParticipantService): Router {
  const router = Router();

  router.get('/participants/:id/care-team', allow('any'), async (req, res) => {
    res.json(await participants.careTeam(callerOf(requirePrincipal(req)), String(req.params.id)));
  });

  router.post('/participants/:id/care-team', allow('any'), async (req, res) => {
    res.status(201).json(await participants.addToCareTeam(callerOf(requirePrincipal(req)), String(req.params.id), req.body ?? {}));
  });

  router.post('/participants/:id/care-team/:memberId/remove', allow('any'), async (req, res) => {
    res.json(await participants.removeFromCareTeam(callerOf(requirePrincipal(req)), String(req.params.id), String(req.params.memberId), req.body ?? {}));
  });

  router.get('/participants/:id/access-log', allow('any'), async (req, res) => {
    res.json(await participants.accessLog(callerOf(requirePrincipal(req)), String(req.params.id), req.query));
  });

  return router;
}
