// Email activities against real PostgreSQL and a real SMTP listener, called directly as a
// retrying Temporal worker would call them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { hashToken } from '../../runtime/secrets';
import { createMailer } from '../../runtime/mailer';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { freePort } from '../support/ports';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createSprintPeople, type SprintPeople } from '../support/sprint-fixture';

describe('sprint emails (real PostgreSQL and SMTP)', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
  });
  afterAll(async () => {
    await t?.drop();
    await smtp?.stop();
  });

  const input = (key: string) => ({
    kind: 'assigned' as const,
    workflowId: 'sprint-test-1',
    idempotencyKey: key,
    to: people.hospital,
    participantRef: 'P-77',
    tasks: [
      { key: 'discharge-summary-received', title: 'Discharge summary received', dueAt: '2026-11-24T14:00:00.000Z' },
      { key: 'medication-reconciled', title: 'Medication list reconciled', dueAt: '2026-11-24T14:00:00.000Z' },
    ],
    tokensExpireAt: '2026-11-26T14:00:00.000Z',
  });

  it('sends an email once however often the activity is retried, and audits it once', async () => {
    const acts = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    expect(await acts.sendSprintEmail(input('k-once'))).toEqual({ sent: true });
    expect(await acts.sendSprintEmail(input('k-once'))).toEqual({ sent: false });
    const mails = await smtp.waitFor((m) => m.subject.includes('P-77'));
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages.filter((m) => m.subject.includes('P-77'))).toHaveLength(1);
    expect(mails[0]!.text).toContain('due Tue, 24 Nov 2026, 14:00 UTC');
    expect(await t.db.notification.findUniqueOrThrow({ where: { idempotencyKey: 'k-once' } })).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await t.db.auditEvent.count({ where: { action: 'notification.sent', idempotencyKey: 'notification:k-once' } })).toBe(1);
  });

  it('stores only hashes: the tokens in the email are in the database as hashes, never raw', async () => {
    const mail = smtp.messages.find((m) => m.subject.includes('P-77'))!;
    const linkTokens = [...mail.text.matchAll(/\/a\/(cla_[\w-]+)/g)].map((m) => m[1]!);
    const replyToken = mail.replyTo!.match(/^ack\+([0-9a-f]{40})@/)![1]!;
    expect(linkTokens).toHaveLength(2);
    for (const token of [...linkTokens, replyToken]) {
      const row = await t.db.actionToken.findUnique({ where: { tokenHash: hashToken(token) } });
      expect(row).toMatchObject({ staffId: people.hospital.id, workflowId: 'sprint-test-1', usedAt: null, revokedAt: null });
    }
    const dump = JSON.stringify(await t.db.actionToken.findMany());
    for (const token of linkTokens) expect(dump).not.toContain(token);
  });

  it('with SMTP down, fails so Temporal retries; the retry sends once and the unsent tokens never work', async () => {
    const down = createActivities({ db: t.db, mailer: createMailer(`smtp://127.0.0.1:${await freePort()}`, 'careloop <c@test>'), links: TEST_LINKS });
    await expect(down.sendSprintEmail(input('k-retry'))).rejects.toThrow();
    const firstTokens = await t.db.actionToken.findMany({ where: { notificationKey: 'k-retry' } });
    expect(firstTokens).toHaveLength(3);

    const up = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    expect(await up.sendSprintEmail(input('k-retry'))).toEqual({ sent: true });
    const after = await t.db.actionToken.findMany({ where: { notificationKey: 'k-retry' } });
    expect(after).toHaveLength(6);
    expect(after.filter((x) => firstTokens.some((f) => f.id === x.id)).every((x) => x.revokedAt)).toBe(true);
    expect(after.filter((x) => !x.revokedAt)).toHaveLength(3);
    expect(await t.db.notification.findUniqueOrThrow({ where: { idempotencyKey: 'k-retry' } })).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('revokes a task’s tokens when it ends, and all of a sprint’s when it closes', async () => {
    const acts = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    const one = await acts.revokeActionTokens({ workflowId: 'sprint-test-1', taskKey: 'medication-reconciled', reason: 'task-ended' });
    expect(one.revoked).toBe(2); // one per sent email carrying that task
    const rest = await acts.revokeActionTokens({ workflowId: 'sprint-test-1', reason: 'sprint-closed' });
    expect(rest.revoked).toBe(4); // the other task links and the reply tokens
    expect(await t.db.actionToken.count({ where: { workflowId: 'sprint-test-1', revokedAt: null, usedAt: null } })).toBe(0);
  });
});
