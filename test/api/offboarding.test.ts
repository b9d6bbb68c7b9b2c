// People leave: an admin deactivates someone (their session, API token and unused links stop at
// once; their open work comes back for reassignment), issues and revokes API tokens (which
// expire), ends sessions; sessions end after 30 idle minutes; nothing personal is cached.
// Real app, real PostgreSQL and SMTP, the Temporal dev server (visibility) and careloop's worker.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { OpenWork } from '../../api/people/staff-service';
import { buildTestApp, createStaff } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createParticipant, createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { csrfFrom } from '../support/html';

describe('people leave: deactivation, API tokens, sessions (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  let admin: { token: string; staff: { id: string; email: string } };
  const taskQueue = `offboarding-${randomUUID()}`;
  const refs = { sprint: '', plan: '', escalation: '', dispute: '' };
  let sprintId = '';
  let disputeId = '';
  const bearer = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

  /** Signs in the way a person does: ask for a link, open it from the email, confirm. */
  async function signIn(target: Express, email: string) {
    const agent = request.agent(target);
    const isLink = (m: { to: string[]; subject: string }) => m.to.includes(email) && m.subject === 'Your careloop sign-in link';
    const before = smtp.messages.filter(isLink).length;
    const form = await agent.get('/signin');
    expect((await agent.post('/signin').type('form').send({ email, _csrf: csrfFrom(form.text) })).status).toBe(200);
    const mails = await smtp.waitFor(isLink, before + 1);
    const link = mails[mails.length - 1]!.text.match(/http:\/\/careloop\.test(\/signin\/[\w-]+)/)![1]!;
    const confirm = await agent.get(link);
    expect((await agent.post(link).type('form').send({ _csrf: csrfFrom(confirm.text) })).status).toBe(303);
    return agent;
  }

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    admin = await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, roles: ['admin'], agencyId: people.coordinator.agencyId });
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue });

    // Open work of every kind for the hospital's nurse, who is about to leave.
    refs.sprint = newLocalRef();
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const sprint = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: refs.sprint, displayName: 'Sprint person' }, dischargeAt: new Date().toISOString(), owners, timing: { dueOffsets: { '0': 'PT1H', '1': 'PT2H', '2-3': 'PT3H' }, reminderLead: 'PT10M' } });
    expect(sprint.status, JSON.stringify(sprint.body)).toBe(201);
    sprintId = sprint.body.sprintId;
    refs.plan = newLocalRef();
    const plan = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: refs.plan, displayName: 'Plan person' }, content: planContent(people) });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    const v2 = await request(app)
      .post(`/api/plans/${plan.body.planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: planContent(people, { crisisTriggers: ['Refuses medication once'] }), reason: 'Medication changed', trigger: 'risk_change', acknowledgementRequired: true });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);
    const disputed = await createParticipant(t.db, [people.coordinator.agencyId, people.hospital.agencyId]);
    refs.dispute = disputed.localRef;
    const disp = await request(app)
      .post('/api/disputes')
      .set(bearer(people.coordinator))
      .send({ participantId: disputed.id, subject: 'Who reviews medication', description: 'd', outcomeSought: 'o', step: 'Medication reconciled', interimOwnerId: people.hospital.id, respondentAgencyIds: [people.hospital.agencyId] });
    expect(disp.status, JSON.stringify(disp.body)).toBe(201);
    disputeId = disp.body.disputeId;
    // A high escalation: the county's manager chairs it.
    const escalated = await createParticipant(t.db, [people.coordinator.agencyId]);
    refs.escalation = escalated.localRef;
    const esc = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: escalated.localRef, riskLevel: 'high', trigger: 'Eviction notice', description: 'Housing at risk' });
    expect(esc.status, JSON.stringify(esc.body)).toBe(201);
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  const openWork = async (who: { id: string }) => {
    const res = await request(app).get(`/api/staff/${who.id}/open-work`).set(bearer(admin));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as OpenWork;
  };

  it('lists who holds which role, for admins only', async () => {
    const res = await request(app).get('/api/staff/roles').set(bearer(admin));
    expect(res.status).toBe(200);
    const byRole = Object.fromEntries((res.body.roles as { role: string; staff: { email: string; apiToken: string }[] }[]).map((r) => [r.role, r.staff.map((s) => s.email)]));
    expect(byRole.admin).toEqual([admin.staff.email]);
    expect(byRole.coordinator).toEqual([people.coordinator.email]);
    expect(byRole.manager).toEqual(expect.arrayContaining([people.manager.email, people.outsider.email]));
    expect(byRole.staff).toEqual(expect.arrayContaining([people.hospital.email, people.homecare.email, people.housing.email]));
    expect(res.body.roles[3].staff[0].apiToken).toMatch(/^expires 20/);
    for (const who of [people.manager, people.coordinator]) {
      expect((await request(app).get('/api/staff/roles').set(bearer(who))).status).toBe(403);
      expect((await request(app).post(`/api/staff/${people.housing.id}/deactivate`).set(bearer(who)).send({ reason: 'not mine to do' })).status).toBe(403);
      expect((await request(app).post(`/api/staff/${people.housing.id}/token`).set(bearer(who)).send({})).status).toBe(403);
    }
  });

  it("lists a person's open work from the live processes and the record", async () => {
    // Visibility catches up within seconds of the workflows starting.
    await expect
      .poll(async () => {
        const w = await openWork(people.hospital);
        return { tasks: w.sprintTasks.length, acks: w.planAcknowledgements.length, disputes: w.disputesInterimOwner.length };
      }, { timeout: 30_000, interval: 500 })
      .toEqual({ tasks: 3, acks: 1, disputes: 1 });
    const w = await openWork(people.hospital);
    expect(w.sprintTasks.map((x) => x.taskKey).sort()).toEqual(['discharge-summary-received', 'immediate-risks-reviewed', 'medication-reconciled']);
    expect(w.sprintTasks.every((x) => x.sprintId === sprintId && x.participantRef === refs.sprint && !x.overdue)).toBe(true);
    expect(w.planAcknowledgements[0]).toMatchObject({ version: 2, participantRef: refs.plan });
    expect(w.disputesInterimOwner).toEqual([{ disputeId, participantRef: refs.dispute, stage: 1 }]);
    expect(w.incomplete).toEqual([]);

    await expect.poll(async () => (await openWork(people.manager)).escalationsChaired.length, { timeout: 30_000, interval: 500 }).toBe(1);
    expect((await openWork(people.manager)).escalationsChaired[0]).toMatchObject({ participantRef: refs.escalation, tier: 'high', status: 'open' });
    const coordinator = await openWork(people.coordinator);
    expect(coordinator.sprintsCoordinated).toEqual([expect.objectContaining({ sprintId, participantRef: refs.sprint })]);
    expect(coordinator.plansHeld).toEqual([expect.objectContaining({ participantRef: refs.plan })]);
    // By email too, and a clear 404 for nobody.
    expect((await request(app).get(`/api/staff/${encodeURIComponent(people.hospital.email.toUpperCase())}/open-work`).set(bearer(admin))).body.staff.id).toBe(people.hospital.id);
    const ghost = await request(app).get('/api/staff/ghost@care.test/open-work').set(bearer(admin));
    expect(ghost.status).toBe(404);
    expect(ghost.body.error.message).toMatch(/No staff member ghost@care\.test/);
  });

  it('deactivating someone stops their session, API token and links at once, and lists their open work', async () => {
    const nurse = await signIn(app, people.hospital.email);
    expect((await nurse.get('/')).status).toBe(200);
    expect((await request(app).get('/api/me').set(bearer(people.hospital))).status).toBe(200);
    const [taskMail] = await smtp.waitFor((m) => m.to.includes(people.hospital.email) && /\/a\/[\w-]+/.test(m.text));
    const link = taskMail!.text.match(/http:\/\/careloop\.test(\/a\/[\w-]+)/)![1]!;
    expect((await request(app).get(link)).status).toBe(200);

    const noReason = await request(app).post(`/api/staff/${people.hospital.id}/deactivate`).set(bearer(admin)).send({});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields).toEqual([{ field: 'reason', message: expect.stringMatching(/say why/) }]);

    const res = await request(app).post(`/api/staff/${people.hospital.id}/deactivate`).set(bearer(admin)).send({ reason: 'Left the hospital trust' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ sessionsEnded: 1, apiTokenRevoked: true, staff: { id: people.hospital.id } });
    expect(res.body.linksRevoked).toBeGreaterThan(0);
    expect(res.body.openWork.sprintTasks).toHaveLength(3);
    expect(res.body.openWork.planAcknowledgements).toHaveLength(1);
    expect(res.body.openWork.disputesInterimOwner).toHaveLength(1);

    // At once: the token, the session and the emailed link all stop.
    const me = await request(app).get('/api/me').set(bearer(people.hospital));
    expect(me.status).toBe(401);
    const page = await nurse.get('/').set('Accept', 'text/html');
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/signin\?next=/);
    expect(await t.db.session.count({ where: { staffId: people.hospital.id } })).toBe(0);
    expect((await request(app).get(link)).status).toBeGreaterThanOrEqual(400);
    expect((await request(app).get(link)).status).toBeLessThan(500);

    const event = await t.db.auditEvent.findFirst({ where: { action: 'staff.deactivated', item: people.hospital.id } });
    expect(event).toMatchObject({ actor: admin.staff.email, actorId: admin.staff.id, reason: 'Left the hospital trust', process: 'staff' });
    expect(event!.data).toMatchObject({ email: people.hospital.email, sessionsEnded: 1, apiTokenRevoked: true });

    const again = await request(app).post(`/api/staff/${people.hospital.id}/deactivate`).set(bearer(admin)).send({ reason: 'Left the hospital trust' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already deactivated/);
    const token = await request(app).post(`/api/staff/${people.hospital.id}/token`).set(bearer(admin)).send({});
    expect(token.status).toBe(409);
    // Their open work is still listed for reassignment after they have gone.
    expect((await openWork(people.hospital)).sprintTasks).toHaveLength(3);
  });

  it('refuses to let an admin deactivate themselves', async () => {
    const res = await request(app).post(`/api/staff/${admin.staff.id}/deactivate`).set(bearer(admin)).send({ reason: 'testing myself' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/ask another admin/);
  });

  it('issues API tokens that expire (90 days by default) and refuses an expired one, saying how to get a new one', async () => {
    const before = Date.now();
    const issued = await request(app).post(`/api/staff/${people.homecare.id}/token`).set(bearer(admin)).send({});
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^clt_/);
    const expiresAt = Date.parse(issued.body.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(90 * 86_400_000 - 5000);
    expect(expiresAt - before).toBeLessThanOrEqual(90 * 86_400_000 + 60_000);
    // The new token works; the old one no longer does.
    expect((await request(app).get('/api/me').set(bearer(issued.body))).status).toBe(200);
    expect((await request(app).get('/api/me').set(bearer(people.homecare))).status).toBe(401);

    const short = await request(app).post(`/api/staff/${people.homecare.id}/token`).set(bearer(admin)).send({ days: 1 });
    expect(short.status).toBe(201);
    const later = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue, now: () => new Date(Date.parse(short.body.expiresAt) + 60_000) });
    const expired = await request(later).get('/api/me').set(bearer(short.body));
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired on .*staff token --email/);
    expect((await request(app).get('/api/me').set(bearer(short.body))).status).toBe(200);
    const events = await t.db.auditEvent.findMany({ where: { action: 'staff.api-token-issued', item: people.homecare.id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => (e.data as { days: number }).days)).toEqual([90, 1]);
    expect((await request(app).post(`/api/staff/${people.homecare.id}/token`).set(bearer(admin)).send({ days: 0 })).status).toBe(400);

    // No token without an expiry can be stored at all.
    await expect(t.db.staff.update({ where: { id: people.homecare.id }, data: { apiTokenExpiresAt: null } })).rejects.toThrow(/Staff_apiToken_expires|check constraint/i);
  });

  it('revokes an API token at once', async () => {
    expect((await request(app).get('/api/me').set(bearer(people.housing))).status).toBe(200);
    const res = await request(app).post(`/api/staff/${people.housing.email}/token/revoke`).set(bearer(admin)).send({ reason: 'Laptop stolen' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revoked: true });
    expect((await request(app).get('/api/me').set(bearer(people.housing))).status).toBe(401);
    expect(await t.db.auditEvent.count({ where: { action: 'staff.api-token-revoked', item: people.housing.id, reason: 'Laptop stolen' } })).toBe(1);
  });

  it('ends every session of a person at once', async () => {
    const desk = await signIn(app, people.housing.email);
    const phone = await signIn(app, people.housing.email);
    expect((await desk.get('/')).status).toBe(200);
    expect((await phone.get('/')).status).toBe(200);
    const res = await request(app).post(`/api/staff/${people.housing.id}/sessions/end`).set(bearer(admin)).send({});
    expect(res.status).toBe(200);
    expect(res.body.sessionsEnded).toBe(2);
    expect((await desk.get('/')).status).toBe(303);
    expect((await phone.get('/')).status).toBe(303);
    expect(await t.db.auditEvent.count({ where: { action: 'staff.sessions-ended', item: people.housing.id } })).toBe(1);
  });

  it('ends a session after 30 minutes without a request, and writes seen-at at most once a minute', async () => {
    let clock = Date.now();
    const timed = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue, now: () => new Date(clock) });
    const agent = await signIn(timed, people.manager.email);
    const session = () => t.db.session.findFirstOrThrow({ where: { staffId: people.manager.id } });
    const started = (await session()).lastSeenAt.getTime();
    expect(started).toBe(clock);

    clock += 30_000;
    expect((await agent.get('/')).status).toBe(200);
    expect((await session()).lastSeenAt.getTime()).toBe(started); // within the minute: no write
    clock += 29 * 60_000;
    expect((await agent.get('/')).status).toBe(200); // 29.5 minutes idle: still in
    expect((await session()).lastSeenAt.getTime()).toBe(clock);
    clock += 29 * 60_000;
    expect((await agent.get('/')).status).toBe(200); // 58.5 minutes in, 29 idle
    clock += 30 * 60_000 + 1000;
    const ended = await agent.get('/').set('Accept', 'text/html');
    expect(ended.status).toBe(303);
    expect(ended.headers.location).toBe('/signin?next=%2F&ended=1');
    expect(await t.db.session.count({ where: { staffId: people.manager.id } })).toBe(0);
    const notice = await agent.get('/signin?next=%2F&ended=1');
    expect(notice.text).toMatch(/signs you out after 30 minutes without activity/);
  });

  it('sends Cache-Control: no-store on signed-in pages, API answers, exports and link pages', async () => {
    const coordinator = await signIn(app, people.coordinator.email);
    const answers = {
      page: await coordinator.get('/'),
      sprintPage: await coordinator.get(`/sprints/${encodeURIComponent(sprintId)}`),
      api: await request(app).get('/api/me').set(bearer(people.coordinator)),
      csv: await request(app).get('/api/reports/timeliness?from=2026-10-01&to=2026-10-31&format=csv').set(bearer(admin)),
      refused: await request(app).get('/api/me'),
      link: await request(app).get('/a/cla_not-a-real-link-xxxxxxxxxxx').set('Accept', 'text/html'),
      signin: await request(app).get('/signin'),
    };
    for (const [what, res] of Object.entries(answers)) {
      expect(res.status, what).toBeLessThan(500);
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
    expect(answers.csv.status).toBe(200);
    expect(answers.csv.headers['content-type']).toMatch(/csv/);
    // Static files (no personal data) stay cacheable.
    expect((await request(app).get('/static/careloop.css')).headers['cache-control']).toMatch(/max-age=3600/);
  });
});
