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

export function createWorkflowListService(deps: { temporal: Client; db: Db }) {
  const access = createAccess({ db: deps.db });
  return {
    async list(caller: Caller, rawQuery: unknown): Promise<{ workflows: WorkflowListItem[]; nextPage?: string }> {
      const q = parseInput(ZWorkflowListQuery, rawQuery, 'query');
      const isAdmin = caller.roles.includes('admin');
      requireRole(caller, ['manager', 'admin'], 'The live list is for managers and admins.');
      // Managers see the processes their agency takes part in; admins see all.
      if (!isAdmin && q.agency && q.agency !== caller.agencyId) throw new AppError('FORBIDDEN', "Managers see their own agency's processes only.");
      const agency = isAdmin ? q.agency : caller.agencyId;
      const clauses = ['CareloopProcess IS NOT NULL'];
      // A plan's steps run for as long as the plan: listed while an action or review is open, once (not each run continued as new).
      clauses.push(`(CareloopProcess != 'plan-steps' OR CareloopStatus != 'nothing-open')`, `ExecutionStatus != 'ContinuedAsNew'`);
      if (q.process) clauses.push(`CareloopProcess = ${quote(q.process)}`);
      if (q.status) clauses.push(`CareloopStatus = ${quote(q.status)}`);
      if (q.participant) clauses.push(`CareloopParticipant = ${quote(q.participant)}`);
      if (agency) clauses.push(`CareloopAgencies = ${quote(agency)}`);
      if (q.overdue === 'true') clauses.push('CareloopOverdueCount > 0');
      if (q.running === 'true') clauses.push(`ExecutionStatus = 'Running'`);
      if (q.running === 'false') clauses.push(`ExecutionStatus != 'Running'`);
      const { workflows, nextPage } = await queryVisibility(deps.temporal, clauses.join(' AND '), q.pageSize, q.page);
      // Each row names a person and a process of theirs: one access-log entry per row shown.
      await access.logReads(caller, workflows.flatMap((w) => (w.participant ? [{ participantId: w.participant, what: w.process ?? 'process', item: w.workflowId }] : [])));
      return { workflows, ...(nextPage ? { nextPage } : {}) };
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
