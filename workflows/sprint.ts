// The post-discharge 72-hour sprint (seed 001, "Post-discharge 72-hour sprint"): ten tasks over
// three days, each with one owner, a reminder before its deadline and an escalation when it
// slips. A task ends as done, refused (reason and how it was managed) or not applicable
// (reason). The sprint closes at +72 h, or earlier once every task has ended.
import { defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  isEnded,
  type Actor,
  type SprintInput,
  type SprintState,
  type StaffRef,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
} from '../domain/sprint';
import type { EmailTask, SprintEmailKind } from '../domain/emails/sprint';
import { CareloopAgencies, CareloopOverdueCount, CareloopStatus } from '../domain/search-attributes';
import { childEscalationId, type RiskLevel } from '../domain/escalation';
import { nextActionAttributes, sprintNextAction } from '../domain/next-action';
import { workflowNowIso } from './clock';
import { answerLiveState, endEscalationCause, local, notifying, processContext, raiseEscalation, reject, requireText, superviseSteps } from './kit';

/** An overdue sprint task is a moderate risk: a review within the tier's window, climbing if missed. */
const OVERDUE_TASK_RISK: RiskLevel = 'moderate';

// Message names are part of the stored history: never rename them.
export interface TaskActionBase {
  taskKey: string;
  actor: Actor;
  /** True for the sprint's coordinator (or an admin): may act on any task, not only their own. */
  actsForSprint?: boolean;
}
export const completeTaskUpdate = defineUpdate<TaskState, [TaskActionBase & { note?: string }]>('completeTask');
export const refuseTaskUpdate = defineUpdate<TaskState, [TaskActionBase & { reason: string; managedHow: string }]>('refuseTask');
export const markTaskNotApplicableUpdate = defineUpdate<TaskState, [TaskActionBase & { reason: string }]>('markTaskNotApplicable');
export const reassignTaskUpdate = defineUpdate<TaskState, [TaskActionBase & { newOwner: StaffRef; reason: string }]>('reassignTask');
export const cancelSprintUpdate = defineUpdate<SprintState, [{ actor: Actor; reason: string }]>('cancelSprint');
export const addTaskNoteSignal = defineSignal<[TaskActionBase & { text: string }]>('addTaskNote');
export const sprintStateQuery = defineQuery<SprintState>('sprintState');

/** ApplicationFailure types the API maps to HTTP statuses. */
export const SprintRejection = {
  unknownTask: 'UnknownTask',
  taskEnded: 'TaskAlreadyEnded',
  notOwner: 'NotTaskOwner',
  sprintClosed: 'SprintClosed',
  sameOwner: 'SameOwner',
} as const;

type TaskEnd = { statusReason?: TaskStatusReason; reason?: string; managedHow?: string; note?: string };

