// The huddle roster: every participant with open work or a risk flag in their plan, riskiest
// first, each naming the next action, its owner and when it is due. Answered from Temporal visibility (the search attributes
// every workflow keeps current, domain/next-action.ts) plus names from the care record: no
// workflow is queried one by one.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { addRosterItem, emptyRosterRow, orderRoster, overdueCountOf, planRiskFlags, ROSTER_ORDER, tierOfRank, type RosterItem, type RosterProcess, type RosterRow } from '../../domain/roster';
import type { PlanContent, PlanRiskFlag } from '../../domain/plan';
import { createAccess, requireRole } from '../access';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import type { Caller } from '../sprints/service';
import { pageOfProcess, queryVisibility, type WorkflowListItem } from './workflow-list';

export const ZRosterQuery = z
  .object({
    agency: z.string().regex(/^[\w-]{1,64}$/, 'must be an agency id').optional(),
  })
  .strict();

/** Visibility pages read for one roster; beyond this the roster says it is truncated. */
const PAGE_SIZE = 1000;
const MAX_PAGES = 20;
/** How many people one visibility query names (CareloopParticipant IN (...)). */
const PARTICIPANTS_PER_QUERY = 200;

export type { RosterItem, RosterProcess, RosterRow } from '../../domain/roster';

export interface Roster {
  generatedAt: string;
  /** The order rows are in, for people reading it. */
  sortedBy: string[];
  rows: RosterRow[];
  /** More open processes than one roster reads; narrow it by agency. */
  truncated: boolean;
}

const PROCESSES: readonly string[] = ['sprint', 'plan-change', 'escalation', 'dispute', 'plan-steps'];

const DEFAULT_ACTION: Record<RosterProcess, string> = {
  sprint: 'Open sprint (started before next actions were published)',
  'plan-change': 'Plan change awaiting acknowledgements',
  escalation: 'Open escalation',
  dispute: 'Open dispute',
  'plan-steps': 'Plan action or rapid review open',
};

/**
 * Where a roster item is looked at: the sprint's, the escalation's and the dispute's pages, and
 * the plan's page for a plan change and for the plan's actions and rapid review.
 */
function hrefOf(process: RosterProcess, workflowId: string): string {
  return pageOfProcess(process, workflowId) ?? '/dashboard';
}

/** Is this open work? A plan change with nothing to acknowledge is running but owes nothing. */
function isOpenWork(w: WorkflowListItem): w is WorkflowListItem & { process: RosterProcess; participant: string } {
  if (!w.process || !PROCESSES.includes(w.process) || !w.participant) return false;
  if (w.process === 'plan-change') return w.status === 'awaiting-acknowledgements';
  // A plan's steps run for as long as the plan: on the roster only while an action or review is open.
  if (w.process === 'plan-steps') return w.status === 'rapid-review' || w.status === 'actions-open';
  return true;
}

/** Whose roster: a person's, or (with no staff id) an agency's as careloop captures it for a huddle. */
type RosterCaller = Pick<Caller, 'staffId' | 'agencyId' | 'roles'>;

