import type { WorkerDeploymentVersion } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

const MAX_CONCURRENT_ACTIVITIES = 20;

export interface CareloopWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Poll as this version of a Worker Deployment (runtime/versioning.ts). Workflows are PINNED to
   * the version they start on unless their own definition says AUTO_UPGRADE. Unset: an
   * unversioned worker, as in most tests.
   */
  deploymentVersion?: WorkerDeploymentVersion;
}

export function createWorker(opts: CareloopWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // Activities mostly wait on the database pool (10 connections) and the audit chain's lock:
    // running more at once than that only queues them inside the worker and times them out.
    maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    // Stop taking new work on shutdown, let running activities finish for this long.
    shutdownGraceTime: '10 seconds',
    ...(opts.deploymentVersion
      ? { workerDeploymentOptions: { version: opts.deploymentVersion, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' } }
      : {}),
  });
}
