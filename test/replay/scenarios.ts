// One run of each process path, driven through the workflows' own messages on a time-skipping
// server: record-histories.ts saves their histories for replay, and `npm run bench` counts the
// history events and activities of the full sprint. The sprint is acted on as people act on it:
// by link, by email reply and through the API; four of its tasks pass their deadlines.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { planSprint } from '../../domain/sprint-input';
import { HOUR_MS, SPRINT_TEMPLATE, type Actor, type ActionChannel, type StaffRef } from '../../domain/sprint';
import { childEscalationId } from '../../domain/escalation';
import {
  addTaskNoteSignal,
  cancelSprintUpdate,
  completeTaskUpdate,
  markTaskNotApplicableUpdate,
  reassignTaskUpdate,
  refuseTaskUpdate,
  sprintWorkflow,
} from '../../workflows/sprint';
import { answerAgencyUpdateUpdate, markPlanActionDoneUpdate, planStepsStateQuery, planStepsWorkflow, planVersionPublishedSignal, requestAgencyUpdatesUpdate } from '../../workflows/plan-steps';
import type { PlanActionSpec, PlanStepsState, ResolvedPlanVersion } from '../../domain/plan-steps';
import type { PlanTrigger } from '../../domain/plan';
import type { WorkflowHandle } from '@temporalio/client';
import { DISPUTE_AGREEMENT, type DisputeInput } from '../../domain/dispute';
import {
  acceptDisputeProposalUpdate,
  counterProposeDisputeUpdate,
  decideDisputeUpdate,
  declineDisputeProposalUpdate,
  disputeStateQuery,
  disputeWorkflow,
  proposeDisputeResolutionUpdate,
  recordInterimProgressUpdate,
  stateDisputePositionUpdate,
  withdrawDisputeUpdate,
} from '../../workflows/dispute';

export const staff = (id: string, agencyId: string): StaffRef => ({ id, name: `Staff ${id}`, email: `${id}@example.org`, agencyId });
export const coordinator = staff('coordinator', 'county');
export const owners: Record<string, StaffRef> = Object.fromEntries(
  SPRINT_TEMPLATE.map((t) => [t.key, t.day === '0' ? staff('hospital', 'hospital') : t.day === '1' ? staff('homecare', 'homecare') : staff('housing', 'housing')]),
);
const by = (s: StaffRef, channel: ActionChannel = 'api'): Actor => ({ staffId: s.id, name: s.name, channel });

export const sprintInputAt = (sprintId: string, participantNo: number, dischargeAt: Date) =>
  planSprint({
    sprintId,
    participant: { id: `participant-${participantNo}`, localRef: `P-${participantNo}`, displayName: `Person ${participantNo}` },
    coordinator,
    requestedBy: coordinator,
    dischargeAt,
    owners,
    timing: { dueOffsetsMs: { '0': 24 * HOUR_MS, '1': 48 * HOUR_MS, '2-3': 72 * HOUR_MS } },
  });

/** The escalation the full sprint raises for a task it then completes late: its cause ends. */
export const LATE_TASK = 'immediate-risks-reviewed';
export const lateTaskEscalationId = (sprintId: string) => childEscalationId(sprintId, LATE_TASK);

/**
 * A full sprint: six tasks end before their deadlines (by link, reply and API: done, refused,
 * not applicable; one reassigned with a note first), four pass them and escalate, one of those
 * is then done late (its escalation is told its cause ended), and the sprint closes with gaps.
 */
export async function runFullSprint(env: TestWorkflowEnvironment, taskQueue: string, sprintId: string): Promise<void> {
  const input = sprintInputAt(sprintId, 1, new Date(await env.currentTimeMs()));
  const h = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: sprintId, args: [input] });
  const owner = (key: string, channel?: ActionChannel) => by(owners[key]!, channel);
  await h.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'discharge-summary-received', actor: owner('discharge-summary-received', 'link'), note: 'ok' }] });
  await h.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'medication-reconciled', actor: owner('medication-reconciled', 'email-reply') }] });
  await h.executeUpdate(refuseTaskUpdate, { args: [{ taskKey: 'participant-understands-plan', actor: owner('participant-understands-plan', 'email-reply'), reason: 'declined', managedHow: 'family briefed' }] });
  await h.executeUpdate(markTaskNotApplicableUpdate, { args: [{ taskKey: 'transport-confirmed', actor: owner('transport-confirmed'), reason: 'family drives' }] });
  await h.executeUpdate(reassignTaskUpdate, { args: [{ taskKey: 'services-active', actor: by(coordinator), actsForSprint: true, newOwner: staff('homecare', 'homecare'), reason: 'home care leads' }] });
  await h.signal(addTaskNoteSignal, { taskKey: 'services-active', actor: by(coordinator), text: 'note' });
  await h.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'first-visit-confirmed', actor: owner('first-visit-confirmed', 'link') }] });
  await h.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'authorisations-in-place', actor: owner('authorisations-in-place') }] });
  // Past the day 0 deadline (an hour clear of every timer: temporalio/sdk-java#3088).
  await env.sleep(25 * HOUR_MS);
  await h.executeUpdate(completeTaskUpdate, { args: [{ taskKey: LATE_TASK, actor: owner(LATE_TASK, 'link'), note: 'late' }] });
  await h.result();
}

