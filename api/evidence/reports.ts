// The evidence commissioners ask for (seed 001, "What to evidence"): timeliness after discharge,
// tasks done on time, acknowledgement times, escalations handled within their tier's timeframe,
// disputes resolved per stage, refusals with how they were managed, and proof the plan drove
// actions (its actions due, done on time, late, not done; its rapid reviews). Computed from the
// care record the workflows write as they go (Sprint, SprintTask, PlanAcknowledgement, Escalation,
// Dispute, PlanAction, PlanReview); figures are defined in docs/evidence-report.md and domain/stats.ts.
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import {
  acknowledgementFigures,
  disputeFigures,
  escalationFigures,
  firstContactFigures,
  huddleFigures,
  isClosedSprint,
  planActionFigures,
  rapidReviewFigures,
  sprintCounts,
  sprintTaskFigures,
  type AcknowledgementFigures,
  type DisputeFigures,
  type EscalationFigures,
  type FirstContactFigures,
  type HuddleFigures,
  type PlanActionFigures,
  type RapidReviewFigures,
  type SprintCounts,
  type SprintTaskFigures,
} from '../../domain/evidence';
import { createAccess, requireRole } from '../access';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import { zonedLocalToInstant } from '../../domain/format';
import type { Caller } from '../sprints/service';
import { CHANNEL_WORDS, disputeStageWords, PLAN_TRIGGER_WORDS, TIER_WORDS } from '../../domain/words';

const DAY_MS = 86_400_000;
const MAX_PERIOD_DAYS = 400;

/** A partnership-local day (`2026-11-01`) or an instant with its offset. */
const ZWhen = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { message: 'must be a date such as 2026-11-01 or a date and time such as 2026-11-01T09:00:00Z' });

export const ZTimelinessQuery = z
  .object({
    from: ZWhen.optional(),
    to: ZWhen.optional(),
    agency: z.string().regex(/^[\w-]{1,64}$/, 'must be an agency id').optional(),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional(),
    /** The CSV holds either the figures or the list of refusals. */
    part: z.enum(['figures', 'refusals'], { message: 'must be figures or refusals' }).optional(),
  })
  .strict();