export function createRosterService(deps: { db: Db; temporal: Client; now?: () => Date }) {
  const now = () => deps.now?.() ?? new Date();
  const access = createAccess({ db: deps.db, now: deps.now });

  /** Every running careloop process matching `scope`, page by page. */
  async function openProcesses(scope: string | undefined) {
    const clauses = ['CareloopProcess IS NOT NULL', `ExecutionStatus = 'Running'`];
    if (scope) clauses.push(scope);
    const all: WorkflowListItem[] = [];
    let page: string | undefined;
    for (let i = 0; i < MAX_PAGES; i += 1) {
      const res = await queryVisibility(deps.temporal, clauses.join(' AND '), PAGE_SIZE, page);
      all.push(...res.workflows);
      page = res.nextPage;
      if (!page) return { workflows: all, truncated: false };
    }
    return { workflows: all, truncated: true };
  }

  /**
   * The open work of the people whose care teams include the caller (their agency, or them by
   * name): the huddle is about the agency's people, whoever owns each step. Admins see every
   * agency's people, or one agency's processes with `agency=`.
   */
  async function rosterProcesses(caller: RosterCaller, agency: string | undefined) {
    // Validated to [\w-] by the schemas; quoted all the same.
    const quote = (v: string) => `'${v.replace(/'/g, '')}'`;
    if (caller.roles.includes('admin')) return openProcesses(agency ? `CareloopAgencies = ${quote(agency)}` : undefined);
    const members = await deps.db.careTeamMember.findMany({
      where: { removedAt: null, OR: [{ agencyId: caller.agencyId }, ...(caller.staffId ? [{ staffId: caller.staffId }] : [])] },
      distinct: ['participantId'],
      select: { participantId: true },
    });
    const ids = members.map((m) => m.participantId);
    const out = { workflows: [] as WorkflowListItem[], truncated: false, careTeamOf: ids as string[] | undefined };
    for (let i = 0; i < ids.length; i += PARTICIPANTS_PER_QUERY) {
      const chunk = ids.slice(i, i + PARTICIPANTS_PER_QUERY);
      const res = await openProcesses(`CareloopParticipant IN (${chunk.map(quote).join(', ')})`);
      out.workflows.push(...res.workflows);
      out.truncated ||= res.truncated;
    }
    return out;
  }

  /**
   * The risk flags of the current plans of these people (all people with a plan when `ids` is
   * undefined, for an admin's roster of the whole partnership); only those with a flag are kept.
   */
  async function planFlags(ids: readonly string[] | undefined, agency: string | undefined): Promise<Map<string, PlanRiskFlag[]>> {
    const where = ids ? { participantId: { in: [...ids] } } : agency ? { participant: { careTeam: { some: { agencyId: agency, removedAt: null } } } } : {};
    const plans = await deps.db.carePlan.findMany({ where, select: { participantId: true, versions: { orderBy: { number: 'desc' }, take: 1, select: { content: true } } } });
    const out = new Map<string, PlanRiskFlag[]>();
    for (const p of plans) {
      const flags = planRiskFlags(p.versions[0]?.content as unknown as PlanContent | undefined);
      if (flags.length) out.set(p.participantId, flags);
    }
    return out;
  }

  /** The roster as `caller` may see it: rows of the people whose care teams include them, riskiest first. */
  async function assemble(caller: RosterCaller, agency: string | undefined): Promise<{ roster: Roster; shown: string[] }> {
    const at = now();
    const processes = await rosterProcesses(caller, agency);
    const { workflows, truncated } = processes;
    const open = workflows.filter(isOpenWork);
    // A person's roster reads the plans of their care teams' people; an admin's, every plan (of the agency's people with `agency`).
    const flagged = await planFlags('careTeamOf' in processes ? (processes.careTeamOf as string[]) : undefined, agency);

    // A row for each person whose care team includes the caller; the agency's processes alone
    // do not make a person the caller's to see. People with open work, and people whose plan
    // carries a risk flag the huddle sorts by, whether or not anything is open for them.
    const participantIds = [...(await access.visible(caller, [...new Set([...open.map((w) => w.participant), ...flagged.keys()])], 'roster-row'))];
    const ownerIds = [...new Set(open.flatMap((w) => (w.nextOwnerId ? [w.nextOwnerId] : [])))];
    const sprintIds = open.filter((w) => w.process === 'sprint').map((w) => w.workflowId);
    const [participants, owners, sprints] = await Promise.all([
      deps.db.participant.findMany({ where: { id: { in: participantIds } }, select: { id: true, localRef: true, displayName: true } }),
      deps.db.staff.findMany({ where: { id: { in: ownerIds } }, select: { id: true, name: true, agency: { select: { name: true } } } }),
      deps.db.sprint.findMany({ where: { id: { in: sprintIds } }, select: { id: true, dischargeAt: true } }),
    ]);
    const participantById = new Map(participants.map((p) => [p.id, p]));
    const ownerById = new Map(owners.map((o) => [o.id, { id: o.id, name: o.name, agency: o.agency.name }]));
    const dischargeBySprint = new Map(sprints.map((s) => [s.id, s.dischargeAt]));

    const rows = new Map<string, RosterRow>();
    const rowOf = (p: RosterRow['participant']) => rows.get(p.id) ?? rows.set(p.id, emptyRosterRow(p)).get(p.id)!;
    for (const w of open) {
      const p = participantById.get(w.participant);
      // A process for a participant the record does not know is not the huddle's to act on.
      if (!p) continue;
      const row = rowOf(p);
      const overdueCount = overdueCountOf(w.nextDueAt, w.overdueCount, at);
      const tier = w.process === 'escalation' ? tierOfRank(w.escalationTier) : undefined;
      const item: RosterItem = {
        workflowId: w.workflowId,
        process: w.process,
        status: w.status ?? w.runStatus,
        action: w.nextAction ?? DEFAULT_ACTION[w.process],
        ...(w.nextOwnerId ? { owner: ownerById.get(w.nextOwnerId) ?? { id: w.nextOwnerId, name: 'unknown staff', agency: '' } } : {}),
        ...(w.nextDueAt ? { dueAt: w.nextDueAt } : {}),
        overdue: overdueCount > 0,
        overdueCount,
        ...(tier ? { escalationTier: tier } : {}),
        href: hrefOf(w.process, w.workflowId),
      };
      addRosterItem(row, item, { dischargeAt: dischargeBySprint.get(w.workflowId), now: at });
    }
    for (const [participantId, flags] of flagged) {
      const p = participantById.get(participantId);
      if (p) rowOf(p).flags.planRisks = flags;
    }
    return { roster: { generatedAt: at.toISOString(), sortedBy: ROSTER_ORDER, rows: orderRoster(rows.values()), truncated }, shown: [...rows.keys()] };
  }

  return {
    async roster(caller: Caller, rawQuery: unknown): Promise<Roster> {
      const q = parseInput(ZRosterQuery, rawQuery, 'query');
      const isAdmin = caller.roles.includes('admin');
      requireRole(caller, ['coordinator', 'manager', 'admin'], 'The huddle roster is for coordinators, managers and admins.');
      if (!isAdmin && q.agency && q.agency !== caller.agencyId) throw new AppError('FORBIDDEN', "You see your own agency's roster only.");
      const { roster, shown } = await assemble(caller, isAdmin ? q.agency : undefined);
      await access.logReads(caller, shown.map((participantId) => ({ participantId, what: 'roster' })));
      return roster;
    },

    /**
     * The roster of one agency as careloop captures it for a huddle (workflows/huddle.ts): the
     * people whose care teams include the agency, as its coordinators would see them. Nobody
     * reads it here, so nothing is logged; the huddle's page logs each person it shows.
     */
    async captureForAgency(agencyId: string): Promise<Roster> {
      return (await assemble({ staffId: '', agencyId, roles: ['coordinator'] }, undefined)).roster;
    },
  };
}

export type RosterService = ReturnType<typeof createRosterService>;
