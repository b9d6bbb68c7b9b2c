// Unit tier: the plan's own steps on the time-skipping server with typed fake activities (no
// database, no SMTP): actions assigned, reminded and escalated; carried, dropped and added by a new
// version; the rapid review started by a trigger, ended by "no change" or a scheduled review;
// agencies asked and answering; and the state carried over when the workflow continues as new.
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { ResolvedPlanVersion, PlanActionSpec } from '../../domain/plan-steps';
import { childEscalationId } from '../../domain/escalation';
import {
  answerAgencyUpdateUpdate,
  markPlanActionDoneUpdate,
  markPlanActionNotDoneUpdate,
  planStepsStateQuery,
  planStepsWorkflow,
  planVersionPublishedSignal,
  rapidReviewTriggeredSignal,
  recordReviewNoChangeUpdate,
  requestAgencyUpdatesUpdate,
} from '../../workflows';
import { coordinator, staff } from '../replay/scenarios';
import { actions, failureOf, timeSkippingServer, type UnitRun } from './unit-harness';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const hospital = staff('hospital', 'hospital');
const homecare = staff('homecare', 'homecare');
const by = (s: { id: string; name: string }) => ({ staffId: s.id, name: s.name, channel: 'api' as const });

describe('plan steps workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  let n = 0;

  /** An action due `inMs` from now (the server's clock). */
  const action = async (controlId: string, owner: typeof hospital, inMs: number): Promise<PlanActionSpec> => {
    const due = new Date((await server.env.currentTimeMs()) + inMs);
    return { controlId, description: `Action ${controlId}`, owner, ownerAgencyId: owner.agencyId, dueDate: due.toISOString().slice(0, 10), dueAt: due.toISOString() };
  };
  const version = (v: number, trigger: ResolvedPlanVersion['trigger'], acts: PlanActionSpec[]): ResolvedPlanVersion => ({
    version: v,
    trigger,
    reason: `version ${v}`,
    publishedBy: { staffId: coordinator.id, name: coordinator.name },
    participantRef: 'P-1',
    planHolder: coordinator,
    actions: acts,
    agencies: [
      { agencyId: 'hospital', name: 'County Hospital', contact: hospital },
      { agencyId: 'homecare', name: 'Riverside Home Care', contact: homecare },
    ],
  });
  const start = async (run: UnitRun, v1: ResolvedPlanVersion, over: { continueAfterEvents?: number } = {}) => {
    n += 1;
    run.log.planVersions.set(v1.version, v1);
    const planId = `plan-unit-${n}`;
    return run.env.client.workflow.start(planStepsWorkflow, { taskQueue: run.taskQueue, workflowId: `plan-${planId}-steps`, args: [{ planId, participantId: 'participant-1', version: v1.version, ...over }] });
  };
  const publish = async (run: UnitRun, h: WorkflowHandle<typeof planStepsWorkflow>, v: ResolvedPlanVersion, rapidReviewWithinMs?: number) => {
    run.log.planVersions.set(v.version, v);
    await h.signal(planVersionPublishedSignal, { version: v.version, rapidReviewWithinMs });
    await expect.poll(async () => (await h.query(planStepsStateQuery)).version).toBe(v.version);
  };
  const kinds = (run: UnitRun) => run.log.emails.filter((e) => e.process === 'plan-steps').map((e) => [e.kind, e.to.id]);

  it('carries a done action into the next version, cancels the one dropped, starts the new one', async () => {
    await server.run(async (run) => {
      const h = await start(run, version(1, 'other', [await action('c1', hospital, 5 * DAY), await action('c2', homecare, 5 * DAY)]));
      await expect.poll(async () => (await h.query(planStepsStateQuery)).actions.length).toBe(2);
      const c1 = await h.executeUpdate(markPlanActionDoneUpdate, { args: [{ actor: by(hospital), actionKey: 'action-c1-v1', note: 'Booked' }] });
      expect(c1).toMatchObject({ status: 'done', onTime: true, note: 'Booked' });
      // Someone else's action, or one already recorded, is refused by the workflow.
      expect((await failureOf(h.executeUpdate(markPlanActionDoneUpdate, { args: [{ actor: by(hospital), actionKey: 'action-c2-v1' }] }))).type).toBe('NotPlanStepOwner');
      expect((await failureOf(h.executeUpdate(markPlanActionNotDoneUpdate, { args: [{ actor: by(hospital), actionKey: 'action-c1-v1', reason: 'x' }] }))).type).toBe('PlanStepEnded');

      await publish(run, h, version(2, 'risk_change', [await action('c1', hospital, 6 * DAY), await action('c3', homecare, 6 * DAY)]));
      const s = await h.query(planStepsStateQuery);
      const byKey = Object.fromEntries(s.actions.map((a) => [a.key, a]));
      expect(byKey['action-c1-v1']).toMatchObject({ status: 'done', inVersion: 2, note: 'Booked' });
      expect(byKey['action-c2-v1']).toMatchObject({ status: 'cancelled', removedInVersion: 2, reason: 'not in version 2 of the plan with a due day' });
      expect(byKey['action-c3-v2']).toMatchObject({ status: 'open', fromVersion: 2 });
      expect(kinds(run)).toEqual([
        ['action-assigned', 'hospital'],
        ['action-assigned', 'homecare'],
        ['action-assigned', 'homecare'],
        ['action-cancelled', 'homecare'],
      ]);
      expect(run.log.planStepRecords.flatMap((r) => r.revokeSteps ?? [])).toEqual([
        { step: 'action-c1-v1', reason: 'action-done' },
        { step: 'action-c2-v1', reason: 'action-cancelled' },
      ]);
      // No rapid review: nothing triggered one.
      expect(s.review).toBeUndefined();
      await h.terminate('test over');
    });
  });

  it('reminds an action a day before its due day, escalates it to the plan-holder when missed, and tells the escalation when it is recorded', async () => {
    await server.run(async (run) => {
      const h = await start(run, version(1, 'other', [await action('c1', hospital, 3 * DAY)]));
      await run.env.sleep(2 * DAY + HOUR);
      expect(kinds(run)).toEqual([
        ['action-assigned', 'hospital'],
        ['action-reminder', 'hospital'],
      ]);
      await run.env.sleep(DAY);
      await expect.poll(() => kinds(run).length).toBe(3);
      expect(kinds(run)[2]).toEqual(['action-overdue', 'hospital']);
      const s = await h.query(planStepsStateQuery);
      const escalationId = childEscalationId(`plan-${s.planId}-steps`, 'action-c1-v1');
      expect(s.actions[0]).toMatchObject({ overdue: true, escalationId });
      const e = await run.env.client.workflow.getHandle(escalationId).describe();
      expect(e.status.name).toBe('RUNNING');
      const late = await h.executeUpdate(markPlanActionNotDoneUpdate, { args: [{ actor: by(coordinator), actsForPlan: true, actionKey: 'action-c1-v1', reason: 'Person was readmitted' }] });
      expect(late).toMatchObject({ status: 'not-done', onTime: false, reason: 'Person was readmitted' });
      await expect.poll(() => actions(run.log)).toContain('escalation.cause-resolved');
      expect(actions(run.log).filter((a) => a.startsWith('plan-action'))).toEqual(['plan-action.started', 'plan-action.reminder-sent', 'plan-action.overdue', 'plan-action.not-done']);
      await h.terminate('test over');
      await run.env.client.workflow.getHandle(escalationId).terminate('test over');
    });
  });

  it('shows an action written into the plan past its due day as overdue at once, without an escalation', async () => {
    await server.run(async (run) => {
      const h = await start(run, version(1, 'other', [await action('c1', hospital, -2 * DAY)]));
      await expect.poll(async () => (await h.query(planStepsStateQuery)).actions[0]?.overdue).toBe(true);
      await run.env.sleep(HOUR);
      expect(kinds(run)).toEqual([['action-assigned', 'hospital']]);
      expect(actions(run.log)).toEqual(['plan-action.started']);
      const a = (await h.query(planStepsStateQuery)).actions[0]!;
      expect(a).toMatchObject({ status: 'open', overdue: true });
      expect(a.escalationId).toBeUndefined();
      await h.terminate('test over');
    });
  });

  it('starts a rapid review on an incident, asks agencies, takes an answer, and ends it as "reviewed, no change"', async () => {
    await server.run(async (run) => {
      const h = await start(run, version(1, 'other', []));
      await publish(run, h, version(2, 'incident', []), 72 * HOUR);
      let s = await h.query(planStepsStateQuery);
      expect(s.review).toMatchObject({ key: 'review-1', status: 'open', owner: { id: 'coordinator' }, triggers: [{ trigger: 'incident', version: 2 }] });
      expect(Date.parse(s.review!.dueAt) - Date.parse(s.review!.startedAt)).toBe(72 * HOUR);
      // A sprint's trigger while it is open joins it; the same sprint twice counts once.
      await h.signal(rapidReviewTriggeredSignal, { trigger: 'hospital_discharge', sprintId: 'sprint-1', reviewWithinMs: 72 * HOUR });
      await h.signal(rapidReviewTriggeredSignal, { trigger: 'hospital_discharge', sprintId: 'sprint-1', reviewWithinMs: 72 * HOUR });
      await expect.poll(async () => (await h.query(planStepsStateQuery)).review!.triggers.length).toBe(2);

      expect((await failureOf(h.executeUpdate(recordReviewNoChangeUpdate, { args: [{ actor: by(hospital), reason: 'fine' }] }))).type).toBe('NotPlanStepOwner');
      const asked = await h.executeUpdate(requestAgencyUpdatesUpdate, { args: [{ actor: by(coordinator), requests: [{ agencyId: 'hospital', agencyName: 'County Hospital', to: hospital }, { agencyId: 'homecare', agencyName: 'Riverside Home Care', to: homecare }] }] });
      expect(asked.map((q) => q.key)).toEqual(['review-1-update-hospital-1', 'review-1-update-homecare-1']);
      expect((await failureOf(h.executeUpdate(requestAgencyUpdatesUpdate, { args: [{ actor: by(coordinator), requests: [{ agencyId: 'hospital', agencyName: 'County Hospital', to: hospital }] }] }))).type).toBe('AgencyAlreadyAsked');
      const answered = await h.executeUpdate(answerAgencyUpdateUpdate, { args: [{ actor: { ...by(hospital), channel: 'email-reply' }, requestKey: 'review-1-update-hospital-1', text: 'Two falls this week' }] });
      expect(answered).toMatchObject({ status: 'answered', answer: { text: 'Two falls this week', onTime: true } });

      const ended = await h.executeUpdate(recordReviewNoChangeUpdate, { args: [{ actor: by(coordinator), reason: 'Risks and actions still hold' }] });
      expect(ended).toMatchObject({ status: 'no-change', onTime: true, reason: 'Risks and actions still hold' });
      s = await h.query(planStepsStateQuery);
      // The update still awaited is no longer needed.
      expect(s.review!.requests.map((q) => q.status)).toEqual(['answered', 'cancelled']);
      expect(kinds(run)).toEqual([
        ['review-started', 'coordinator'],
        ['update-requested', 'hospital'],
        ['update-requested', 'homecare'],
        ['update-received', 'coordinator'],
      ]);
      expect((await failureOf(h.executeUpdate(recordReviewNoChangeUpdate, { args: [{ actor: by(coordinator), reason: 'again' }] }))).type).toBe('NoOpenRapidReview');
      await h.terminate('test over');
    });
  });

  it('ends the rapid review with a scheduled_review version; a missed review escalates at high risk first', async () => {
    await server.run(async (run) => {
      const h = await start(run, version(1, 'other', []));
      await h.signal(rapidReviewTriggeredSignal, { trigger: 'hospital_discharge', sprintId: 'sprint-9', reviewWithinMs: 72 * HOUR });
      await expect.poll(async () => (await h.query(planStepsStateQuery)).review?.status).toBe('open');
      // Clear of the escalation's own timers (temporalio/sdk-java#3088: the test server can stall on one firing at the end of a sleep).
      await run.env.sleep(72 * HOUR + 20 * 60_000);
      await expect.poll(() => kinds(run).map(([k]) => k)).toEqual(['review-started', 'review-reminder', 'review-overdue']);
      const s = await h.query(planStepsStateQuery);
      const escalationId = childEscalationId(`plan-${s.planId}-steps`, 'review-1');
      expect(s.review).toMatchObject({ overdue: true, escalationId });
      await publish(run, h, version(2, 'scheduled_review', []));
      const r = (await h.query(planStepsStateQuery)).review!;
      expect(r).toMatchObject({ status: 'reviewed', byVersion: 2, onTime: false });
      await expect.poll(() => actions(run.log)).toContain('escalation.cause-resolved');
      await h.terminate('test over');
      await run.env.client.workflow.getHandle(escalationId).terminate('test over');
    });
  });

  it('continues as new when its history grows, carrying its state and what it was told meanwhile', async () => {
    await server.run(async (run) => {
      const h = await start(run, version(1, 'other', [await action('c1', hospital, 5 * DAY)]), { continueAfterEvents: 30 });
      const first = await h.describe();
      const latest = run.env.client.workflow.getHandle(h.workflowId);
      // Signals only: a query racing the hand-over to the next run can stall the test server.
      for (let v = 2; v <= 5; v += 1) {
        run.log.planVersions.set(v, version(v, 'risk_change', [await action('c1', hospital, 5 * DAY)]));
        await h.signal(planVersionPublishedSignal, { version: v });
        await expect.poll(() => run.log.calls.filter((c) => c === 'resolvePlanVersion').length, { timeout: 5000 }).toBe(v);
      }
      await expect.poll(async () => (await latest.describe()).runId, { timeout: 5000 }).not.toBe(first.runId);
      await expect.poll(async () => (await latest.query(planStepsStateQuery)).version, { timeout: 5000 }).toBe(5);
      const s = await latest.query(planStepsStateQuery);
      expect(s.actions).toEqual([expect.objectContaining({ key: 'action-c1-v1', status: 'open', inVersion: 5 })]);
      // One assignment email, however many runs: the key is the step's.
      expect(kinds(run)).toEqual([['action-assigned', 'hospital']]);
      // Audit keys stay unique across runs.
      const keys = run.log.events.map((e) => e.idempotencyKey);
      expect(new Set(keys).size).toBe(keys.length);
      await latest.terminate('test over');
    });
  });
});