export interface TimelinessReport {
  period: { from: string; to: string; timeZone: string };
  scope: { agencyId: string | null };
  sprints: SprintCounts;
  firstContact: FirstContactFigures;
  sprintTasks: SprintTaskFigures;
  acknowledgements: AcknowledgementFigures;
  escalations: EscalationFigures;
  disputes: DisputeFigures;
  /** Proof the plan drove actions: its actions due in the period and what became of them. */
  planActions: PlanActionFigures;
  rapidReviews: RapidReviewFigures;
  /** The caseload governance rhythm: huddles held, attendance, decisions closed on time. */
  huddles: HuddleFigures;
  refusals: { sprintId: string; participantRef: string; taskKey: string; task: string; owner: string; endedAt: string | null; reason: string | null; managedHow: string | null }[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day means local midnight in the partnership's zone; a `to` day includes that whole day. */
function instantOf(value: string, timeZone: string, endOfDay: boolean, field: string): Date {
  if (!DAY.test(value)) return new Date(value);
  const day = endOfDay ? new Date(Date.parse(`${value}T00:00Z`) + DAY_MS).toISOString().slice(0, 10) : value;
  const r = zonedLocalToInstant(`${day}T00:00`, timeZone);
  if ('problem' in r) throw new AppError('INVALID_INPUT', 'The query has invalid fields.', { fields: [{ field, message: r.problem }] });
  return r.instant;
}

export function createReportService(deps: { db: Db; timeZone: string; now?: () => Date }) {
  const now = () => deps.now?.() ?? new Date();
  const access = createAccess({ db: deps.db, now: deps.now });

  return {
    async timeliness(caller: Caller, rawQuery: unknown): Promise<TimelinessReport> {
      const q = parseInput(ZTimelinessQuery, rawQuery, 'query');
      const isAdmin = caller.roles.includes('admin');
      requireRole(caller, ['manager', 'admin'], 'The evidence report is for managers and admins.');
      if (!isAdmin && q.agency && q.agency !== caller.agencyId) throw new AppError('FORBIDDEN', "Managers report on their own agency's work only.");
      const agencyId = isAdmin ? (q.agency ?? null) : caller.agencyId;
      const to = q.to ? instantOf(q.to, deps.timeZone, true, 'to') : now();
      const from = q.from ? instantOf(q.from, deps.timeZone, false, 'from') : new Date(to.getTime() - 30 * DAY_MS);
      if (from >= to) throw new AppError('INVALID_INPUT', 'The query has invalid fields.', { fields: [{ field: 'from', message: 'must be before to' }] });
      if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
        throw new AppError('INVALID_INPUT', 'The query has invalid fields.', { fields: [{ field: 'to', message: `the period may be at most ${MAX_PERIOD_DAYS} days` }] });
      }
      const period = { gte: from, lt: to };
      const db = deps.db;

      // A process is in a manager's scope when their agency takes part in it.
      const agencyStaff = agencyId ? (await db.staff.findMany({ where: { agencyId }, select: { id: true } })).map((s) => s.id) : [];
      const sprintScope = agencyId ? { OR: [{ coordinator: { agencyId } }, { tasks: { some: { owner: { agencyId } } } }] } : {};
      const versionScope = agencyId ? { OR: [{ plan: { planHolder: { agencyId } } }, { acknowledgements: { some: { staff: { agencyId } } } }] } : {};

      // The plan's steps: an agency's work when it owns the action or holds the plan.
      const actionScope = agencyId ? { OR: [{ ownerAgencyId: agencyId }, { holderAgencyId: agencyId }] } : {};
      const [planActions, rapidReviews] = await Promise.all([
        db.planAction.findMany({ where: { dueAt: period, ...actionScope }, select: { status: true, onTime: true, dueAt: true } }),
        db.planReview.findMany({ where: { startedAt: period, ...(agencyId ? { holderAgencyId: agencyId } : {}) }, select: { status: true, onTime: true, dueAt: true, triggers: true, updateRequests: true } }),
      ]);
      // Huddles: an agency's own (each agency holds its huddle).
      const huddles = await db.huddle.findMany({
        where: { startedAt: period, ...(agencyId ? { agencyId } : {}) },
        select: { attendance: { select: { invited: true, attended: true } }, decisions: { select: { status: true, onTime: true, dueAt: true } } },
      });
      const [sprints, versions, escalations, disputes] = await Promise.all([
        db.sprint.findMany({
          where: { dischargeAt: period, ...sprintScope },
          select: { id: true, status: true, firstContactMinutes: true, participant: { select: { id: true, localRef: true } }, tasks: { include: { owner: { select: { name: true } } }, orderBy: { dueAt: 'asc' } } },
          orderBy: { dischargeAt: 'asc' },
        }),
        db.planVersion.findMany({ where: { createdAt: period, acknowledgementRequired: true, ...versionScope }, select: { createdAt: true, acknowledgements: { select: { acknowledgedAt: true, channel: true } } } }),
        db.escalation.findMany({ where: { raisedAt: period, ...(agencyId ? { chairId: { in: agencyStaff } } : {}) } }),
        db.dispute.findMany({ where: { raisedAt: period, ...(agencyId ? { partyAgencyIds: { has: agencyId } } : {}) } }),
      ]);

      // Sprints: closed ones carry the figures; open ones have not reported yet.
      const closed = sprints.filter((s) => isClosedSprint(s.status));
      const tasks = closed.flatMap((s) => s.tasks.map((t) => ({ ...t, participantId: s.participant.id, participantRef: s.participant.localRef })));
      // The figures count the agency's work; the rows that name a person are for that person's care team.
      const refused = tasks.filter((t) => t.status === 'rejected');
      const shown = await access.visible(caller, refused.map((t) => t.participantId), 'report-row');
      const refusals = refused.filter((t) => shown.has(t.participantId));
      await access.logReads(caller, [...new Set(refusals.map((t) => t.participantId))].map((participantId) => ({ participantId, what: 'report' })));

      return {
        period: { from: from.toISOString(), to: to.toISOString(), timeZone: deps.timeZone },
        scope: { agencyId },
        sprints: sprintCounts(sprints),
        firstContact: firstContactFigures(closed),
        sprintTasks: sprintTaskFigures(tasks),
        acknowledgements: acknowledgementFigures(versions),
        escalations: escalationFigures(escalations),
        disputes: disputeFigures(disputes),
        planActions: planActionFigures(planActions, now()),
        rapidReviews: rapidReviewFigures(rapidReviews, now()),
        huddles: huddleFigures(huddles, now()),
        refusals: refusals.map((t) => ({ sprintId: t.sprintId, participantRef: t.participantRef, taskKey: t.key, task: t.title, owner: t.owner.name, endedAt: t.endedAt?.toISOString() ?? null, reason: t.reason, managedHow: t.managedHow })),
      };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;

// ---------------------------------------------------------------------------------------------
// CSV

/** Spreadsheets run cells that start like a formula: such text is prefixed with a quote mark. */
export function csvSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  return stringify(rows, {
    header: true,
    columns,
    cast: { string: csvSafe, date: (d) => d.toISOString(), boolean: (b) => String(b) },
  });
}

function unitOf(measure: string): string {
  if (/Minutes$/.test(measure)) return 'minutes';
  if (/Share$/.test(measure)) return 'percent';
  if (/Days/.test(measure)) return 'working days';
  return 'count';
}

const SECTION_WORDS: Record<string, string> = {
  period: 'Period',
  scope: 'Scope',
  sprints: 'Sprints',
  firstContact: 'First contact after discharge',
  sprintTasks: 'Sprint tasks',
  acknowledgements: 'Plan change acknowledgements',
  escalations: 'Escalations',
  disputes: 'Disputes',
  planActions: 'The plan’s actions',
  rapidReviews: 'Rapid reviews',
  huddles: 'Huddles',
};

/** "byTier.high.resolvedByCause" in words: "by tier, high, resolved by cause"; channels, triggers and stages in careloop's words. */
function measureWords(section: string, path: readonly string[]): string {
  const words = path.map((key, i) => {
    const parent = path[i - 1];
    if (parent === 'byStage') return disputeStageWords(Number(key)).toLowerCase();
    if (parent === 'byTier' && key in TIER_WORDS) return `${TIER_WORDS[key as keyof typeof TIER_WORDS].toLowerCase()} tier`;
    if (parent === 'byChannel') return CHANNEL_WORDS[key] ?? 'another way';
    if (parent === 'byTrigger') return `after ${PLAN_TRIGGER_WORDS[key as keyof typeof PLAN_TRIGGER_WORDS]?.toLowerCase() ?? 'another trigger'}`;
    if (key === 'agencyId') return 'agency';
    return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([a-z])([0-9])/g, '$1 $2').toLowerCase().replace(/\bp 90\b/, '90th percentile');
  });
  return `${SECTION_WORDS[section] ?? section}: ${words.join(', ')}`;
}

/** The figures as rows of section, measure, value and unit, and the measure in words (refusals have their own CSV). */
export function figuresCsv(report: TimelinessReport): string {
  const rows: Record<string, unknown>[] = [];
  const walk = (section: string, path: string[], value: unknown) => {
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(section, [...path, k], v);
      return;
    }
    const measure = path.join('.');
    rows.push({ section, measure, value: value === undefined ? '' : value, unit: unitOf(path[path.length - 1] ?? ''), words: measureWords(section, path) });
  };
  for (const section of ['sprints', 'firstContact', 'sprintTasks', 'acknowledgements', 'escalations', 'disputes', 'planActions', 'rapidReviews', 'huddles'] as const) walk(section, [], report[section]);
  const head = [
    { section: 'period', measure: 'from', value: report.period.from, unit: 'instant', words: 'Period: from (included)' },
    { section: 'period', measure: 'to', value: report.period.to, unit: 'instant', words: 'Period: to (not included)' },
    { section: 'scope', measure: 'agencyId', value: report.scope.agencyId ?? 'all', unit: '', words: report.scope.agencyId ? 'Scope: work this agency took part in' : 'Scope: the whole partnership' },
  ];
  return toCsv([...head, ...rows], ['section', 'measure', 'value', 'unit', 'words']);
}

export function refusalsCsv(report: TimelinessReport): string {
  return toCsv(report.refusals, ['sprintId', 'participantRef', 'taskKey', 'task', 'owner', 'endedAt', 'reason', 'managedHow']);
}
