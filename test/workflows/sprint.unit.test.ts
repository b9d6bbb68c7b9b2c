// Unit tier: the sprint's logic on the time-skipping server with typed fake activities (no
// database, no SMTP): what it records, whom it emails, when, and what it refuses.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { HOUR_MS, type Actor } from '../../domain/sprint';
import { childEscalationId } from '../../domain/escalation';
import {
  addTaskNoteSignal,
  cancelSprintUpdate,
  completeTaskUpdate,
  escalationStateQuery,
  type escalationWorkflow,
  markTaskNotApplicableUpdate,
  reassignTaskUpdate,
  refuseTaskUpdate,
  sprintStateQuery,
  sprintWorkflow,
} from '../../workflows';
import { coordinator, owners, sprintInputAt, staff } from '../replay/scenarios';
import { actions, timeSkippingServer } from './unit-harness';

const by = (key: string): Actor => ({ staffId: owners[key]!.id, name: owners[key]!.name, channel: 'link' });
const asCoordinator: Actor = { staffId: coordinator.id, name: coordinator.name, channel: 'api' };
const rejection = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
};

describe('sprint workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  let n = 0;
  const start = async (taskQueue: string) => {
    n += 1;
    const input = sprintInputAt(`sprint-unit-${n}`, 100 + n, new Date(await server.env.currentTimeMs()));
    return { input, handle: await server.env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] }) };
  };

  it('emails each owner once with all their tasks, and closes early as completed once every task is done on time', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const { input, handle } = await start(taskQueue);
      for (const task of input.tasks) await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: task.key, actor: by(task.key) }] });
      const s = await handle.result();
      expect(s.status).toBe('completed');
      expect(log.emails.map((e) => [e.kind, e.to.id, e.process === 'sprint' && e.tasks.length])).toEqual([
        ['assigned', 'hospital', 3],
        ['assigned', 'homecare', 4],
        ['assigned', 'housing', 3],
      ]);
      expect(actions(log)).toEqual(['sprint.started', ...input.tasks.map(() => 'task.completed'), 'sprint.closed']);
      // Each task's links end with it, in the same write as its event; the rest at the close.
      expect(log.revocations.map((r) => r.taskKey ?? r.reason)).toEqual([...input.tasks.map((t) => t.key), 'sprint-closed']);
      expect(log.calls.filter((c) => c === 'startSprint')).toHaveLength(1);
      // The audit keys number the events 1..N, as the drills check against the database.
      expect(log.events.map((e) => e.idempotencyKey)).toEqual(log.events.map((e, i) => `${input.sprintId}:${i + 1}:${e.action}`));
    });
  });

  it('refuses what cannot apply before anything is written: a task already ended, another owner’s task, an unknown task, a refusal without reasons', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const { handle } = await start(taskQueue);
      await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'discharge-summary-received', actor: by('discharge-summary-received') }] });
      const written = log.events.length;
      expect(await rejection(handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'discharge-summary-received', actor: by('discharge-summary-received') }] }))).toMatchObject({ type: 'TaskAlreadyEnded' });
      expect(await rejection(handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'services-active', actor: by('discharge-summary-received') }] }))).toMatchObject({ type: 'NotTaskOwner' });
      expect(await rejection(handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'no-such-task', actor: asCoordinator, actsForSprint: true }] }))).toMatchObject({ type: 'UnknownTask' });
      expect(await rejection(handle.executeUpdate(refuseTaskUpdate, { args: [{ taskKey: 'services-active', actor: by('services-active'), reason: 'declined', managedHow: ' ' }] }))).toMatchObject({ type: 'InvalidInput' });
      expect(await rejection(handle.executeUpdate(reassignTaskUpdate, { args: [{ taskKey: 'services-active', actor: by('services-active'), newOwner: staff('homecare', 'homecare'), reason: 'x' }] }))).toMatchObject({ type: 'NotTaskOwner' });
      expect(log.events).toHaveLength(written);
      await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor: asCoordinator, reason: 'test done' }] });
      expect((await handle.result()).status).toBe('cancelled');
    });
  });

  it('reassigns: the old owner’s links end with the recorded change, the new owner is emailed, a note is recorded', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const { handle } = await start(taskQueue);
      const task = await handle.executeUpdate(reassignTaskUpdate, { args: [{ taskKey: 'services-active', actor: asCoordinator, actsForSprint: true, newOwner: staff('homecare', 'homecare'), reason: 'home care leads' }] });
      expect(task.owner.id).toBe('homecare');
      await handle.signal(addTaskNoteSignal, { taskKey: 'services-active', actor: asCoordinator, text: 'call first' });
      await handle.executeUpdate(markTaskNotApplicableUpdate, { args: [{ taskKey: 'transport-confirmed', actor: by('transport-confirmed'), reason: 'family drives' }] });
      expect(log.revocations[0]).toMatchObject({ taskKey: 'services-active', staffId: 'housing', reason: 'reassigned' });
      expect(log.emails.at(-1)).toMatchObject({ kind: 'assigned', to: { id: 'homecare' } });
      const s = await handle.query(sprintStateQuery);
      expect(s.timeline.map((e) => e.type)).toEqual(['sprint.started', 'emails.sent', 'task.reassigned', 'task.note-added', 'task.not-applicable']);
      await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor: asCoordinator, reason: 'test done' }] });
      await handle.result();
    });
  });

  it('reminds before the deadline; past it tells owner and coordinator and raises an escalation, which is told when the task ends; closes with gaps at +72 h', async () => {
    await server.run(async ({ env, taskQueue, log }) => {
      const { input, handle } = await start(taskQueue);
      for (const task of input.tasks.filter((t) => t.key !== 'immediate-risks-reviewed')) await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: task.key, actor: by(task.key) }] });
      // The timer's workflow task runs its local activities after the clock has moved: poll.
      await env.sleep(21 * HOUR_MS);
      await expect.poll(() => log.emails.filter((e) => e.process === 'sprint').at(-1)).toMatchObject({ kind: 'reminder', to: { id: 'hospital' } });
      await env.sleep(4 * HOUR_MS);
      await expect.poll(() => actions(log).filter((a) => a === 'task.overdue')).toHaveLength(1);
      const s = await handle.query(sprintStateQuery);
      expect(s.tasks.find((t) => t.key === 'immediate-risks-reviewed')).toMatchObject({ reminded: true, overdue: true, status: 'requested' });
      // The owner is emailed at once; the coordinator hears through the escalation they chair.
      expect(log.emails.filter((e) => e.process === 'sprint').at(-1)).toMatchObject({ kind: 'overdue', to: { id: 'hospital' } });
      expect(log.emails.some((e) => e.to.id === 'coordinator' && e.kind !== 'assigned' && e.kind !== 'reminder')).toBe(false);
      expect(actions(log).filter((_, i) => log.events[i]!.process === 'sprint').slice(-3)).toEqual(['task.reminder-sent', 'task.overdue', 'escalation.raised']);
      const escalationId = childEscalationId(input.sprintId, 'immediate-risks-reviewed');
      expect(s.escalations).toEqual([expect.objectContaining({ taskKey: 'immediate-risks-reviewed', status: 'raised', workflowId: escalationId })]);
      const escalation = env.client.workflow.getHandle<typeof escalationWorkflow>(escalationId);
      expect(await escalation.query(escalationStateQuery)).toMatchObject({ status: 'open', tier: 'moderate', trigger: `Overdue: ${s.tasks.find((t) => t.key === 'immediate-risks-reviewed')!.title}`, chair: { id: 'coordinator' } });

      // Done late: the escalation records that its cause ended and stops climbing the tiers.
      await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'immediate-risks-reviewed', actor: by('immediate-risks-reviewed') }] });
      const closed = await handle.result();
      expect(closed.status).toBe('completed');
      expect(closed.tasks.find((t) => t.key === 'immediate-risks-reviewed')).toMatchObject({ status: 'completed', overdue: true });
      // Past its 24 h acknowledgement window it has not climbed; with nobody confirming the outcome
      // within the 24 h grace period, it resolves itself by its cause.
      const ended = await escalation.result();
      const reason = `“${s.tasks.find((t) => t.key === 'immediate-risks-reviewed')!.title}” was done by ${by('immediate-risks-reviewed').name}`;
      expect(ended).toMatchObject({ status: 'resolved', resolvedBy: 'cause', tier: 'moderate', causeResolvedReason: reason });
      expect(ended.outcome).toMatchObject({ outcome: `Cause resolved: ${reason}`, by: { staffId: 'careloop' } });
      expect(ended.tiers).toHaveLength(1);
      expect(Date.parse(ended.resolvedAt!)).toBeGreaterThan(Date.parse(ended.acknowledgeDueAt));
      expect(log.events.filter((x) => x.workflowId === escalationId).map((x) => x.action)).toEqual(['escalation.raised', 'escalation.cause-resolved', 'escalation.resolved']);
    });
  });
});

