// The worker process: `npm run worker`. Polls the task queue until SIGINT/SIGTERM, then
// finishes what it holds and exits.
import { loadConfigOrExit } from '../runtime/config';
import { createDb } from '../runtime/db';
import { createLogger } from '../runtime/logger';
import { createMailer } from '../runtime/mailer';
import { connectClient, connectWorker, installTemporalRuntime, registerSearchAttributes } from '../runtime/temporal';
import { ensureDigestSchedule } from '../runtime/digest-schedule';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import { applySetCurrent, workerDeploymentVersion } from '../runtime/versioning';
import { createWorker } from './worker';
import type { Config } from '../runtime/config';
import type { Logger } from '../runtime/logger';

export async function runWorker(config: Config, logger: Logger, signal?: AbortSignal): Promise<void> {
  const db = createDb(config.databaseUrl);
  const mailer = createMailer(config.smtp.url, config.smtp.from);
  const connection = await connectWorker(config.temporal);
  try {
    // Workflows upsert careloop's search attributes: a namespace without them fails their tasks.
    try {
      const added = await registerSearchAttributes(connection, config.temporal.namespace);
      if (added.length) logger.info({ added }, 'registered search attributes');
    } catch (err) {
      // Temporal Cloud registers search attributes through its own console or tcld, not this API.
      logger.warn({ err, needed: SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name}:${k.type}`) }, 'could not register search attributes; make sure the namespace has them');
    }
    const deploymentVersion = workerDeploymentVersion(config.worker);
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: { db, mailer, links: { publicBaseUrl: config.publicBaseUrl, inboundDomain: config.smtp.inboundDomain, timeZone: config.timeZone }, notices: { groupWindowMs: config.escalationGroupWindowMs } },
      deploymentVersion,
    });
    // Stopped while the worker was still being created (bundling takes seconds): never run it.
    if (signal?.aborted) return;
    await keepDigestSchedule(config, logger);
    if (deploymentVersion) {
      let routing: Awaited<ReturnType<typeof applySetCurrent>>;
      try {
        routing = await applySetCurrent(connection, config.temporal.namespace, deploymentVersion, config.worker.setCurrent, `careloop-worker@${process.pid}`);
      } catch (err) {
        throw new Error(
          `could not make ${deploymentVersion.deploymentName} ${deploymentVersion.buildId} the current version (${(err as Error).message}). ` +
            'The Temporal server needs Worker Deployments (server 1.28 or later); or set WORKER_VERSIONING=false.',
          { cause: err },
        );
      }
      const said = {
        'made-current': 'this build is now the current version: new workflows start on it',
        'already-current': 'this build is the current version',
        'left-alone': 'this build is not the current version: it runs the workflows pinned to it (WORKER_SET_CURRENT)',
      }[routing];
      logger.info({ deployment: deploymentVersion.deploymentName, buildId: deploymentVersion.buildId }, said);
    }
    signal?.addEventListener('abort', () => worker.getState() === 'RUNNING' && worker.shutdown(), { once: true });
    logger.info(
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, ...(deploymentVersion ? { deployment: deploymentVersion.deploymentName, buildId: deploymentVersion.buildId } : { versioning: 'off' }) },
      'worker polling',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    // A worker created but never run still holds the connection, and closing it then throws
    // IllegalStateError: that must not hide the error that stopped the start-up.
    await connection.close().catch((err: unknown) => logger.debug({ err }, 'worker connection left to close with the process'));
    mailer.close();
    await db.$disconnect();
  }
}

/**
 * The weekly digest's schedule (Mondays 08:00 in TIME_ZONE), made sure of at every start. A
 * Temporal that refuses schedules leaves the digest unsent, not the worker stopped.
 */
async function keepDigestSchedule(config: Config, logger: Logger): Promise<void> {
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  try {
    client = await connectClient(config.temporal);
    const done = await ensureDigestSchedule(client, { taskQueue: config.temporal.taskQueue, timeZone: config.timeZone });
    logger.info({ schedule: 'careloop-weekly-digest', timeZone: config.timeZone }, done === 'created' ? 'weekly digest scheduled: Mondays at 08:00' : 'weekly digest schedule up to date: Mondays at 08:00');
  } catch (err) {
    logger.warn({ err }, 'could not set the weekly digest schedule; people who chose the weekly email will not get it until a worker starts with Temporal schedules available');
  } finally {
    await client?.connection.close().catch(() => undefined);
  }
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'careloop-worker');
  installTemporalRuntime(logger);
  // Worker.run() already shuts down on SIGINT/SIGTERM (the SDK's default shutdown signals).
  runWorker(config, logger).catch((err) => {
    logger.fatal({ err }, 'worker failed');
    process.exit(1);
  });
}
