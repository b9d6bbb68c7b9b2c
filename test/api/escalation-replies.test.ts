// Working an escalation by replying to its email: the real inbound SMTP listener, escalations
// raised through the real app on the time-skipping server with careloop's worker (grouping its
// emails for a few seconds), real PostgreSQL, and real SMTP both ways. The chair of the first
// test has no API token: raise to resolved by replies alone.
import { randomUUID } from 'node:crypto';
import { sendReply, startTestInbound, type Reply } from '../support/reply';
import { startRealStack, type RealStack } from '../support/stack';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { escalationStateQuery } from '../../workflows';
import type { InboundListener } from '../../api/inbound';
import { createEscalationService } from '../../api/escalations/service';
import { createAgency, createStaff } from '../support/app';
import type { TestDatabase } from '../support/db';
import { TEST_LINKS } from '../support/mailer';
import { type CapturedMail, type SmtpCapture } from '../support/smtp';
import { createParticipant, type SprintPeople } from '../support/sprint-fixture';

type SmtpFailure = Error & { responseCode?: number; response?: string; command?: string };
type Person = { id: string; name: string; email: string };

/** Long enough that two escalations raised one after the other share an email, even on a busy machine. */
const GROUP_WINDOW_MS = 3000;

describe('working an escalation by email reply (inbound SMTP listener, time-skipping server, real PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let inbound: InboundListener;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'escalation-replies', notices: { groupWindowMs: GROUP_WINDOW_MS } });
    ({ env, t, smtp, people, app } = stack);
    inbound = await startTestInbound(stack, (services) => ({ escalations: createEscalationService(services) }));
  });
  afterAll(async () => {
    await inbound?.stop();
    await stack?.stop();
  });

  const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });

  /** Raised through the API by someone with a token: the chair never needs one. */
  async function raise(by: { token: string }, localRef: string, riskLevel = 'moderate', trigger = 'Two missed home care visits') {
    const res = await request(app).post('/api/escalations').set(bearer(by)).send({ participantLocalRef: localRef, riskLevel, trigger, description: 'Raised for a reply test' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.escalationId as string;
  }
  /** The escalation email to a person about one participant (the subject names its reference). */
  async function emailTo(p: Person, participantRef: string): Promise<CapturedMail> {
    const [mail] = await smtp.waitFor((m) => m.to.includes(p.email) && m.subject.includes(participantRef) && !!m.parsed.headers.get('x-careloop-workflow'));
    return mail!;
  }
  const stateOf = (id: string) => env.client.workflow.getHandle(id).query(escalationStateQuery);
  const quote = (m: CapturedMail) => m.text.split('\n').map((l) => `> ${l}`).join('\n');

  /** Sends a reply to the listener, as a person's mail server would, and returns careloop's answer (if any) to `answerTo`. */
  async function reply(opts: Omit<Reply, 'subject'>) {
    await sendReply(inbound.port, { ...opts, subject: 'Re: careloop escalation' });
  }
  /** Replies as `from` and waits for the answer careloop sends back to them. */
  async function replyAndAnswer(opts: { to: string; from: string; text: string }): Promise<CapturedMail> {
    const before = answersTo(opts.from).length;
    await reply(opts);
    return (await smtp.waitFor((m) => m.to.includes(opts.from) && !m.parsed.headers.get('x-careloop-workflow'), before + 1)).at(-1)!;
  }
  /** What the listener sent to an address: everything but careloop's process emails. */
  const answersTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address) && !m.parsed.headers.get('x-careloop-workflow'));
  const failureOf = (p: Promise<unknown>) => p.then(() => undefined as unknown as SmtpFailure, (e: SmtpFailure) => e);

  it('takes a moderate escalation from raise to resolved by the chair’s replies alone, each step confirmed by email', async () => {
    // An agency whose coordinator has no API token: email is all they have.
    const ward = await createAgency(t.db, `ward-${randomUUID().slice(0, 8)}`);
    const chair = await t.db.staff.create({ data: { email: `nico.${randomUUID().slice(0, 8)}@care.test`, name: 'Nico Nightcoord', roles: ['coordinator'], agencyId: ward.id } });
    expect(chair.apiTokenHash).toBeNull();
    const raiser = await createStaff(t.db, { email: `mira.${randomUUID().slice(0, 8)}@care.test`, name: 'Mira Wardmanager', roles: ['manager'], agencyId: ward.id });
    const participant = await createParticipant(t.db, [ward.id]);
    const id = await raise(raiser, participant.localRef);

    const original = await emailTo(chair, participant.localRef);
    expect(original.parsed.headers.get('x-careloop-workflow')).toBe(id);
    expect(original.replyTo).toMatch(new RegExp(`^ack\\+[0-9a-f]{40}@${TEST_LINKS.inboundDomain.replace(/\./g, '\\.')}$`));
    const address = original.replyTo!;
    expect((await stateOf(id)).chair.id).toBe(chair.id);

    // 1. Take ownership, the original quoted below (its example commands are never acted on).
    const acked = await replyAndAnswer({ to: address, from: chair.email, text: `Acknowledged\n\nOn Mon, 3 Mar 2025 at 10:00, careloop <careloop@test.local> wrote:\n${quote(original)}\n` });
    expect(acked.subject).toBe(`careloop: recorded from your reply about an escalation (${participant.localRef})`);
    expect(acked.text).toContain('Acknowledged: you have taken ownership.');
    expect(acked.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(await stateOf(id)).toMatchObject({ status: 'acknowledged', acknowledgement: { onTime: true, by: { staffId: chair.id, channel: 'email-reply' } }, notes: [] });

    // 2. The response action, from the same reply address.
    const responded = await replyAndAnswer({ to: address, from: chair.email, text: 'response: Joint visit with home care booked for tomorrow\n\nThanks,\nNico' });
    expect(responded.text).toContain('Response action recorded.');
    expect(await stateOf(id)).toMatchObject({ status: 'responded', response: { action: 'Joint visit with home care booked for tomorrow', by: { staffId: chair.id, channel: 'email-reply' } } });

    // 3. The outcome: resolved.
    const resolved = await replyAndAnswer({ to: address, from: chair.email, text: 'resolved: Visits back on schedule' });
    expect(resolved.text).toContain('Outcome recorded: the escalation is resolved.');
    // The answer holds no clinical text: not the outcome written, not the trigger.
    expect(resolved.text).not.toContain('Visits back on schedule');
    expect(resolved.text).not.toContain('missed home care');
    expect(await env.client.workflow.getHandle(id).result()).toMatchObject({ status: 'resolved', resolvedBy: 'chair', outcome: { outcome: 'Visits back on schedule', onTime: true, by: { channel: 'email-reply' } } });
    await expect.poll(async () => (await t.db.escalation.findUniqueOrThrow({ where: { id } })).status).toBe('resolved');
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id } })).toMatchObject({ resolvedBy: 'chair', acknowledgedOnTime: true, respondedOnTime: true, resolvedOnTime: true, responseAction: 'Joint visit with home care booked for tomorrow' });
    // Each step is on the record as taken by the chair, by email reply.
    const events = await t.db.auditEvent.findMany({ where: { workflowId: id, action: { in: ['escalation.acknowledged', 'escalation.responded', 'escalation.resolved'] } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.actorId])).toEqual([
      ['escalation.acknowledged', chair.id],
      ['escalation.responded', chair.id],
      ['escalation.resolved', chair.id],
    ]);
    expect(answersTo(chair.email)).toHaveLength(3);

    // Once its escalation has ended, the address refuses mail before it is sent.
    const late = await failureOf(reply({ to: address, from: chair.email, text: 'note: one more thing' }));
    expect(late.responseCode).toBe(550);
    expect(late.command).toBe('RCPT TO');
    expect(late.response).toMatch(/This reply address no longer works/);
    expect(answersTo(chair.email)).toHaveLength(3);
  });

  it('adds a responder’s note from a reply, shown in the escalation’s state, and refuses them the chair’s steps in words', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    // High is chaired by the agency's manager; the coordinator who raised it responds.
    const id = await raise(people.coordinator, participant.localRef, 'high');
    const responderEmail = await emailTo(people.coordinator, participant.localRef);
    expect((await stateOf(id)).responders.map((r) => r.id)).toContain(people.coordinator.id);

    const answer = await replyAndAnswer({ to: responderEmail.replyTo!, from: people.coordinator.email, text: `acknowledged\nnote: Family asked for a call back after 5pm\n\n${quote(responderEmail)}` });
    expect(answer.subject).toBe(`careloop: part of your reply about an escalation (${participant.localRef}) was not recorded`);
    expect(answer.text).toContain('Note added; the chair and responders see it with the escalation.');
    expect(answer.text).toContain('The escalation (participant ' + participant.localRef + '): the acknowledgement was not recorded. Morgan Manager chairs this escalation at the high tier; only they may act on it.');

    const state = await stateOf(id);
    expect(state.status).toBe('open');
    expect(state.notes).toEqual([{ at: expect.any(String), by: { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'email-reply' }, text: 'Family asked for a call back after 5pm' }]);
    // The chair sees it where they read the escalation.
    const read = await request(app).get(`/api/escalations/${id}`).set(bearer(people.manager));
    expect(read.body.notes.map((n: { text: string }) => n.text)).toEqual(['Family asked for a call back after 5pm']);
    await expect.poll(async () => t.db.auditEvent.count({ where: { workflowId: id, action: 'escalation.note-added', actorId: people.coordinator.id } })).toBe(1);

    // The chair finishes it by reply too, and may add a note of their own on the way.
    const chairEmail = await emailTo(people.manager, participant.localRef);
    const done = await replyAndAnswer({ to: chairEmail.replyTo!, from: people.manager.email, text: 'I take ownership - calling the family at 5pm\nresponse: Called the family\nresolved: Daily calls agreed' });
    expect(done.subject).toBe(`careloop: recorded from your reply about an escalation (${participant.localRef})`);
    expect(done.text).toContain('Your words after "acknowledged" were added as a note.');
    const final = await stateOf(id);
    expect(final).toMatchObject({ status: 'resolved', acknowledgement: { by: { staffId: people.manager.id } }, outcome: { outcome: 'Daily calls agreed' } });
    expect(final.notes.map((n) => n.text)).toEqual(['Family asked for a call back after 5pm', 'calling the family at 5pm']);
  });

  it('changes nothing for a reply from another address and tells the owner, never the sender', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const id = await raise(people.manager, participant.localRef);
    const original = await emailTo(people.coordinator, participant.localRef);
    const ownerNotices = () => answersTo(people.coordinator.email).filter((m) => m.subject === 'careloop: a reply to your email was not accepted');
    const before = ownerNotices().length;

    await reply({ to: original.replyTo!, from: people.outsider.email, text: 'acknowledged\nnote: I am the chair now' });
    // The From header forged to the owner's address, the envelope sender someone else's.
    await reply({ to: original.replyTo!, from: people.coordinator.email, envelopeFrom: people.outsider.email, text: 'acknowledged' });

    await smtp.waitFor((m) => m.to.includes(people.coordinator.email) && m.subject === 'careloop: a reply to your email was not accepted', before + 1);
    // One notice however often it is tried: a forger cannot flood the owner.
    const [notice, ...more] = ownerNotices().slice(before);
    expect(more).toHaveLength(0);
    expect(notice!.text).toContain(people.outsider.email);
    expect(notice!.text).toContain('Nothing was changed.');
    expect(answersTo(people.outsider.email)).toHaveLength(0);
    expect(await stateOf(id)).toMatchObject({ status: 'open', notes: [] });
    expect(await t.db.auditEvent.count({ where: { workflowId: id, action: { in: ['escalation.acknowledged', 'escalation.note-added'] } } })).toBe(0);

    // The owner's own reply still works with the same address.
    const answer = await replyAndAnswer({ to: original.replyTo!, from: people.coordinator.email, text: 'acknowledged\nresponse: Called\nresolved: Settled' });
    expect(answer.subject).toBe(`careloop: recorded from your reply about an escalation (${participant.localRef})`);
    expect((await stateOf(id)).status).toBe('resolved');
  });

  it('refuses a resolve before a response, and a response before taking ownership, in words in the answer', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const id = await raise(people.manager, participant.localRef);
    const address = (await emailTo(people.coordinator, participant.localRef)).replyTo!;

    const early = await replyAndAnswer({ to: address, from: people.coordinator.email, text: 'resolved: all fine now\nresponse: called the family\nresolved' });
    expect(early.subject).toBe(`careloop: nothing was recorded from your reply about an escalation (${participant.localRef})`);
    expect(early.text).toContain('the outcome was not recorded. Record the response action before the outcome.');
    expect(early.text).toContain('the response action was not recorded. The chair must acknowledge the escalation before recording the response.');
    expect(early.text).toContain('"resolved": Say what the outcome was after the colon');
    expect(early.text).toContain('  resolved: <the outcome>');
    expect(await stateOf(id)).toMatchObject({ status: 'open' });
    expect((await stateOf(id)).response).toBeUndefined();

    const finished = await replyAndAnswer({ to: address, from: people.coordinator.email, text: 'ack\nresponse: called the family\nresolved: all fine now' });
    expect(finished.subject).toBe(`careloop: recorded from your reply about an escalation (${participant.localRef})`);
    expect((await stateOf(id)).status).toBe('resolved');
  });

  it('works a grouped email by number: a command without one applies to each, and the others are reported with why', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const first = await raise(people.manager, participant.localRef, 'moderate', 'First visit missed');
    const second = await raise(people.manager, participant.localRef, 'moderate', 'Medication not delivered');
    const grouped = await emailTo(people.coordinator, participant.localRef);
    expect(grouped.text).toContain(`2 escalations for participant ${participant.localRef}`);
    // One reply address covers both, by their numbers in the email.
    expect(grouped.text).toMatch(/^1\. /m);
    const n1 = grouped.text.indexOf('First visit missed') < grouped.text.indexOf('Medication not delivered') ? 1 : 2;
    const n2 = 3 - n1;

    const answer = await replyAndAnswer({ to: grouped.replyTo!, from: people.coordinator.email, text: `acknowledged\n${n1} response: Visit rebooked for this afternoon\nresolved: Visit took place\n7 note: no such escalation\n\n${quote(grouped)}` });
    expect(answer.subject).toBe(`careloop: part of your reply about escalations (${participant.localRef}) was not recorded`);
    expect(answer.text).toContain(`Escalation ${n1} (participant ${participant.localRef}): Acknowledged`);
    expect(answer.text).toContain(`Escalation ${n2} (participant ${participant.localRef}): Acknowledged`);
    expect(answer.text).toContain(`Escalation ${n1} (participant ${participant.localRef}): Outcome recorded`);
    expect(answer.text).toContain(`Escalation ${n2} (participant ${participant.localRef}): the outcome was not recorded. Record the response action before the outcome.`);
    expect(answer.text).toContain('The email listed 2 escalations: there is no escalation 7 in it.');
    expect(await stateOf(first)).toMatchObject({ status: 'resolved', outcome: { outcome: 'Visit took place' } });
    expect(await stateOf(second)).toMatchObject({ status: 'acknowledged' });

    // The address still works for the one still open.
    const rest = await replyAndAnswer({ to: grouped.replyTo!, from: people.coordinator.email, text: `${n2} response: Pharmacy delivered today\n${n2} resolved: Delivered` });
    expect(rest.subject).toBe(`careloop: recorded from your reply about escalations (${participant.localRef})`);
    expect(await stateOf(second)).toMatchObject({ status: 'resolved', outcome: { outcome: 'Delivered' } });
  });
});
