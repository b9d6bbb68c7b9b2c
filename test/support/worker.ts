import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { workflowBundle } from './temporal';

/** A worker on the prebuilt bundle with careloop's real activities. */
export function createTestWorker(opts: { connection: NativeConnection; taskQueue: string; deps: ActivityDeps; namespace?: string }): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue,
    workflowBundle: workflowBundle(),
    activities: createActivities(opts.deps),
  });
}