export async function sprintWorkflow(input: SprintInput): Promise<SprintState> {
  const state = openSprint(input);
  const ctx = processContext({ process: 'sprint', participantId: input.participant.id, timeline: state.timeline, searchAttributes: () => sprintSearchAttributes(state) });
  const { workflowId } = ctx;
  const email = (kind: SprintEmailKind, to: StaffRef, key: (string | number)[], tasks: EmailTask[]) =>
    ({ process: 'sprint', kind, idempotencyKey: ctx.key(...key), to, participantRef: input.participant.localRef, tasks, tokensExpireAt: input.closesAt }) as const;
  const line = (task: TaskState): EmailTask => ({ key: task.key, title: task.title, dueAt: task.dueAt });
  const taskOf = (key: string) => state.tasks.find((t) => t.key === key) ?? reject(SprintRejection.unknownTask, `This sprint has no task "${key}".`);
  const canAct = (a: TaskActionBase) => assertCanAct(state, taskOf(a.taskKey), a);
  // An escalation raised for a task is told when the task ends: it stops climbing the tiers.
  const endCause = (task: TaskState) => {
    const raised = state.escalations.find((e) => e.taskKey === task.key);
    if (raised?.workflowId) void ctx.inFlight(() => endEscalationCause(raised.workflowId!, `“${task.title}” ${taskEndWords(task)}${task.endedBy ? ` by ${task.endedBy.name}` : ''}`));
  };

  const endTask = async (taskKey: string, actor: Actor, status: TaskStatus, end: TaskEnd, eventType: string) => {
    await ctx.afterStart();
    const task = taskOf(taskKey);
    Object.assign(task, { status, ...end, endedAt: workflowNowIso(), endedBy: actor });
    // One write: the event is recorded and the task's links no longer work.
    const data = { status, statusReason: end.statusReason, managedHow: end.managedHow, onTime: !task.overdue };
    await ctx.record(eventType, { item: task.key, actor, reason: end.reason, detail: end.note ?? end.reason, data }, [{ workflowId, taskKey: task.key, reason: 'task-ended' }]);
    ctx.publish();
    endCause(task);
    return task;
  };

  answerLiveState(sprintStateQuery, state);
  setHandler(completeTaskUpdate, (a) => endTask(a.taskKey, a.actor, 'completed', { note: a.note }, 'task.completed'), { validator: canAct });
  setHandler(refuseTaskUpdate, (a) => endTask(a.taskKey, a.actor, 'rejected', { statusReason: 'refused-by-participant', reason: a.reason, managedHow: a.managedHow }, 'task.refused'), {
    validator: (a) => (canAct(a), requireText(a.reason?.trim() && a.managedHow, 'A refusal needs both the reason and how it was managed.')),
  });
  setHandler(markTaskNotApplicableUpdate, (a) => endTask(a.taskKey, a.actor, 'cancelled', { statusReason: 'not-applicable', reason: a.reason }, 'task.not-applicable'), {
    validator: (a) => (canAct(a), requireText(a.reason, 'Say why the task does not apply.')),
  });
  setHandler(
    reassignTaskUpdate,
    async (a) => {
      await ctx.afterStart();
      const task = taskOf(a.taskKey);
      const previous = task.owner;
      Object.assign(task, { owner: a.newOwner, reminded: false });
      // The previous owner's links stop working as the change is recorded; the new owner is told.
      const reassigned = ctx.event('task.reassigned', { item: task.key, actor: a.actor, reason: a.reason, detail: `${previous.name} → ${a.newOwner.name}`, data: { from: previous.id, to: a.newOwner.id } });
      await ctx.notify([email('assigned', a.newOwner, ['assigned', task.key, a.newOwner.id, state.timeline.length], [line(task)])], {
        events: [reassigned],
        revoke: [{ workflowId, taskKey: task.key, staffId: previous.id, reason: 'reassigned' }],
      });
      ctx.publish();
      return task;
    },
    { validator: (a) => assertCanReassign(state, taskOf(a.taskKey), a) },
  );
  setHandler(addTaskNoteSignal, (a) => {
    const task = state.tasks.find((t) => t.key === a.taskKey);
    // A signal cannot answer: the API validated it. A note reaching a closed sprint is dropped.
    if (!task || !a.text?.trim() || state.status !== 'open') return;
    task.notes.push({ at: workflowNowIso(), by: a.actor, text: a.text });
    void ctx.inFlight(() => ctx.record('task.note-added', { item: task.key, actor: a.actor, detail: a.text }));
  });
  let cancelledBy: Actor | undefined;
  setHandler(
    cancelSprintUpdate,
    async (a) => {
      await ctx.afterStart();
      cancelledBy = a.actor;
      const open = endOpenTasks(state, { status: 'cancelled', statusReason: 'sprint-cancelled', reason: a.reason, endedBy: a.actor });
      Object.assign(state, { status: 'cancelled', cancelReason: a.reason });
      await ctx.record('sprint.cancelled', { actor: a.actor, reason: a.reason });
      open.forEach(endCause);
      return state;
    },
    { validator: (a) => (state.status === 'open' || reject(SprintRejection.sprintClosed, `This sprint is already ${state.status}.`), requireText(a.reason, 'Say why the sprint is cancelled.')) },
  );

  // Day 0: the sprint goes on the record, and each owner gets one email listing their tasks.
  ctx.publish();
  const requestedBy = { staffId: input.requestedBy.id, name: input.requestedBy.name, channel: 'api' };
  const started = ctx.event('sprint.started', { actor: requestedBy, detail: `discharge ${input.dischargeAt}` });
  const owners = [...new Map(state.tasks.map((t) => [t.owner.id, t.owner])).values()];
  const assigned = owners.map((owner) => email('assigned', owner, ['start', owner.id], state.tasks.filter((t) => t.owner.id === owner.id).map(line)));
  await notifying.startSprint({ input, workflowId, events: [started], emails: assigned });
  ctx.begun();
  state.timeline.push({ at: workflowNowIso(), type: 'emails.sent', detail: `${owners.length} owner(s) notified` });

  // Each task: a reminder before its deadline; past it, owner and coordinator are told and an
  // escalation is raised. A deadline that falls due with the close escalates before it.
  const remind = (task: TaskState) => {
    task.reminded = true;
    const reminded = ctx.event('task.reminder-sent', { item: task.key, detail: `to ${task.owner.name}` });
    return ctx.notify([email('reminder', task.owner, ['reminder', task.key, task.owner.id], [line(task)])], { events: [reminded] });
  };
  const raiseOverdue = async (task: TaskState) => {
    task.overdue = true;
    ctx.publish();
    const reason = `"${task.title}" passed its deadline without ending`;
    // From the input, not workflowInfo(): replay of a recorded history runs under another id.
    const id = childEscalationId(input.sprintId, task.key);
    state.escalations.push({ id, taskKey: task.key, raisedAt: workflowNowIso(), reason, status: 'raised', workflowId: id });
    const escalation = raiseEscalation(overdueEscalation(input, task, { escalationId: id, workflowId, reason }));
    // The owner is told at once; the coordinator chairs the escalation and hears of it there, in
    // one email for every task that fell overdue together (activities/notices.ts).
    const events = [ctx.event('task.overdue', { item: task.key, detail: `owner ${task.owner.name} notified; escalation raised to the coordinator` }), ctx.event('escalation.raised', { item: task.key, reason, data: { escalationId: id, workflowId: id } })];
    const notices = [email('overdue', task.owner, ['overdue', task.key, task.owner.id], [line(task)])];
    await Promise.all([escalation, ctx.notify(notices, { events })]);
  };
  const allEnded = () => state.tasks.every(isEnded);
  const steps = state.tasks.map((task) => ({ ended: () => isEnded(task) || state.status !== 'open', remindAt: () => Date.parse(task.remindAt), dueAt: () => Date.parse(task.dueAt), onReminder: () => remind(task), onOverdue: () => raiseOverdue(task) }));
  await superviseSteps(steps, { until: () => allEnded() || state.status !== 'open', closesAt: Date.parse(input.closesAt), inFlight: ctx.inFlight });

  // The close: what is still open is a gap. Outcome, links revoked and the close, in one write.
  const closedAt = workflowNowIso();
  if (state.status === 'open') state.status = endOpenTasks(state, { status: 'failed', statusReason: 'not-done-by-close' }).length ? 'completed-with-gaps' : 'completed';
  state.closedAt = closedAt;
  const status = state.status;
  await ctx.settled();
  const closed = ctx.event('sprint.closed', { actor: cancelledBy, detail: status, data: { status } });
  await local.recordSprintOutcome({ workflowId, status, closedAt, dischargeAt: input.dischargeAt, tasks: state.tasks, events: [closed], revoke: [{ workflowId, reason: 'sprint-closed' }] });
  ctx.publish();
  return state;
}

