// The disputes a person works: those they raised, carry the disputed step for, represent a party
// at, or that their agency is party to; for administrators (partnership governance) every one.
// Read from the disputes' reporting rows, each row passed through the one access rule and each
// read logged, for the /disputes page and GET /api/disputes. Also how a dispute's status reads to
// people, here and on the dashboard.
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { createAccess } from '../access';
import { parseInput } from '../errors';
import type { Caller } from '../sprints/service';
import { mayAccess } from '../../domain/access';
import type { DisputeStageState, DisputeStatus } from '../../domain/dispute';
import { withinDeadline } from '../../domain/on-time';
import { DISPUTE_STATUS_WORDS, disputeStageWords } from '../../domain/words';

/** Rows one list shows; beyond this the page says to narrow it. */
export const MAX_ROWS = 200;

export const DISPUTE_LIST_STATUSES = ['open', 'closed', 'all'] as const;

// An empty select or text box means "any".
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const ZDisputeListQuery = z.object({
  status: z.preprocess(blankAsUnset, z.enum(DISPUTE_LIST_STATUSES, { message: 'must be open, closed or all' }).default('open')),
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

export type TDisputeListQuery = z.infer<typeof ZDisputeListQuery>;

/** How the viewer comes to see a dispute. */
export type DisputeRole = 'raiser' | 'interim-owner' | 'representative' | 'party-agency' | 'governance';

export interface DisputeListRow {
  id: string;
  participant: { id: string; localRef: string; displayName: string };
  subject: string;
  step: string;
  status: DisputeStatus;
  stage: number;
  stageLabel: string;
  /** The current stage's deadline, while open. */
  stageDueAt?: string;
  /** Its deadline has passed (at stage 3: governance is late to decide). */
  overdue: boolean;
  interimOwner: { id: string; name: string };
  raisedAt: string;
  closedAt?: string;
  role: DisputeRole;
  agencies: string[];
}

export interface DisputeList {
  query: TDisputeListQuery;
  rows: DisputeListRow[];
  truncated: boolean;
  /** Administrators see every dispute: they are partnership governance. */
  everyDispute: boolean;
}

const STAGE_LABELS: Record<number, string> = { 1: 'Frontline leads', 2: 'Service managers', 3: 'Partnership governance decision' };

export function createDisputeList(deps: { db: Db; now?: () => Date }) {
  const now = () => deps.now?.() ?? new Date();
  const access = createAccess({ db: deps.db, now: deps.now });

  return {
    async list(caller: Caller, rawQuery: unknown): Promise<DisputeList> {
      const query = parseInput(ZDisputeListQuery, rawQuery, 'filter');
      const everyDispute = caller.roles.includes('admin');
      const mine = [
        { raisedById: caller.staffId },
        { interimOwnerId: caller.staffId },
        { partyAgencyIds: { has: caller.agencyId } },
        // A representative from outside the party agencies (governance) is named in the stages.
        { stages: { array_contains: [{ representatives: [{ id: caller.staffId }] }] } },
      ];
      const participantIds = query.participant
        ? (await deps.db.participant.findMany({ where: { localRef: { contains: query.participant, mode: 'insensitive' } }, select: { id: true }, take: 500 })).map((p) => p.id)
        : undefined;
      const found = await deps.db.dispute.findMany({
        where: {
          ...(everyDispute ? {} : { OR: mine }),
          ...(query.status === 'open' ? { status: 'open' } : query.status === 'closed' ? { status: { not: 'open' } } : {}),
          ...(participantIds ? { participantId: { in: participantIds } } : {}),
        },
        orderBy: [{ closedAt: { sort: 'desc', nulls: 'first' } }, { raisedAt: 'desc' }],
        take: MAX_ROWS + 1,
      });
      const truncated = found.length > MAX_ROWS;
      const candidates = found.slice(0, MAX_ROWS);

      // Every row passes the one access rule: named in it, or at a party agency, or a
      // coordinator or manager of the person's care team.
      const relations = await access.relations(caller, candidates.map((d) => d.participantId));
      const stagesOf = (d: (typeof candidates)[number]) => (Array.isArray(d.stages) ? d.stages : []) as unknown as DisputeStageState[];
      const representedBy = (d: (typeof candidates)[number]) => stagesOf(d).flatMap((s) => (s.representatives ?? []).map((r) => r.id));
      const visible = candidates.filter((d) => {
        const party = [d.raisedById, d.interimOwnerId, ...representedBy(d)].includes(caller.staffId) || d.partyAgencyIds.includes(caller.agencyId);
        return mayAccess(caller.roles, { ...relations.get(d.participantId)!, party }, 'dispute');
      });

      const ids = visible.map((d) => d.id);
      const [participants, staff, raised, agencies] = await Promise.all([
        deps.db.participant.findMany({ where: { id: { in: [...new Set(visible.map((d) => d.participantId))] } }, select: { id: true, localRef: true, displayName: true } }),
        deps.db.staff.findMany({ where: { id: { in: [...new Set(visible.map((d) => d.interimOwnerId))] } }, select: { id: true, name: true } }),
        // What a dispute is about is said once, when it is raised.
        ids.length ? deps.db.auditEvent.findMany({ where: { workflowId: { in: ids }, action: 'dispute.raised' }, select: { workflowId: true, data: true } }) : [],
        deps.db.agency.findMany({ where: { id: { in: [...new Set(visible.flatMap((d) => d.partyAgencyIds))] } }, select: { id: true, name: true } }),
      ]);
      const participantById = new Map(participants.map((p) => [p.id, p]));
      const staffById = new Map(staff.map((s) => [s.id, s]));
      const agencyName = new Map(agencies.map((a) => [a.id, a.name]));
      const about = new Map(raised.map((e) => [e.workflowId, (e.data ?? {}) as { subject?: string; step?: string }]));
      const at = now().toISOString();

      const rows: DisputeListRow[] = visible.map((d) => {
        const stages = stagesOf(d);
        const current = stages[stages.length - 1];
        const open = d.status === 'open';
        const role: DisputeRole =
          d.raisedById === caller.staffId
            ? 'raiser'
            : d.interimOwnerId === caller.staffId
              ? 'interim-owner'
              : current?.representatives?.some((r) => r.id === caller.staffId)
                ? d.partyAgencyIds.includes(caller.agencyId)
                  ? 'representative'
                  : 'governance'
                : d.partyAgencyIds.includes(caller.agencyId)
                  ? 'party-agency'
                  : 'governance';
        return {
          id: d.id,
          participant: participantById.get(d.participantId) ?? { id: d.participantId, localRef: 'unknown person', displayName: '' },
          subject: about.get(d.id)?.subject ?? 'Dispute between agencies',
          step: about.get(d.id)?.step ?? '',
          status: d.status as DisputeStatus,
          stage: d.stage,
          stageLabel: current?.label ?? STAGE_LABELS[d.stage] ?? disputeStageWords(d.stage),
          ...(open && current?.dueAt ? { stageDueAt: current.dueAt } : {}),
          overdue: open && !!current?.dueAt && !withinDeadline(at, current.dueAt),
          interimOwner: staffById.get(d.interimOwnerId) ?? { id: d.interimOwnerId, name: 'unknown staff' },
          raisedAt: d.raisedAt.toISOString(),
          ...(d.closedAt ? { closedAt: d.closedAt.toISOString() } : {}),
          role,
          agencies: d.partyAgencyIds.map((a) => agencyName.get(a) ?? 'an agency'),
        };
      });
      rows.sort(compareRows);
      await access.logReads(
        caller,
        rows.map((r) => ({ participantId: r.participant.id, what: 'dispute', item: r.id })),
      );
      return { query, rows, truncated, everyDispute };
    },
  };
}

/** Open first (a passed deadline at the top, then the soonest deadline, the later stage first); closed last, the latest first. */
export function compareRows(a: DisputeListRow, b: DisputeListRow): number {
  const closed = (r: DisputeListRow) => (r.status === 'open' ? 0 : 1);
  const due = (r: DisputeListRow) => (r.stageDueAt ? Date.parse(r.stageDueAt) : Number.MAX_SAFE_INTEGER);
  return (
    closed(a) - closed(b) ||
    Number(b.overdue) - Number(a.overdue) ||
    due(a) - due(b) ||
    b.stage - a.stage ||
    Date.parse(b.closedAt ?? b.raisedAt) - Date.parse(a.closedAt ?? a.raisedAt) ||
    a.id.localeCompare(b.id)
  );
}

export type DisputeListService = ReturnType<typeof createDisputeList>;

// ---------------------------------------------------------------------------------------------
// How a dispute reads to people, on its own pages, its links and the dashboard.

/** Where a dispute stands, in words, beside its badge (which says the stage or how it closed). */
export function disputeStatusWords(s: { status: string; stage: number; stageLabel?: string; overdue?: boolean }): string {
  switch (s.status) {
    case 'resolved':
      return 'Every party accepted one proposal';
    case 'decided':
      return 'Partnership governance decided; the decision binds every party';
    case 'withdrawn':
      return 'The person who raised it withdrew it';
  }
  if (s.stage === 3) return s.overdue ? 'Waiting for partnership governance’s binding decision, which is overdue' : 'Waiting for partnership governance’s binding decision';
  const label = s.stageLabel ?? STAGE_LABELS[s.stage] ?? disputeStageWords(s.stage);
  return `${label}: the parties state positions and agree a resolution${s.overdue ? '; the stage’s deadline has passed' : ''}`;
}

/** Where it stands in a word or two, for a badge beside the full words. */
export function disputeBadgeWords(s: { status: string; stage?: number; overdue?: boolean }): string {
  if (s.status === 'resolved' || s.status === 'decided' || s.status === 'withdrawn') return DISPUTE_STATUS_WORDS[s.status];
  // The search attribute's form ("stage-2") as well as the row's.
  const stage = s.stage ?? Number(/^stage-(\d)$/.exec(s.status)?.[1] ?? 0);
  if (s.overdue) return stage === 3 ? 'Decision overdue' : 'Deadline passed';
  return stage ? `${disputeStageWords(stage)} of 3` : DISPUTE_STATUS_WORDS.open;
}

/** The badge colour (api/static/careloop.css `tone-*`) of a dispute's status. */
export function disputeTone(s: { status: string; overdue?: boolean }): 'open' | 'reminded' | 'overdue' | 'done' | 'na' {
  if (s.status === 'resolved' || s.status === 'decided') return 'done';
  if (s.status === 'withdrawn') return 'na';
  return s.overdue ? 'overdue' : 'open';
}

export const ROLE_WORDS: Record<DisputeRole, string> = {
  raiser: 'you raised it',
  'interim-owner': 'you carry the step',
  representative: 'you represent your agency',
  'party-agency': 'your agency is a party',
  governance: 'partnership governance',
};
