// Drill 1 (CI version): the worker process is SIGKILLed while sprints wait on their timers, and
// a new worker process takes over. Every sprint closes on time, each email arrives once at a
// real SMTP listener, and the audit trail has every event once. The slower variant that kills
// workers with activities in flight is test/drills/worker-killed-in-flight.drill.ts.
import { describe, expect, it } from 'vitest';
import {
  drillQueue,
  expectEveryDeadlineEscalated,
  expectNothingLostOrDoubled,
  report,
  secondsTiming,
  sigkill,
  startSprints,
  startWorkerProcess,
  useDrillStack,
} from './support';

describe('drill: the worker is killed while sprints run', () => {
  const stack = useDrillStack();

  it('SIGKILL while sprints wait on timers: a new worker finishes them, no email twice, no audit event lost', async () => {
    const { env, t, smtp, people, workers } = stack;
    const started = Date.now();
    const taskQueue = drillQueue('worker-killed');
    const workerOpts = { databaseUrl: t.url, temporalAddress: env.address, taskQueue, smtpUrl: smtp.url };
    workers.push(await startWorkerProcess(workerOpts));

    // Discharged 10 s ago: reminders at +30/+40/+50 s, deadlines at +40/+50/+60 s, close at +60 s
    // (from now). The kill comes within seconds and the new worker bundles its workflows before it
    // polls (slow on a loaded CI machine); the reminders must still be ahead of it for the drill to
    // count ten of them (a late worker would find reminders, deadlines and close due at once, and
    // the close, raising every passed deadline first, sends no reminder after it).
    const sprintsStartedAt = Date.now();
    const sprints = await startSprints({ client: env.client, db: t.db, people, taskQueue, count: 3, dischargeAt: new Date(Date.now() - 10_000), timing: secondsTiming(50, 60, 70, 10) });
    // Each sprint's three assignment emails sent and recorded: the sprints now wait on timers.
    await expect.poll(() => t.db.notification.count({ where: { status: 'sent', kind: 'assigned' } }), { timeout: 30_000, interval: 200 }).toBe(9);
    await sigkill(workers[0]!);
    const killedAt = Date.now();

    workers.push(await startWorkerProcess(workerOpts));
    const takeover = Date.now() - killedAt;
    expect(Date.now() - sprintsStartedAt, 'the new worker must poll before the first reminder falls due (30 s)').toBeLessThan(28_000);
    const states = await Promise.all(sprints.map((h) => h.result()));
    for (const s of states) {
      expect(s.tasks.every((task) => task.reminded && task.status === 'failed')).toBe(true);
      // Every deadline passed by the close (day 2-3's with it) escalated before it.
      expectEveryDeadlineEscalated(s);
      expect(s.timeline.filter((e) => e.type === 'task.reminder-sent')).toHaveLength(10);
      expect(s.timeline.filter((e) => e.type === 'sprint.closed')).toHaveLength(1);
    }

    const checked = await expectNothingLostOrDoubled(t.db, smtp, states);
    // Per sprint: 3 assignments, 10 reminders, a notice to the owner per overdue task (the
    // coordinator hears through the escalations, one email for those raised together).
    const expectedSprintEmails = states.reduce((n, s) => n + 3 + s.tasks.filter((x) => x.reminded).length + s.tasks.filter((x) => x.overdue).length, 0);
    expect(await t.db.notification.count({ where: { workflowId: { in: states.map((s) => s.sprintId) } } })).toBe(expectedSprintEmails);
    report('worker-killed', { sprints: 3, emails: checked.emails, auditEvents: checked.auditEvents, takeoverMs: takeover, wallMs: Date.now() - started });
  }, 150_000);
});
