// Email activities against real PostgreSQL and a real SMTP listener, called directly as a
// retrying Temporal worker would call them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { hashToken } from '../../runtime/secrets';
import { createMailer } from '../../runtime/mailer';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { buttons, visibleText } from '../support/email-html';
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

  const email = (key: string) => ({
    process: 'sprint' as const,
    kind: 'assigned' as const,
    idempotencyKey: key,
    to: people.hospital,
    participantRef: 'P-77',
    tasks: [
      { key: 'discharge-summary-received', title: 'Discharge summary received', dueAt: '2026-11-24T14:00:00.000Z' },
      { key: 'medication-reconciled', title: 'Medication list reconciled', dueAt: '2026-11-24T14:00:00.000Z' },
    ],
    tokensExpireAt: '2026-11-26T14:00:00.000Z',
  });
  const input = (key: string) => ({ workflowId: 'sprint-test-1', emails: [email(key)] });

  it('sends an email once however often the activity is retried, and audits it once', async () => {
    const acts = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    expect(await acts.notify(input('k-once'))).toEqual({ sent: 1 });
    expect(await acts.notify(input('k-once'))).toEqual({ sent: 0 });
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

  it('sends an HTML part beside the text: a button per task with the same link, no address shown as text', async () => {
    const mail = smtp.messages.find((m) => m.subject.includes('P-77'))!;
    const textLinks = [...mail.text.matchAll(/https?:\/\/\S+\/a\/cla_[\w-]+/g)].map((m) => m[0]);
    expect(buttons(mail.html)).toEqual(textLinks.map((href) => ({ href, label: 'Mark as done' })));
    expect(visibleText(mail.html)).not.toMatch(/https?:|cla_/);
    expect(visibleText(mail.html)).toContain('1. Discharge summary received');
  });

  it('with SMTP down, fails so Temporal retries; the retry sends once and the unsent tokens never work', async () => {
    const down = createActivities({ db: t.db, mailer: createMailer(`smtp://127.0.0.1:${await freePort()}`, 'careloop <c@test>'), links: TEST_LINKS });
    await expect(down.notify(input('k-retry'))).rejects.toThrow();
    const firstTokens = await t.db.actionToken.findMany({ where: { notificationKey: 'k-retry' } });
    expect(firstTokens).toHaveLength(3);

    const up = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    expect(await up.notify(input('k-retry'))).toEqual({ sent: 1 });
    const after = await t.db.actionToken.findMany({ where: { notificationKey: 'k-retry' } });
    expect(after).toHaveLength(6);
    expect(after.filter((x) => firstTokens.some((f) => f.id === x.id)).every((x) => x.revokedAt)).toBe(true);
    expect(after.filter((x) => !x.revokedAt)).toHaveLength(3);
    expect(await t.db.notification.findUniqueOrThrow({ where: { idempotencyKey: 'k-retry' } })).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('revokes a task’s tokens with the event that ends it, and all of a sprint’s when it closes', async () => {
    const acts = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    const live = () => t.db.actionToken.count({ where: { workflowId: 'sprint-test-1', revokedAt: null, usedAt: null } });
    expect(await live()).toBe(6); // two task links and a reply token in each of the two sent emails
    const ended = { actor: 'careloop', action: 'task.completed', process: 'sprint', workflowId: 'sprint-test-1', item: 'medication-reconciled', idempotencyKey: 'sprint-test-1:1:task.completed', at: '2026-11-24T10:00:00.000Z' };
    await acts.recordEvents({ events: [ended], revoke: [{ workflowId: 'sprint-test-1', taskKey: 'medication-reconciled', reason: 'task-ended' }] });
    expect(await live()).toBe(4); // one link per sent email carrying that task
    expect(await t.db.auditEvent.count({ where: { idempotencyKey: ended.idempotencyKey } })).toBe(1);
    await acts.recordEvents({ revoke: [{ workflowId: 'sprint-test-1', reason: 'sprint-closed' }] });
    expect(await live()).toBe(0);
  });
});

describe('a step that tells people something (real PostgreSQL and SMTP)', () => {
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

  it('commits its audit events before the emails go out, once however often the activity is retried', async () => {
    const acts = createActivities({ db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS });
    const reminded = { actor: 'careloop', action: 'task.reminder-sent', process: 'sprint', workflowId: 'sprint-step-1', item: 'transport-confirmed', idempotencyKey: 'sprint-step-1:4:task.reminder-sent', at: '2026-11-24T10:00:00.000Z' };
    const step = {
      workflowId: 'sprint-step-1',
      events: [reminded],
      emails: [{ process: 'sprint' as const, kind: 'reminder' as const, idempotencyKey: 'sprint-step-1:reminder', to: people.homecare, participantRef: 'P-78', tasks: [{ key: 'transport-confirmed', title: 'Transport confirmed', dueAt: '2026-11-25T14:00:00.000Z' }], tokensExpireAt: '2026-11-26T14:00:00.000Z' }],
    };
    expect(await acts.notify(step)).toEqual({ sent: 1 });
    expect(await acts.notify(step)).toEqual({ sent: 0 });
    expect(await t.db.auditEvent.findMany({ where: { workflowId: 'sprint-step-1' }, orderBy: { seq: 'asc' }, select: { action: true } })).toEqual([{ action: 'task.reminder-sent' }, { action: 'notification.sent' }]);
    expect((await smtp.waitFor((m) => m.subject.includes('P-78')))[0]!.subject).toContain('careloop reminder: Transport confirmed');
  });
});
