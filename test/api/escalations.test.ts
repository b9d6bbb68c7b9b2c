// /api/escalations, /api/policy/escalation and the chair's emailed link, on the real app with
// real PostgreSQL, the time-skipping Temporal server, careloop's worker and a real SMTP listener.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { createParticipant, ownersByDay } from '../support/sprint-fixture';
import { csrfFrom } from '../support/html';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });

describe('escalation API and action links (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'escalations' });
    ({ env, t, smtp, people, app } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(by: { token: string }, over: Record<string, unknown> = {}) {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const res = await request(app)
      .post('/api/escalations')
      .set(bearer(by))
      .send({ participantLocalRef: participant.localRef, riskLevel: 'moderate', trigger: 'Two missed visits', description: 'Home care missed two visits', ...over });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.escalationId as string;
    // The chair is found and told before anyone acts.
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && /you chair/.test(m.subject));
    return id;
  }
  const post = (id: string, step: string, who: { token: string }, body: Record<string, unknown> = {}) => request(app).post(`/api/escalations/${id}/${step}`).set(bearer(who)).send(body);

  it('shows the policy in force to any signed-in caller, and to nobody else', async () => {
    const res = await request(app).get('/api/policy/escalation').set(bearer(people.hospital));
    expect(res.status).toBe(200);
    // The working agreement's version 1, written on first use from careloop's defaults.
    expect(res.body.version).toBe('working-agreement-1');
    expect(res.body.tiers.map((x: { riskLevel: string; respondWithin: string; chairRole: string; next: string | null }) => [x.riskLevel, x.respondWithin, x.chairRole, x.next])).toEqual([
      ['low', 'PT336H', 'coordinator', 'moderate'],
      ['moderate', 'PT72H', 'coordinator', 'high'],
      ['high', 'PT4H', 'manager', 'acute'],
      ['acute', 'PT1H', 'manager', null],
    ]);
    expect(res.body.requiredFields).toEqual(['riskLevel', 'trigger', 'responseAction', 'outcome']);
    expect((await request(app).get('/api/policy/escalation')).status).toBe(401);
  });

  it('raises, reads and takes an escalation through acknowledge, respond and resolve', async () => {
    const id = await raise(people.coordinator);
    const got = await request(app).get(`/api/escalations/${id}`).set(bearer(people.coordinator));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ escalationId: id, status: 'open', tier: 'moderate', riskLevel: 'moderate', chair: { id: people.coordinator.id }, raisedBy: { id: people.coordinator.id }, source: { process: 'manual' }, links: { self: `/api/escalations/${id}` } });
    expect(Date.parse(got.body.respondDueAt) - Date.parse(got.body.raisedAt)).toBe(72 * 3600_000);

    expect((await post(id, 'respond', people.coordinator, { responseAction: 'Called' })).status).toBe(409); // not acknowledged yet
    const acked = await post(id, 'acknowledge', people.coordinator);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledgement: { onTime: true, by: { staffId: people.coordinator.id } } });
    const responded = await post(id, 'respond', people.coordinator, { responseAction: 'Joint visit with home care booked for tomorrow' });
    expect(responded.body).toMatchObject({ status: 'responded', response: { action: 'Joint visit with home care booked for tomorrow', onTime: true } });
    const resolved = await post(id, 'resolve', people.coordinator, { outcome: 'Visits back on schedule' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', outcome: { outcome: 'Visits back on schedule', onTime: true } });
    expect((await post(id, 'resolve', people.coordinator, { outcome: 'again' })).status).toBe(409);
    await env.client.workflow.getHandle(id).result();
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'resolved', resolvedBy: 'chair', resolvedOnTime: true, responseAction: 'Joint visit with home care booked for tomorrow' });
  });

  it('answers 400 per field for missing required fields, bad windows and unknown participants', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const missing = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: participant.localRef });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['riskLevel', 'trigger']);
    const bad = await request(app)
      .post('/api/escalations')
      .set(bearer(people.coordinator))
      .send({ participantLocalRef: participant.localRef, riskLevel: 'severe', trigger: 'x', timing: { acute: { respondWithin: 'soon' } } });
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['riskLevel', 'timing.acute.respondWithin']);
    const inverted = await request(app)
      .post('/api/escalations')
      .set(bearer(people.coordinator))
      .send({ participantLocalRef: participant.localRef, riskLevel: 'high', trigger: 'x', timing: { high: { acknowledgeWithin: 'PT5H' } } });
    expect(inverted.body.error.fields).toEqual([{ field: 'timing.high.acknowledgeWithin', message: 'must not be longer than the response window' }]);
    const nobody = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: `P-${randomUUID()}`, riskLevel: 'low', trigger: 'x' });
    // An unknown person and a person outside the caller's care teams get the same answer.
    const notYours = await createParticipant(t.db, [people.outsider.agencyId]);
    const outside = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: notYours.localRef, riskLevel: 'low', trigger: 'x' });
    expect(nobody.status).toBe(404);
    expect(outside.status).toBe(404);
    expect(outside.body.error.message.replace(notYours.localRef, 'REF')).toBe(nobody.body.error.message.replace(/P-[\w-]+/, 'REF'));
    const noParticipant = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ riskLevel: 'low', trigger: 'x' });
    expect(noParticipant.body.error.fields).toEqual([{ field: 'participantId', message: 'is required: participantId or participantLocalRef' }]);

    const id = await raise(people.coordinator);
    await post(id, 'acknowledge', people.coordinator);
    const noAction = await post(id, 'respond', people.coordinator, { responseAction: '   ' });
    expect(noAction.status).toBe(400);
    expect(noAction.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['responseAction']);
    await post(id, 'respond', people.coordinator, { responseAction: 'Called the family' });
    const noOutcome = await post(id, 'resolve', people.coordinator, {});
    expect(noOutcome.status).toBe(400);
    expect(noOutcome.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['outcome']);
    expect((await post(id, 'resolve', people.coordinator, { outcome: 'Family visits daily' })).status).toBe(200);
  });

  it('refuses callers: 401 without a token, 404 to outsiders, 403 to viewers who do not chair, 404 for unknown ids', async () => {
    const id = await raise(people.coordinator, { riskLevel: 'high' });
    expect((await request(app).get(`/api/escalations/${id}`)).status).toBe(401);
    expect((await request(app).post('/api/escalations').send({})).status).toBe(401);
    expect((await request(app).get(`/api/escalations/${id}`).set(bearer(people.outsider))).status).toBe(404);
    expect((await request(app).get(`/api/escalations/${id}`).set(bearer(people.housing))).status).toBe(404);
    expect((await post(id, 'acknowledge', people.outsider)).status).toBe(404);
    // High is chaired by the agency's manager: the coordinator who raised it may read it, not act.
    const view = await request(app).get(`/api/escalations/${id}`).set(bearer(people.coordinator));
    expect(view.body.chair.id).toBe(people.manager.id);
    const notChair = await post(id, 'acknowledge', people.coordinator);
    expect(notChair.status).toBe(403);
    expect(notChair.body.error.message).toMatch(/Morgan Manager chairs this escalation/);
    expect((await request(app).get('/api/escalations/escalation-nope').set(bearer(people.coordinator))).status).toBe(404);
    expect((await request(app).get('/api/escalations/not-an-id').set(bearer(people.coordinator))).status).toBe(404);
    expect((await post(id, 'acknowledge', people.manager)).status).toBe(200);
    await post(id, 'respond', people.manager, { responseAction: 'Huddle held at 14:00' });
    expect((await post(id, 'resolve', people.manager, { outcome: 'Plan updated' })).status).toBe(200);
  });

  it('lets the chair take ownership from the emailed link: GET changes nothing, POST acknowledges and the link leads on to the next step', async () => {
    const id = await raise(people.coordinator);
    const mail = (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && m.to.includes(people.coordinator.email)))[0]!;
    const link = mail.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
    const agent = request.agent(app);
    const page = await agent.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('I take ownership');
    expect((await request(app).get(`/api/escalations/${id}`).set(bearer(people.coordinator))).body.status).toBe('open');
    const done = await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), action: 'acknowledge' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('You have taken ownership');
    const after = await request(app).get(`/api/escalations/${id}`).set(bearer(people.coordinator));
    expect(after.body).toMatchObject({ status: 'acknowledged', acknowledgement: { by: { channel: 'link' } } });
    // Not spent by acknowledging: the same link now asks for the response action.
    const next = await agent.get(link);
    expect(next.status).toBe(200);
    expect(next.text).toContain('Record the response action');
    await post(id, 'respond', people.coordinator, { responseAction: 'Called' });
    await post(id, 'resolve', people.coordinator, { outcome: 'Settled' });
    await env.client.workflow.getHandle(id).result();
    // Resolved elsewhere: the link acts no more, and shows what was recorded.
    const record = await agent.get(link);
    expect(record.status).toBe(200);
    expect(record.text).toContain('Outcome recorded by Casey Coordinator');
    expect(record.text).not.toContain('<textarea');
    expect((await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text), action: 'resolve', outcome: 'again' })).status).toBe(410);
  });

  it('shows the live status of the escalation an overdue sprint task raised, in the sprint', async () => {
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const started = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: `P-${randomUUID().slice(0, 8)}`, displayName: 'Ada Example' }, dischargeAt: new Date(await env.currentTimeMs()).toISOString(), owners, timing: { dueOffsets: { '0': 'PT1M', '1': 'PT1H', '2-3': 'PT2H' }, reminderLead: 'PT30S' } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const sprintId = started.body.sprintId as string;
    await env.sleep('2 minutes');
    await expect.poll(async () => (await request(app).get(`/api/sprints/${sprintId}`).set(bearer(people.coordinator))).body.escalations.length).toBe(3);
    const sprint = await request(app).get(`/api/sprints/${sprintId}`).set(bearer(people.coordinator));
    for (const e of sprint.body.escalations) {
      expect(e).toMatchObject({ status: 'raised', workflowId: `escalation-${sprintId}-${e.taskKey}` });
      await expect.poll(async () => (await request(app).get(`/api/sprints/${sprintId}`).set(bearer(people.coordinator))).body.escalations.find((x: { taskKey: string }) => x.taskKey === e.taskKey).live).toMatchObject({ status: 'open', tier: 'moderate', chair: { id: people.coordinator.id } });
    }
    const one = sprint.body.escalations[0];
    const esc = await request(app).get(`/api/escalations/${one.workflowId}`).set(bearer(people.coordinator));
    expect(esc.body).toMatchObject({ trigger: `Overdue: ${SPRINT_TEMPLATE.find((x) => x.key === one.taskKey)!.title}`, source: { process: 'sprint', workflowId: sprintId, item: one.taskKey } });
    // The task's owner is a responder and may read it.
    expect((await request(app).get(`/api/escalations/${one.workflowId}`).set(bearer(people.hospital))).status).toBe(200);
    expect((await request(app).post(`/api/sprints/${sprintId}/cancel`).set(bearer(people.coordinator)).send({ reason: 'test done' })).status).toBe(200);
  });
});
