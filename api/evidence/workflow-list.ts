// Managers' live list of every coordination process, answered from Temporal visibility through
// careloop's search attributes: one query, no database scan, no workflow queried one by one.
import type { Db } from '../../runtime/db';
import { createAccess, requireRole } from '../access';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { decodeSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import type { Caller } from '../sprints/service';
import { planIdOfStepsWorkflow } from '../../domain/plan-steps';

export const ZWorkflowListQuery = z
  .object({
    process: z.enum(['sprint', 'plan-change', 'escalation', 'dispute', 'plan-steps'], { message: 'must be sprint, plan-change, escalation, dispute or plan-steps' }).optional(),
    status: z.string().regex(/^[a-z-]{1,40}$/, 'must be a status such as open or awaiting-acknowledgements').optional(),
    participant: z.string().regex(/^[\w-]{1,64}$/, 'must be a participant id').optional(),
    agency: z.string().regex(/^[\w-]{1,64}$/, 'must be an agency id').optional(),
    overdue: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    running: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
    page: z.string().max(2000).regex(/^[\w-]*$/, 'must be the nextPage value of an earlier answer').optional(),
  })
  .strict();

export interface WorkflowListItem {
  workflowId: string;
  type: string;
  runStatus: string;
  startedAt: string;
  closedAt?: string;
  process?: string;
  status?: string;
  participant?: string;
  agencies: string[];
  overdueCount?: number;
  escalationTier?: number;
  /** Who owes what next (domain/next-action.ts); absent on workflows started before it existed. */
  nextAction?: string;
  nextOwnerId?: string;
  nextDueAt?: string;
}

const VISIBILITY_DEADLINE_MS = 5000;

/** One page of a visibility query, decoded; `page` and `nextPage` are opaque base64url tokens. */
export async function queryVisibility(client: Client, query: string, pageSize: number, page?: string, deadlineMs = VISIBILITY_DEADLINE_MS): Promise<{ workflows: WorkflowListItem[]; nextPage?: string }> {
  // A Temporal that is down answers 503 within seconds rather than holding the request open.
  const res = await client.withDeadline(Date.now() + deadlineMs, () =>
    client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize,
      nextPageToken: page ? Buffer.from(page, 'base64url') : undefined,
    }),
  );
  const workflows = (res.executions ?? []).map((e): WorkflowListItem => {
    const sa = decodeSearchAttributes(e.searchAttributes?.indexedFields) as Record<string, unknown[] | undefined>;
    const one = <T>(name: string) => sa[name]?.[0] as T | undefined;
    const ts = (t: typeof e.startTime) => (t?.seconds ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString() : undefined);
    const due = one<Date | string>('CareloopNextDue');
    return {
      workflowId: e.execution?.workflowId ?? '',
      type: e.type?.name ?? '',
      runStatus: String(temporal.api.enums.v1.WorkflowExecutionStatus[e.status ?? 0] ?? e.status).replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase(),
      startedAt: ts(e.startTime) ?? '',
      closedAt: ts(e.closeTime),
      process: one<string>('CareloopProcess'),
      status: one<string>('CareloopStatus'),
      participant: one<string>('CareloopParticipant'),
      agencies: (sa.CareloopAgencies as string[] | undefined) ?? [],
      overdueCount: one<number>('CareloopOverdueCount'),
      escalationTier: one<number>('CareloopEscalationTier'),
      nextAction: one<string>('CareloopNextAction'),
      nextOwnerId: one<string>('CareloopNextOwner'),
      nextDueAt: due === undefined ? undefined : new Date(due).toISOString(),
    };
  });
  const token = res.nextPageToken && res.nextPageToken.length ? Buffer.from(res.nextPageToken).toString('base64url') : undefined;
  return { workflows, ...(token ? { nextPage: token } : {}) };
}

// Values go into a visibility query: they are validated above to a safe alphabet, and quoted.
const quote = (v: string) => `'${v.replace(/'/g, '')}'`;