function openSprint(input: SprintInput): SprintState {
  return {
    sprintId: input.sprintId,
    participant: input.participant,
    coordinator: input.coordinator,
    dischargeAt: input.dischargeAt,
    closesAt: input.closesAt,
    status: 'open',
    tasks: input.tasks.map((t) => ({ ...t, status: 'requested', reminded: false, overdue: false, notes: [] })),
    escalations: [],
    timeline: [],
  };
}

function assertCanAct(state: SprintState, task: TaskState, action: TaskActionBase): void {
  if (state.status !== 'open') reject(SprintRejection.sprintClosed, `This sprint is ${state.status}; its tasks can no longer change.`);
  if (isEnded(task)) reject(SprintRejection.taskEnded, `"${task.title}" has already ended as ${task.status}${task.endedBy ? ` (by ${task.endedBy.name})` : ''}.`);
  if (!action.actsForSprint && task.owner.id !== action.actor.staffId) {
    reject(SprintRejection.notOwner, `"${task.title}" belongs to ${task.owner.name}; only they or the sprint's coordinator may act on it.`);
  }
}

/** An overdue sprint task escalates at moderate risk, chaired by the sprint's coordinator, the task's owner responding. */
/** How a task ended, in words, for the escalation it raised ("was done by Sam Rivera"). */
function taskEndWords(task: TaskState): string {
  if (task.statusReason === 'sprint-cancelled') return 'ended as the sprint was cancelled';
  if (task.status === 'completed') return 'was done';
  if (task.status === 'rejected') return 'was refused by the participant';
  if (task.statusReason === 'not-applicable') return 'was marked as not applicable';
  return 'ended';
}

function overdueEscalation(input: SprintInput, task: TaskState, raised: { escalationId: string; workflowId: string; reason: string }) {
  return {
    escalationId: raised.escalationId,
    participant: { id: input.participant.id, localRef: input.participant.localRef },
    riskLevel: OVERDUE_TASK_RISK,
    trigger: `Overdue: ${task.title}`,
    description: raised.reason,
    source: { process: 'sprint' as const, workflowId: raised.workflowId, item: task.key },
    agencyId: input.coordinator.agencyId,
    involvedAgencyIds: [...new Set([input.coordinator.agencyId, task.owner.agencyId])],
    preferredChair: input.coordinator,
    responders: [task.owner],
  };
}

/** Ends every task still open the same way (a cancellation, or a gap at the close); returns them. */
function endOpenTasks(state: SprintState, end: Pick<TaskState, 'status' | 'statusReason' | 'reason' | 'endedBy'>): TaskState[] {
  const open = state.tasks.filter((t) => !isEnded(t));
  for (const task of open) Object.assign(task, { ...end, endedAt: workflowNowIso() });
  return open;
}

function assertCanReassign(state: SprintState, task: TaskState, a: TaskActionBase & { newOwner: StaffRef }): void {
  if (!a.actsForSprint) reject(SprintRejection.notOwner, "Only the sprint's coordinator may reassign a task.");
  assertCanAct(state, task, a);
  if (task.owner.id === a.newOwner.id) reject(SprintRejection.sameOwner, `${a.newOwner.name} already owns "${task.title}".`);
}

function sprintSearchAttributes(state: SprintState): SearchAttributeUpdatePair[] {
  return [
    { key: CareloopStatus, value: state.status },
    { key: CareloopAgencies, value: [...new Set([state.coordinator.agencyId, ...state.tasks.map((t) => t.owner.agencyId)])] },
    { key: CareloopOverdueCount, value: state.tasks.filter((t) => t.overdue && !isEnded(t)).length },
    ...nextActionAttributes(sprintNextAction(state)),
  ];
}
