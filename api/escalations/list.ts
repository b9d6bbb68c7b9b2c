// The escalations a person works: those they chair or respond to, and for managers (and admins)
// every escalation chaired in their agency. Read from the escalations' reporting rows, each row
// passed through the one access rule and each read logged, for the /escalations page.
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { createAccess } from '../access';
import { parseInput } from '../errors';
import type { Caller } from '../sprints/service';
import { mayAccess } from '../../domain/access';
import { RISK_LEVELS, TIER_RANK, type EscalationStatus, type RiskLevel } from '../../domain/escalation';
import { withinDeadline } from '../../domain/on-time';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import { ESCALATION_STATUS_WORDS, ESCALATION_TRIGGER_WORDS, TASK_STATUS_WORDS, TIER_WORDS } from '../../domain/words';

/** Rows one list shows; beyond this the page says to narrow it. */
export const MAX_ROWS = 200;

export const ESCALATION_LIST_STATUSES = ['open', 'resolved', 'all'] as const;

// An empty select or text box means "any".
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const ZEscalationListQuery = z.object({
  tier: z.preprocess(blankAsUnset, z.enum(RISK_LEVELS, { message: `must be one of ${RISK_LEVELS.join(', ')}` }).optional()),
  status: z.preprocess(blankAsUnset, z.enum(ESCALATION_LIST_STATUSES, { message: 'must be open, resolved or all' }).default('open')),
  participant: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .max(64, 'must be at most 64 characters')
      .regex(/^[\w./-]+$/, 'may hold letters, digits and - _ / . only')
      .optional(),
  ),
});

export type TEscalationListQuery = z.infer<typeof ZEscalationListQuery>;

export interface EscalationListRow {
  id: string;
  participant: { id: string; localRef: string; displayName: string };
  tier: RiskLevel;
  riskLevel: RiskLevel;
  trigger: string;
  source: { process: string; workflowId?: string; item?: string };
  status: EscalationStatus;
  chair: { id: string; name: string };
  /** How the viewer comes to see it. */
  role: 'chair' | 'responder' | 'agency';
  raisedAt: string;
  /** What is owed next and by when (none once resolved or once its cause ended). */
  nextDueAt?: string;
  overdue: boolean;
  causeResolvedAt?: string;
  resolvedAt?: string;
  resolvedBy?: string;
}

export interface EscalationList {
  query: TEscalationListQuery;
  rows: EscalationListRow[];
  /** More matched than one list shows. */
  truncated: boolean;
  /** Whether the list includes the agency's escalations (managers and admins). */
  agencyWide: boolean;
}

interface TierJson {
  tier?: string;
  chair?: { id?: string; agencyId?: string };
}

/** What is owed next on an escalation's row, by its status: the same deadlines the workflow keeps. */
function nextDueOf(r: { status: string; causeResolvedAt: Date | null; acknowledgeDueAt: Date | null; respondDueAt: Date | null }): Date | null {
  if (r.status === 'resolved' || r.causeResolvedAt) return null;
  return r.status === 'open' ? r.acknowledgeDueAt : r.respondDueAt;
}

