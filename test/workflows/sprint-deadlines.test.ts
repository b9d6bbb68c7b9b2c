// A sprint task's deadline escalates on time whatever holds up the rest: a reminder that cannot
// go out (the relay is down), or no worker running while the deadline and the close both pass.
// Real parts: the Temporal dev server, careloop's activities on PostgreSQL, an SMTP listener.
import type { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { cancelSprintUpdate, sprintStateQuery } from '../../workflows';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { createTestWorker } from '../support/worker';
import { drillQueue, expectNothingLostOrDoubled, secondsTiming, sleep, startSprints, useDrillStack } from '../drills/support';

describe('sprint deadlines escalate whatever holds up the rest (dev server)', () => {
  const stack = useDrillStack();

  const newWorker = (taskQueue: string): Promise<Worker> =>
    createTestWorker({ connection: stack.env.nativeConnection, taskQueue, deps: { db: stack.t.db, mailer: mailerFor(stack.smtp), links: TEST_LINKS } });

  it('a reminder stuck behind a dead relay does not hold back the overdue escalation', async () => {
    const { env, t, smtp, people } = stack;
    const taskQueue = drillQueue('deadline-beside-reminder');
    const worker = await newWorker(taskQueue);
    const running = worker.run();
    try {
      // Day 0: reminders at +8 s, deadlines at +14 s; the rest far off.
      const [sprint] = await startSprints({ client: env.client, db: t.db, people, taskQueue, count: 1, dischargeAt: new Date(), timing: secondsTiming(14, 300, 310, 6) });
      await expect.poll(() => t.db.notification.count({ where: { status: 'sent', kind: 'assigned' } }), { timeout: 20_000, interval: 200 }).toBe(3);
      await smtp.stop();
      const received = smtp.messages.length;

      // The reminders keep failing, yet each day 0 task turns overdue and raises its escalation.
      const state = await expect
        .poll(async () => (await sprint!.query(sprintStateQuery)).tasks.filter((task) => task.day === '0' && task.overdue).length, { timeout: 30_000, interval: 250 })
        .toBe(3)
        .then(() => sprint!.query(sprintStateQuery));
      expect(state.escalations.map((e) => e.taskKey).sort()).toEqual(state.tasks.filter((task) => task.day === '0').map((task) => task.key).sort());
      expect(smtp.messages.length).toBe(received);
      expect(await t.db.notification.count({ where: { kind: 'reminder', status: { not: 'sent' } } })).toBeGreaterThan(0);

      await smtp.start();
      const actor = { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'api' as const };
      await sprint!.executeUpdate(cancelSprintUpdate, { args: [{ actor, reason: 'test over' }] });
      const final = await sprint!.result();
      expect(final.timeline.filter((e) => e.type === 'task.reminder-sent')).toHaveLength(3);
      expect(final.timeline.filter((e) => e.type === 'task.overdue')).toHaveLength(3);

      await expectNothingLostOrDoubled(t.db, smtp, [final]);
    } finally {
      worker.shutdown();
      await running;
    }
  }, 120_000);

  it('deadlines that pass together with the close, with no worker running, still escalate before it closes', async () => {
    const { env, t, smtp, people } = stack;
    const taskQueue = drillQueue('deadlines-with-close');
    const first = await newWorker(taskQueue);
    const firstRunning = first.run();
    // Deadlines at +16/+18/+20 s, reminders 6 s before each, the close at +20 s.
    const sprints = await startSprints({ client: env.client, db: t.db, people, taskQueue, count: 2, dischargeAt: new Date(), timing: secondsTiming(16, 18, 20, 6) });
    const workflowId = { in: sprints.map((s) => s.workflowId) };
    let closesAt: string;
    try {
      await expect.poll(() => t.db.notification.count({ where: { status: 'sent', kind: 'assigned', workflowId } }), { timeout: 15_000, interval: 200 }).toBe(6);
      ({ closesAt } = await sprints[0]!.query(sprintStateQuery));
    } finally {
      first.shutdown();
      await firstRunning;
    }
    // The first worker was gone before any deadline passed.
    expect(await t.db.notification.count({ where: { kind: { in: ['overdue', 'overdue-coordinator'] }, workflowId } })).toBe(0);
    await sleep(Math.max(0, Date.parse(closesAt) - Date.now()) + 2_000);

    // Every timer of both sprints has passed; a new worker finds them all due at once.
    const second = await newWorker(taskQueue);
    const secondRunning = second.run();
    try {
      const states = await Promise.all(sprints.map((h) => h.result()));
      for (const s of states) {
        expect(s.status).toBe('completed-with-gaps');
        expect(s.tasks.map((task) => [task.key, task.overdue, task.statusReason])).toEqual(s.tasks.map((task) => [task.key, true, 'not-done-by-close']));
        expect(s.escalations.map((e) => e.taskKey).sort()).toEqual(s.tasks.map((task) => task.key).sort());
        expect(s.timeline.filter((e) => e.type === 'task.overdue')).toHaveLength(10);
        expect(s.timeline.filter((e) => e.type === 'escalation.raised')).toHaveLength(10);
        // The close comes after every overdue notice, not before.
        expect(s.timeline.at(-1)?.type).toBe('sprint.closed');
      }
      await expectNothingLostOrDoubled(t.db, smtp, states);
    } finally {
      second.shutdown();
      await secondRunning;
    }
  }, 150_000);
});
