// Stands up everything the bench measures, on free ports in a temp dir: embedded PostgreSQL
// (migrated), the Temporal dev server (real, not time-skipping, with careloop's search
// attributes), an SMTP sink that counts messages, careloop's worker and API as child processes
// (`node --import tsx`, configured by the environment like `npm run worker` / `npm run api`),
// and the baseline's worker (bench/baseline-worker.ts) as a third child.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import { freePort, startEmbeddedPostgres, type Stoppable } from '../runtime/embedded';
import { migrateDeploy } from '../runtime/migrate';
import { devServerExecutable, ensureTemporalBinaries } from '../runtime/temporal-binaries';
import { sleep } from './stats';

const projectRoot = path.resolve(__dirname, '..');

export interface SmtpSink extends Stoppable {
  url: string;
  /** Messages accepted so far. */
  count(): number;
}

/** A real SMTP listener that accepts and counts every message and keeps none. */
export async function startSmtpSink(): Promise<SmtpSink> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        received += 1;
        callback();
      });
      stream.resume();
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () => received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The dev server as `startEmbeddedTemporal` starts it (same binary, careloop's search
 * attributes), but logging errors only, and with its state in memory unless asked for a file.
 */
async function startDevServer(port: number, dbFilename?: string): Promise<Stoppable & { address: string }> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      ip: '127.0.0.1',
      port,
      ui: false,
      dbFilename,
      namespace: 'default',
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'error' },
    },
  });
  return { address: `127.0.0.1:${port}`, stop: () => env.teardown() };
}

export interface ChildHandle extends Stoppable {
  pid: number;
  logFile: string;
  child: ChildProcess;
}

/**
 * Runs `node --import tsx <script>` from the project root with `env`, its output in a log file,
 * and resolves once `ready()` holds. Extra node flags (e.g. --cpu-prof) go before the script.
 */
export async function startChild(opts: { name: string; script: string; env: NodeJS.ProcessEnv; logDir: string; nodeArgs?: string[]; ready: (log: string) => Promise<boolean> | boolean; timeoutMs?: number }): Promise<ChildHandle> {
  const logFile = path.join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script], { cwd: projectRoot, env: opts.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.name} exited (${exited}) during start-up:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    if (await opts.ready(readFileSync(logFile, 'utf8'))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} was not ready within ${opts.timeoutMs ?? 120_000} ms:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await sleep(200);
  }
  return {
    pid: child.pid!,
    logFile,
    child,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export interface BenchStack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  baselineTaskQueue: string;
  apiUrl: string;
  smtp: SmtpSink;
  worker: ChildHandle;
  api: ChildHandle;
  baselineWorker: ChildHandle;
  stop(): Promise<void>;
}

export async function startBenchStack(opts: { log: (line: string) => void; profileDir?: string; keepDir?: boolean; temporalDb: 'memory' | 'file' }): Promise<BenchStack> {
  const parts: Stoppable[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'careloop-bench-'));
  // Run as root, embedded PostgreSQL runs as the `postgres` user and must reach its data directory.
  chmodSync(dir, 0o755);
  const stopAll = async () => {
    for (const part of parts.reverse()) await part.stop().catch((err: unknown) => opts.log(`a part did not stop cleanly: ${String(err)}`));
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ensureTemporalBinaries(opts.log);
    const [pgPort, temporalPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    opts.log(`starting PostgreSQL (:${pgPort}), the Temporal dev server (:${temporalPort}) and an SMTP sink in ${dir}`);
    const [pg, temporal, smtp] = await Promise.all([
      startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: pgPort, database: 'careloop' }),
      startDevServer(temporalPort, opts.temporalDb === 'file' ? path.join(dir, 'temporal.db') : undefined),
      startSmtpSink(),
    ]);
    parts.push(pg, temporal, smtp);
    await migrateDeploy(pg.url);

    const namespace = 'default';
    const taskQueue = 'careloop-bench';
    const baselineTaskQueue = 'bench-baseline';
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: smtp.url,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://localhost:${apiPort}`,
      TIME_ZONE: 'UTC',
      LOG_LEVEL: 'info',
    };
    const logDir = path.join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const profileArgs = (name: string) => (opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);

    opts.log('starting careloop worker, baseline worker and API (child processes)');
    const kept = (p: Promise<ChildHandle>) => p.then((h) => (parts.push(h), h));
    const [worker, baselineWorker, api] = await Promise.all([
      kept(startChild({ name: 'worker', script: 'worker/main.ts', env, logDir, nodeArgs: profileArgs('worker'), ready: (log) => log.includes('worker polling') })),
      kept(startChild({
        name: 'baseline-worker',
        script: 'bench/baseline-worker.ts',
        env: { ...env, BENCH_TEMPORAL_ADDRESS: temporal.address, BENCH_TASK_QUEUE: baselineTaskQueue },
        logDir,
        ready: (log) => log.includes('baseline worker polling'),
      })),
      kept(startChild({
        name: 'api',
        script: 'api/main.ts',
        env,
        logDir,
        nodeArgs: profileArgs('api'),
        ready: async () => {
          try {
            return (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).ok;
          } catch {
            return false;
          }
        },
      })),
    ]);
    return {
      dir,
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      namespace,
      taskQueue,
      baselineTaskQueue,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      smtp,
      worker,
      api,
      baselineWorker,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