export function createEscalationList(deps: { db: Db; now?: () => Date }) {
  const now = () => deps.now?.() ?? new Date();
  const access = createAccess({ db: deps.db, now: deps.now });

  return {
    async list(caller: Caller, rawQuery: unknown): Promise<EscalationList> {
      const query = parseInput(ZEscalationListQuery, rawQuery, 'filter');
      const agencyWide = caller.roles.includes('manager') || caller.roles.includes('admin');
      const mine = [
        { chairId: caller.staffId },
        { responderIds: { has: caller.staffId } },
        // Any tier chaired in the manager's agency: the tiers' chairs name their agencies.
        ...(agencyWide ? [{ tiers: { array_contains: [{ chair: { agencyId: caller.agencyId } }] } }] : []),
      ];
      const participantIds = query.participant
        ? (await deps.db.participant.findMany({ where: { localRef: { contains: query.participant, mode: 'insensitive' } }, select: { id: true }, take: 500 })).map((p) => p.id)
        : undefined;
      const found = await deps.db.escalation.findMany({
        where: {
          OR: mine,
          ...(query.status === 'open' ? { status: { not: 'resolved' } } : query.status === 'resolved' ? { status: 'resolved' } : {}),
          ...(query.tier ? { tier: query.tier } : {}),
          ...(participantIds ? { participantId: { in: participantIds } } : {}),
        },
        // Unresolved first, then the latest: the sort below puts the overdue at the top.
        orderBy: [{ resolvedAt: { sort: 'desc', nulls: 'first' } }, { raisedAt: 'desc' }],
        take: MAX_ROWS + 1,
      });
      const truncated = found.length > MAX_ROWS;
      const candidates = found.slice(0, MAX_ROWS);

      // Every row passes the one access rule: a party to it (chair, responder, a manager of a
      // chairing agency), or a coordinator or manager of the person's care team.
      const relations = await access.relations(caller, candidates.map((e) => e.participantId));
      const visible = candidates.filter((e) => {
        const tiers = (Array.isArray(e.tiers) ? e.tiers : []) as TierJson[];
        const staffIds = [e.chairId, ...e.responderIds, ...tiers.flatMap((t) => (t.chair?.id ? [t.chair.id] : []))];
        const agencyIds = tiers.flatMap((t) => (t.chair?.agencyId ? [t.chair.agencyId] : []));
        const party = staffIds.includes(caller.staffId) || (agencyIds.includes(caller.agencyId) && caller.roles.includes('manager'));
        return mayAccess(caller.roles, { ...relations.get(e.participantId)!, party }, 'escalation');
      });

      const [participants, chairs] = await Promise.all([
        deps.db.participant.findMany({ where: { id: { in: [...new Set(visible.map((e) => e.participantId))] } }, select: { id: true, localRef: true, displayName: true } }),
        deps.db.staff.findMany({ where: { id: { in: [...new Set(visible.map((e) => e.chairId))] } }, select: { id: true, name: true } }),
      ]);
      const participantById = new Map(participants.map((p) => [p.id, p]));
      const chairById = new Map(chairs.map((c) => [c.id, c]));
      const at = now().toISOString();
      const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

      const rows: EscalationListRow[] = visible.map((e) => {
        const due = nextDueOf(e);
        return {
          id: e.id,
          participant: participantById.get(e.participantId) ?? { id: e.participantId, localRef: 'unknown person', displayName: '' },
          tier: e.tier as RiskLevel,
          riskLevel: e.riskLevel as RiskLevel,
          trigger: e.trigger,
          source: { process: e.sourceProcess, ...(e.sourceWorkflowId ? { workflowId: e.sourceWorkflowId } : {}), ...(e.sourceItem ? { item: e.sourceItem } : {}) },
          status: e.status as EscalationStatus,
          chair: chairById.get(e.chairId) ?? { id: e.chairId, name: 'unknown staff' },
          role: e.chairId === caller.staffId ? 'chair' : e.responderIds.includes(caller.staffId) ? 'responder' : 'agency',
          raisedAt: e.raisedAt.toISOString(),
          ...(due ? { nextDueAt: due.toISOString() } : {}),
          overdue: !!due && !withinDeadline(at, due.toISOString()),
          ...(e.causeResolvedAt ? { causeResolvedAt: iso(e.causeResolvedAt) } : {}),
          ...(e.resolvedAt ? { resolvedAt: iso(e.resolvedAt) } : {}),
          ...(e.resolvedBy ? { resolvedBy: e.resolvedBy } : {}),
        };
      });
      rows.sort(compareRows);
      await access.logReads(
        caller,
        rows.map((r) => ({ participantId: r.participant.id, what: 'escalation', item: r.id })),
      );
      return { query, rows, truncated, agencyWide };
    },
  };
}

/**
 * Overdue first (the longest overdue at the top), then what falls due soonest, then the higher
 * tier; resolved escalations last, the latest first.
 */
export function compareRows(a: EscalationListRow, b: EscalationListRow): number {
  const resolved = (r: EscalationListRow) => (r.status === 'resolved' ? 1 : 0);
  const due = (r: EscalationListRow) => (r.nextDueAt ? Date.parse(r.nextDueAt) : Number.MAX_SAFE_INTEGER);
  return (
    resolved(a) - resolved(b) ||
    Number(b.overdue) - Number(a.overdue) ||
    due(a) - due(b) ||
    TIER_RANK[b.tier] - TIER_RANK[a.tier] ||
    Date.parse(b.resolvedAt ?? b.raisedAt) - Date.parse(a.resolvedAt ?? a.raisedAt) ||
    a.id.localeCompare(b.id)
  );
}

export type EscalationListService = ReturnType<typeof createEscalationList>;

// ---------------------------------------------------------------------------------------------
// How an escalation reads to people, on its own pages, the sprint page and the dashboard.

/** A tier's name ("High"): the one vocabulary's (domain/words.ts). */
export const TIER_NAME: Record<RiskLevel, string> = TIER_WORDS;

const STATUS_WORDS: Record<EscalationStatus, string> = {
  open: 'Waiting for the chair to take ownership',
  acknowledged: 'Chair has taken ownership; response action not recorded yet',
  responded: 'Response action recorded; outcome not recorded yet',
  resolved: 'Resolved',
};

