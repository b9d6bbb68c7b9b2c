// `npm start`: the whole product on one machine with nothing installed. Every part that is
// not configured is started here on its embedded default (PostgreSQL, Temporal dev server,
// MailDev inbox); then migrations, demo data, the worker, the API and the inbound listener for
// email replies. Ctrl-C stops it all, in order: API, inbound listener, worker, then the Temporal
// dev server, MailDev and PostgreSQL, which run in process groups of their own so that the
// terminal's SIGINT reaches only this process (runtime/detached.ts). MailDev runs in this
// process. The worker and the API run in this process; the inbound listener runs as a child
// process of its own (`npm run inbound`), so no email, however built, shares the API's event
// loop. A real deployment runs all three apart.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runWorker } from '../worker/main';
import { startApi, type RunningApi } from '../api/main';
import { startChildPart, type ChildPart } from './child-part';
import { ConfigError, loadConfig } from './config';
import { createDb } from './db';
import { startEmbeddedInbox, startEmbeddedPostgres, startEmbeddedTemporal, type Stoppable } from './embedded';
import { createLogger } from './logger';
import { migrateDeploy } from './migrate';
import { installTemporalRuntime } from './temporal';
import { ensureTemporalBinaries } from './temporal-binaries';
import { DEMO_STAFF, seedDemo } from './seed';

const projectRoot = path.resolve(__dirname, '..');

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(name, 'must be a port number between 1 and 65535');
  }
  return port;
}

/** Kept in the data directory so sessions survive a restart of the embedded default. */
function embeddedSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const dataDir = path.resolve(env.CARELOOP_DATA_DIR || path.join(projectRoot, '.data'));
  mkdirSync(dataDir, { recursive: true });
  const logger = createLogger(env.LOG_LEVEL || 'info', 'careloop', process.stdout.isTTY);
  installTemporalRuntime(logger, { ownSignals: true });
  // Stopped last, in this order, once the API, the inbound listener and the worker have stopped.
  const embedded: { temporal?: Stoppable; inbox?: Stoppable; postgres?: Stoppable } = {};
  let stopping = false;
  const controller = new AbortController();
  let worker: Promise<void> | undefined;
  let api: RunningApi | undefined;
  let inbound: ChildPart | undefined;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info('stopping careloop');
    const step = async (what: string, stop: (() => Promise<unknown>) | undefined) => {
      if (!stop) return;
      try {
        await stop();
      } catch (err) {
        logger.error({ err }, `${what} did not stop cleanly`);
      }
    };
    await step('the api', api && (() => api!.stop()));
    await step('the inbound listener', inbound && (() => inbound!.stop()));
    controller.abort();
    await step('the worker', worker && (() => worker!));
    await step('the Temporal dev server', embedded.temporal && (() => embedded.temporal!.stop()));
    await step('the MailDev inbox', embedded.inbox && (() => embedded.inbox!.stop()));
    await step('embedded PostgreSQL', embedded.postgres && (() => embedded.postgres!.stop()));
    logger.info({ ms: Date.now() - started }, 'stopped');
    process.exit(code);
  };
  // `on`, not `once`: a terminal's Ctrl-C reaches npm and this process together, and npm then
  // forwards its own copy. A second SIGINT must not end the process halfway through stopping.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  // The terminal closed: the embedded servers are in sessions of their own and would not hear it.
  process.on('SIGHUP', () => void stopAll(0));

  try {
    const urls: [string, string][] = [];
    const embeddedDb = !env.DATABASE_URL;
    if (embeddedDb) {
      const port = portFrom(env, 'EMBEDDED_PG_PORT', 5433);
      logger.info({ port }, 'starting embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port });
      embedded.postgres = pg;
      env.DATABASE_URL = pg.url;
      urls.push(['Database', pg.url]);
    }
    if (!env.TEMPORAL_ADDRESS) {
      await ensureTemporalBinaries((line) => logger.info(line));
      const port = portFrom(env, 'EMBEDDED_TEMPORAL_PORT', 7233);
      const uiPort = portFrom(env, 'EMBEDDED_TEMPORAL_UI_PORT', 8233);
      logger.info({ port, uiPort }, 'starting Temporal dev server');
      const temporal = await startEmbeddedTemporal({ dbFilename: path.join(dataDir, 'temporal.db'), port, uiPort, onOutput: (chunk) => process.stderr.write(chunk) });
      embedded.temporal = temporal;
      env.TEMPORAL_ADDRESS = temporal.address;
      if (temporal.uiUrl) urls.push(['Temporal UI', temporal.uiUrl]);
    }
    if (!env.SMTP_URL) {
      const smtpPort = portFrom(env, 'EMBEDDED_SMTP_PORT', 1025);
      const webPort = portFrom(env, 'EMBEDDED_INBOX_PORT', 1080);
      logger.info({ smtpPort, webPort }, 'starting MailDev inbox');
      const inbox = await startEmbeddedInbox({ smtpPort, webPort, mailDirectory: path.join(dataDir, 'mail') });
      embedded.inbox = inbox;
      env.SMTP_URL = inbox.smtpUrl;
      urls.push(['Inbox', inbox.webUrl]);
    }
    env.SESSION_SECRET ||= embeddedSessionSecret(dataDir);

    const config = loadConfig(env);
    logger.info('applying database migrations');
    await migrateDeploy(config.databaseUrl);
    if (embeddedDb || env.CARELOOP_SEED_DEMO === 'true') {
      const db = createDb(config.databaseUrl, { max: 2 });
      await seedDemo(db);
      await db.$disconnect();
    }

    worker = runWorker(config, logger.child({ part: 'worker' }), controller.signal);
    worker.catch((err) => {
      logger.fatal({ err }, 'worker failed');
      void stopAll(1);
    });
    api = await startApi(config, logger.child({ part: 'api' }));
    inbound = await startChildPart({ name: 'inbound listener', script: 'api/inbound-main.ts', env, logger });
    void inbound.exited.then((code) => {
      if (stopping) return;
      logger.fatal({ code }, 'the inbound listener stopped');
      void stopAll(1);
    });

    const width = 13;
    const lines = [
      '',
      'careloop is running',
      `  ${'App'.padEnd(width)}${config.publicBaseUrl}`,
      ...urls.map(([name, url]) => `  ${name.padEnd(width)}${url}`),
      `  ${'Replies'.padEnd(width)}smtp://localhost:${String(inbound.ready.port)} (email replies to ack+...@${config.smtp.inboundDomain})`,
      '',
      ...(embeddedDb
        ? [
            'Sign in: open the app, enter a demo address such as',
            `  ${DEMO_STAFF.map((s) => s.email).slice(0, 3).join(', ')}`,
            `and open the link that arrives in the inbox${urls.some(([n]) => n === 'Inbox') ? ` (${urls.find(([n]) => n === 'Inbox')![1]})` : ''}.`,
            'API token: npm run careloop -- staff token --email coordinator@careloop.test',
          ]
        : ['Create staff and API tokens with: npm run careloop -- staff add --help']),
      `Data: ${dataDir}   Stop: Ctrl-C`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`careloop: configuration error: ${err.message}\n`);
    } else {
      process.stderr.write(`careloop: ${(err as Error).message}\n`);
      logger.debug({ err }, 'start failed');
    }
    await stopAll(1);
  }
}

void main();