/**
 * What a page's filters ask of the list (api/evidence/pages.ts reads them from its form): each
 * value already checked and turned into careloop's codes. `statuses` are pairs of a process and
 * the status code it publishes; `withAgency` narrows a manager's list to processes another agency
 * takes part in too. `overdueAt` keeps running processes overdue at that instant: their own count
 * of overdue items is above zero or their next step's due time has passed (domain/roster.ts
 * overdueCountOf, the number each row shows).
 */
export interface ProcessFilter {
  process?: string;
  statuses?: readonly { process: string; status: string }[];
  participantId?: string;
  withAgency?: string;
  overdueAt?: Date;
  running?: 'running' | 'closed' | 'any';
}

/** A dashboard page holds at most this many rows from the start of the list (Temporal's page limit). */
export const MAX_LISTED = 1000;

export function createWorkflowListService(deps: { temporal: Client; db: Db }) {
  const access = createAccess({ db: deps.db });

  /** The visibility clauses every list of a caller starts from: careloop's processes the caller may see. */
  const baseClauses = (caller: Caller, agency: string | undefined) => {
    const clauses = ['CareloopProcess IS NOT NULL'];
    // A plan's steps run for as long as the plan: listed while an action or review is open, once (not each run continued as new).
    clauses.push(`(CareloopProcess != 'plan-steps' OR CareloopStatus != 'nothing-open')`, `ExecutionStatus != 'ContinuedAsNew'`);
    // Managers see the processes their agency takes part in; admins see all.
    const scope = caller.roles.includes('admin') ? agency : caller.agencyId;
    if (scope) clauses.push(`CareloopAgencies = ${quote(scope)}`);
    return clauses;
  };

  /** A page's filters as one visibility query (every value validated by the page, quoted all the same). */
  const filterQuery = (caller: Caller, f: ProcessFilter) => {
    requireRole(caller, ['manager', 'admin'], 'The live list is for managers and admins.');
    const isAdmin = caller.roles.includes('admin');
    // An admin's agency filter is the scope; a manager's narrows their own agency's list to processes the other agency shares.
    const clauses = baseClauses(caller, isAdmin ? f.withAgency : undefined);
    if (!isAdmin && f.withAgency && f.withAgency !== caller.agencyId) clauses.push(`CareloopAgencies = ${quote(f.withAgency)}`);
    if (f.process) clauses.push(`CareloopProcess = ${quote(f.process)}`);
    if (f.statuses?.length) clauses.push(`(${f.statuses.map((s) => `(CareloopProcess = ${quote(s.process)} AND CareloopStatus = ${quote(s.status)})`).join(' OR ')})`);
    if (f.participantId) clauses.push(`CareloopParticipant = ${quote(f.participantId)}`);
    if (f.overdueAt) clauses.push(`(CareloopOverdueCount > 0 OR CareloopNextDue < ${quote(f.overdueAt.toISOString())})`);
    const running = f.overdueAt ? 'running' : (f.running ?? 'running');
    if (running === 'running') clauses.push(`ExecutionStatus = 'Running'`);
    if (running === 'closed') clauses.push(`ExecutionStatus != 'Running'`);
    return clauses.join(' AND ');
  };

  return {
    async list(caller: Caller, rawQuery: unknown): Promise<{ workflows: WorkflowListItem[]; nextPage?: string }> {
      const q = parseInput(ZWorkflowListQuery, rawQuery, 'query');
      const isAdmin = caller.roles.includes('admin');
      requireRole(caller, ['manager', 'admin'], 'The live list is for managers and admins.');
      // Managers see the processes their agency takes part in; admins see all.
      if (!isAdmin && q.agency && q.agency !== caller.agencyId) throw new AppError('FORBIDDEN', "Managers see their own agency's processes only.");
      const clauses = baseClauses(caller, q.agency);
      if (q.process) clauses.push(`CareloopProcess = ${quote(q.process)}`);
      if (q.status) clauses.push(`CareloopStatus = ${quote(q.status)}`);
      if (q.participant) clauses.push(`CareloopParticipant = ${quote(q.participant)}`);
      if (q.overdue === 'true') clauses.push('CareloopOverdueCount > 0');
      if (q.running === 'true') clauses.push(`ExecutionStatus = 'Running'`);
      if (q.running === 'false') clauses.push(`ExecutionStatus != 'Running'`);
      const { workflows, nextPage } = await queryVisibility(deps.temporal, clauses.join(' AND '), q.pageSize, q.page);
      // Each row names a person and a process of theirs: one access-log entry per row shown.
      await access.logReads(caller, workflows.flatMap((w) => (w.participant ? [{ participantId: w.participant, what: w.process ?? 'process', item: w.workflowId }] : [])));
      return { workflows, ...(nextPage ? { nextPage } : {}) };
    },

    /**
     * How many processes match a page's filters (a tile's number; no person is named, so nothing
     * is logged). Temporal counts from the same index the list reads.
     */
    async count(caller: Caller, f: ProcessFilter): Promise<number> {
      const query = filterQuery(caller, f);
      const res = await deps.temporal.withDeadline(Date.now() + VISIBILITY_DEADLINE_MS, () => deps.temporal.workflow.count(query));
      return res.count;
    },

    /**
     * Rows `offset` to `offset + size` of the list a page's filters ask for, in visibility's own
     * order (newest first), and whether more follow. Temporal's pages run forwards only, so a page
     * further on is read from the start of the list: at most MAX_LISTED rows in one request.
     */
    async page(caller: Caller, f: ProcessFilter, offset: number, size: number): Promise<{ workflows: WorkflowListItem[]; more: boolean; truncated: boolean }> {
      const query = filterQuery(caller, f);
      const want = Math.min(offset + size + 1, MAX_LISTED);
      const { workflows: all, nextPage } = await queryVisibility(deps.temporal, query, want);
      const workflows = all.slice(offset, offset + size);
      await access.logReads(caller, workflows.flatMap((w) => (w.participant ? [{ participantId: w.participant, what: w.process ?? 'process', item: w.workflowId }] : [])));
      const more = all.length > offset + size;
      // Past MAX_LISTED rows the list is not paged further: the filters narrow it.
      return { workflows, more, truncated: !more && !!nextPage && want === MAX_LISTED };
    },

    /** The local reference of each person a list names (the list holds ids), for a page to show. */
    async participantRefs(list: { workflows: readonly WorkflowListItem[] }): Promise<Map<string, string>> {
      const ids = [...new Set(list.workflows.flatMap((w) => (w.participant ? [w.participant] : [])))];
      const rows = await deps.db.participant.findMany({ where: { id: { in: ids } }, select: { id: true, localRef: true } });
      return new Map(rows.map((p) => [p.id, p.localRef]));
    },
  };
}

export type WorkflowListService = ReturnType<typeof createWorkflowListService>;

/** The plan a plan change's workflow belongs to (`plan-<planId>-v<n>`, domain/plan.ts), or undefined. */
export function planIdOfChangeWorkflow(workflowId: string): string | undefined {
  return /^plan-([\w-]+)-v\d+$/.exec(workflowId)?.[1];
}

/**
 * The page a process opens on: the sprint's, the escalation's, the dispute's, or the plan's (for
 * a plan change and for the plan's actions and rapid review). Undefined for anything else.
 */
export function pageOfProcess(process: string | undefined, workflowId: string): string | undefined {
  const id = encodeURIComponent(workflowId);
  if (process === 'sprint') return `/sprints/${id}`;
  if (process === 'escalation') return `/escalations/${id}`;
  if (process === 'dispute') return `/disputes/${id}`;
  const planId = process === 'plan-change' ? planIdOfChangeWorkflow(workflowId) : process === 'plan-steps' ? planIdOfStepsWorkflow(workflowId) : undefined;
  return planId ? `/plans/${encodeURIComponent(planId)}` : undefined;
}
