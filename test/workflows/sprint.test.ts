// The sprint across its whole 72 hours on the time-skipping test server, with careloop's real
// activities against real PostgreSQL and a real SMTP listener.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  acknowledgeEscalationUpdate,
  addTaskNoteSignal,
  cancelSprintUpdate,
  escalationStateQuery,
  escalationWorkflow,
  resolveEscalationUpdate,
  respondEscalationUpdate,
  completeTaskUpdate,
  markTaskNotApplicableUpdate,
  reassignTaskUpdate,
  refuseTaskUpdate,
  sprintStateQuery,
  sprintWorkflow,
} from '../../workflows';
import { HOUR_MS, SPRINT_TEMPLATE, type Actor, type SprintInput } from '../../domain/sprint';
import { verifyAuditChain } from '../../activities/audit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, sprintInput, type SprintPeople } from '../support/sprint-fixture';

const actor = (p: { id: string; name: string }): Actor => ({ staffId: p.id, name: p.name, channel: 'api' });

describe('post-discharge sprint workflow (time-skipping server, real PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let worker: Worker;
  let taskQueue: string;
  let running: Promise<void>;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
  });
  afterAll(async () => {
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });
  beforeEach(async () => {
    taskQueue = `sprint-${randomUUID()}`;
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
  });
  afterEach(async () => {
    worker.shutdown();
    await running;
  });

  async function start(input?: SprintInput): Promise<[WorkflowHandle<typeof sprintWorkflow>, SprintInput]> {
    const i = input ?? (await sprintInput(t.db, people, new Date(await env.currentTimeMs())));
    const handle = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: i.sprintId, args: [i] });
    return [handle, i];
  }
  // Ends a sprint the way a person would. Terminating one with activities in flight leaves the
  // time-skipping server's clock locked for every later test.
  const finish = async (handle: WorkflowHandle<typeof sprintWorkflow>) => {
    await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor: actor(people.coordinator), reason: 'test done' }] });
    await handle.result();
  };
  const mailsFor = (workflowId: string) => smtp.messages.filter((m) => m.parsed.headers.get('x-careloop-workflow') === workflowId);

  it('sends each owner one email with one link per task, and closes early as completed when every task is done on time', async () => {
    const [handle, input] = await start();
    const starts = await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId, 3);
    const toHospital = starts.find((m) => m.to.includes(people.hospital.email))!;
    expect(toHospital.subject).toBe(`careloop: 3 post-discharge tasks for ${input.participant.localRef}`);
    expect(toHospital.text.match(/http:\/\/careloop\.test\/a\/cla_[\w-]+/g)).toHaveLength(3);
    expect(toHospital.replyTo).toMatch(/^ack\+[0-9a-f]{40}@inbound\.careloop\.test$/);
    expect(toHospital.text).not.toContain(input.participant.displayName); // no more than needed to find the item

    for (const task of input.tasks) {
      const ended = await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: task.key, actor: actor(task.owner), note: 'done' }] });
      expect(ended.status).toBe('completed');
    }
    const final = await handle.result();
    expect(final.status).toBe('completed');
    expect(final.tasks.every((task) => task.status === 'completed' && task.endedBy?.staffId === task.owner.id)).toBe(true);
    expect(mailsFor(input.sprintId)).toHaveLength(3); // no reminders, no overdue notices

    const row = await t.db.sprint.findUniqueOrThrow({ where: { id: input.sprintId }, include: { tasks: true } });
    expect(row).toMatchObject({ status: 'completed', tasksTotal: 10, tasksOnTime: 10 });
    expect(row.firstContactMinutes).toBeGreaterThanOrEqual(0);
    expect(row.tasks).toHaveLength(10);
    expect(await t.db.actionToken.count({ where: { workflowId: input.sprintId, usedAt: null, revokedAt: null } })).toBe(0);
    const actions = (await t.db.auditEvent.findMany({ where: { workflowId: input.sprintId }, orderBy: { seq: 'asc' } })).map((e) => e.action);
    expect(actions.filter((a) => a === 'task.completed')).toHaveLength(10);
    expect(actions[0]).toBe('sprint.started');
    expect(actions.at(-1)).toBe('sprint.closed');
    await expect(verifyAuditChain(t.db)).resolves.toMatchObject({ ok: true });
  });

  it('records a refusal with its reason and how it was managed, and refuses one without them', async () => {
    const [handle, input] = await start();
    const key = 'participant-understands-plan';
    await expect(handle.executeUpdate(refuseTaskUpdate, { args: [{ taskKey: key, actor: actor(people.housing), reason: 'declined', managedHow: ' ' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    const refused = await handle.executeUpdate(refuseTaskUpdate, {
      args: [{ taskKey: key, actor: actor(people.housing), reason: 'Declined a plan review today', managedHow: 'Family briefed; review booked for Friday' }],
    });
    expect(refused).toMatchObject({ status: 'rejected', statusReason: 'refused-by-participant', reason: 'Declined a plan review today', managedHow: 'Family briefed; review booked for Friday' });
    const na = await handle.executeUpdate(markTaskNotApplicableUpdate, { args: [{ taskKey: 'transport-confirmed', actor: actor(people.homecare), reason: 'Family drives' }] });
    expect(na).toMatchObject({ status: 'cancelled', statusReason: 'not-applicable', reason: 'Family drives' });
    for (const task of input.tasks.filter((x) => ![key, 'transport-confirmed'].includes(x.key))) {
      await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: task.key, actor: actor(task.owner) }] });
    }
    const final = await handle.result();
    expect(final.status).toBe('completed');
    const row = await t.db.sprintTask.findUniqueOrThrow({ where: { sprintId_key: { sprintId: input.sprintId, key } } });
    expect(row).toMatchObject({ status: 'rejected', statusReason: 'refused-by-participant', managedHow: 'Family briefed; review booked for Friday' });
  });

  it('answers acting twice, acting on another owner’s task and an unknown task with typed failures', async () => {
    const [handle] = await start();
    await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'services-active', actor: actor(people.housing) }] });
    const failure = async (p: Promise<unknown>) => {
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
    };
    expect((await failure(handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'services-active', actor: actor(people.housing) }] }))).type).toBe('TaskAlreadyEnded');
    expect((await failure(handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'medication-reconciled', actor: actor(people.housing) }] }))).type).toBe('NotTaskOwner');
    expect((await failure(handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'no-such-task', actor: actor(people.housing) }] }))).type).toBe('UnknownTask');
    // The coordinator may act for the sprint.
    const byCoordinator = await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'medication-reconciled', actor: actor(people.coordinator), actsForSprint: true }] });
    expect(byCoordinator.endedBy?.staffId).toBe(people.coordinator.id);
    await finish(handle);
  });

  it('reminds the owner before the deadline, then tells the owner and raises an escalation the coordinator chairs, then closes with gaps at +72 h', async () => {
    const [handle, input] = await start();
    // Everything but one day-0 task ends on time.
    const open = 'immediate-risks-reviewed';
    for (const task of input.tasks.filter((x) => x.key !== open)) {
      await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: task.key, actor: actor(task.owner) }] });
    }
    await env.sleep(21 * HOUR_MS); // past the reminder (due 24 h, lead 4 h)
    const state20 = await handle.query(sprintStateQuery);
    expect(state20.tasks.find((x) => x.key === open)).toMatchObject({ reminded: true, overdue: false });
    const reminder = (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId && m.subject.startsWith('careloop reminder')))[0]!;
    expect(reminder.to).toEqual([people.hospital.email]);
    expect(reminder.text.match(/\/a\/cla_/g)).toHaveLength(1);

    await env.sleep(4 * HOUR_MS); // past the deadline
    // The owner is told by the sprint; the coordinator by the escalation they chair (below).
    const overdue = await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId && m.subject.startsWith('careloop OVERDUE'));
    expect(overdue.map((m) => m.to[0])).toEqual([people.hospital.email]);
    const state25 = await handle.query(sprintStateQuery);
    expect(state25.tasks.find((x) => x.key === open)).toMatchObject({ overdue: true, status: 'requested' });
    expect(state25.escalations).toEqual([expect.objectContaining({ taskKey: open, status: 'raised', workflowId: `escalation-${input.sprintId}-${open}` })]);
    expect(state25.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['task.reminder-sent', 'task.overdue', 'escalation.raised']));
    // The overdue task raised a real escalation, chaired by the sprint's coordinator. Its chair
    // ends it here: the time-skipping server does not cope with a parent closing while its child
    // keeps waiting and a later test's clock depending on it.
    const child = env.client.workflow.getHandle<typeof escalationWorkflow>(`escalation-${input.sprintId}-${open}`);
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === child.workflowId && m.to.includes(people.coordinator.email));
    expect(await child.query(escalationStateQuery)).toMatchObject({ status: 'open', tier: 'moderate', chair: { id: people.coordinator.id }, source: { process: 'sprint', item: open } });
    await child.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(people.coordinator) }] });
    await child.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(people.coordinator), responseAction: 'Hospital discharge team called' }] });
    await child.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(people.coordinator), outcome: 'Risks reviewed by phone' }] });
    expect((await child.result()).status).toBe('resolved');

    const final = await handle.result(); // time skips to +72 h
    expect(final.status).toBe('completed-with-gaps');
    expect(final.tasks.find((x) => x.key === open)).toMatchObject({ status: 'failed', statusReason: 'not-done-by-close' });
    expect(Date.parse(final.closedAt!) - Date.parse(input.dischargeAt)).toBeGreaterThanOrEqual(72 * HOUR_MS);
    expect(Date.parse(final.closedAt!) - Date.parse(input.dischargeAt)).toBeLessThan(72 * HOUR_MS + 60_000);
    const row = await t.db.sprint.findUniqueOrThrow({ where: { id: input.sprintId } });
    expect(row).toMatchObject({ status: 'completed-with-gaps', tasksOnTime: 9 });
    expect(row.outcome).toMatchObject({ notDone: 1, overdue: 1 });
    // Each notice went out exactly once.
    expect(mailsFor(input.sprintId).filter((m) => m.subject.startsWith('careloop reminder'))).toHaveLength(1);
    expect(mailsFor(input.sprintId).filter((m) => m.subject.startsWith('careloop OVERDUE'))).toHaveLength(1);
    expect(await t.db.auditEvent.count({ where: { workflowId: input.sprintId, action: 'escalation.raised' } })).toBe(1);

  });

  it('reassigns a task: the new owner is emailed, the old owner’s link stops working', async () => {
    const [handle, input] = await start();
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId, 3);
    const reassigned = await handle.executeUpdate(reassignTaskUpdate, {
      args: [{ taskKey: 'transport-confirmed', actor: actor(people.coordinator), actsForSprint: true, newOwner: people.housing, reason: 'Housing runs the transport scheme' }],
    });
    expect(reassigned.owner.id).toBe(people.housing.id);
    const mail = (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === input.sprintId && m.to.includes(people.housing.email) && m.subject.includes('Transport confirmed')))[0]!;
    expect(mail.text).toMatch(/\/a\/cla_/);
    const oldTokens = await t.db.actionToken.findMany({ where: { workflowId: input.sprintId, staffId: people.homecare.id, purpose: 'sprint-task', scope: { path: ['task'], equals: 'transport-confirmed' } } });
    expect(oldTokens.length).toBeGreaterThan(0);
    expect(oldTokens.every((tk) => tk.revokedAt)).toBe(true);
    await expect(handle.executeUpdate(reassignTaskUpdate, { args: [{ taskKey: 'transport-confirmed', actor: actor(people.homecare), newOwner: people.homecare, reason: 'mine' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await handle.signal(addTaskNoteSignal, { taskKey: 'transport-confirmed', actor: actor(people.housing), text: 'Booked for 10:00' });
    await expect.poll(async () => (await handle.query(sprintStateQuery)).tasks.find((x) => x.key === 'transport-confirmed')!.notes.map((n) => n.text)).toEqual(['Booked for 10:00']);
    await finish(handle);
  });

  it('cancels with a reason: open tasks are cancelled, links stop working, the outcome is recorded', async () => {
    const [handle, input] = await start();
    await handle.executeUpdate(completeTaskUpdate, { args: [{ taskKey: 'discharge-summary-received', actor: actor(people.hospital) }] });
    const state = await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor: actor(people.coordinator), reason: 'Readmitted to hospital' }] });
    expect(state.status).toBe('cancelled');
    const final = await handle.result();
    expect(final.tasks.filter((x) => x.status === 'cancelled' && x.statusReason === 'sprint-cancelled')).toHaveLength(SPRINT_TEMPLATE.length - 1);
    expect(await t.db.sprint.findUniqueOrThrow({ where: { id: input.sprintId } })).toMatchObject({ status: 'cancelled' });
    expect(await t.db.actionToken.count({ where: { workflowId: input.sprintId, usedAt: null, revokedAt: null } })).toBe(0);
    expect(await t.db.auditEvent.count({ where: { workflowId: input.sprintId, action: 'sprint.cancelled', reason: 'Readmitted to hospital' } })).toBe(1);
  });

  it('refuses a second sprint for the same participant and discharge', async () => {
    const [handle, input] = await start();
    await expect(env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] })).rejects.toThrow(WorkflowExecutionAlreadyStartedError);
    await finish(handle);
  });

  // Keep this test last: its ten overdue tasks leave ten escalations waiting after the sprint
  // closes, which the time-skipping server does not cope with in a later test.
  it('runs a whole sprint on one-minute durations', async () => {
    const input = await sprintInput(t.db, people, new Date(await env.currentTimeMs()), { dueOffsets: { '0': 60_000, '1': 120_000, '2-3': 180_000 }, reminderLead: 20_000 } as never);
    const [handle] = await start(input);
    const final = await handle.result();
    expect(final.status).toBe('completed-with-gaps');
    expect(Date.parse(final.closedAt!) - Date.parse(input.dischargeAt)).toBeGreaterThanOrEqual(180_000);
    expect(Date.parse(final.closedAt!) - Date.parse(input.dischargeAt)).toBeLessThan(185_000);
    expect(mailsFor(input.sprintId).filter((m) => m.subject.startsWith('careloop reminder'))).toHaveLength(10);
  });
});
