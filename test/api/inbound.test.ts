// Acting on a sprint by replying to its email: the real inbound SMTP listener, a real sprint on
// the time-skipping server with careloop's activities, real PostgreSQL, and real SMTP both ways.
import { randomBytes, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { sendReply, type Reply } from '../support/reply';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { cancelSprintUpdate, sprintStateQuery, sprintWorkflow } from '../../workflows';
import { HOUR_MS, type SprintInput } from '../../domain/sprint';
import { startInboundListener, type InboundListener } from '../../api/inbound';
import { createSprintService } from '../../api/sprints/service';
import { createDb } from '../../runtime/db';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { freePort } from '../support/ports';
import { testLogger } from '../support/quiet-logger';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, sprintInput, type SprintPeople } from '../support/sprint-fixture';

type SmtpFailure = Error & { responseCode?: number; response?: string; rejected?: string[]; command?: string };

describe('acting on a sprint by email reply (inbound SMTP listener, time-skipping server, real PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let inbound: InboundListener;
  let worker: Worker;
  let taskQueue: string;
  let running: Promise<void>;
  let handle: WorkflowHandle<typeof sprintWorkflow>;
  let input: SprintInput;
  let assigned: CapturedMail[];
  let mark: number;
  const logLines: string[] = [];

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    inbound = await startInboundListener({
      port: await freePort(),
      host: '127.0.0.1',
      inboundDomain: TEST_LINKS.inboundDomain,
      sprints: createSprintService({ db: t.db, temporal: env.client, taskQueue: 'unused-by-replies' }),
      mailer: mailerFor(smtp),
      db: t.db,
      // Kept, to check that what the listener logs never holds a token or a message body.
      logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    });
  });
  afterAll(async () => {
    await inbound?.stop();
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });
  beforeEach(async () => {
    taskQueue = `inbound-${randomUUID()}`;
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    input = await sprintInput(t.db, people, new Date(await env.currentTimeMs()));
    handle = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] });
    assigned = await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId, 3);
    mark = smtp.messages.length;
  });
  afterEach(async () => {
    // Ends the sprint the way a person would: terminating it with activities in flight would
    // lock the time-skipping server's clock for every later test.
    const state = await handle.query(sprintStateQuery);
    if (state.status === 'open') await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor: { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'api' }, reason: 'test done' }] });
    await handle.result();
    worker.shutdown();
    await running;
  });

  const emailTo = (p: { email: string }) => assigned.find((m) => m.to.includes(p.email))!;
  const replyAddressOf = (p: { email: string }) => emailTo(p).replyTo!;
  /** What the listener sent to an address during this test: everything but the sprint's own emails. */
  const answersTo = (address: string) => smtp.messages.slice(mark).filter((m) => m.to.includes(address) && !m.parsed.headers.get('x-careloop-workflow'));

  /** Sends a reply to the listener, as a person's mail server would. */
  const reply = (opts: Reply) => sendReply(inbound.port, opts);
  const failureOf = (p: Promise<unknown>) => p.then(() => undefined as unknown as SmtpFailure, (e: SmtpFailure) => e);
  const quote = (m: CapturedMail) => m.text.split('\n').map((l) => `> ${l}`).join('\n');
  const tasksNow = async () => (await handle.query(sprintStateQuery)).tasks;

  it('records the commands of the owner’s reply, answers with what was recorded, and audits the channel', async () => {
    const original = emailTo(people.homecare);
    expect(original.text).toContain('2. Transport confirmed');
    const text = `1 done\n2 not applicable: family drives\n\nOn Mon, 3 Mar 2025 at 10:00, careloop <careloop@test.local> wrote:\n${quote(original)}\n`;
    const messageId = await reply({ to: original.replyTo!, from: people.homecare.email, text, inReplyTo: original });

    const tasks = await tasksNow();
    expect(tasks.find((x) => x.key === 'first-visit-confirmed')).toMatchObject({ status: 'completed', endedBy: { staffId: people.homecare.id, channel: 'email-reply' } });
    expect(tasks.find((x) => x.key === 'transport-confirmed')).toMatchObject({ status: 'cancelled', statusReason: 'not-applicable', reason: 'family drives', endedBy: { channel: 'email-reply' } });
    // The quoted original's own example lines ("3 refused: ...") were not acted on.
    expect(tasks.filter((x) => x.owner.id === people.homecare.id && x.status === 'requested').map((x) => x.key)).toEqual(['home-environment-rechecked', 'equipment-needs-validated']);

    const [answer] = answersTo(people.homecare.email).filter((m) => m.subject === `careloop: recorded from your reply about ${input.participant.localRef}`);
    expect(answer).toBeDefined();
    expect(answer!.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(answer!.parsed.inReplyTo).toBe(messageId);
    expect(answer!.text).toContain('Task 1: First visit confirmed: recorded as done');
    expect(answer!.text).toContain('Task 2: Transport confirmed: recorded as not applicable');
    expect(answer!.text).not.toContain(original.replyTo!.slice(4, 44)); // the token stays in the Reply-To

    await expect
      .poll(async () => (await t.db.auditEvent.findMany({ where: { workflowId: input.sprintId, action: { in: ['task.completed', 'task.not-applicable'] } }, orderBy: { seq: 'asc' } })).map((e) => [e.action, e.item, e.actorId, (e.data as { channel?: string }).channel]))
      .toEqual([
        ['task.completed', 'first-visit-confirmed', people.homecare.id, 'email-reply'],
        ['task.not-applicable', 'transport-confirmed', people.homecare.id, 'email-reply'],
      ]);

    const logged = logLines.join('');
    expect(logged).toContain('acted on an email reply');
    expect(logged).not.toContain(original.replyTo!.slice(4, 44));
    expect(logged).not.toContain('family drives');

    // The same reply address keeps working for the email's other tasks.
    await reply({ to: original.replyTo!, from: people.homecare.email, text: '3 refused: does not want a home check / managed: GP to discuss at Friday review' });
    expect((await tasksNow()).find((x) => x.key === 'home-environment-rechecked')).toMatchObject({ status: 'rejected', statusReason: 'refused-by-participant', managedHow: 'GP to discuss at Friday review' });
  });

  it('acts on a single-task email’s reply without a task number, and refuses the address once the sprint has closed', async () => {
    await env.sleep(21 * HOUR_MS); // past the day-0 reminders: one email per task
    const reminders = await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId && m.subject.startsWith('careloop reminder'), 3);
    const reminder = reminders.find((m) => m.subject.includes('Medication list reconciled'))!;
    await reply({ to: reminder.replyTo!, from: people.hospital.email, text: `Done - reconciled with the GP list.

Sent from my iPhone

${quote(reminder)}` });
    const tasks = await tasksNow();
    expect(tasks.find((x) => x.key === 'medication-reconciled')).toMatchObject({ status: 'completed', note: 'reconciled with the GP list.', endedBy: { channel: 'email-reply' } });
    expect(tasks.filter((x) => x.status !== 'requested')).toHaveLength(1);
    expect(answersTo(people.hospital.email).filter((m) => m.subject === `careloop: recorded from your reply about ${input.participant.localRef}`)).toHaveLength(1);

    const cancelled = await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor: { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'api' }, reason: 'readmitted' }] });
    expect(cancelled.status).toBe('cancelled');
    await handle.result();
    const failure = await failureOf(reply({ to: replyAddressOf(people.hospital), from: people.hospital.email, text: '1 done' }));
    expect(failure.responseCode).toBe(550);
    expect(failure.response).toMatch(/no longer works/);
    // Refused at the recipient, before the message was sent.
    expect(failure.command).toBe('RCPT TO');
    expect(answersTo(people.hospital.email)).toHaveLength(1);
  });

  it('answers a reply it cannot read with the accepted syntax, and a partly wrong one with what was and was not recorded', async () => {
    const original = emailTo(people.hospital);
    await reply({ to: original.replyTo!, from: people.hospital.email, text: `Will look at this after the ward round.\n\n${quote(original)}` });
    expect((await tasksNow()).every((x) => x.status === 'requested')).toBe(true);
    const [unreadable] = answersTo(people.hospital.email).filter((m) => m.subject === `careloop: your reply about ${input.participant.localRef} could not be read`);
    expect(unreadable!.text).toContain('found no command it knows');
    expect(unreadable!.text).toContain('"Will look at this after the ward round.": Not a command careloop knows.');
    expect(unreadable!.text).toContain('2 not applicable: <why it does not apply>');

    await reply({ to: original.replyTo!, from: people.hospital.email, text: '1 done\n5 done\n2 not applicable\n' });
    const [partly] = answersTo(people.hospital.email).filter((m) => m.subject === `careloop: part of your reply about ${input.participant.localRef} was not recorded`);
    expect(partly!.text).toContain('Task 1: Discharge summary received: recorded as done');
    expect(partly!.text).toContain('Task 5: The email has no task with that number.');
    expect(partly!.text).toMatch(/"2 not applicable": Say why it does not apply/);
    expect((await tasksNow()).filter((x) => x.status !== 'requested').map((x) => x.key)).toEqual(['discharge-summary-received']);

    await reply({ to: original.replyTo!, from: people.hospital.email, text: '1 done' });
    const [nothing] = answersTo(people.hospital.email).filter((m) => m.subject === `careloop: nothing was recorded from your reply about ${input.participant.localRef}`);
    expect(nothing!.text).toMatch(/Task 1: "Discharge summary received" has already ended as completed/);
  });

  it('changes nothing for a reply from someone else, tells the owner and sends nothing to the sender', async () => {
    const hospitalAddress = replyAddressOf(people.hospital);
    await reply({ to: hospitalAddress, from: people.outsider.email, text: '1 done\n2 done\n3 done' });
    // From header forged to the owner's address, envelope sender someone else's.
    await reply({ to: replyAddressOf(people.housing), from: people.housing.email, envelopeFrom: people.outsider.email, text: '1 done' });
    // Even the coordinator's address, which may act for the sprint elsewhere, is not the owner.
    await reply({ to: hospitalAddress, from: people.coordinator.email, text: '1 done' });

    expect((await tasksNow()).every((x) => x.status === 'requested')).toBe(true);
    expect(answersTo(people.outsider.email)).toHaveLength(0);
    expect(answersTo(people.coordinator.email)).toHaveLength(0);
    const notice = (p: { email: string }) => answersTo(p.email).filter((m) => m.subject === 'careloop: a reply to your email was not accepted');
    // One notice per token however often it is tried: a forger cannot flood the owner.
    expect(notice(people.hospital)).toHaveLength(1);
    expect(notice(people.hospital)[0]!.text).toContain(people.outsider.email);
    expect(notice(people.hospital)[0]!.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(notice(people.housing)).toHaveLength(1);
    expect(await t.db.auditEvent.count({ where: { workflowId: input.sprintId, action: { startsWith: 'task.' }, NOT: { action: 'task.reminder-sent' } } })).toBe(0);
    // The attempt is logged for whoever investigates, without the token.
    const logged = logLines.join('');
    expect(logged).toContain('did not act on an email reply');
    expect(logged).toContain(people.outsider.email);
    expect(logged).not.toContain(hospitalAddress.slice(4, 44));
  });

  it('ignores auto-replies, list mail and bounces without acting or answering', async () => {
    const address = replyAddressOf(people.hospital);
    const from = people.hospital.email;
    await reply({ to: address, from, text: '1 done\n\nI am out of the office until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await reply({ to: address, from, text: '2 done', headers: { Precedence: 'bulk' } });
    await reply({ to: address, from, text: '3 done', headers: { 'X-Autoreply': 'yes' } });
    await reply({ to: address, from, envelopeFrom: '', text: '1 done' });
    expect((await tasksNow()).every((x) => x.status === 'requested')).toBe(true);
    expect(answersTo(from)).toHaveLength(0);

    // "Auto-Submitted: no" is a person.
    await reply({ to: address, from, text: '1 done', headers: { 'Auto-Submitted': 'no' } });
    expect((await tasksNow()).find((x) => x.key === 'discharge-summary-received')!.status).toBe('completed');
  });

  it('refuses addresses that are not reply addresses and tokens it does not know, and keeps listening', async () => {
    const from = people.hospital.email;
    const domain = TEST_LINKS.inboundDomain;
    for (const to of [`ack+xyz@${domain}`, `postmaster@${domain}`, `ack+${randomBytes(20).toString('hex')}@elsewhere.test`, `ack+${randomBytes(21).toString('hex')}@${domain}`]) {
      const failure = await failureOf(reply({ to, from, text: '1 done' }));
      expect(failure.responseCode, to).toBe(550);
      expect(failure.response, to).toMatch(/ack\+<code>@inbound\.careloop\.test/);
    }
    const unknown = await failureOf(reply({ to: `ack+${randomBytes(20).toString('hex')}@${domain}`, from, text: '1 done' }));
    expect(unknown.responseCode).toBe(550);
    expect(unknown.response).toMatch(/not valid/);
    expect(unknown.command).toBe('RCPT TO');

    const huge = await failureOf(reply({ to: replyAddressOf(people.hospital), from, text: `1 done\n${'x'.repeat(300 * 1024)}` }));
    expect(huge.responseCode).toBe(552);

    expect((await tasksNow()).every((x) => x.status === 'requested')).toBe(true);
    expect(answersTo(from)).toHaveLength(0);
    // Still listening, and still acting.
    await reply({ to: replyAddressOf(people.hospital), from, text: '1 done' });
    expect((await tasksNow()).find((x) => x.key === 'discharge-summary-received')!.status).toBe('completed');
  });

  it('answers 451 when careloop itself fails, so the sending server retries, and keeps listening', async () => {
    const deadDb = createDb('postgresql://nobody:nothing@127.0.0.1:1/none');
    const listener = (db: typeof deadDb, sprintsDb: typeof deadDb) =>
      startInboundListener({
        port: 0,
        host: '127.0.0.1',
        inboundDomain: TEST_LINKS.inboundDomain,
        sprints: createSprintService({ db: sprintsDb, temporal: env.client, taskQueue }),
        mailer: mailerFor(smtp),
        db,
        logger: testLogger,
      });
    // The database is down when the reply address is checked (RCPT), or once the reply is read.
    const downAtRcpt = await listener(deadDb, deadDb);
    const downAtData = await listener(t.db, deadDb);
    try {
      for (const [broken, command] of [[downAtRcpt, 'RCPT TO'], [downAtData, 'DATA']] as const) {
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: broken.port, secure: false, ignoreTLS: true });
        const send = () => transport.sendMail({ from: people.hospital.email, to: replyAddressOf(people.hospital), subject: 'Re', text: '1 done' });
        const first = await failureOf(send());
        expect(first.responseCode, command).toBe(451);
        expect(first.command, command).toBe(command);
        expect((await failureOf(send())).responseCode, command).toBe(451);
        transport.close();
      }
    } finally {
      await downAtRcpt.stop();
      await downAtData.stop();
      await deadDb.$disconnect();
    }
    expect((await tasksNow()).every((x) => x.status === 'requested')).toBe(true);
  });
});
