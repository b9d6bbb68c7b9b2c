// The post-discharge 72-hour sprint: ten tasks, each with one owner, a reminder, a deadline
// and an escalation when it slips. Closes at +72 h, or earlier once every task has ended.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  setHandler,
  patched,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { acts } from './activities';
import {
  isEnded,
  type Actor,
  type SprintInput,
  type SprintState,
  type SprintEscalation,
  type SprintStatus,
  type StaffRef,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
} from '../domain/sprint';
import { CareloopAgencies, CareloopOverdueCount, CareloopParticipant, CareloopProcess, CareloopStatus } from '../domain/search-attributes';
import { childEscalationId, ESCALATION_POLICY, type RiskLevel } from '../domain/escalation';
import { workflowNow, workflowNowIso } from './clock';
import { escalationWorkflow } from './escalation';
import { superviseOwnedStep, waitUntil } from './owned-step';
import { nextActionAttributes, sprintNextAction } from '../domain/next-action';
import { DEADLINES_BEFORE_CLOSE_PATCH, ROSTER_PATCH, TASK_END_WRITES_TOGETHER_PATCH } from './patches';

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

function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export async function sprintWorkflow(input: SprintInput): Promise<SprintState> {
  const { workflowId } = workflowInfo();
  // False only when replaying a history recorded before the change (see workflows/patches.ts).
  const deadlinesBeforeClose = patched(DEADLINES_BEFORE_CLOSE_PATCH);
  const taskEndWritesTogether = patched(TASK_END_WRITES_TOGETHER_PATCH);
  const state: SprintState = {
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
  let eventCount = 0;

  const taskOf = (key: string): TaskState => state.tasks.find((t) => t.key === key) ?? reject(SprintRejection.unknownTask, `This sprint has no task "${key}".`);
  const overdueOpen = () => state.tasks.filter((t) => t.overdue && !isEnded(t)).length;
  const agencies = () => [...new Set([input.coordinator.agencyId, ...state.tasks.map((t) => t.owner.agencyId)])];
  const publishSearchAttributes = () =>
    upsertSearchAttributes([
      { key: CareloopProcess, value: 'sprint' },
      { key: CareloopParticipant, value: input.participant.id },
      { key: CareloopStatus, value: state.status },
      { key: CareloopAgencies, value: agencies() },
      { key: CareloopOverdueCount, value: overdueOpen() },
      // Sprints recorded before the huddle roster publish no next action.
      ...(patched(ROSTER_PATCH) ? nextActionAttributes(sprintNextAction(state)) : []),
    ]);

  /** One timeline entry and one audit event, written once however often the activity retries. */
  const record = async (e: { type: string; taskKey?: string; actor?: Actor; reason?: string; detail?: string; data?: Record<string, unknown> }) => {
    const at = workflowNowIso();
    state.timeline.push({ at, type: e.type, taskKey: e.taskKey, actor: e.actor?.name, detail: e.detail ?? e.reason });
    eventCount += 1;
    await acts.recordAudit({
      actor: e.actor ? e.actor.name : 'careloop',
      actorId: e.actor?.staffId ?? null,
      action: e.type,
      reason: e.reason ?? null,
      process: 'sprint',
      workflowId,
      item: e.taskKey ?? null,
      participantId: input.participant.id,
      data: { ...(e.data ?? {}), ...(e.actor ? { channel: e.actor.channel } : {}) },
      idempotencyKey: `${workflowId}:${eventCount}:${e.type}`,
      at,
    });
  };

  type SprintEmail = Parameters<typeof acts.sendSprintEmail>[0];
  /** One sprint email: the sprint, the person and the links' expiry are the same for every one. */
  const sendEmail = (email: Pick<SprintEmail, 'kind' | 'idempotencyKey' | 'to' | 'tasks'>) =>
    acts.sendSprintEmail({ ...email, workflowId, participantRef: input.participant.localRef, tokensExpireAt: input.closesAt });
  const taskLine = (task: TaskState) => ({ key: task.key, title: task.title, dueAt: task.dueAt });

  const assertCanAct = (task: TaskState, action: TaskActionBase) => {
    if (state.status !== 'open') reject(SprintRejection.sprintClosed, `This sprint is ${state.status}; its tasks can no longer change.`);
    if (isEnded(task)) reject(SprintRejection.taskEnded, `"${task.title}" has already ended as ${task.status}${task.endedBy ? ` (by ${task.endedBy.name})` : ''}.`);
    if (!action.actsForSprint && task.owner.id !== action.actor.staffId) {
      reject(SprintRejection.notOwner, `"${task.title}" belongs to ${task.owner.name}; only they or the sprint's coordinator may act on it.`);
    }
  };

  const endTask = async (task: TaskState, actor: Actor, status: TaskStatus, details: { statusReason?: TaskStatusReason; reason?: string; managedHow?: string; note?: string }, eventType: string) => {
    Object.assign(task, { status, ...details, endedAt: workflowNowIso(), endedBy: actor });
    const audit = () => record({ type: eventType, taskKey: task.key, actor, reason: details.reason, detail: details.note ?? details.reason, data: { status, statusReason: details.statusReason, managedHow: details.managedHow, onTime: !task.overdue } });
    const revoke = () => acts.revokeActionTokens({ workflowId, taskKey: task.key, reason: 'task-ended' });
    // The answer means both are done: the event is recorded and the task's links no longer work.
    if (taskEndWritesTogether) await Promise.all([audit(), revoke()]);
    else {
      await audit();
      await revoke();
    }
    publishSearchAttributes();
    return task;
  };

  // Reminders, overdue notices and notes in flight: the sprint closes only after they finish.
  let noticesInFlight = 0;
  const inFlight = async (work: () => Promise<void>) => {
    noticesInFlight += 1;
    try {
      await work();
    } finally {
      noticesInFlight -= 1;
    }
  };

  setHandler(sprintStateQuery, () => state);

  setHandler(
    completeTaskUpdate,
    async (a) => endTask(taskOf(a.taskKey), a.actor, 'completed', { note: a.note }, 'task.completed'),
    { validator: (a) => assertCanAct(taskOf(a.taskKey), a) },
  );
  setHandler(
    refuseTaskUpdate,
    async (a) => endTask(taskOf(a.taskKey), a.actor, 'rejected', { statusReason: 'refused-by-participant', reason: a.reason, managedHow: a.managedHow }, 'task.refused'),
    {
      validator: (a) => {
        assertCanAct(taskOf(a.taskKey), a);
        if (!a.reason?.trim() || !a.managedHow?.trim()) reject('InvalidInput', 'A refusal needs both the reason and how it was managed.');
      },
    },
  );
  setHandler(
    markTaskNotApplicableUpdate,
    async (a) => endTask(taskOf(a.taskKey), a.actor, 'cancelled', { statusReason: 'not-applicable', reason: a.reason }, 'task.not-applicable'),
    {
      validator: (a) => {
        assertCanAct(taskOf(a.taskKey), a);
        if (!a.reason?.trim()) reject('InvalidInput', 'Say why the task does not apply.');
      },
    },
  );
  setHandler(
    reassignTaskUpdate,
    async (a) => {
      const task = taskOf(a.taskKey);
      const previous = task.owner;
      task.owner = a.newOwner;
      // A new owner gets a fresh reminder before the deadline if it is still ahead.
      task.reminded = false;
      await record({ type: 'task.reassigned', taskKey: task.key, actor: a.actor, reason: a.reason, detail: `${previous.name} → ${a.newOwner.name}`, data: { from: previous.id, to: a.newOwner.id } });
      await acts.revokeActionTokens({ workflowId, taskKey: task.key, staffId: previous.id, reason: 'reassigned' });
      await sendEmail({
        kind: 'assigned',
        idempotencyKey: `${workflowId}:assigned:${task.key}:${a.newOwner.id}:${eventCount}`,
        to: a.newOwner,
        tasks: [taskLine(task)],
      });
      publishSearchAttributes();
      return task;
    },
    {
      validator: (a) => {
        const task = taskOf(a.taskKey);
        if (!a.actsForSprint) reject(SprintRejection.notOwner, "Only the sprint's coordinator may reassign a task.");
        assertCanAct(task, a);
        if (task.owner.id === a.newOwner.id) reject(SprintRejection.sameOwner, `${a.newOwner.name} already owns "${task.title}".`);
      },
    },
  );
  setHandler(addTaskNoteSignal, (a) => {
    const task = state.tasks.find((t) => t.key === a.taskKey);
    if (!task || !a.text?.trim()) return; // a signal cannot answer; the API validated it already
    // A note reaching a closed sprint is dropped: its outcome and audit trail are final.
    if (deadlinesBeforeClose && state.status !== 'open') return;
    task.notes.push({ at: workflowNowIso(), by: a.actor, text: a.text });
    const note = () => record({ type: 'task.note-added', taskKey: task.key, actor: a.actor, detail: a.text });
    void (deadlinesBeforeClose ? inFlight(note) : note());
  });
  let cancelledBy: Actor | undefined;
  setHandler(
    cancelSprintUpdate,
    async (a) => {
      cancelledBy = a.actor;
      state.cancelReason = a.reason;
      state.status = 'cancelled';
      for (const task of state.tasks.filter((t) => !isEnded(t))) {
        Object.assign(task, { status: 'cancelled', statusReason: 'sprint-cancelled', reason: a.reason, endedAt: workflowNowIso(), endedBy: a.actor });
      }
      await record({ type: 'sprint.cancelled', actor: a.actor, reason: a.reason });
      return state;
    },
    {
      validator: (a) => {
        if (state.status !== 'open') reject(SprintRejection.sprintClosed, `This sprint is already ${state.status}.`);
        if (!a.reason?.trim()) reject('InvalidInput', 'Say why the sprint is cancelled.');
      },
    },
  );

  publishSearchAttributes();
  await acts.recordSprintStarted({ input, workflowId });
  await record({ type: 'sprint.started', actor: { staffId: input.requestedBy.id, name: input.requestedBy.name, channel: 'api' }, detail: `discharge ${input.dischargeAt}` });

  // One email per owner, listing their tasks, each with its own action link.
  const owners = [...new Map(state.tasks.map((t) => [t.owner.id, t.owner])).values()];
  await Promise.all(
    owners.map((owner) =>
      sendEmail({
        kind: 'assigned',
        idempotencyKey: `${workflowId}:start:${owner.id}`,
        to: owner,
        tasks: state.tasks.filter((t) => t.owner.id === owner.id).map(taskLine),
      }),
    ),
  );
  state.timeline.push({ at: workflowNowIso(), type: 'emails.sent', detail: `${owners.length} owner(s) notified` });

  /** Once the sprint is closed or the task has ended, neither a reminder nor an overdue notice starts. */
  const stillOwed = (task: TaskState) => !deadlinesBeforeClose || (!isEnded(task) && state.status === 'open');
  const remind = (task: TaskState): Promise<void> => {
    if (!stillOwed(task)) return Promise.resolve();
    return inFlight(async () => {
      task.reminded = true;
      await sendEmail({
        kind: 'reminder',
        idempotencyKey: `${workflowId}:reminder:${task.key}:${task.owner.id}`,
        to: task.owner,
        tasks: [taskLine(task)],
      });
      await record({ type: 'task.reminder-sent', taskKey: task.key, detail: `to ${task.owner.name}` });
    });
  };
  /** Raises a task's overdue notice and escalation, once, whichever of its deadline or the close gets there first. */
  const overdueRaised = new Set<string>();
  const raiseOverdue = (task: TaskState): Promise<void> => {
    if (deadlinesBeforeClose) {
      if (overdueRaised.has(task.key) || !stillOwed(task)) return Promise.resolve();
      overdueRaised.add(task.key);
    }
    return inFlight(async () => {
      task.overdue = true;
      publishSearchAttributes();
      // Sprints recorded before escalations ran as a workflow keep the recorded placeholder.
      const asChild = patched('escalation-child-workflow');
      // From the input, not workflowInfo(): replay of a recorded history runs under another id.
      const childId = childEscalationId(input.sprintId, task.key);
      const escalation: SprintEscalation = asChild
        ? { id: childId, taskKey: task.key, raisedAt: workflowNowIso(), reason: `"${task.title}" passed its deadline without ending`, status: 'raised', workflowId: childId }
        : { id: `${workflowId}:${task.key}:overdue`, taskKey: task.key, raisedAt: workflowNowIso(), reason: `"${task.title}" passed its deadline without ending`, status: 'recorded' };
      state.escalations.push(escalation);
      if (asChild) {
        // The id is derived from the sprint and task, so a retried workflow task cannot raise a
        // second one; ABANDON lets the escalation outlive the sprint's 72 hours.
        await startChild(escalationWorkflow, {
          workflowId: childId,
          parentClosePolicy: 'ABANDON',
          args: [
            {
              escalationId: childId,
              participant: { id: input.participant.id, localRef: input.participant.localRef },
              riskLevel: OVERDUE_TASK_RISK,
              trigger: 'sprint-task-overdue',
              description: escalation.reason,
              source: { process: 'sprint', workflowId, item: task.key },
              agencyId: input.coordinator.agencyId,
              preferredChair: input.coordinator,
              responders: [task.owner],
              policy: ESCALATION_POLICY,
            },
          ],
        });
      }
      await Promise.all([
        sendEmail({
          kind: 'overdue',
          idempotencyKey: `${workflowId}:overdue:${task.key}:${task.owner.id}`,
          to: task.owner,
          tasks: [taskLine(task)],
        }),
        sendEmail({
          kind: 'overdue-coordinator',
          idempotencyKey: `${workflowId}:overdue-coordinator:${task.key}`,
          to: input.coordinator,
          tasks: [{ ...taskLine(task), ownerName: task.owner.name }],
        }),
      ]);
      await record({ type: 'task.overdue', taskKey: task.key, detail: `owner ${task.owner.name} and coordinator notified` });
      await record({ type: 'escalation.raised', taskKey: task.key, reason: escalation.reason, data: { escalationId: escalation.id, ...(asChild ? { workflowId: childId } : {}) } });
    });
  };
  const allEnded = () => state.tasks.every(isEnded);
  const closesAtMs = Date.parse(input.closesAt);
  if (deadlinesBeforeClose) {
    // One timer for the whole sprint, woken at the next reminder, deadline or the close: each due
    // notice starts (in flight) before the loop sleeps again, and a deadline that falls due with
    // the close escalates before it. One pending wait instead of one per task and stage also
    // keeps a cached sprint small in the worker.
    const reminderStarted = new Set<string>();
    const remindsFirst = (task: TaskState) => Date.parse(task.remindAt) < Date.parse(task.dueAt);
    for (;;) {
      const now = workflowNow();
      for (const task of state.tasks) {
        if (!stillOwed(task)) continue;
        if (remindsFirst(task) && !reminderStarted.has(task.key) && Date.parse(task.remindAt) <= now) {
          reminderStarted.add(task.key);
          void remind(task);
        }
        if (Date.parse(task.dueAt) <= now) void raiseOverdue(task);
      }
      if (allEnded() || state.status !== 'open' || closesAtMs <= now) break;
      const upcoming = state.tasks
        .filter((task) => !isEnded(task))
        .flatMap((task) => [...(remindsFirst(task) && !reminderStarted.has(task.key) ? [Date.parse(task.remindAt)] : []), ...(overdueRaised.has(task.key) ? [] : [Date.parse(task.dueAt)])])
        .filter((at) => at > now);
      await condition(() => allEnded() || state.status !== 'open', Math.min(closesAtMs, ...upcoming) - now);
    }
  } else {
    // Sprints started before the change: one supervisor per task, and the close on its own timer.
    for (const task of state.tasks) {
      void superviseOwnedStep({
        remindAt: task.remindAt,
        dueAt: task.dueAt,
        isDone: () => isEnded(task) || state.status !== 'open',
        onReminder: () => remind(task),
        onOverdue: () => raiseOverdue(task),
      });
    }
    await waitUntil(() => allEnded() || state.status !== 'open', input.closesAt);
  }

  // Close: what is still open at the deadline is a gap.
  const closedAt = workflowNowIso();
  if (state.status === 'open') {
    for (const task of state.tasks.filter((t) => !isEnded(t))) {
      Object.assign(task, { status: 'failed', statusReason: 'not-done-by-close', endedAt: closedAt });
    }
    const gaps = state.tasks.some((t) => t.status === 'failed');
    state.status = gaps ? 'completed-with-gaps' : 'completed';
  }
  state.closedAt = closedAt;
  const finalStatus: SprintStatus = state.status;
  await condition(() => allHandlersFinished() && noticesInFlight === 0);
  await acts.revokeActionTokens({ workflowId, reason: 'sprint-closed' });
  await acts.recordSprintOutcome({ workflowId, status: finalStatus, closedAt, dischargeAt: input.dischargeAt, tasks: state.tasks });
  await record({ type: 'sprint.closed', actor: cancelledBy, detail: finalStatus, data: { status: finalStatus } });
  publishSearchAttributes();
  // (Before the change, per-task supervisors still waiting on a timer end with the workflow.)
  return state;
}