/** A sprint cancelled by its coordinator before anything was done. */
export async function runCancelledSprint(env: TestWorkflowEnvironment, taskQueue: string, sprintId: string): Promise<void> {
  const input = sprintInputAt(sprintId, 2, new Date(await env.currentTimeMs()));
  const c = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: sprintId, args: [input] });
  await c.executeUpdate(cancelSprintUpdate, { args: [{ actor: by(coordinator), reason: 'readmitted' }] });
  await c.result();
}

/**
 * The plan's own steps: version 1 with two actions, one done on time; version 2 after an incident
 * (one action carried, one added, one dropped) starts the rapid review; two agencies are asked for
 * an update and one answers; the reminders and deadlines pass (the review and an action escalate);
 * version 3, the scheduled review, ends the review. Its versions come from `planVersions`.
 */
export async function runPlanSteps(env: TestWorkflowEnvironment, taskQueue: string, workflowId: string, planVersions: Map<number, ResolvedPlanVersion>): Promise<void> {
  const startMs = await env.currentTimeMs();
  const hospital = staff('hospital', 'hospital');
  const homecare = staff('homecare', 'homecare');
  const act = (controlId: string, owner: StaffRef, days: number): PlanActionSpec => {
    const due = new Date(startMs + days * 24 * HOUR_MS);
    return { controlId, description: `Action ${controlId}`, owner, ownerAgencyId: owner.agencyId, dueDate: due.toISOString().slice(0, 10), dueAt: due.toISOString() };
  };
  const version = (v: number, trigger: PlanTrigger, actions: PlanActionSpec[]): ResolvedPlanVersion => ({
    version: v,
    trigger,
    reason: `version ${v}`,
    publishedBy: { staffId: coordinator.id, name: coordinator.name },
    participantRef: 'P-1',
    planHolder: coordinator,
    actions,
    agencies: [
      { agencyId: 'hospital', name: 'County Hospital', contact: hospital },
      { agencyId: 'homecare', name: 'Riverside Home Care', contact: homecare },
    ],
  });
  planVersions.set(1, version(1, 'other', [act('c1', hospital, 2), act('c2', homecare, 4)]));
  planVersions.set(2, version(2, 'incident', [act('c1', hospital, 2), act('c3', homecare, 2)]));
  planVersions.set(3, version(3, 'scheduled_review', [act('c1', hospital, 2), act('c3', homecare, 2)]));
  const h = await env.client.workflow.start(planStepsWorkflow, { taskQueue, workflowId, args: [{ planId: 'plan-1', participantId: 'participant-1', version: 1 }] });
  const waitFor = async (done: (s: PlanStepsState) => boolean) => {
    while (!done(await h.query(planStepsStateQuery))) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor((s) => s.version === 1);
  await h.executeUpdate(markPlanActionDoneUpdate, { args: [{ actor: by(hospital, 'link'), actionKey: 'action-c1-v1', note: 'booked' }] });
  await h.signal(planVersionPublishedSignal, { version: 2, rapidReviewWithinMs: 72 * HOUR_MS });
  await waitFor((s) => s.version === 2);
  await h.executeUpdate(requestAgencyUpdatesUpdate, { args: [{ actor: by(coordinator, 'web'), requests: planVersions.get(2)!.agencies.map((a) => ({ agencyId: a.agencyId, agencyName: a.name, to: a.contact! })) }] });
  await h.executeUpdate(answerAgencyUpdateUpdate, { args: [{ actor: by(hospital, 'email-reply'), requestKey: 'review-1-update-hospital-1', text: 'Two falls this week' }] });
  // Past the actions' due days and the review's deadline, clear of every timer (temporalio/sdk-java#3088).
  await env.sleep(3 * 24 * HOUR_MS + HOUR_MS / 3);
  await h.signal(planVersionPublishedSignal, { version: 3 });
  await waitFor((s) => s.version === 3);
}

// ---------------------------------------------------------------------------------------------
// Disputes: the paths a dispute takes, each closing on its own message.

const disputeParty = (id: string, agencyId: string, role: string, channel: ActionChannel = 'api') => ({ staffId: id, name: `Staff ${id}`, agencyId, roles: [role], channel });

export const disputeInputFor = (disputeId: string): DisputeInput => ({
  disputeId,
  participant: { id: 'participant-1', localRef: 'P-1' },
  subject: 'Who arranges the first visit',
  description: 'Ward and home care each say the other',
  outcomeSought: 'Home care arranges it',
  step: 'First visit confirmed',
  raisedBy: staff('hospital', 'hospital'),
  interimOwner: staff('homecare', 'homecare'),
  partyAgencyIds: ['hospital', 'homecare'],
  namedContacts: [],
  agreement: DISPUTE_AGREEMENT,
});

/** Until the stage is entered, then an hour past its deadline: clear of every timer (temporalio/sdk-java#3088). */
async function pastDisputeStage(env: TestWorkflowEnvironment, handle: WorkflowHandle<typeof disputeWorkflow>, stage: number): Promise<void> {
  let s = await handle.query(disputeStateQuery);
  while (s.stages.length < stage) {
    await new Promise((r) => setTimeout(r, 50));
    s = await handle.query(disputeStateQuery);
  }
  await env.sleep(Date.parse(s.stages[stage - 1]!.dueAt) - (await env.currentTimeMs()) + HOUR_MS);
}

/**
 * Positions, a proposal declined with a reason and answered with a counter-proposal at stage 1
 * (by link and reply), the interim owner's step done by reply; stage 1's deadline passes; the
 * managers agree a proposal naming who carries the step on. (The step is done before its first
 * progress falls due: an escalation that outlives its dispute stalls the time-skipping server's
 * later sleeps, so the one path that raises one, runDisputeInterimEscalated, is recorded last.)
 */
export async function runDisputeResolved(env: TestWorkflowEnvironment, taskQueue: string, disputeId: string): Promise<void> {
  const h = await env.client.workflow.start(disputeWorkflow, { taskQueue, workflowId: disputeId, args: [disputeInputFor(disputeId)] });
  await h.executeUpdate(stateDisputePositionUpdate, { args: [{ actor: disputeParty('homecare', 'homecare', 'staff', 'link'), statement: 'The ward books it' }] });
  await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: disputeParty('hospital', 'hospital', 'staff'), terms: 'Home care books it' }] });
  await h.executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: disputeParty('homecare', 'homecare', 'staff', 'email-reply'), proposalId: 'p1', reason: 'Visits are not in our package' }] });
  await h.executeUpdate(counterProposeDisputeUpdate, { args: [{ actor: disputeParty('homecare', 'homecare', 'staff', 'link'), proposalId: 'p1', terms: 'The ward books it, home care visits' }] });
  await h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: disputeParty('homecare', 'homecare', 'staff', 'email-reply'), note: 'First visit took place', done: true }] });
  await pastDisputeStage(env, h, 1);
  await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: disputeParty('manager-homecare', 'homecare', 'manager'), terms: 'Joint visit, then home care', carriesOn: staff('homecare-lead', 'homecare') }] });
  await h.executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: disputeParty('manager-hospital', 'hospital', 'manager'), proposalId: 'p3' }] });
  await h.result();
}

