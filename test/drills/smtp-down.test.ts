// Drill 3: the SMTP relay is down while sprints start and their reminders fall due. The email
// activities fail and Temporal retries them; once the relay is back every email arrives, once.
import type { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { cancelSprintUpdate } from '../../workflows';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { createTestWorker } from '../support/worker';
import { drillQueue, expectNothingLostOrDoubled, report, secondsTiming, sleep, startSprints, useDrillStack } from './support';

describe('drill: SMTP is down for a while', () => {
  const stack = useDrillStack();

  it('emails due during the outage are retried and each delivered exactly once after it', async () => {
    const { env, t, smtp, people } = stack;
    const started = Date.now();
    const taskQueue = drillQueue('smtp-down');
    const worker: Worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    const running = worker.run();
    try {
      await smtp.stop();
      const downAt = Date.now();
      // Discharged 5 s ago: reminders at +15/+17.5/+20 s, deadlines from +35 s.
      const sprints = await startSprints({ client: env.client, db: t.db, people, taskQueue, count: 2, dischargeAt: new Date(Date.now() - 5_000), timing: secondsTiming(40, 45, 50, 30) });
      await sleep(10_000);
      // Nothing got through; each assignment email was tried again and again. (A sprint
      // supervises its tasks once its assignments are out, so the reminders wait behind them.)
      expect(smtp.messages).toHaveLength(0);
      expect(await t.db.notification.count({ where: { status: 'sent' } })).toBe(0);
      expect(await t.db.notification.count({ where: { kind: 'assigned', attempts: { gte: 3 } } })).toBe(6);

      await smtp.start();
      const upAt = Date.now();
      await expect.poll(() => t.db.notification.count({ where: { status: 'sent' } }), { timeout: 40_000, interval: 250 }).toBe(26);
      const deliveredAfterMs = Date.now() - upAt;

      // End the sprints through their own message rather than waiting for the deadlines.
      const actor = { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'api' as const };
      await Promise.all(sprints.map((h) => h.executeUpdate(cancelSprintUpdate, { args: [{ actor, reason: 'drill over' }] })));
      const states = await Promise.all(sprints.map((h) => h.result()));
      for (const s of states) {
        expect(s.status).toBe('cancelled');
        expect(s.timeline.filter((e) => e.type === 'task.reminder-sent')).toHaveLength(10);
      }

      const checked = await expectNothingLostOrDoubled(t.db, smtp, states);
      expect(checked.emails).toBe(26);
      expect(checked.retried).toBeGreaterThanOrEqual(6);
      report('smtp-down', { sprints: 2, emails: checked.emails, retried: checked.retried, auditEvents: checked.auditEvents, downMs: upAt - downAt, deliveredAfterMs, wallMs: Date.now() - started });
    } finally {
      worker.shutdown();
      await running;
    }
  }, 120_000);
});
