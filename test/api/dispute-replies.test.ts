// Working a dispute by replying to its emails: the real inbound SMTP listener, disputes raised
// through the real app on the time-skipping server with careloop's worker, real PostgreSQL and
// real SMTP both ways. A party declines a proposal with `decline: ...` and counter-proposes; the
// interim owner reports `progress: ...`; a reply from anyone else changes nothing; each reply is
// answered with what was recorded and what was not, and why.
import { sendReply, startTestInbound } from '../support/reply';
import { startRealStack, type RealStack } from '../support/stack';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { disputeStateQuery, disputeWorkflow } from '../../workflows';
import type { InboundListener } from '../../api/inbound';
import { createDisputeService } from '../../api/disputes/service';
import type { TestDatabase } from '../support/db';
import { type CapturedMail, type SmtpCapture } from '../support/smtp';
import { createParticipant, type SprintPeople } from '../support/sprint-fixture';

type SmtpFailure = Error & { responseCode?: number; response?: string };

describe('working a dispute by email reply (inbound SMTP listener, time-skipping server, real PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let inbound: InboundListener;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'dispute-replies' });
    ({ env, t, smtp, people, app } = stack);
    inbound = await startTestInbound(stack, (services) => ({ disputes: createDisputeService(services) }));
  });
  afterAll(async () => {
    await inbound?.stop();
    await stack?.stop();
  });

  const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
  const stateOf = (id: string) => env.client.workflow.getHandle(id).query(disputeStateQuery);
  const mailTo = async (id: string, to: string, subject: RegExp, count = 1) => (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && m.to.includes(to) && subject.test(m.subject), count)).at(-1)!;
  const quote = (m: CapturedMail) => m.text.split('\n').map((l) => `> ${l}`).join('\n');
  const answersTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address) && !m.parsed.headers.get('x-careloop-workflow'));
  async function reply(opts: { to: string; from: string; text: string }) {
    await sendReply(inbound.port, { ...opts, subject: 'Re: careloop dispute' });
  }
  async function replyAndAnswer(opts: { to: string; from: string; text: string }): Promise<CapturedMail> {
    const before = answersTo(opts.from).length;
    await reply(opts);
    return (await smtp.waitFor((m) => m.to.includes(opts.from) && !m.parsed.headers.get('x-careloop-workflow'), before + 1)).at(-1)!;
  }

  /** The hospital disputes home care's part; home care's staff member carries the step meanwhile. */
  async function raise() {
    const participant = await createParticipant(t.db, [people.hospital.agencyId, people.homecare.agencyId]);
    const res = await request(app).post('/api/disputes').set(bearer(people.hospital)).send({
      participantId: participant.id,
      subject: 'Who arranges the first home visit',
      description: 'Home care says the ward arranges it; the ward says home care does.',
      outcomeSought: 'Home care arranges it.',
      step: 'First visit confirmed',
      interimOwnerId: people.homecare.id,
      respondentAgencyIds: [people.homecare.agencyId],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.disputeId as string, ref: participant.localRef };
  }

  it('declines a proposal with `decline: ...` and counter-proposes by reply; anyone else’s reply changes nothing', async () => {
    const { id, ref } = await raise();
    expect((await request(app).post(`/api/disputes/${id}/proposals`).set(bearer(people.hospital)).send({ terms: 'Home care books the first visit.' })).status).toBe(200);
    const proposal = await mailTo(id, people.homecare.email, /a resolution is proposed/);
    expect(proposal.text).toContain('  decline: <why your agency declines it>');
    const address = proposal.replyTo!;
    expect(address).toMatch(/^ack\+[0-9a-f]{40}@/);

    // Someone else, claiming nothing: nothing is recorded, and the person the email went to is told.
    await reply({ to: address, from: people.outsider.email, text: 'accept' });
    await smtp.waitFor((m) => m.to.includes(people.homecare.email) && !m.parsed.headers.get('x-careloop-workflow'));
    expect((await stateOf(id)).proposals[0]!.acceptances.map((a) => a.agencyId)).toEqual([people.hospital.agencyId]);

    // A decline without its reason is answered with how to write it; the quoted email is never read.
    const bare = await replyAndAnswer({ to: address, from: people.homecare.email, text: `decline\n\nOn Mon, 30 Nov 2026 at 10:00, careloop wrote:\n${quote(proposal)}` });
    expect(bare.subject).toBe(`careloop: your reply on the dispute about ${ref} could not be read`);
    expect(bare.text).toContain('"decline": Say why your agency declines it after the colon');
    expect((await stateOf(id)).proposals[0]!.declines).toEqual([]);

    const declined = await replyAndAnswer({ to: address, from: people.homecare.email, text: `Hello,\n\ndecline: Visits are not in our package until the assessment.\n\nThanks,\nHarper\n\n${quote(proposal)}` });
    expect(declined.subject).toBe(`careloop: recorded from your reply on the dispute about ${ref}`);
    expect(declined.text).toContain('Recorded:\n  Decline p1');
    // The answer never repeats what was written.
    expect(declined.text).not.toContain('assessment');
    expect((await stateOf(id)).proposals[0]!.declines).toEqual([expect.objectContaining({ agencyId: people.homecare.agencyId, reason: 'Visits are not in our package until the assessment.', channel: 'email-reply', by: { id: people.homecare.id, name: people.homecare.name } })]);
    // The proposer hears of it.
    await mailTo(id, people.hospital.email, /proposal p1 was declined/);

    // A counter-proposal by reply answers p1 (already declined: no second decline); a line that is no command is said back.
    const countered = await replyAndAnswer({ to: address, from: people.homecare.email, text: 'counter: A joint first visit, then home care leads.\nwhat about Tuesday?' });
    expect(countered.subject).toBe(`careloop: recorded from your reply on the dispute about ${ref}`);
    expect(countered.text).toContain('Recorded:\n  Counter-proposal to p1');
    expect(countered.text).toContain('"what about Tuesday?": Not a command careloop knows.');
    let s = await stateOf(id);
    expect(s.proposals.map((p) => [p.id, p.answers ?? null, p.acceptances.map((a) => a.channel)])).toEqual([
      ['p1', null, ['api']],
      ['p2', 'p1', ['email-reply']],
    ]);
    expect(s.proposals[0]!.declines).toHaveLength(1);
    // Its own proposal, its agency cannot decline: said in words.
    const own = await replyAndAnswer({ to: address, from: people.homecare.email, text: 'decline p2: changed our mind' });
    expect(own.text).toContain('Decline p2: Your agency made proposal p2; it cannot decline it.');
    expect((await request(app).post(`/api/disputes/${id}/accept`).set(bearer(people.hospital)).send({ proposalId: 'p2' })).body.status).toBe('resolved');
    s = await stateOf(id);
    expect(s.status).toBe('resolved');
    await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    // Closed: mail to the address is refused, in words the sender's server passes on.
    const refused = await reply({ to: address, from: people.homecare.email, text: 'accept' }).then(
      () => undefined,
      (e: SmtpFailure) => e,
    );
    expect(refused?.responseCode).toBe(550);
    expect(refused?.response).toContain('This reply address no longer works: the dispute has closed.');
  });

  it('takes the interim owner’s `progress: ...` and `done`; party commands on their address, and progress on a party’s, are refused in words', async () => {
    const { id, ref } = await raise();
    const interim = await mailTo(id, people.homecare.email, /you are the interim owner/);
    expect(interim.text).toContain('  progress: <how the step stands>');
    const progress = await replyAndAnswer({ to: interim.replyTo!, from: people.homecare.email, text: 'progress: Rang the family; visit pencilled in for Tuesday.\nposition: the ward books it' });
    expect(progress.subject).toBe(`careloop: part of your reply on the dispute about ${ref} was not recorded`);
    expect(progress.text).toContain('Recorded:\n  Progress on the step');
    expect(progress.text).toContain('Your agency’s position: This address is for the interim owner’s progress');
    expect((await stateOf(id)).interimStep).toMatchObject({ status: 'open', progress: [{ note: 'Rang the family; visit pencilled in for Tuesday.', channel: 'email-reply' }] });

    const stage = await mailTo(id, people.hospital.email, /stage 1, frontline leads/);
    const party = await replyAndAnswer({ to: stage.replyTo!, from: people.hospital.email, text: 'done\naccept' });
    expect(party.text).toContain('The step recorded as done: This address is for your agency’s steps');
    expect(party.text).toContain('Accept: No proposal is waiting for your agency’s answer.');

    const done = await replyAndAnswer({ to: interim.replyTo!, from: people.homecare.email, text: 'Done' });
    expect(done.text).toContain('Recorded:\n  The step recorded as done');
    expect((await stateOf(id)).interimStep).toMatchObject({ status: 'done', progress: [{}, { note: 'The step is done.', done: true }] });
    await request(app).post(`/api/disputes/${id}/withdraw`).set(bearer(people.hospital)).send({ reason: 'test over' });
    expect((await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result()).status).toBe('withdrawn');
  });
});