/** Where an escalation stands, in words. */
export function escalationStatusWords(s: { status: string; causeResolvedAt?: string | null; resolvedBy?: string | null }): string {
  if (s.status === 'resolved') return s.resolvedBy === 'cause' ? 'Resolved by careloop once its cause ended' : 'Resolved';
  if (s.causeResolvedAt) return 'Cause ended; waiting for the chair to confirm the outcome';
  return STATUS_WORDS[s.status as EscalationStatus] ?? 'Status unavailable right now';
}

/** Where it stands in a word or two, for a badge beside the full words. */
export function escalationBadgeWords(s: { status: string; causeResolvedAt?: string | null; overdue?: boolean }): string {
  if (s.status === 'resolved') return ESCALATION_STATUS_WORDS.resolved;
  if (s.overdue) return 'Overdue';
  if (s.causeResolvedAt) return 'Cause ended';
  return ESCALATION_STATUS_WORDS[s.status as EscalationStatus] ?? 'Status unavailable';
}

/** The badge colour (api/static/careloop.css `tone-*`) of an escalation's status. */
export function escalationTone(s: { status: string; causeResolvedAt?: string | null; overdue?: boolean }): 'open' | 'reminded' | 'overdue' | 'done' | 'na' {
  if (s.status === 'resolved') return 'done';
  if (s.overdue) return 'overdue';
  if (s.causeResolvedAt) return 'na';
  return s.status === 'open' ? 'open' : 'reminded';
}

/** What triggered it: a process's trigger in words, or what the raiser typed. */
export const triggerWords = (trigger: string): string => ESCALATION_TRIGGER_WORDS[trigger] ?? trigger;

const taskTitle = (key: string) => SPRINT_TEMPLATE.find((t) => t.key === key)?.title ?? key;

/** The cause: the sprint task (with the sprint's page) or the plan change that raised it, or a person. */
export function causeOf(source: { process: string; workflowId?: string; item?: string }): { text: string; href?: string } {
  if (source.process === 'sprint') {
    return { text: source.item ? `Sprint task “${taskTitle(source.item)}”` : 'A sprint', ...(source.workflowId ? { href: `/sprints/${encodeURIComponent(source.workflowId)}` } : {}) };
  }
  // No plan page yet: the plan change is named, not linked.
  if (source.process === 'plan-change') return { text: `Plan change${source.item ? ` (version ${source.item.replace(/^v/, '')})` : ''}` };
  if (source.process === 'dispute') return { text: 'The interim owner’s step in a dispute', ...(source.workflowId ? { href: `/disputes/${encodeURIComponent(source.workflowId)}` } : {}) };
  // The plan's own steps (workflows/plan-steps.ts): its rapid review, an agency's update, or one of its actions, on the plan's page.
  if (source.process === 'plan-steps') {
    const planId = source.workflowId ? /^plan-([\w-]+)-steps$/.exec(source.workflowId)?.[1] : undefined;
    const what = source.item?.includes('-update-') ? 'An update asked for the rapid review of the plan' : source.item?.startsWith('review-') ? 'The rapid review of the plan' : 'An action in the plan';
    return { text: what, ...(planId ? { href: `/plans/${planId}` } : {}) };
  }
  // A huddle decision whose follow-up was missed (workflows/huddle.ts), on the huddle's page.
  if (source.process === 'huddle') return { text: `A decision from a huddle${source.item ? ` (${source.item.replace('decision-', 'decision ')})` : ''}`, ...(source.workflowId ? { href: `/huddles/${encodeURIComponent(source.workflowId)}#${source.item ?? ''}` } : {}) };
  return { text: 'Raised by hand' };
}

const TASK_END_WORDS: Record<string, string> = {
  completed: 'was done',
  rejected: 'was refused by the participant',
  cancelled: 'was cancelled',
  failed: 'was not done by the close',
};
/** A task status the verbs above do not know, in the one vocabulary's words. */
const taskEnd = (status: string) => TASK_END_WORDS[status] ?? `ended: ${((TASK_STATUS_WORDS as Record<string, string>)[status] ?? 'closed').toLowerCase()}`;

/** Why the cause ended, in words: the raising process says it in its own terms. */
export function causeEndedWords(reason: string | undefined): string {
  if (!reason) return 'the raising process ended it';
  const task = /^task ([\w-]+) ended as (\w+)$/.exec(reason);
  if (task) return `“${taskTitle(task[1]!)}” ${taskEnd(task[2]!)}`;
  const superseded = /^superseded by version (\d+)$/.exec(reason);
  if (superseded) return `the plan change was replaced by version ${superseded[1]}`;
  if (reason === 'every recipient acknowledged') return 'every recipient acknowledged the plan change';
  return reason;
}