// Its own server: with the escalation above left open, this server's clock would not skip to
// +72 h (a time-skipping server quirk, like temporalio/sdk-java#3088); a server costs a second.
describe('sprint workflow close (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  const start = async (taskQueue: string) => {
    const input = sprintInputAt('sprint-unit-close', 200, new Date(await server.env.currentTimeMs()));
    return { input, handle: await server.env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] }) };
  };

  it('closes at +72 h with what is open as gaps, each deadline escalated before the close', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const { handle } = await start(taskQueue);
      const s = await handle.result();
      expect(s.status).toBe('completed-with-gaps');
      expect(s.tasks.every((t) => t.status === 'failed' && t.overdue && t.statusReason === 'not-done-by-close')).toBe(true);
      expect(s.escalations).toHaveLength(10);
      expect(actions(log).filter((a) => a.startsWith('sprint.') || a === 'task.overdue' || a === 'task.reminder-sent').filter((a) => a !== 'sprint.started')).toEqual([
        ...Array(3).fill('task.reminder-sent'),
        ...Array(3).fill('task.overdue'),
        ...Array(4).fill('task.reminder-sent'),
        ...Array(4).fill('task.overdue'),
        ...Array(3).fill('task.reminder-sent'),
        ...Array(3).fill('task.overdue'),
        'sprint.closed',
      ]);
    });
  });
});
