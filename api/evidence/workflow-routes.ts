// GET /api/workflows: the live list of coordination processes, from Temporal visibility.
import { Router } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { callerOf } from '../sprints/service';
import type { WorkflowListService } from './workflow-list';

export function workflowListRoutes(list: WorkflowListService): Router {
  const router = Router();
  router.get('/workflows', allow('manager', 'admin'), async (req, res) => {
    res.json(await list.list(callerOf(requirePrincipal(req)), req.query));
  });
  return router;
}
