import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, recordAuditEvent, verifyAuditChain } from '../../activities/audit';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('audit trail (real PostgreSQL)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('chains each event to the one before it and verifies', async () => {
    const first = await recordAuditEvent(t.db, { actor: 'casey@example.org', action: 'sprint.started', process: 'sprint', workflowId: 'sprint-1', reason: 'discharge' });
    const second = await recordAuditEvent(t.db, { actor: 'workflow', action: 'task.completed', workflowId: 'sprint-1', item: 'medication-reconciled', data: { note: 'ok', nested: { b: 1, a: 2 } } });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.seq).toBe(first.seq + 1);
    await expect(verifyAuditChain(t.db)).resolves.toEqual({ ok: true, checked: 2 });
  });

  it('writes an event once per idempotency key, however often it is retried', async () => {
    const key = 'sprint-1:task.completed:transport-confirmed';
    const a = await recordAuditEvent(t.db, { actor: 'workflow', action: 'task.completed', idempotencyKey: key });
    const b = await recordAuditEvent(t.db, { actor: 'workflow', action: 'task.completed', idempotencyKey: key });
    expect(b.seq).toBe(a.seq);
    expect(await t.db.auditEvent.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it('keeps a gap-free chain under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordAuditEvent(t.db, { actor: 'load', action: 'parallel', item: String(i) })));
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(await t.db.auditEvent.count());
  });

  it('refuses UPDATE and DELETE through the database itself', async () => {
    await expect(t.adminQuery(`UPDATE "AuditEvent" SET action = 'forged' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(t.adminQuery(`DELETE FROM "AuditEvent" WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(t.adminQuery(`UPDATE "PlanVersion" SET reason = 'x'`)).resolves.toBeDefined(); // no rows yet: nothing to refuse
  });

  it('catches a row altered behind the triggers (a superuser bypassing them)', async () => {
    await t.adminQuery(`SET session_replication_role = replica`);
    await t.adminQuery(`UPDATE "AuditEvent" SET reason = 'rewritten later' WHERE seq = 2`);
    await t.adminQuery(`SET session_replication_role = DEFAULT`);
    await expect(verifyAuditChain(t.db)).resolves.toMatchObject({ ok: false, checked: 1, firstBad: { seq: 2, problem: 'hash-mismatch' } });
  });

  it('catches a deleted row', async () => {
    const other = await createTestDatabase();
    try {
      for (const action of ['a', 'b', 'c']) await recordAuditEvent(other.db, { actor: 'x', action });
      await other.adminQuery(`SET session_replication_role = replica`);
      await other.adminQuery(`DELETE FROM "AuditEvent" WHERE seq = 2`);
      await other.adminQuery(`SET session_replication_role = DEFAULT`);
      await expect(verifyAuditChain(other.db)).resolves.toMatchObject({ ok: false, firstBad: { seq: 2, problem: 'missing-event' } });
    } finally {
      await other.drop();
    }
  });

  it('catches a re-chained forgery that rewrites hashes but not the next link', async () => {
    const other = await createTestDatabase();
    try {
      for (const action of ['a', 'b', 'c']) await recordAuditEvent(other.db, { actor: 'x', action });
      await other.adminQuery(`SET session_replication_role = replica`);
      // An attacker who recomputes the hash of the row they changed still breaks the next link.
      await other.adminQuery(`UPDATE "AuditEvent" SET hash = repeat('f', 64) WHERE seq = 2`);
      await other.adminQuery(`SET session_replication_role = DEFAULT`);
      const result = await verifyAuditChain(other.db);
      expect(result.ok).toBe(false);
      expect(result.firstBad?.seq).toBe(2);
    } finally {
      await other.drop();
    }
  });
});
