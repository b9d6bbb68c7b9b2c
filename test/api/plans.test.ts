// The integrated plan and its change control, through the real app, on the time-skipping
// Temporal server with careloop's worker, real PostgreSQL, a real SMTP listener for outgoing
// mail and careloop's real inbound listener for replies.
import nodemailer from 'nodemailer';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { planChangeStateQuery } from '../../workflows';
import { planChangeWorkflowId } from '../../domain/plan';
import type { InboundListener } from '../../api/inbound';
import { startTestInbound } from '../support/reply';
import { createPlanService } from '../../api/plans/service';
import type { TestDatabase } from '../support/db';
import { type CapturedMail, type SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { csrfFrom } from '../support/html';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
const HOUR = 3600_000;


describe('integrated plan and plan change control (real Temporal, PostgreSQL, SMTP in and out)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let inbound: InboundListener;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'plans' });
    ({ env, t, smtp, people, app } = stack);
    inbound = await startTestInbound(stack, (services) => ({ plans: createPlanService(services) }));

  });
  afterAll(async () => {
    await inbound?.stop();
    await stack?.stop();
  });

  async function createPlan(over: Record<string, unknown> = {}) {
    const res = await request(app)
      .post('/api/plans')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, content: planContent(people), ...over });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.planId as string;
  }
  const v2Content = () =>
    planContent(people, {
      risks: [
        { id: 'r1', description: 'Falls at night', level: 'acute' },
        { id: 'r2', description: 'Housing loss', level: 'high' },
      ],
      controls: [
        { id: 'c1', description: 'Night-time check call', ownerAgencyId: people.housing.agencyId, ownerStaffId: people.housing.id },
        { id: 'c2', description: 'Medication review', ownerAgencyId: people.hospital.agencyId, ownerStaffId: people.hospital.id, dueDate: planContent(people).controls[1]!.dueDate },
      ],
    });
  async function publish(planId: string, over: Record<string, unknown> = {}) {
    return request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: v2Content(), reason: 'Eviction notice served; falls increased', trigger: 'risk_change', acknowledgementRequired: true, ...over });
  }
  const mailsFor = (planId: string, version: number, to?: string) =>
    smtp.messages.filter((m) => m.parsed.headers.get('x-careloop-workflow') === planChangeWorkflowId(planId, version) && (!to || m.to.includes(to)));
  const waitMail = async (planId: string, version: number, to: string, subject: RegExp): Promise<CapturedMail> =>
    (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === planChangeWorkflowId(planId, version) && m.to.includes(to) && subject.test(m.subject)))[0]!;
  const state = (planId: string, v: number) => env.client.workflow.getHandle(planChangeWorkflowId(planId, v)).query(planChangeStateQuery);

  it('creates a plan with version 1 and shows it, with its versions, to the people it involves only', async () => {
    const planId = await createPlan();
    const res = await request(app).get(`/api/plans/${planId}`).set(bearer(people.hospital));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ currentVersion: { number: 1, trigger: 'other', content: { risks: [{ id: 'r1', level: 'high' }] } }, versions: [{ number: 1 }] });
    expect((await request(app).get(`/api/plans/${planId}`).set(bearer(people.outsider))).status).toBe(404);
    const dup = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: res.body.participant.localRef, displayName: 'x' }, content: planContent(people) });
    expect(dup.status).toBe(409);
  });

  it('refuses bad content with a message per field, and a publish by someone who may not', async () => {
    const bad = await request(app)
      .post('/api/plans')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: 'x' }, content: { ...planContent(people), risks: [{ id: 'r1', description: 'x', level: 'severe' }], controls: [{ id: 'c1', description: 'x', ownerAgencyId: 'nowhere' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field)).toContain('content.risks.0.level');
    const badRef = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: newLocalRef(), displayName: 'x' }, content: { ...planContent(people), controls: [{ id: 'c1', description: 'x', ownerAgencyId: 'nowhere' }] } });
    expect(badRef.body.error.fields).toEqual([{ field: 'content.controls.0.ownerAgencyId', message: 'is not an agency' }]);

    const planId = await createPlan();
    const byStaff = await request(app).post(`/api/plans/${planId}/versions`).set(bearer(people.hospital)).send({ baseVersion: 1, content: v2Content(), reason: 'x', trigger: 'other', acknowledgementRequired: false });
    expect(byStaff.status).toBe(403);
    expect((await request(app).post(`/api/plans/${planId}/versions`).send({})).status).toBe(401);
    const noTrigger = await publish(planId, { trigger: 'whim' });
    expect(noTrigger.status).toBe(400);
  });

  it('refuses a stale base version with 409 and the current version number, so nobody overwrites anybody', async () => {
    const planId = await createPlan();
    const [a, b] = await Promise.all([publish(planId, { acknowledgementRequired: false }), publish(planId, { acknowledgementRequired: false, reason: 'A second editor' })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(loser.body.error.message).toMatch(/now at version 2/);
    const plan = await request(app).get(`/api/plans/${planId}`).set(bearer(people.coordinator));
    expect(plan.body.versions.map((v: { number: number }) => v.number)).toEqual([1, 2]);
  });

  it('reads the diff between versions like a change note', async () => {
    const planId = await createPlan();
    expect((await publish(planId, { acknowledgementRequired: false })).status).toBe(201);
    const diff = await request(app).get(`/api/plans/${planId}/diff?from=1&to=2`).set(bearer(people.coordinator));
    expect(diff.status).toBe(200);
    expect(diff.body.summary).toEqual([
      'Risk "Falls at night": level high → acute',
      'Risk added (high): "Housing loss"',
      `Control "Night-time check call": owner ${people.homecare.name} (Agency ${(await t.db.agency.findUniqueOrThrow({ where: { id: people.homecare.agencyId } })).key}) → ${people.housing.name} (Agency ${(await t.db.agency.findUniqueOrThrow({ where: { id: people.housing.agencyId } })).key})`,
    ]);
    expect((await request(app).get(`/api/plans/${planId}/diff?from=1&to=9`).set(bearer(people.coordinator))).status).toBe(400);
    expect((await request(app).get(`/api/plans/${planId}/versions/2`).set(bearer(people.coordinator))).body).toMatchObject({ number: 2, reason: 'Eviction notice served; falls increased', trigger: 'risk_change' });
  });

  it('collects acknowledgements by link, by email reply and by API; a second one changes nothing; then completes', async () => {
    const planId = await createPlan();
    const published = await publish(planId);
    expect(published.status).toBe(201);
    // Default recipients: the plan-holder is the publisher, so the owners of the controls.
    expect(published.body.recipients.map((r: { id: string }) => r.id).sort()).toEqual([people.hospital.id, people.housing.id].sort());

    // By link: GET shows the change and changes nothing; POST acknowledges.
    const toHospital = await waitMail(planId, 2, people.hospital.email, /please acknowledge version 2/);
    expect(toHospital.text).not.toContain('Falls at night'); // no clinical detail in the email
    const link = toHospital.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
    const agent = request.agent(app);
    const view = await agent.get(link);
    expect(view.status).toBe(200);
    // Not signed in: the change in outline, without what the plan says.
    expect(view.text).toContain('1 risk added, 1 risk changed');
    expect(view.text).not.toContain('Falls at night');
    expect(view.text).toContain('Sign in to see the full change');
    expect((await state(planId, 2)).recipients.every((r) => !r.acknowledgedAt)).toBe(true);
    const acked = await agent.post(link).type('form').send({ _csrf: csrfFrom(view.text), action: 'acknowledge' });
    expect(acked.status).toBe(200);
    expect(acked.text).toMatch(/acknowledgement of version 2/);
    expect((await agent.get(link).set('Accept', 'text/html')).status).toBe(410);

    // A second acknowledgement, by API, keeps the first time and channel.
    const first = (await state(planId, 2)).recipients.find((r) => r.staff.id === people.hospital.id)!;
    const again = await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(people.hospital)).send({});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ acknowledgedAt: first.acknowledgedAt, channel: 'link' });
    expect(await t.db.planAcknowledgement.count({ where: { staffId: people.hospital.id } })).toBe(1);

    // Someone who was not asked cannot acknowledge.
    expect((await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(people.homecare)).send({})).status).toBe(403);

    // By reply, from the right person, to the Reply-To of their email.
    const toHousing = await waitMail(planId, 2, people.housing.email, /please acknowledge version 2/);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: inbound.port, secure: false, ignoreTLS: true });
    // A spoofed sender first: nothing changes.
    await transport.sendMail({ from: people.outsider.email, to: toHousing.replyTo!, subject: 'Re: plan', text: 'acknowledged' });
    expect((await state(planId, 2)).recipients.find((r) => r.staff.id === people.housing.id)!.acknowledgedAt).toBeUndefined();
    await transport.sendMail({ from: people.housing.email, to: toHousing.replyTo!, subject: 'Re: plan', text: 'Acknowledged, thanks.\n\n> Please read what changed' });
    await smtp.waitFor((m) => m.to.includes(people.housing.email) && /^careloop: acknowledgement of the plan for P-\S+ recorded$/.test(m.subject));

    const status = await request(app).get(`/api/plans/${planId}/versions/2/status`).set(bearer(people.coordinator));
    expect(status.body.status).toBe('acknowledged');
    expect(status.body.recipients.map((r: { channel: string }) => r.channel).sort()).toEqual(['email-reply', 'link']);
    const final = await env.client.workflow.getHandle(planChangeWorkflowId(planId, 2)).result();
    expect(final.status).toBe('acknowledged');
    expect(await t.db.auditEvent.count({ where: { workflowId: planChangeWorkflowId(planId, 2), action: 'plan.acknowledged' } })).toBe(2);
  });

  it('reminds on schedule, escalates missing acknowledgements at the deadline, and carries a rapid-review deadline', async () => {
    const planId = await createPlan();
    const published = await publish(planId, { trigger: 'safeguarding', timing: { reminderEvery: 'PT24H', acknowledgeWithin: 'PT72H' } });
    expect(published.status).toBe(201);
    const s0 = await state(planId, 2);
    expect(Date.parse(s0.rapidReviewDueAt!) - Date.parse(s0.startedAt)).toBe(72 * HOUR);
    expect(published.body.rapidReviewWithinMs).toBe(72 * HOUR);
    await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(people.hospital)).send({});

    await env.sleep(49 * HOUR);
    const s49 = await state(planId, 2);
    expect(s49.recipients.find((r) => r.staff.id === people.housing.id)).toMatchObject({ remindersSent: 2, escalated: false });
    expect(s49.recipients.find((r) => r.staff.id === people.hospital.id)).toMatchObject({ remindersSent: 0 });
    expect(mailsFor(planId, 2, people.housing.email).filter((m) => /reminder/.test(m.subject))).toHaveLength(2);

    await env.sleep(24 * HOUR);
    const s73 = await state(planId, 2);
    expect(s73.status).toBe('awaiting-acknowledgements');
    expect(s73.recipients.find((r) => r.staff.id === people.housing.id)).toMatchObject({ escalated: true });
    expect(s73.escalations).toEqual([expect.objectContaining({ missing: [people.housing.id], status: 'raised', workflowId: `escalation-${planChangeWorkflowId(planId, 2)}-acknowledgements-missing` })]);
    // A real escalation, chaired by the plan-holder, with the missing acknowledger as responder.
    const raised = await request(app).get(`/api/escalations/${s73.escalations[0]!.workflowId}`).set(bearer(people.coordinator));
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ status: 'open', tier: 'moderate', trigger: 'Plan version 2 not acknowledged', chair: { id: people.coordinator.id }, source: { process: 'plan-change', workflowId: planChangeWorkflowId(planId, 2) } });
    expect(raised.body.responders.map((r: { id: string }) => r.id)).toContain(people.housing.id);
    const statusView = await request(app).get(`/api/plans/${planId}/versions/2/status`).set(bearer(people.coordinator));
    expect(statusView.body.escalations[0].live).toMatchObject({ status: 'open', tier: 'moderate', chair: { id: people.coordinator.id } });
    // The plan-holder chairs it to its end, before the version completes (the time-skipping server
    // copes badly with a parent closing while its child waits on and later tests need the clock).
    const escId = s73.escalations[0]!.workflowId!;
    expect((await request(app).post(`/api/escalations/${escId}/acknowledge`).set(bearer(people.coordinator)).send({})).status).toBe(200);
    expect((await request(app).post(`/api/escalations/${escId}/respond`).set(bearer(people.coordinator)).send({ responseAction: 'Called Hollis to go through the change' })).status).toBe(200);
    const resolvedEsc = await request(app).post(`/api/escalations/${escId}/resolve`).set(bearer(people.coordinator)).send({ outcome: 'Acknowledgement promised today' });
    expect(resolvedEsc.body).toMatchObject({ status: 'resolved', outcome: { onTime: true } });
    const escalation = await waitMail(planId, 2, people.coordinator.email, /ESCALATION/);
    expect(escalation.text).toContain(people.housing.name);

    // Late acknowledgement still counts and completes the change.
    await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(people.housing)).send({});
    expect((await env.client.workflow.getHandle(planChangeWorkflowId(planId, 2)).result()).status).toBe('acknowledged');
  });

  it('a newer version supersedes an open one: the old one ends superseded and its links stop working', async () => {
    const planId = await createPlan();
    expect((await publish(planId)).status).toBe(201);
    const old = await waitMail(planId, 2, people.hospital.email, /please acknowledge version 2/);
    const oldLink = old.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
    const v3 = await publish(planId, { baseVersion: 2, reason: 'Housing secured', trigger: 'scheduled_review' });
    expect(v3.status).toBe(201);
    const oldFinal = await env.client.workflow.getHandle(planChangeWorkflowId(planId, 2)).result();
    expect(oldFinal).toMatchObject({ status: 'superseded', supersededBy: 3 });
    const gone = await request(app).get(oldLink).set('Accept', 'text/html');
    expect(gone.status).toBe(410);
    const late = await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(people.hospital)).send({});
    expect([409, 404]).toContain(late.status);
    expect((await state(planId, 3)).status).toBe('awaiting-acknowledgements');
    // End version 3 cleanly.
    await request(app).post(`/api/plans/${planId}/versions/3/acknowledge`).set(bearer(people.hospital)).send({});
    await request(app).post(`/api/plans/${planId}/versions/3/acknowledge`).set(bearer(people.housing)).send({});
    expect((await env.client.workflow.getHandle(planChangeWorkflowId(planId, 3)).result()).status).toBe('acknowledged');
  });
});
