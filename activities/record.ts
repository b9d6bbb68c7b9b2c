// A process's state changes and their audit events, committed together: every activity that
// changes the record appends its events in the same transaction (documenso's pattern), and a
// change with no other side effect is just this, run as a local activity.
import type { Db, Prisma } from '../runtime/db';
import { appendAuditEvent, recordAuditEvent, type AuditEventInput } from '../record/audit';
import { ESCALATION_REPLY_TOKEN_PURPOSE, TASK_TOKEN_PURPOSE } from '../domain/tokens';
import type { ActivityDeps } from './index';

type Tx = Prisma.TransactionClient;

/** One audit event as a workflow builds it: keyed on the workflow, stamped with the workflow's clock. */
export type ProcessEvent = Omit<AuditEventInput, 'at'> & { idempotencyKey: string; at: string };

/** Which action links stop working: all of a workflow's, one task's, or one person's. */
export interface TokenRevocation {
  workflowId: string;
  taskKey?: string;
  staffId?: string;
  reason: string;
}

/** What a workflow asks to commit with a change: its audit events and the links it ends. */
export interface Commit {
  events?: ProcessEvent[];
  revoke?: TokenRevocation[];
}

export function revocationWhere(r: TokenRevocation): Prisma.ActionTokenWhereInput {
  return {
    workflowId: r.workflowId,
    usedAt: null,
    revokedAt: null,
    ...(r.staffId ? { staffId: r.staffId } : {}),
    ...(r.taskKey ? { purpose: TASK_TOKEN_PURPOSE, scope: { path: ['task'], equals: r.taskKey } } : {}),
    // An escalation reply address covers every escalation its email listed: one of them ending
    // does not end it (each command is checked against its escalation's state instead).
    NOT: { purpose: ESCALATION_REPLY_TOKEN_PURPOSE },
  };
}

/** Revokes, then appends, inside the caller's transaction; idempotent (events are keyed). */
export async function commitInTx(tx: Tx, commit: Commit, now: Date): Promise<void> {
  for (const r of commit.revoke ?? []) await tx.actionToken.updateMany({ where: revocationWhere(r), data: { revokedAt: now } });
  for (const e of commit.events ?? []) await appendAuditEvent(tx, { ...e, at: new Date(e.at) });
}

export function hasWork(commit: Commit): boolean {
  return !!(commit.events?.length || commit.revoke?.length);
}

/** A transaction for a change and its commit, or none when there is nothing to write. */
export async function withCommit(db: Db, commit: Commit, now: Date, change?: (tx: Tx) => Promise<void>): Promise<void> {
  if (!change && !hasWork(commit)) return;
  await db.$transaction(async (tx) => {
    if (change) await change(tx);
    await commitInTx(tx, commit, now);
  });
}

export function createRecordActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  return {
    /** Audit events (and the links they end) of a change with no other side effect, in one transaction. */
    async recordEvents(commit: Commit): Promise<void> {
      await withCommit(deps.db, commit, now());
    },
    /** One audit event, answering where it landed in the chain (the smoke workflow proves a deployment with it). */
    async recordAudit(input: Omit<AuditEventInput, 'at'> & { idempotencyKey: string; at?: string }): Promise<{ seq: number; hash: string }> {
      const event = await recordAuditEvent(deps.db, { ...input, at: input.at ? new Date(input.at) : deps.now?.() });
      return { seq: event.seq, hash: event.hash };
    },
  };
}
