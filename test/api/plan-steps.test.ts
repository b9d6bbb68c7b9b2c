// The plan's own steps through the real app: the emailed link pages (an action's owner records it
// done or not done; the plan-holder asks agencies for updates and records "reviewed, no change";
// an agency sends its update), email replies through careloop's real inbound listener, the
// signed-in review and action pages, the plan page's section, and the JSON routes with their
// access rule. Real Temporal (time-skipping), PostgreSQL, and SMTP in and out.
import { sendReply, startTestInbound } from '../support/reply';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { InboundListener } from '../../api/inbound';
import { createPlanService } from '../../api/plans/service';
import { createPlanStepsService } from '../../api/plans/steps-service';
import { planStepsWorkflowId } from '../../domain/plan-steps';
import type { PlanContent } from '../../domain/plan';
import type { CapturedMail, SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { csrfFrom } from '../support/html';
import { signInAs } from '../support/signin';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
const DAY = 86_400_000;
const linkOf = (m: CapturedMail) => m.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;

describe('the plan’s own steps: link pages, replies, pages and routes (real Temporal, PostgreSQL, SMTP in and out)', () => {
  let stack: RealStack;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let inbound: InboundListener;
  let planId: string;
  let content: PlanContent;

  const waitMail = async (to: string, subject: RegExp): Promise<CapturedMail> =>
    (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === planStepsWorkflowId(planId) && m.to.includes(to) && subject.test(m.subject)))[0]!;
  const steps = async () => (await request(app).get(`/api/plans/${planId}/steps`).set(bearer(people.coordinator))).body.state;
  const dayFromNow = async (days: number) => new Date((await stack.env.currentTimeMs()) + days * DAY).toISOString().slice(0, 10);
  const reply = (from: string, to: string, text: string) => sendReply(inbound.port, { from, to, text });

  beforeAll(async () => {
    stack = await startRealStack({ name: 'plan-steps' });
    ({ smtp, people, app } = stack);
    inbound = await startTestInbound(stack, (services) => ({ plans: createPlanService(services), planSteps: createPlanStepsService(services) }));
    content = planContent(people, {
      controls: [
        { id: 'c1', description: 'Night-time check call', ownerAgencyId: people.homecare.agencyId, ownerStaffId: people.homecare.id, dueDate: await dayFromNow(3) },
        { id: 'c2', description: 'Medication review', ownerAgencyId: people.hospital.agencyId, ownerStaffId: people.hospital.id, dueDate: await dayFromNow(3) },
      ],
    });
    const res = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, content });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    planId = res.body.planId;
  });
  afterAll(async () => {
    await inbound?.stop();
    await stack?.stop();
  });

  it('an action’s owner records it by the emailed link: a “not done” without why comes back with the problem named, the words kept; “done” spends the link', async () => {
    const mail = await waitMail(people.hospital.email, /is yours, due/);
    const link = linkOf(mail);
    const agent = request.agent(app);
    const page = await agent.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Medication review');
    expect(page.text).toContain('It is done');
    expect(page.text).toContain('Why it was not done');
    expect(page.text).not.toContain('/api/');

    const empty = await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), form: 'not-done', reason: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('There is a problem');
    expect(empty.text).toContain('<a href="#not-done-reason">Say why the action was not done</a>');
    expect(empty.text).toMatch(/<title>Error: /);

    const tooLong = await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), form: 'done', note: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('The note must be 2000 characters or fewer');
    expect(tooLong.text).toContain('x'.repeat(2001));

    const done = await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), form: 'done', note: 'Reviewed with the GP' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('recorded as <strong>done</strong>');
    // Used: the page says what became of the action.
    const again = await agent.get(link);
    expect(again.status).toBe(410);
    expect(again.text).toMatch(/Recorded as done by Wren Nurse on .*: Reviewed with the GP/);
    const c2 = (await steps()).actions.find((a: { controlId: string }) => a.controlId === 'c2');
    expect(c2).toMatchObject({ status: 'done', onTime: true, endedBy: { staffId: people.hospital.id, channel: 'link' } });
  });

  it('an action’s owner records it by replying “not done: <why>”; a forged reply changes nothing', async () => {
    const mail = await waitMail(people.homecare.email, /is yours, due/);
    await reply(people.outsider.email, mail.replyTo!, 'done');
    await smtp.waitFor((m) => m.to.includes(people.homecare.email) && m.subject === 'careloop: a reply to your email was not accepted');
    expect((await steps()).actions.find((a: { controlId: string }) => a.controlId === 'c1').status).toBe('open');

    await reply(people.homecare.email, mail.replyTo!, 'Hi,\n\nnot done: the person was readmitted to the ward\n\nThanks\nHarper\n\n> You own an action in the integrated plan');
    const answer = (await smtp.waitFor((m) => m.to.includes(people.homecare.email) && m.subject.startsWith('careloop: recorded from your reply about the plan for ')))[0]!;
    expect(answer.text).toContain('the plan action was not done: the person was readmitted to the ward');
    expect((await steps()).actions.find((a: { controlId: string }) => a.controlId === 'c1')).toMatchObject({ status: 'not-done', reason: 'the person was readmitted to the ward', endedBy: { channel: 'email-reply' } });
  });

  it('the plan-holder works a rapid review by link: asks an agency, which answers by reply; the signed-in review page records “reviewed, no change”', async () => {
    const published = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content, reason: 'Safeguarding concern raised by home care', trigger: 'safeguarding', acknowledgementRequired: false });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const asked = await waitMail(people.coordinator.email, /^careloop: rapid review of the plan for /);
    expect(asked.text).toContain('After a safeguarding concern');
    const link = linkOf(asked);
    const agent = request.agent(app);
    const page = await agent.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Reviewed, no change');
    expect(page.text).toContain('Ask agencies for an update');
    expect(page.text).toContain(`Sent to ${people.hospital.name}.`);

    const none = await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), form: 'ask' });
    expect(none.status, none.text.slice(0, 3000)).toBe(400);
    expect(none.text).toContain('<a href="#agencyIds">Choose at least one agency to ask for an update</a>');
    const ok = await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), form: 'ask', agencyIds: [people.hospital.agencyId] });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(`for an update. Each gets an email now.`);

    // The hospital answers by reply: its text, without greeting, sign-off or the quoted email, is the update.
    const request1 = await waitMail(people.hospital.email, /^careloop: an update on changed risk factors for /);
    expect(request1.text).toContain(`${people.coordinator.name} is reviewing the integrated plan`);
    const updateLink = linkOf(request1);
    const updatePage = await request(app).get(updateLink);
    expect(updatePage.status).toBe(200);
    expect(updatePage.text).toContain('What has changed in the risk factors and interventions?');
    expect(updatePage.text).toContain('Send the update');
    await reply(people.hospital.email, request1.replyTo!, 'Hello Casey,\n\nTwo falls on the ward this week.\nOT assessment booked for Friday.\n\nKind regards\nWren\n\nOn Mon, 30 Nov 2026 at 10:00, careloop <careloop@care.test> wrote:\n> Please send a brief update');
    const received = await waitMail(people.coordinator.email, /sent its update for the review of the plan/);
    // Sent: the link stops working.
    const sent = await request(app).get(updateLink);
    expect(sent.status).toBe(410);
    expect(sent.text).toContain('This link no longer works: the update has been sent, or the rapid review has ended.');
    expect(received.text).toContain(`http://careloop.test/plans/${planId}/review`);
    expect(received.text).not.toContain('Two falls');
    const review = (await steps()).review;
    expect(review.requests[0]).toMatchObject({ status: 'answered', answer: { text: 'Two falls on the ward this week.\nOT assessment booked for Friday.', by: { channel: 'email-reply' } } });

    // Signed in: the review page shows the update, and records "reviewed, no change" (a reason is required).
    const coordinator = await signInAs(app, smtp, people.coordinator.email);
    const reviewPage = await coordinator.get(`/plans/${planId}/review`);
    expect(reviewPage.status).toBe(200);
    expect(reviewPage.text).toContain('Two falls on the ward this week.');
    expect(reviewPage.text).not.toContain('/api/');
    const blank = await coordinator.post(`/plans/${planId}/review`).type('form').send({ _csrf: csrfFrom(reviewPage.text), form: 'no-change', reason: '' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('<a href="#no-change-reason">Say why the plan needs no change</a>');
    const recorded = await coordinator.post(`/plans/${planId}/review`).type('form').send({ _csrf: csrfFrom(reviewPage.text), form: 'no-change', reason: 'Falls plan already covers this; OT booked.' });
    expect(recorded.status).toBe(303);
    const after = await coordinator.get(recorded.headers.location!);
    expect(after.text).toContain('The rapid review is recorded as reviewed with no change.');
    expect(after.text).toMatch(/Reviewed with no change, recorded by Casey Coordinator on .*: Falls plan already covers this; OT booked\./);
    // The emailed review link stopped working with the review.
    const gone = await agent.get(link);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('This link no longer works: the rapid review has ended.');

    // The plan page carries the section; the roster shows the plan's open action (none now: all ended).
    const planPage = await coordinator.get(`/plans/${planId}`);
    expect(planPage.text).toContain('id="plan-steps"');
    expect(planPage.text).toContain(`href="/plans/${planId}/review"`);
    expect(planPage.text).toMatch(/Medication review<\/strong> <span class="badge tone-done">Done on time/);
  });

  it('the JSON routes: a person outside the plan learns nothing; the owner and the plan-holder act; input is checked field by field', async () => {
    expect((await request(app).get(`/api/plans/${planId}/steps`).set(bearer(people.outsider))).status).toBe(404);
    expect((await request(app).post(`/api/plans/${planId}/actions/c1/done`).set(bearer(people.outsider)).send({})).status).toBe(404);
    // c1 and c2 have ended: a third action, owned by housing, is added with version 3.
    const v3 = { ...content, controls: [...content.controls, { id: 'c3', description: 'Housing visit', ownerAgencyId: people.housing.agencyId, ownerStaffId: people.housing.id, dueDate: await dayFromNow(4) }] };
    const published = await request(app).post(`/api/plans/${planId}/versions`).set(bearer(people.coordinator)).send({ baseVersion: 2, content: v3, reason: 'Housing joins', trigger: 'risk_change', acknowledgementRequired: false });
    expect(published.status).toBe(201);
    await waitMail(people.housing.email, /is yours, due/);
    const notYours = await request(app).post(`/api/plans/${planId}/actions/c3/done`).set(bearer(people.hospital)).send({});
    expect(notYours.status).toBe(403);
    const bad = await request(app).post(`/api/plans/${planId}/actions/c3/not-done`).set(bearer(people.housing)).send({ reason: '', why: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['(body)', 'reason'].sort());
    const ended = await request(app).post(`/api/plans/${planId}/actions/c1/done`).set(bearer(people.coordinator)).send({});
    expect(ended.status).toBe(409);
    const byHolder = await request(app).post(`/api/plans/${planId}/actions/c3/done`).set(bearer(people.coordinator)).send({ note: 'Confirmed with housing by phone' });
    expect(byHolder.status).toBe(200);
    expect(byHolder.body).toMatchObject({ status: 'done', endedBy: { staffId: people.coordinator.id, channel: 'api' } });
    const noReview = await request(app).post(`/api/plans/${planId}/review/no-change`).set(bearer(people.coordinator)).send({ reason: 'x' });
    expect(noReview.status).toBe(409);
    expect(noReview.body.error.message).toBe('The rapid review of this plan has already ended.');
  });
});
