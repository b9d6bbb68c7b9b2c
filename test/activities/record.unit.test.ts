// Unit tier: the record and notification activities run in MockActivityEnvironment (as a worker
// would run them) against an in-memory fake of the database and a fake mailer, because what is
// tested here is the order and grouping of writes, not SQL: that a change and its audit events
// commit together or not at all, and that a retried step sends each email once. The same
// activities against real PostgreSQL and SMTP: notifications.test.ts and the drills.
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ProcessEvent } from '../../activities';
import { TEST_LINKS } from '../support/mailer';
import { createFakeDb, createFakeMailer } from './fake-db';

const event = (n: number, action: string, item?: string): ProcessEvent => ({
  actor: 'careloop',
  action,
  process: 'sprint',
  workflowId: 'sprint-unit-1',
  item: item ?? null,
  idempotencyKey: `sprint-unit-1:${n}:${action}`,
  at: '2026-11-24T10:00:00.000Z',
});
const hospital = { id: 'hospital', name: 'Harriet Hospital', email: 'harriet@hospital.test', agencyId: 'hospital' };
const reminder = (key: string) => ({
  process: 'sprint' as const,
  kind: 'reminder' as const,
  idempotencyKey: key,
  to: hospital,
  participantRef: 'P-1',
  tasks: [{ key: 'medication-reconciled', title: 'Medication list reconciled', dueAt: '2026-11-24T14:00:00.000Z' }],
  tokensExpireAt: '2026-11-26T14:00:00.000Z',
});

// The failures below are expected: keep them out of the test output.
const quiet = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => undefined) });

describe('record and notify activities (unit: MockActivityEnvironment, in-memory db, fake mailer)', () => {
  it('commits a task’s end and the revocation of its links together, or neither when the audit append fails', async () => {
    const fake = createFakeDb();
    const acts = createActivities({ db: fake.db, mailer: createFakeMailer().mailer, links: TEST_LINKS });
    fake.store.actionTokens.push({ workflowId: 'sprint-unit-1', purpose: 'sprint-task', scope: { task: 'medication-reconciled' }, usedAt: null, revokedAt: null });
    const commit = { events: [event(3, 'task.completed', 'medication-reconciled')], revoke: [{ workflowId: 'sprint-unit-1', taskKey: 'medication-reconciled', reason: 'task-ended' }] };
    const env = quiet();

    fake.failNextAudit();
    await expect(env.run(acts.recordEvents, commit)).rejects.toThrow('audit append failed');
    expect(fake.store.actionTokens[0]!.revokedAt).toBeNull();
    expect(fake.store.auditEvents).toHaveLength(0);

    // Temporal retries: now both land, once, however often it runs.
    await env.run(acts.recordEvents, commit);
    await env.run(acts.recordEvents, commit);
    expect(fake.store.actionTokens[0]!.revokedAt).toBeInstanceOf(Date);
    expect(fake.store.auditEvents.map((e) => e.action)).toEqual(['task.completed']);
  });

  it('a step that emails commits its events first, then sends each email once: a retry after SMTP failed sends only what did not go out', async () => {
    const fake = createFakeDb();
    const smtp = createFakeMailer();
    const acts = createActivities({ db: fake.db, mailer: smtp.mailer, links: TEST_LINKS });
    const step = { workflowId: 'sprint-unit-1', events: [event(4, 'task.reminder-sent', 'medication-reconciled')], emails: [reminder('sprint-unit-1:reminder:a')] };
    const env = quiet();

    smtp.setDown(true);
    await expect(env.run(acts.notify, step)).rejects.toThrow('ECONNREFUSED');
    expect(fake.store.auditEvents.map((e) => e.action)).toEqual(['task.reminder-sent']);
    const unsent = fake.store.actionTokens.filter((t) => t.notificationKey === 'sprint-unit-1:reminder:a');
    expect(unsent).toHaveLength(2); // the task's link and the reply address

    smtp.setDown(false);
    expect(await env.run(acts.notify, step)).toEqual({ sent: 1 });
    expect(await env.run(acts.notify, step)).toEqual({ sent: 0 });
    expect(smtp.sent).toHaveLength(1);
    expect(smtp.sent[0]!.subject).toContain('careloop reminder: Medication list reconciled for P-1');
    // The tokens minted for the email that never went out no longer work.
    expect(unsent.every((t) => t.revokedAt instanceof Date)).toBe(true);
    expect(fake.store.actionTokens.filter((t) => !t.revokedAt)).toHaveLength(2);
    expect(fake.store.auditEvents.map((e) => e.action)).toEqual(['task.reminder-sent', 'notification.sent']);
  });

  it('two steps batched into one activity send both emails in one call', async () => {
    const fake = createFakeDb();
    const smtp = createFakeMailer();
    const acts = createActivities({ db: fake.db, mailer: smtp.mailer, links: TEST_LINKS });
    const env = quiet();
    const result = await env.run(acts.notify, { workflowId: 'sprint-unit-1', events: [event(5, 'task.reminder-sent'), event(6, 'task.reminder-sent')], emails: [reminder('k-1'), reminder('k-2')] });
    expect(result).toEqual({ sent: 2 });
    expect(smtp.sent.map((m) => m.messageId)).toHaveLength(2);
    expect(new Set(smtp.sent.map((m) => m.messageId)).size).toBe(2);
  });
});
