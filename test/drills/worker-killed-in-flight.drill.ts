// Drill 1, the slow variant (`npm run drills`): the worker process is SIGKILLed with email
// activities in flight, as the sprints' reminders go out. An
// activity on a dead worker is retried only after its start-to-close timeout (1 minute), so this
// takes a few minutes. Every sprint completes; every email arrives once at the SMTP listener;
// the audit trail has every event once.
import { describe, expect, it } from 'vitest';
import {
  drillQueue,
  expectEveryDeadlineEscalated,
  expectNothingLostOrDoubled,
  report,
  type RunningProcess,
  secondsTiming,
  sigkill,
  sleep,
  startSprints,
  startWorkerProcess,
  useDrillStack,
} from './support';

describe('drill: workers killed with activities in flight', () => {
  const stack = useDrillStack();

  /** Polls (every 20 ms) until an email of `kind` has begun but is not yet recorded as sent. */
  async function killWhenInFlight(worker: RunningProcess, kind: string): Promise<number> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const pending = await stack.t.db.notification.count({ where: { kind, status: 'pending' } });
      if (pending > 0) {
        await sigkill(worker);
        return pending;
      }
      await sleep(20);
    }
    throw new Error(`no ${kind} email in flight within 90 s`);
  }

  it('SIGKILL mid-activity: sprints complete, each email once, audit whole', async () => {
    const { env, t, smtp, people, workers } = stack;
    const started = Date.now();
    const taskQueue = drillQueue('worker-killed-in-flight');
    const workerOpts = { databaseUrl: t.url, temporalAddress: env.address, taskQueue, smtpUrl: smtp.url };
    workers.push(await startWorkerProcess(workerOpts));
    // Reminders at +20/+25/+30 s, deadlines at +30/+35/+40 s, close at +40 s.
    const sprints = await startSprints({ client: env.client, db: t.db, people, taskQueue, count: 3, dischargeAt: new Date(), timing: secondsTiming(30, 35, 40, 10) });

    const inFlight = await killWhenInFlight(workers[0]!, 'reminder');
    const killedAt = Date.now() - started;
    workers.push(await startWorkerProcess(workerOpts));

    const states = await Promise.all(sprints.map((h) => h.result()));
    for (const s of states) {
      expect(s.tasks.every((task) => task.reminded && task.status === 'failed')).toBe(true);
      // A reminder held up by the kill (retried after its 1-minute timeout) holds back neither
      // the task's overdue notice nor the others': every deadline escalated by the close.
      expectEveryDeadlineEscalated(s);
    }
    const checked = await expectNothingLostOrDoubled(t.db, smtp, states, 120_000);
    report('worker-killed-in-flight', { sprints: 3, emails: checked.emails, retried: checked.retried, auditEvents: checked.auditEvents, inFlightAtKill: inFlight, killedAtMs: killedAt, wallMs: Date.now() - started });
  }, 300_000);
});
