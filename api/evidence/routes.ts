// Managers' views (the huddle roster is coordinators' too): the huddle roster, the evidence report and a participant's audit trail.
// JSON by default; CSV with `?format=csv` or `Accept: text/csv`.
import { Router, type Request, type Response } from 'express';
import { requirePrincipal } from '../auth';
import { allow } from '../access';
import { callerOf } from '../sprints/service';
import type { RosterService } from './roster';
import { figuresCsv, refusalsCsv, type ReportService } from './reports';
import { participantAuditCsv, type ParticipantAuditService } from './participant-audit';

function wantsCsv(req: Request): boolean {
  const format = (req.query as Record<string, unknown>).format;
  if (format === 'csv') return true;
  if (format !== undefined) return false;
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** The caller, with CSV answers logged as exports in the access log. */
function asReader(req: Request) {
  const caller = callerOf(requirePrincipal(req));
  return wantsCsv(req) ? { ...caller, channel: 'export' as const } : caller;
}

function sendCsv(res: Response, filename: string, body: string): void {
  res.type('text/csv; charset=utf-8').attachment(filename).send(body);
}

export function evidenceRoutes(services: { roster: RosterService; reports: ReportService; audit: ParticipantAuditService }): Router {
  const router = Router();

  router.get('/roster', allow('coordinator', 'manager', 'admin'), async (req, res) => {
    res.json(await services.roster.roster(callerOf(requirePrincipal(req)), req.query));
  });

  router.get('/reports/timeliness', allow('manager', 'admin'), async (req, res) => {
    const report = await services.reports.timeliness(asReader(req), req.query);
    if (!wantsCsv(req)) return void res.json(report);
    const refusals = (req.query as Record<string, unknown>).part === 'refusals';
    const stamp = `${report.period.from.slice(0, 10)}_${report.period.to.slice(0, 10)}`;
    sendCsv(res, `careloop-${refusals ? 'refusals' : 'timeliness'}-${stamp}.csv`, refusals ? refusalsCsv(report) : figuresCsv(report));
  });

  router.get('/participants/:id/audit', allow('manager', 'coordinator', 'admin'), async (req, res) => {
    const audit = await services.audit.trail(asReader(req), String(req.params.id), req.query);
    if (!wantsCsv(req)) return void res.json(audit);
    const v = audit.verification;
    res.set('Careloop-Audit-Chain', v.chain.ok && v.participantEventsIntact ? `verified; ${v.chain.checked} events checked` : `BROKEN; ${JSON.stringify(v.chain.firstBad ?? 'participant event altered')}`);
    sendCsv(res, `careloop-audit-${audit.participant.localRef.replace(/[^\w.-]+/g, '_')}.csv`, participantAuditCsv(audit));
  });

  return router;
}
