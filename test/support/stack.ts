// The real parts most API tests run against, started together: the time-skipping Temporal
// server (or the dev server, for tests that need visibility and schedules) with careloop's worker
// on a task queue of its own, a database of the file's own, a real SMTP listener, the people of a
// sprint, and the real app; listening on a port of its own when a browser is to open it.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { AppDeps } from '../../api/app';
import type { ActivityDeps } from '../../activities';
import { buildTestApp } from './app';
import { createTestDatabase, type TestDatabase } from './db';
import { mailerFor, TEST_LINKS } from './mailer';
import { startSmtpCapture, type SmtpCapture } from './smtp';
import { createDevServerEnv, createTimeSkippingEnv } from './temporal';
import { createTestWorker } from './worker';
import { createSprintPeople, type SprintPeople } from './sprint-fixture';

export interface RealStack {
  env: TestWorkflowEnvironment;
  t: TestDatabase;
  smtp: SmtpCapture;
  people: SprintPeople;
  app: Express;
  taskQueue: string;
  stop(): Promise<void>;
}

export interface ListeningStack extends RealStack {
  /** Where the app listens: `http://127.0.0.1:<port>`. */
  base: string;
}

/** The app on a port of its own (127.0.0.1), for a browser; `stop()` closes it before the rest. */
export async function listen(stack: RealStack): Promise<ListeningStack> {
  const server = await new Promise<Server>((resolve) => {
    const s = stack.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    ...stack,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await stack.stop();
    },
  };
}

export async function startRealStack(opts: { name: string; rateLimits?: AppDeps['rateLimits']; temporal?: 'time-skipping' | 'dev'; notices?: ActivityDeps['notices'] }): Promise<RealStack> {
  const taskQueue = `${opts.name}-${randomUUID()}`;
  const [env, t, smtp] = await Promise.all([opts.temporal === 'dev' ? createDevServerEnv() : createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
  const people = await createSprintPeople(t.db);
  const worker: Worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS, ...(opts.notices ? { notices: opts.notices } : {}) } });
  const running = worker.run();
  const app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue, rateLimits: { tokenPerWindow: 1000, ...opts.rateLimits } });
  return {
    env,
    t,
    smtp,
    people,
    app,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await t.drop();
      await smtp.stop();
    },
  };
}
