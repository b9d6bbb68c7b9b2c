// The huddle roster against a real Temporal dev server (visibility with careloop's search
// attributes), careloop's worker, real PostgreSQL and a real SMTP listener: one participant per
// kind of open work, and the order a huddle would take them in.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Roster, RosterRow } from '../../api/evidence/roster';
import { buildTestApp, createStaff } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createParticipant, createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';

describe('GET /api/roster: who owes what next, riskiest first (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  let admin: { token: string };
  const taskQueue = `roster-${randomUUID()}`;
  const refs = { overdueSprint: '', sprint: '', plan: '', escalation: '', dispute: '' };
  const bearer = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    admin = await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, roles: ['admin'], agencyId: people.coordinator.agencyId });
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue });
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));

    // Two sprints: day-0 tasks of the first fall due after 30 seconds, of the second after an hour.
    for (const [key, seconds] of [['overdueSprint', 30], ['sprint', 3600]] as const) {
      refs[key] = newLocalRef();
      const res = await request(app)
        .post('/api/sprints')
        .set(bearer(people.coordinator))
        .send({ participant: { localRef: refs[key], displayName: `Sprint ${key}` }, dischargeAt: new Date().toISOString(), owners, timing: { dueOffsets: { '0': `PT${seconds}S`, '1': `PT${seconds * 2}S`, '2-3': `PT${seconds * 3}S` }, reminderLead: 'PT5S' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    // A plan change that home care and the hospital must acknowledge.
    refs.plan = newLocalRef();
    const plan = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: refs.plan, displayName: 'Plan person' }, content: planContent(people) });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    const v2 = await request(app)
      .post(`/api/plans/${plan.body.planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: planContent(people, { crisisTriggers: ['Refuses medication once'] }), reason: 'Medication changed', trigger: 'risk_change', acknowledgementRequired: true });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);
    // A high-risk escalation raised by the coordinator.
    const escalated = await createParticipant(t.db, [people.coordinator.agencyId]);
    refs.escalation = escalated.localRef;
    const esc = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: escalated.localRef, riskLevel: 'high', trigger: 'Eviction notice', description: 'Housing at risk' });
    expect(esc.status, JSON.stringify(esc.body)).toBe(201);
    // A dispute between the county and home care, with home care's person as interim owner.
    const disputed = await createParticipant(t.db, [people.coordinator.agencyId, people.hospital.agencyId]);
    refs.dispute = disputed.localRef;
    const disp = await request(app)
      .post('/api/disputes')
      .set(bearer(people.coordinator))
      .send({ participantId: disputed.id, subject: 'Who arranges transport', description: 'd', outcomeSought: 'o', step: 'Transport confirmed', interimOwnerId: people.homecare.id, respondentAgencyIds: [people.homecare.agencyId] });
    expect(disp.status, JSON.stringify(disp.body)).toBe(201);
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  const roster = (who: { token: string }, query = '') => request(app).get(`/api/roster${query}`).set(bearer(who));
  const refsOf = (r: Roster) => r.rows.map((row) => row.participant.localRef);
  const rowOf = (r: Roster, ref: string) => r.rows.find((row) => row.participant.localRef === ref) as RosterRow;

  it('puts the high escalation first, then the overdue sprint, the fresh discharge, the plan change and the dispute', async () => {
    // Wait until the first sprint's day-0 tasks are overdue and the escalations they raised have
    // found their chairs (each escalation workflow publishes itself to visibility once it has).
    await expect
      .poll(
        async () => {
          const row = rowOf((await roster(people.manager)).body, refs.overdueSprint);
          return { overdue: (row?.flags.overdue ?? 0) >= 3, escalations: row?.flags.escalations.moderate ?? 0 };
        },
        { timeout: 70_000, interval: 1000 },
      )
      .toEqual({ overdue: true, escalations: 3 });
    const res = await roster(people.manager);
    expect(res.status).toBe(200);
    const body = res.body as Roster;
    expect(refsOf(body)).toEqual([refs.escalation, refs.overdueSprint, refs.sprint, refs.plan, refs.dispute]);

    const esc = rowOf(body, refs.escalation);
    expect(esc.flags).toMatchObject({ highestEscalationTier: 'high', escalations: { high: 1, acute: 0, moderate: 0, low: 0 } });
    expect(esc.next).toMatchObject({ process: 'escalation', action: 'Acknowledge the high escalation', overdue: false, escalationTier: 'high' });
    // The chair the workflow found for the high tier (a manager), not the raiser who stood in.
    expect(esc.next?.owner).toMatchObject({ id: people.manager.id, name: people.manager.name });

    const overdue = rowOf(body, refs.overdueSprint);
    // Each overdue day-0 task raised a moderate escalation chaired in the county.
    expect(overdue.flags.escalations.moderate).toBe(3);
    expect(overdue.flags.recentDischargeAt).toBeTruthy();
    expect(overdue.next).toMatchObject({ process: 'sprint', overdue: true, owner: { id: people.hospital.id, name: people.hospital.name } });
    expect(overdue.next?.action).toMatch(/^Sprint task: (Discharge summary received|Medication list reconciled|Immediate risks reviewed)$/);
    expect(Date.parse(overdue.next!.dueAt!)).toBeLessThan(Date.now());

    const fresh = rowOf(body, refs.sprint);
    expect(fresh.flags).toMatchObject({ overdue: 0, unacknowledgedPlanChanges: 0, openDisputes: 0 });
    expect(fresh.next).toMatchObject({ process: 'sprint', overdue: false, owner: { id: people.hospital.id } });

    const plan = rowOf(body, refs.plan);
    expect(plan.flags.unacknowledgedPlanChanges).toBe(1);
    expect(plan.next).toMatchObject({ process: 'plan-change', action: 'Acknowledge plan version 2 (and 1 more)', overdue: false });
    expect([people.homecare.id, people.hospital.id]).toContain(plan.next?.owner?.id);

    const dispute = rowOf(body, refs.dispute);
    expect(dispute.flags.openDisputes).toBe(1);
    expect(dispute.next).toMatchObject({ process: 'dispute', owner: { id: people.homecare.id, name: people.homecare.name } });
    expect(dispute.next?.action).toContain('Transport confirmed');
  }, 120_000);

  it('moves the next owner on as people act: the plan change names the one still to acknowledge', async () => {
    const before = rowOf((await roster(people.manager)).body, refs.plan);
    const first = before.next!.owner!.id;
    const firstPerson = first === people.homecare.id ? people.homecare : people.hospital;
    const other = first === people.homecare.id ? people.hospital : people.homecare;
    const planId = (await t.db.carePlan.findFirstOrThrow({ where: { participant: { localRef: refs.plan } } })).id;
    const ack = await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(firstPerson)).send({});
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    await expect.poll(async () => rowOf((await roster(people.manager)).body, refs.plan)?.next?.owner?.id, { timeout: 15_000 }).toBe(other.id);
    expect(rowOf((await roster(people.manager)).body, refs.plan).next?.action).toBe('Acknowledge plan version 2');
  });

  it("shows a manager or coordinator only their agency's work, an admin any agency's, and refuses everyone else", async () => {
    const outsider = await roster(people.outsider);
    expect(outsider.status).toBe(200);
    expect(outsider.body.rows).toEqual([]);
    expect((await roster(people.outsider, `?agency=${people.coordinator.agencyId}`)).status).toBe(403);
    const asAdmin = await roster(admin, `?agency=${people.coordinator.agencyId}`);
    expect(asAdmin.status).toBe(200);
    expect(refsOf(asAdmin.body)).toContain(refs.overdueSprint);
    expect((await roster(people.hospital)).status).toBe(403);
    // Coordinators run the huddle: they see the roster of their agency's care teams, like its manager.
    const asCoordinator = await roster(people.coordinator);
    expect(asCoordinator.status).toBe(200);
    expect(refsOf(asCoordinator.body)).toEqual(refsOf((await roster(people.manager)).body));
    expect((await request(app).get('/api/roster')).status).toBe(401);
    const bad = await roster(people.manager, '?agency=%27%20OR%201%3D1&extra=1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field)).toContain('agency');
    expect(JSON.stringify(bad.body.error.fields)).toContain('extra');
  });
});
