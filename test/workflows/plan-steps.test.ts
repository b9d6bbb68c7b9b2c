// The plan's own steps on the time-skipping server, with careloop's real activities against real
// PostgreSQL and a real SMTP listener, driven through the real plan and sprint services: a
// post-discharge sprint for a person with a plan starts the rapid review, which reminds the
// plan-holder and escalates when missed, and ends with "reviewed, no change"; a scheduled_review
// version ends one; the plan's actions are assigned, reminded and escalated, carried into a new
// version with their state, and cancelled when dropped.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { escalationStateQuery, planStepsStateQuery } from '../../workflows';
import { planStepsWorkflowId } from '../../domain/plan-steps';
import { childEscalationId } from '../../domain/escalation';
import { PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_ACTION_TOKEN_PURPOSE } from '../../domain/tokens';
import { createPlanService } from '../../api/plans/service';
import { createSprintService, type Caller } from '../../api/sprints/service';
import { createPlanStepsService } from '../../api/plans/steps-service';
import type { PlanContent } from '../../domain/plan';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const callerOf = (p: { id: string; name: string; agencyId: string }, roles: string[]): Caller => ({ staffId: p.id, name: p.name, agencyId: p.agencyId, roles, channel: 'api' });

describe('plan steps workflow (time-skipping server, real PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `plan-steps-${randomUUID()}`;
  let plans: ReturnType<typeof createPlanService>;
  let sprints: ReturnType<typeof createSprintService>;
  let steps: ReturnType<typeof createPlanStepsService>;
  let coordinator: Caller;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    const now = () => new Date();
    plans = createPlanService({ db: t.db, temporal: env.client, taskQueue, now });
    sprints = createSprintService({ db: t.db, temporal: env.client, taskQueue });
    steps = createPlanStepsService({ db: t.db, temporal: env.client, taskQueue, now });
    coordinator = callerOf(people.coordinator, ['coordinator']);
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  const createPlan = async (content: PlanContent) => {
    const created = await plans.create(coordinator, { participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, content });
    return created;
  };
  const mailsOf = (planId: string, to?: string) => smtp.messages.filter((m) => m.parsed.headers.get('x-careloop-workflow') === planStepsWorkflowId(planId) && (!to || m.to.includes(to)));
  const waitMail = async (planId: string, to: string, subject: RegExp): Promise<CapturedMail> =>
    (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === planStepsWorkflowId(planId) && m.to.includes(to) && subject.test(m.subject)))[0]!;
  const stateOf = (planId: string) => env.client.workflow.getHandle(planStepsWorkflowId(planId)).query(planStepsStateQuery);
  /** The UTC day `days` from the server's now: the plan's due days are read in TEST_LINKS' zone (UTC). */
  const dayFromNow = async (days: number) => new Date((await env.currentTimeMs()) + days * DAY).toISOString().slice(0, 10);
  const auditOf = async (planId: string) => (await t.db.auditEvent.findMany({ where: { workflowId: planStepsWorkflowId(planId) }, orderBy: { seq: 'asc' } })).map((e) => e.action);

  it('a discharge sprint for a person with a plan starts the rapid review: the plan-holder is asked, reminded, and a manager chairs its escalation when missed; "reviewed, no change" ends it', async () => {
    const { planId, participantId } = await createPlan(planContent(people, { controls: [] }));
    const participant = await t.db.participant.findUniqueOrThrow({ where: { id: participantId } });
    const dischargeAt = new Date(await env.currentTimeMs()).toISOString();
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const { sprintId } = await sprints.start(coordinator, { participant: { localRef: participant.localRef, displayName: participant.displayName }, dischargeAt, owners });

    const asked = await waitMail(planId, people.coordinator.email, /^careloop: rapid review of the plan for P-/);
    expect(asked.subject).toContain(participant.localRef);
    expect(asked.text).toContain('After a hospital discharge, the integrated plan');
    expect(asked.text).toMatch(/http:\/\/careloop\.test\/a\/cla_[\w-]+/);
    let s = await stateOf(planId);
    expect(s.review).toMatchObject({ status: 'open', owner: { id: people.coordinator.id }, triggers: [{ trigger: 'hospital_discharge', sprintId }] });
    expect(Date.parse(s.review!.dueAt) - Date.parse(s.review!.startedAt)).toBe(72 * HOUR);

    // A day before the deadline the plan-holder is reminded; past it, told again, and a manager chairs the escalation.
    await env.sleep(49 * HOUR);
    await waitMail(planId, people.coordinator.email, /^careloop reminder: rapid review of the plan/);
    await env.sleep(23 * HOUR + 20 * 60_000);
    const overdue = await waitMail(planId, people.coordinator.email, /^careloop OVERDUE: rapid review of the plan/);
    expect(overdue.text).toContain('escalated to a manager');
    s = await stateOf(planId);
    const escalationId = childEscalationId(planStepsWorkflowId(planId), 'review-1');
    expect(s.review).toMatchObject({ overdue: true, escalationId });
    const escalation = env.client.workflow.getHandle(escalationId);
    expect(await escalation.query(escalationStateQuery)).toMatchObject({ riskLevel: 'high', trigger: 'Rapid plan review overdue', chair: { id: people.manager.id }, source: { process: 'plan-steps', item: 'review-1' } });
    expect(await t.db.planReview.findUniqueOrThrow({ where: { id: `${planStepsWorkflowId(planId)}:review-1` } })).toMatchObject({ status: 'open', wasOverdue: true, escalationId, triggers: ['hospital_discharge'] });

    // Reviewed, no change: the review ends (late), its link stops working, its escalation is told.
    const ended = await steps.recordNoChange(coordinator, planId, { reason: 'Discussed with the ward and home care; the plan still holds.' });
    expect(ended).toMatchObject({ status: 'no-change', onTime: false, reason: 'Discussed with the ward and home care; the plan still holds.' });
    expect(await t.db.planReview.findUniqueOrThrow({ where: { id: `${planStepsWorkflowId(planId)}:review-1` } })).toMatchObject({ status: 'no-change', onTime: false, endedById: people.coordinator.id });
    await expect.poll(async () => (await escalation.query(escalationStateQuery)).causeResolvedAt, { timeout: 10_000 }).toBeTruthy();
    expect((await escalation.query(escalationStateQuery)).causeResolvedReason).toMatch(/recorded it as reviewed with no change/);
    expect(await t.db.actionToken.count({ where: { workflowId: planStepsWorkflowId(planId), revokedAt: null, usedAt: null, scope: { path: ['step'], equals: 'review-1' } } })).toBe(0);
    expect(await auditOf(planId)).toEqual(expect.arrayContaining(['rapid-review.started', 'rapid-review.reminder-sent', 'rapid-review.overdue', 'escalation.raised', 'rapid-review.no-change']));
    await escalation.terminate('test over');
  });

  it('a version published after an incident starts a rapid review; one published as the scheduled review ends it', async () => {
    const { planId } = await createPlan(planContent(people, { controls: [] }));
    const publish = (baseVersion: number, trigger: string) =>
      plans.publish(coordinator, planId, { baseVersion, content: planContent(people, { controls: [] }), reason: `after ${trigger}`, trigger, acknowledgementRequired: false, timing: { rapidReviewWithin: 'PT48H' } });
    await publish(1, 'incident');
    await waitMail(planId, people.coordinator.email, /^careloop: rapid review of the plan/);
    const s = await stateOf(planId);
    expect(s.review).toMatchObject({ status: 'open', triggers: [{ trigger: 'incident', version: 2 }] });
    expect(Date.parse(s.review!.dueAt) - Date.parse(s.review!.startedAt)).toBe(48 * HOUR);
    await publish(2, 'scheduled_review');
    await expect.poll(async () => (await stateOf(planId)).review?.status, { timeout: 10_000 }).toBe('reviewed');
    expect((await stateOf(planId)).review).toMatchObject({ byVersion: 3, onTime: true, endedBy: { staffId: people.coordinator.id } });
    expect(await t.db.planReview.findFirstOrThrow({ where: { planId } })).toMatchObject({ status: 'reviewed', byVersion: 3, onTime: true, triggers: ['incident'] });
  });

  it("the plan's actions: assigned by email, reminded a day before their due day, escalated to the plan-holder when missed; one carried into a new version keeps its state, one dropped is cancelled", async () => {
    const content = planContent(people, {
      controls: [
        { id: 'c1', description: 'Night-time check call', ownerAgencyId: people.homecare.agencyId, ownerStaffId: people.homecare.id, dueDate: await dayFromNow(2) },
        { id: 'c2', description: 'Medication review', ownerAgencyId: people.hospital.agencyId, ownerStaffId: people.hospital.id, dueDate: await dayFromNow(3) },
        { id: 'c3', description: 'Housing visit', ownerAgencyId: people.housing.agencyId, ownerStaffId: people.housing.id },
      ],
    });
    const { planId } = await createPlan(content);
    const assigned = await waitMail(planId, people.homecare.email, /^careloop: an action in the plan for P-[\w-]+ is yours, due /);
    // No clinical detail in the email: the due day and the link; the action's words are behind the link.
    expect(assigned.text).not.toContain('Night-time check call');
    expect(assigned.replyTo).toMatch(/^ack\+[0-9a-f]{40}@inbound\.careloop\.test$/);
    await waitMail(planId, people.hospital.email, /is yours, due/);
    const s = await stateOf(planId);
    // c3 has no due day: it is not an owned step.
    expect(s.actions.map((a) => [a.controlId, a.owner.id, a.status])).toEqual([
      ['c1', people.homecare.id, 'open'],
      ['c2', people.hospital.id, 'open'],
    ]);
    const c1 = s.actions[0]!;
    expect(await t.db.actionToken.count({ where: { workflowId: planStepsWorkflowId(planId), staffId: people.homecare.id, purpose: { in: [PLAN_ACTION_TOKEN_PURPOSE, PLAN_ACTION_REPLY_TOKEN_PURPOSE] } } })).toBe(2);

    // The hospital's action is done on time; home care's passes its due day.
    const done = await steps.markAction(callerOf(people.hospital, ['staff']), planId, 'c2', { type: 'done', note: 'Reviewed with the GP' });
    expect(done).toMatchObject({ status: 'done', onTime: true });
    await env.sleep(Date.parse(c1.dueAt) - (await env.currentTimeMs()) - DAY + HOUR);
    await waitMail(planId, people.homecare.email, /^careloop reminder: a plan action for P-/);
    await env.sleep(DAY);
    const overdue = await waitMail(planId, people.homecare.email, /^careloop OVERDUE: a plan action for P-/);
    expect(overdue.text).toContain('escalated to the plan-holder');
    const escalationId = childEscalationId(planStepsWorkflowId(planId), c1.key);
    const escalation = env.client.workflow.getHandle(escalationId);
    await expect.poll(async () => (await escalation.query(escalationStateQuery)).chair.id, { timeout: 10_000 }).toBe(people.coordinator.id);
    expect((await escalation.query(escalationStateQuery)).responders.map((r) => r.id)).toContain(people.homecare.id);
    expect(await t.db.planAction.findUniqueOrThrow({ where: { id: `${planStepsWorkflowId(planId)}:${c1.key}` } })).toMatchObject({ status: 'open', wasOverdue: true, escalationId });

    // Version 2 keeps c2 (done stays done), drops c1 (cancelled: its links stop, its owner is told, its escalation too) and adds c4.
    await plans.publish(coordinator, planId, {
      baseVersion: 1,
      content: { ...content, controls: [content.controls[1]!, { id: 'c4', description: 'Falls sensor fitted', ownerAgencyId: people.homecare.agencyId, dueDate: await dayFromNow(5) }] },
      reason: 'Night calls stopped; sensor instead',
      trigger: 'risk_change',
      acknowledgementRequired: false,
    });
    await waitMail(planId, people.homecare.email, /^careloop: a plan action for P-[\w-]+ is no longer needed/);
    const after = await stateOf(planId);
    const byControl = Object.fromEntries(after.actions.map((a) => [a.controlId, a]));
    expect(byControl.c2).toMatchObject({ status: 'done', onTime: true, inVersion: 2, fromVersion: 1, note: 'Reviewed with the GP' });
    expect(byControl.c1).toMatchObject({ status: 'cancelled', removedInVersion: 2 });
    // c4 names no person: the owning agency's coordinator would own it; home care has none, so the plan-holder does.
    expect(byControl.c4).toMatchObject({ status: 'open', fromVersion: 2, owner: { id: people.coordinator.id } });
    expect(await t.db.actionToken.count({ where: { workflowId: planStepsWorkflowId(planId), revokedAt: null, usedAt: null, scope: { path: ['step'], equals: c1.key } } })).toBe(0);
    await expect.poll(async () => (await escalation.query(escalationStateQuery)).causeResolvedAt, { timeout: 10_000 }).toBeTruthy();
    const rows = await t.db.planAction.findMany({ where: { planId }, orderBy: { controlId: 'asc' } });
    expect(rows.map((r) => [r.controlId, r.status, r.onTime, r.lastVersion])).toEqual([
      ['c1', 'cancelled', false, 1],
      ['c2', 'done', true, 2],
      ['c4', 'open', null, 2],
    ]);
    expect(await auditOf(planId)).toEqual(expect.arrayContaining(['plan-action.started', 'plan-action.done', 'plan-action.reminder-sent', 'plan-action.overdue', 'plan-action.cancelled']));
    expect(mailsOf(planId, people.hospital.email).map((m) => m.subject.split(':')[0])).toEqual(['careloop']);
    await escalation.terminate('test over');
  });
});