/** The step is done early; stages 1 and 2 pass their deadlines; governance decides at stage 3, naming who carries the step on. */
export async function runDisputeDecided(env: TestWorkflowEnvironment, taskQueue: string, disputeId: string): Promise<void> {
  const h = await env.client.workflow.start(disputeWorkflow, { taskQueue, workflowId: disputeId, args: [disputeInputFor(disputeId)] });
  await h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: disputeParty('homecare', 'homecare', 'staff', 'link'), note: 'First visit took place', done: true }] });
  await pastDisputeStage(env, h, 1);
  await pastDisputeStage(env, h, 2);
  await h.executeUpdate(decideDisputeUpdate, { args: [{ actor: disputeParty('governance', 'county', 'admin'), decision: 'Home care arranges it', rationale: 'In the package', carriesOn: staff('hospital', 'hospital') }] });
  await h.result();
}

/**
 * The interim owner is reminded, misses a progress (escalated), records progress (the escalation
 * told its cause ended); the raiser withdraws. The escalation resolves itself after the grace
 * period, after its dispute has closed: record this path last.
 */
export async function runDisputeInterimEscalated(env: TestWorkflowEnvironment, taskQueue: string, disputeId: string): Promise<void> {
  const h = await env.client.workflow.start(disputeWorkflow, { taskQueue, workflowId: disputeId, args: [disputeInputFor(disputeId)] });
  let s = await h.query(disputeStateQuery);
  while (!s.stages.length) s = await new Promise((r) => setTimeout(r, 50)).then(() => h.query(disputeStateQuery));
  await env.sleep(Date.parse(s.interimStep!.remindAt!) - (await env.currentTimeMs()) + HOUR_MS);
  await env.sleep(Date.parse(s.interimStep!.dueAt) - (await env.currentTimeMs()) - 30 * 60_000 + HOUR_MS);
  while (!s.interimStep!.escalations.length) s = await new Promise((r) => setTimeout(r, 50)).then(() => h.query(disputeStateQuery));
  await h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: disputeParty('homecare', 'homecare', 'staff', 'email-reply'), note: 'Visit booked for Tuesday' }] });
  await h.executeUpdate(withdrawDisputeUpdate, { args: [{ actor: disputeParty('hospital', 'hospital', 'staff'), reason: 'Agreed at the huddle' }] });
  await h.result();
  await env.client.workflow.getHandle(childEscalationId(disputeId, 'interim-1')).result();
}
