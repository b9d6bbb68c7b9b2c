// Drill 2: the Temporal dev server is stopped and started again on its SQLite file and port
// while sprints wait on durable timers, one of them falling due while it is down. The sprints
// resume as the same runs, every timer fires, each email arrives once, no audit event is lost.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { freePort } from '../support/ports';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createSprintPeople, type SprintPeople } from '../support/sprint-fixture';
import { createTestWorker } from '../support/worker';
import {
  type DevServer,
  drillQueue,
  expectEveryDeadlineEscalated,
  expectNothingLostOrDoubled,
  report,
  secondsTiming,
  sleep,
  startDevServerProcess,
  startSprints,
} from './support';

describe('drill: the Temporal server restarts while sprints wait on timers', () => {
  let dir: string;
  let server: DevServer | undefined;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'careloop-drill-temporal-'));
    chmodSync(dir, 0o755);
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stop and start on the same SQLite file: same runs resume, timers due meanwhile fire, nothing doubled', async () => {
    const started = Date.now();
    const port = await freePort();
    const dbFile = path.join(dir, 'temporal.sqlite');
    server = await startDevServerProcess({ dbFile, port });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const taskQueue = drillQueue('temporal-restart');
    const worker: Worker = await createTestWorker({ connection: workerConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    const running = worker.run();
    try {
      // Discharged 5 s ago: reminders at +10/+12.5/+15 s, deadlines at +25/+30/+35 s, close at +35 s.
      const sprints = await startSprints({ client, db: t.db, people, taskQueue, count: 2, dischargeAt: new Date(Date.now() - 5_000), timing: secondsTiming(30, 35, 40, 20) });
      const runIds = await Promise.all(sprints.map(async (h) => (await h.describe()).runId));
      await expect.poll(() => t.db.notification.count({ where: { status: 'sent', kind: 'assigned' } }), { timeout: 30_000, interval: 200 }).toBe(6);

      await server.stop();
      const stoppedAt = Date.now();
      await sleep(10_000); // the day 0 reminders fall due in here
      server = await startDevServerProcess({ dbFile, port });
      const restartedAt = Date.now();

      const states = await Promise.all(sprints.map((h) => h.result()));
      for (const [i, h] of sprints.entries()) expect((await h.describe()).runId).toBe(runIds[i]);
      for (const s of states) {
        // Every deadline passed by the close (day 2-3's with it) escalated before it.
        expectEveryDeadlineEscalated(s);
        expect(s.tasks.every((task) => task.reminded)).toBe(true);
        expect(s.timeline.filter((e) => e.type === 'task.reminder-sent')).toHaveLength(10);
      }
      // The reminders whose timers fell due during the outage went out once it was back.
      const dayZeroReminders = await t.db.notification.findMany({ where: { kind: 'reminder', idempotencyKey: { contains: ':reminder:discharge-summary-received:' } } });
      expect(dayZeroReminders).toHaveLength(2);
      for (const r of dayZeroReminders) expect(r.sentAt!.getTime()).toBeGreaterThan(stoppedAt);

      const checked = await expectNothingLostOrDoubled(t.db, smtp, states);
      report('temporal-restart', { sprints: 2, emails: checked.emails, auditEvents: checked.auditEvents, downMs: restartedAt - stoppedAt, wallMs: Date.now() - started });
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    }
  }, 150_000);
});
