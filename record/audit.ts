// The audit trail: append-only, hash-chained, one event per state change.
// Each event's hash covers its own fields and the previous event's hash, and seq has no gaps,
// so altering or deleting any event but the newest breaks verification.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';
import type { Db, Prisma } from '../runtime/db';

export const GENESIS_HASH = '0'.repeat(64);
// One chain for the whole record: appends are serialised on this advisory lock key.
const AUDIT_CHAIN_LOCK = 0x6361_7265; // "care"

export interface AuditEventInput {
  actor: string;
  actorId?: string | null;
  action: string;
  reason?: string | null;
  process?: string | null;
  workflowId?: string | null;
  item?: string | null;
  participantId?: string | null;
  data?: Record<string, unknown>;
  /** Retries with the same key write nothing new and return the first event. */
  idempotencyKey?: string | null;
  at?: Date;
}

export interface StoredAuditEvent {
  seq: number;
  at: Date;
  actorId: string | null;
  actor: string;
  action: string;
  reason: string | null;
  process: string | null;
  workflowId: string | null;
  item: string | null;
  participantId: string | null;
  data: unknown;
  idempotencyKey: string | null;
  prevHash: string;
  hash: string;
}

export function hashAuditEvent(e: Omit<StoredAuditEvent, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actorId: e.actorId,
    actor: e.actor,
    action: e.action,
    reason: e.reason,
    process: e.process,
    workflowId: e.workflowId,
    item: e.item,
    participantId: e.participantId,
    data: e.data,
    idempotencyKey: e.idempotencyKey,
  });
  return createHash('sha256').update(e.prevHash).update('\n').update(body).digest('hex');
}

type Tx = Prisma.TransactionClient;

/**
 * Appends one audit event inside the caller's transaction, so the event and the change it
 * records commit together. Use `recordAuditEvent` when there is no surrounding transaction.
 */
export async function appendAuditEvent(tx: Tx, input: AuditEventInput): Promise<StoredAuditEvent> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
  if (input.idempotencyKey) {
    const existing = await tx.auditEvent.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
    if (existing) return existing;
  }
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  const draft = {
    seq: (last?.seq ?? 0) + 1,
    // Millisecond precision, as PostgreSQL stores it, so the hash recomputes exactly.
    at: new Date((input.at ?? new Date()).getTime()),
    actorId: input.actorId ?? null,
    actor: input.actor,
    action: input.action,
    reason: input.reason ?? null,
    process: input.process ?? null,
    workflowId: input.workflowId ?? null,
    item: input.item ?? null,
    participantId: input.participantId ?? null,
    data: JSON.parse(canonicalJson(input.data ?? {})) as Prisma.InputJsonValue,
    idempotencyKey: input.idempotencyKey ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  return tx.auditEvent.create({ data: { ...draft, hash: hashAuditEvent(draft) } });
}

export async function recordAuditEvent(db: Db, input: AuditEventInput): Promise<StoredAuditEvent> {
  return db.$transaction((tx) => appendAuditEvent(tx, input));
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first event that fails, and why. */
  firstBad?: { seq: number; problem: 'hash-mismatch' | 'broken-link' | 'missing-event' };
}

/** Walks the whole chain in order and reports the first event that does not verify. */
export async function verifyAuditChain(db: Db, batchSize = 1000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const batch = await db.auditEvent.findMany({
      where: { seq: { gte: expectedSeq } },
      orderBy: { seq: 'asc' },
      take: batchSize,
    });
    if (batch.length === 0) return { ok: true, checked };
    for (const event of batch) {
      if (event.seq !== expectedSeq) return { ok: false, checked, firstBad: { seq: expectedSeq, problem: 'missing-event' } };
      if (event.prevHash !== prevHash) return { ok: false, checked, firstBad: { seq: event.seq, problem: 'broken-link' } };
      if (hashAuditEvent(event) !== event.hash) return { ok: false, checked, firstBad: { seq: event.seq, problem: 'hash-mismatch' } };
      prevHash = event.hash;
      expectedSeq += 1;
      checked += 1;
    }
  }
}
