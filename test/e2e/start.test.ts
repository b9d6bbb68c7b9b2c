// `npm start` as a user runs it: every embedded part for real, on free ports and a temporary
// data directory. Stopped with SIGINT (what Ctrl-C sends) and started again on the same data.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeStatusQuery, smokeWorkflow } from '../../workflows';
import { freePort } from '../support/ports';

const root = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
}

function startCareloop(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 120 s:\n${out}`)), 120_000);
    const onData = () => {
      if (out.includes('careloop is running')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited early (${code}):\n${out}`));
    });
  });
}

function stop(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.once('exit', (code) => resolve(code));
    started.child.kill('SIGINT');
  });
}

/** What an SMTP server says on connecting (then QUIT). */
function smtpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', (d: Buffer) => {
      socket.end('QUIT\r\n');
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

function processesUsing(dir: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dir));
}

describe('npm start: the embedded default, stopped and started again', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<string, number>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'careloop-start-'));
    chmodSync(dataDir, 0o755);
    ports = {
      PORT: await freePort(),
      EMBEDDED_PG_PORT: await freePort(),
      EMBEDDED_TEMPORAL_PORT: await freePort(),
      EMBEDDED_TEMPORAL_UI_PORT: await freePort(),
      EMBEDDED_SMTP_PORT: await freePort(),
      EMBEDDED_INBOX_PORT: await freePort(),
      INBOUND_SMTP_PORT: await freePort(),
    };
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'SESSION_SECRET', 'PUBLIC_BASE_URL'].includes(k)),
    );
    env = { ...base, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), CARELOOP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', WORKER_BUILD_ID: 'e2e-start' };
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every part, stops cleanly on SIGINT, and finds its workflows again', async () => {
    const workflowId = `smoke-restart-${Date.now()}`;
    const first = await startCareloop(env);
    try {
      const banner = first.output();
      expect(banner).toContain(`http://localhost:${ports.PORT}`);
      expect(banner).toContain(`Temporal UI  http://localhost:${ports.EMBEDDED_TEMPORAL_UI_PORT}`);
      expect(banner).toContain(`Inbox        http://localhost:${ports.EMBEDDED_INBOX_PORT}`);
      expect(banner).toMatch(/Sign in: open the app/);
      // The inbound listener for email replies runs too, on its own port.
      expect(banner).toContain(`Replies      smtp://localhost:${ports.INBOUND_SMTP_PORT}`);
      expect(await smtpGreeting(ports.INBOUND_SMTP_PORT!)).toMatch(/^220 .*careloop replies/);

      const ready = await fetch(`http://localhost:${ports.PORT}/readyz`);
      expect(ready.status).toBe(200);
      expect((await fetch(`http://localhost:${ports.EMBEDDED_TEMPORAL_UI_PORT}/`)).status).toBe(200);
      expect((await fetch(`http://localhost:${ports.EMBEDDED_INBOX_PORT}/`, { headers: { Accept: 'text/html' } })).status).toBe(200);

      const connection = await Connection.connect({ address: `127.0.0.1:${ports.EMBEDDED_TEMPORAL_PORT}` });
      const client = new Client({ connection });
      const handle = await client.workflow.start(smokeWorkflow, { taskQueue: 'careloop', workflowId, args: [{ label: 'before restart', wait: '1 hour' }] });
      await expect.poll(() => handle.query(smokeStatusQuery), { timeout: 60_000 }).toBe('waiting');
      // Worker Versioning: the worker polls as careloop/e2e-start, made current at start-up, and
      // the workflow is pinned to the build it started on.
      const deployment = await connection.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName: 'careloop' });
      expect(deployment.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId).toBe('e2e-start');
      const versioning = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
      expect(versioning?.behavior).toBe(temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED);
      expect(versioning?.deploymentVersion).toMatchObject({ deploymentName: 'careloop', buildId: 'e2e-start' });
      await connection.close();
    } finally {
      expect(await stop(first)).toBe(0);
    }
    expect(first.output()).not.toMatch(/did not stop cleanly/);
    // Stopped with the rest: the reply port is closed.
    await expect(smtpGreeting(ports.INBOUND_SMTP_PORT!)).rejects.toThrow(/ECONNREFUSED/);
    expect(processesUsing(dataDir)).toEqual([]);

    const second = await startCareloop(env);
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${ports.EMBEDDED_TEMPORAL_PORT}` });
      const client = new Client({ connection });
      const handle = client.workflow.getHandle(workflowId);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await handle.query(smokeStatusQuery)).toBe('waiting');
      await handle.terminate('test done');
      await connection.close();
      expect((await fetch(`http://localhost:${ports.PORT}/readyz`)).status).toBe(200);
    } finally {
      expect(await stop(second)).toBe(0);
    }
    expect(processesUsing(dataDir)).toEqual([]);
  }, 300_000);

  it('Ctrl-C in a terminal (SIGINT to the whole process group of `npm start`) stops everything in under 5 s, with no error lines', async () => {
    // As a terminal does it: npm, its shell and node in one foreground group, and the signal sent
    // to the group. The embedded servers sit in groups of their own, so only careloop hears it
    // and stops the parts in order (API, inbound, worker, then Temporal, MailDev, PostgreSQL).
    const child = spawn('npm', ['start'], { cwd: root, env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await expect.poll(() => out, { timeout: 120_000, interval: 200 }).toContain('careloop is running');
    // Give the worker work to be stopped in the middle of: a workflow waiting on a timer.
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.EMBEDDED_TEMPORAL_PORT}` });
    const handle = await new Client({ connection }).workflow.start(smokeWorkflow, {
      taskQueue: 'careloop',
      workflowId: `smoke-ctrl-c-${Date.now()}`,
      args: [{ label: 'ctrl-c', wait: '1 hour' }],
    });
    await expect.poll(() => handle.query(smokeStatusQuery), { timeout: 60_000 }).toBe('waiting');
    await connection.close();

    const before = out.length;
    const sent = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    const tookMs = Date.now() - sent;
    const afterCtrlC = out.slice(before);
    console.log(`npm start: Ctrl-C to exit took ${tookMs} ms`);
    expect(tookMs).toBeLessThan(5_000);
    // Not even a warning: pino writes warn/error/fatal as levels 40/50/60; the SDK's core and the
    // dev server write the words (before, the dev server went first and the worker's polls failed).
    expect(afterCtrlC).not.toMatch(/"level":(40|50|60)|\bWARN\b|\bERROR\b|level=(warn|error)|fatal|Namespace default was not found|did not stop/i);
    // The orderly path ran to its end (its last line), rather than the process dying.
    expect(afterCtrlC).toMatch(/"msg":"stopped"/);
    await new Promise((r) => setTimeout(r, 300));
    expect(processesUsing(dataDir)).toEqual([]);
  }, 180_000);

  it('stops cleanly when Ctrl-C comes while the worker is still starting', async () => {
    const started = await startCareloop(env);
    // The banner appears while the worker may still be bundling its workflows.
    expect(await stop(started)).toBe(0);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);

  it('says clearly when an embedded port is taken', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(ports.EMBEDDED_PG_PORT, '127.0.0.1', () => r()));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).toBe(1);
      expect(err).toContain(`port ${ports.EMBEDDED_PG_PORT} is already in use`);
      expect(err).toContain('EMBEDDED_PG_PORT');
    } finally {
      blocker.close();
    }
  }, 60_000);
});
