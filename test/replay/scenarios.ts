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
