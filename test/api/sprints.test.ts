// /api/sprints and the emailed action links, on the real app with real PostgreSQL, the
// time-skipping Temporal server, careloop's worker and a real SMTP listener.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import { sprintStateQuery } from '../../workflows';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { csrfFrom } from '../support/html';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });


describe('sprint API and action links (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'api' });
    ({ env, t, smtp, people, app } = stack);
  });
  afterAll(() => stack?.stop());

  const owners = () => Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
  const body = (over: Record<string, unknown> = {}) => ({
    participant: { localRef: `P-${randomUUID().slice(0, 8)}`, displayName: 'Ada Example' },
    dischargeAt: new Date(Date.now()).toISOString(),
    owners: owners(),
    ...over,
  });
  async function startSprint(over: Record<string, unknown> = {}) {
    const res = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send(body(over));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.sprintId as string;
  }
  const cancel = (id: string) => request(app).post(`/api/sprints/${id}/cancel`).set(bearer(people.coordinator)).send({ reason: 'test done' });

  it('starts a sprint (201) and returns the existing one for the same participant and discharge (200)', async () => {
    const b = body();
    const first = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send(b);
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/api/sprints/${first.body.sprintId}`);
    const again = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send(b);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sprintId: first.body.sprintId, created: false });
    expect(await t.db.participant.count({ where: { localRef: b.participant.localRef } })).toBe(1);
    await cancel(first.body.sprintId);
  });

  it('answers 400 with a message per field for bad input, and starts nothing', async () => {
    const before = await t.db.participant.count();
    const res = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: '', displayName: 'x' }, dischargeAt: 'yesterday', owners: { ...owners(), 'transport-confirmed': undefined, surprise: 'x' }, timing: { reminderLead: 'PT1Y' } });
    expect(res.status).toBe(400);
    const fields = (res.body.error.fields as { field: string; message: string }[]).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['participant.localRef', 'dischargeAt', 'owners.transport-confirmed', 'owners', 'timing.reminderLead']));
    expect(await t.db.participant.count()).toBe(before);

    const unknownOwner = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send(body({ owners: { ...owners(), 'services-active': 'no-such-staff' } }));
    expect(unknownOwner.status).toBe(400);
    expect(unknownOwner.body.error.fields).toEqual([{ field: 'owners.services-active', message: 'is not an active staff member' }]);

    const backwards = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send(body({ timing: { dueOffsets: { '0': 'PT2H', '1': 'PT1H' } } }));
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.fields[0]).toMatchObject({ field: 'timing.dueOffsets.1' });
  });

  it('answers 401 without a token and 403 for a role that may not start sprints', async () => {
    expect((await request(app).post('/api/sprints').send(body())).status).toBe(401);
    const res = await request(app).post('/api/sprints').set(bearer(people.hospital)).send(body());
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/coordinator/);
  });

  it('shows live state to its coordinator, task owners and managers of involved agencies; 404 to anyone else', async () => {
    const id = await startSprint();
    const state = await request(app).get(`/api/sprints/${id}`).set(bearer(people.coordinator));
    expect(state.status).toBe(200);
    expect(state.body.tasks).toHaveLength(SPRINT_TEMPLATE.length);
    expect(state.body.tasks[0]).toMatchObject({ key: 'discharge-summary-received', status: 'requested', owner: { id: people.hospital.id } });
    expect((await request(app).get(`/api/sprints/${id}`).set(bearer(people.housing))).status).toBe(200);
    expect((await request(app).get(`/api/sprints/${id}`).set(bearer(people.manager))).status).toBe(200);
    const outsider = await request(app).get(`/api/sprints/${id}`).set(bearer(people.outsider));
    expect(outsider.status).toBe(404);
    expect(JSON.stringify(outsider.body)).not.toContain(people.hospital.name);
    expect((await request(app).get('/api/sprints/sprint-nope-20260101T0000Z').set(bearer(people.coordinator))).status).toBe(404);
    expect((await request(app).get('/api/sprints/../../etc').set(bearer(people.coordinator))).status).toBe(404);
    await cancel(id);
  });

  it('lets the owner complete, refuse and mark not applicable; 403 for someone else’s task; 404 for an unknown task; 409 once ended', async () => {
    const id = await startSprint();
    const done = await request(app).post(`/api/sprints/${id}/tasks/discharge-summary-received/complete`).set(bearer(people.hospital)).send({ note: 'Received by fax' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', note: 'Received by fax', endedBy: { staffId: people.hospital.id, channel: 'api' } });

    const twice = await request(app).post(`/api/sprints/${id}/tasks/discharge-summary-received/complete`).set(bearer(people.hospital)).send({});
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/already ended/);

    const notMine = await request(app).post(`/api/sprints/${id}/tasks/services-active/complete`).set(bearer(people.hospital)).send({});
    expect(notMine.status).toBe(403);

    const unknown = await request(app).post(`/api/sprints/${id}/tasks/fly-to-moon/complete`).set(bearer(people.hospital)).send({});
    expect(unknown.status).toBe(404);

    const refuseBad = await request(app).post(`/api/sprints/${id}/tasks/participant-understands-plan/refuse`).set(bearer(people.housing)).send({ reason: 'Declined' });
    expect(refuseBad.status).toBe(400);
    expect(refuseBad.body.error.fields).toEqual([expect.objectContaining({ field: 'managedHow' })]);

    const extra = await request(app).post(`/api/sprints/${id}/tasks/services-active/complete`).set(bearer(people.housing)).send({ note: 'ok', status: 'completed' });
    expect(extra.status).toBe(400);

    const refused = await request(app).post(`/api/sprints/${id}/tasks/participant-understands-plan/refuse`).set(bearer(people.housing)).send({ reason: 'Declined', managedHow: 'Daughter briefed' });
    expect(refused.body).toMatchObject({ status: 'rejected', statusReason: 'refused-by-participant', managedHow: 'Daughter briefed' });

    const na = await request(app).post(`/api/sprints/${id}/tasks/transport-confirmed/not-applicable`).set(bearer(people.homecare)).send({ reason: 'Family drives' });
    expect(na.body).toMatchObject({ status: 'cancelled', statusReason: 'not-applicable' });
    await cancel(id);
  });

  it('lets only the coordinator reassign and cancel, each with a reason; acting on a cancelled sprint is 409', async () => {
    const id = await startSprint();
    expect((await request(app).post(`/api/sprints/${id}/tasks/transport-confirmed/reassign`).set(bearer(people.homecare)).send({ ownerId: people.housing.id, reason: 'x' })).status).toBe(403);
    expect((await request(app).post(`/api/sprints/${id}/tasks/transport-confirmed/reassign`).set(bearer(people.coordinator)).send({ ownerId: people.housing.id })).status).toBe(400);
    const moved = await request(app).post(`/api/sprints/${id}/tasks/transport-confirmed/reassign`).set(bearer(people.coordinator)).send({ ownerId: people.housing.id, reason: 'Housing runs transport' });
    expect(moved.status).toBe(200);
    expect(moved.body.owner.id).toBe(people.housing.id);

    expect((await request(app).post(`/api/sprints/${id}/cancel`).set(bearer(people.coordinator)).send({})).status).toBe(400);
    const cancelled = await cancel(id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const late = await request(app).post(`/api/sprints/${id}/tasks/services-active/complete`).set(bearer(people.housing)).send({});
    expect(late.status).toBe(409);
  });

  it('follows the link in the received email: GET changes nothing, POST acts once; spent, forged and revoked links get 4xx pages', async () => {
    const id = await startSprint();
    const mail = (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && m.to.includes(people.hospital.email)))[0]!;
    const links = mail.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/g)!.map((l) => l.replace('http://careloop.test', ''));
    expect(links).toHaveLength(3);

    const agent = request.agent(app);
    const view = await agent.get(links[0]!);
    expect(view.status).toBe(200);
    expect(view.text).toContain('Discharge summary received');
    await agent.get(links[0]!); // a scanner's second fetch
    const state = await env.client.workflow.getHandle(id).query(sprintStateQuery);
    expect(state.tasks[0]!.status).toBe('requested');

    const missing = await agent.post(links[0]!).type('form').send({ _csrf: csrfFrom(view.text), action: 'refuse', reason: 'Declined <b>now</b>' });
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/class="field-error" id="managedHow-error"/);
    expect(missing.text).toContain('Declined &lt;b&gt;now&lt;/b&gt;');

    const acted = await agent.post(links[0]!).type('form').send({ _csrf: csrfFrom(view.text), action: 'complete', note: 'Summary on file' });
    expect(acted.status).toBe(200);
    expect(acted.text).toMatch(/recorded as <strong>done<\/strong>/);
    const after = await env.client.workflow.getHandle(id).query(sprintStateQuery);
    expect(after.tasks[0]).toMatchObject({ status: 'completed', note: 'Summary on file', endedBy: { channel: 'link', staffId: people.hospital.id } });

    const spent = await agent.get(links[0]!).set('Accept', 'text/html');
    expect(spent.status).toBe(410);
    expect(spent.text).toMatch(/already been used/);
    const forged = await agent.get('/a/cla_forgedforgedforgedforgedforged').set('Accept', 'text/html');
    expect(forged.status).toBe(404);

    // The coordinator completes task 2 through the API: the emailed link for it stops working.
    await request(app).post(`/api/sprints/${id}/tasks/medication-reconciled/complete`).set(bearer(people.coordinator)).send({});
    const revoked = await agent.get(links[1]!).set('Accept', 'text/html');
    expect(revoked.status).toBe(410);
    expect(revoked.text).toMatch(/no longer works/);

    // An expired link changes nothing.
    await t.db.actionToken.updateMany({ where: { workflowId: id, usedAt: null, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await agent.get(links[2]!).set('Accept', 'text/html');
    expect(expired.status).toBe(410);
    expect(expired.text).toMatch(/expired/);
    expect((await env.client.workflow.getHandle(id).query(sprintStateQuery)).tasks[2]!.status).toBe('requested');
    await cancel(id);
  });
});
