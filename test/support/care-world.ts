// One person's care in every process, for tests that look at what each role sees: Casey's sprint
// (day-0 tasks to Wren at the hospital), her plan with a safeguarding change Wren must
// acknowledge (which opens a rapid review; the review asks Wren's agency for an update), a high
// escalation Casey chairs, and a dispute against Wren's agency in which Wren speaks for it. Made
// through the API as a coordinator's tools would, then waited for until every piece is in the
// record (links, the plan's action, the update asked, the dispute's people).
import request from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import type { Db } from '../../runtime/db';
import { newLocalRef, planContent } from './plan-fixture';
import { ownersByDay, type SprintPeople } from './sprint-fixture';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });

/** Waits (outside a test's assertions) until `read` answers what `ok` wants. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`still waiting after ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface CareWorld {
  localRef: string;
  owners: Record<string, string>;
  sprintId: string;
  planId: string;
  escalationId: string;
  disputeId: string;
}

export async function createCareWorld(app: Express, db: Db, people: SprintPeople): Promise<CareWorld> {
  const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
  const localRef = newLocalRef();
  const sprint = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send({ participant: { localRef, displayName: 'Ada Example' }, dischargeAt: new Date().toISOString(), owners });
  expect(sprint.status, JSON.stringify(sprint.body)).toBe(201);
  const content = planContent(people);
  const plan = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef, displayName: 'Ada Example' }, content });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  const planId: string = plan.body.planId;
  const v2 = await request(app)
    .post(`/api/plans/${planId}/versions`)
    .set(bearer(people.coordinator))
    .send({ baseVersion: 1, content, reason: 'Safeguarding concern raised by home care', trigger: 'safeguarding', acknowledgementRequired: true, recipients: [people.hospital.id] });
  expect(v2.status, JSON.stringify(v2.body)).toBe(201);
  await until(async () => (await request(app).get(`/api/plans/${planId}/steps`).set(bearer(people.coordinator))).body.state?.review?.status, (s) => s === 'open');
  const asked = await request(app).post(`/api/plans/${planId}/review/updates`).set(bearer(people.coordinator)).send({ agencyIds: [people.hospital.agencyId] });
  expect(asked.status, JSON.stringify(asked.body)).toBeLessThan(300);
  const raised = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: localRef, riskLevel: 'high', trigger: 'Two missed visits' });
  expect(raised.status, JSON.stringify(raised.body)).toBe(201);
  const dispute = await request(app)
    .post('/api/disputes')
    .set(bearer(people.coordinator))
    .send({
      participantLocalRef: localRef,
      subject: 'Who arranges the bath board',
      description: 'Both agencies say the other arranges it.',
      outcomeSought: 'The hospital arranges it before discharge.',
      step: 'Arrange the bath board',
      interimOwnerId: people.coordinator.id,
      respondentAgencyIds: [people.hospital.agencyId],
      respondentContactIds: [people.hospital.id],
    });
  expect(dispute.status, JSON.stringify(dispute.body)).toBe(201);
  const world: CareWorld = { localRef, owners, sprintId: sprint.body.sprintId, planId, escalationId: raised.body.escalationId, disputeId: dispute.body.disputeId };

  // Everything is in the record: the links, the plan's action, the update asked, the escalation's responders, the dispute's people.
  await until(() => db.actionToken.count({ where: { workflowId: world.sprintId, staffId: people.hospital.id } }), (n) => n > 0);
  await until(() => db.actionToken.count({ where: { staffId: people.hospital.id, purpose: 'plan-reply', revokedAt: null } }), (n) => n === 1);
  await until(() => db.planAction.count({ where: { planId, ownerId: people.hospital.id, status: 'open' } }), (n) => n === 1);
  await until(() => db.planReview.count({ where: { planId, updateRequests: { array_contains: [{ toId: people.hospital.id, status: 'open' }] } } }), (n) => n === 1);
  await until(async () => (await db.escalation.findUnique({ where: { id: world.escalationId } }))?.responderIds ?? [], (ids) => ids.includes(people.coordinator.id));
  await until(() => db.dispute.count({ where: { id: world.disputeId, stages: { array_contains: [{ representatives: [{ id: people.hospital.id }] }] } } }), (n) => n === 1);
  return world;
}
