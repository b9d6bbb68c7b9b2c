// The unit tier's harness for workflows (temporalio/samples-typescript, sleep-for-days): one
// time-skipping server per file, a fresh worker per test on its own task queue with typed fake
// activities, and the workflow bundle built once (global setup). No database, no SMTP.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';
import { createFakeActivities, type FakeActivityLog } from './fake-activities';
import type { Activities } from '../../activities';

export interface UnitRun {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  log: FakeActivityLog;
}

/** The file's time-skipping server; `run` gives each test a worker of its own. */
export function timeSkippingServer() {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return {
    get env() {
      return env;
    },
    /** Runs `body` while a fresh worker with fake activities (and any overrides) serves its task queue. */
    async run<T>(body: (run: UnitRun) => Promise<T>, overrides: Partial<Activities> = {}): Promise<T> {
      const { activities, log } = createFakeActivities(overrides);
      const taskQueue = `unit-${randomUUID()}`;
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
      return worker.runUntil(body({ env, taskQueue, log }));
    },
  };
}

/** The actions of the audit events committed, in order. */
export const actions = (log: FakeActivityLog) => log.events.map((e) => e.action);

/** The failure a workflow update was rejected with (its validator's ApplicationFailure). */
export const failureOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause as { type?: string };
};
