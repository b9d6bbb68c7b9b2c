import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { workflowBundle } from './temporal';

/**
 * Escalation emails wait a second for each other in tests that run in real time; a test of the
 * grouping itself passes the real window (on the time-skipping server).
 */
export const TEST_GROUP_WINDOW_MS = 1000;

/** A worker on the prebuilt bundle with careloop's real activities. */
export function createTestWorker(opts: { connection: NativeConnection; taskQueue: string; deps: ActivityDeps; namespace?: string }): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue,
    workflowBundle: workflowBundle(),
    activities: createActivities({ notices: { groupWindowMs: TEST_GROUP_WINDOW_MS }, ...opts.deps }),
  });
}
