// What the reliability drills share: real processes to kill (the worker, the Temporal dev
// server), sprints on short real timers, and the checks every drill ends with: each email
// arrived exactly once at the SMTP listener, and every audit event is there exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { verifyAuditChain } from '../../activities/audit';
import { SEARCH_ATTRIBUTE_KEYS } from '../../domain/search-attributes';
import type { SprintState } from '../../domain/sprint';
import type { TStartSprint } from '../../domain/sprint-input';
import type { Db } from '../../runtime/db';
import { findBinary } from '../../runtime/temporal-binaries';
import { sprintWorkflow } from '../../workflows';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createSprintPeople, sprintInput, type SprintPeople } from '../support/sprint-fixture';
import { createDevServerEnv } from '../support/temporal';
import { TEST_SESSION_SECRET } from '../support/app';

const root = path.resolve(__dirname, '../..');

export interface DrillStack {
  env: TestWorkflowEnvironment;
  t: TestDatabase;
  smtp: SmtpCapture;
  people: SprintPeople;
  /** Worker processes the drill started: killed after it, whatever happened. */
  workers: RunningProcess[];
}

/**
 * For one describe block: the Temporal dev server, a database of its own with the sprint's
 * people, and an SMTP listener, started before its tests and torn down after them. Read the
 * fields inside tests (they are set once the hooks have run).
 */
export function useDrillStack(): DrillStack {
  const stack = { workers: [] as RunningProcess[] } as DrillStack;
  beforeAll(async () => {
    [stack.env, stack.t, stack.smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    stack.people = await createSprintPeople(stack.t.db);
  });
  afterAll(async () => {
    for (const w of stack.workers) w.child.kill('SIGKILL');
    await stack.env?.teardown();
    await stack.t?.drop();
    await stack.smtp?.stop();
  });
  return stack;
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function track(child: ChildProcess): RunningProcess {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, output: () => out, exited };
}

/** The worker as production runs it (`npm run worker`): a process of its own, configured by env. */
export async function startWorkerProcess(opts: { databaseUrl: string; temporalAddress: string; taskQueue: string; smtpUrl: string }): Promise<RunningProcess> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_TASK_QUEUE: opts.taskQueue,
    SMTP_URL: opts.smtpUrl,
    MAIL_FROM: 'careloop <careloop@test.local>',
    PUBLIC_BASE_URL: 'http://careloop.test',
    INBOUND_DOMAIN: 'inbound.careloop.test',
    SESSION_SECRET: TEST_SESSION_SECRET,
    LOG_LEVEL: 'info',
  };
  const proc = track(spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitForOutput(proc, /worker polling/, 60_000, 'worker');
  return proc;
}

async function waitForOutput(proc: RunningProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  while (!pattern.test(proc.output())) {
    if (exitCode !== undefined) throw new Error(`${what} exited (${exitCode}) before ${pattern}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`${what}: no ${pattern} within ${timeoutMs} ms:\n${proc.output()}`);
    await sleep(100);
  }
}

export async function sigkill(proc: RunningProcess): Promise<void> {
  proc.child.kill('SIGKILL');
  await proc.exited;
}

export interface DevServer {
  address: string;
  proc: RunningProcess;
  /** SIGTERM, as an operator stopping the service would; resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * The Temporal CLI dev server as a child process on a SQLite file, so it can be stopped and
 * started again on the same file and port (what TestWorkflowEnvironment cannot do).
 */
export async function startDevServerProcess(opts: { dbFile: string; port: number }): Promise<DevServer> {
  const cli = findBinary('TEMPORAL_CLI_PATH', 'temporal');
  if (!cli) throw new Error('the Temporal CLI is not installed (global setup installs it into .tools/temporal)');
  const args = ['server', 'start-dev', '--db-filename', opts.dbFile, '--ip', '127.0.0.1', '--port', String(opts.port), '--headless', '--log-level', 'error'];
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=${searchAttributeType(key.type)}`);
  const proc = track(spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const address = `127.0.0.1:${opts.port}`;
  await waitForTemporal(address, 60_000, proc);
  return {
    address,
    proc,
    async stop() {
      proc.child.kill('SIGTERM');
      await proc.exited;
    },
  };
}

function searchAttributeType(type: string): string {
  return { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', INT: 'Int', TEXT: 'Text', BOOL: 'Bool', DATETIME: 'Datetime', DOUBLE: 'Double' }[type] ?? type;
}

export async function waitForTemporal(address: string, timeoutMs: number, proc?: RunningProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1 second' });
      try {
        await connection.workflowService.getSystemInfo({});
        // The namespace answers only once the server has finished starting.
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms\n${proc?.output() ?? ''}`, { cause: err });
      await sleep(250);
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `count` sprints straight on Temporal (the API path is tested elsewhere). */
export async function startSprints(opts: {
  client: Client;
  db: Db;
  people: SprintPeople;
  taskQueue: string;
  count: number;
  dischargeAt: Date;
  timing: TStartSprint['timing'];
}): Promise<WorkflowHandle<typeof sprintWorkflow>[]> {
  const handles: WorkflowHandle<typeof sprintWorkflow>[] = [];
  for (let i = 0; i < opts.count; i++) {
    const input = await sprintInput(opts.db, opts.people, opts.dischargeAt, opts.timing);
    handles.push(await opts.client.workflow.start(sprintWorkflow, { workflowId: input.sprintId, taskQueue: opts.taskQueue, args: [input] }));
  }
  return handles;
}

/** Timing as the API takes it; the offsets count from discharge, which may lie in the past. */
export function secondsTiming(day0: number, day1: number, day23: number, reminderLead: number): TStartSprint['timing'] {
  // The parsed form, as resolveTiming reads it: milliseconds.
  return { dueOffsets: { '0': day0 * 1000, '1': day1 * 1000, '2-3': day23 * 1000 }, reminderLead: reminderLead * 1000 };
}

/**
 * Waits until every notification in the database is sent and the listener holds as many
 * messages, and the numbers have stayed put for a moment (escalations the sprints started may
 * still be sending when the sprints close).
 */
export async function waitForMailToSettle(db: Db, smtp: SmtpCapture, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stableSince = 0;
  for (;;) {
    const rows = await db.notification.groupBy({ by: ['status'], _count: true });
    const pending = rows.filter((r) => r.status !== 'sent').reduce((n, r) => n + r._count, 0);
    const sent = rows.filter((r) => r.status === 'sent').reduce((n, r) => n + r._count, 0);
    const now = `${pending}/${sent}/${smtp.messages.length}`;
    if (pending === 0 && sent === smtp.messages.length && now === last) {
      if (Date.now() - stableSince > 1_500) return;
    } else {
      last = now;
      stableSince = Date.now();
    }
    if (Date.now() > deadline) throw new Error(`mail did not settle within ${timeoutMs} ms (pending/sent/received ${now})`);
    await sleep(250);
  }
}

/**
 * Every notification the database holds was sent, and arrived at the listener exactly once
 * (matched by the Message-ID the activity derives from its idempotency key); the listener got
 * nothing else. Returns the number of emails.
 */
export async function expectEveryEmailExactlyOnce(db: Db, smtp: SmtpCapture): Promise<{ emails: number; retried: number }> {
  const rows = await db.notification.findMany({ select: { idempotencyKey: true, status: true, messageId: true, attempts: true } });
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const received = new Map<string, number>();
  for (const m of smtp.messages) received.set(m.messageId ?? '(none)', (received.get(m.messageId ?? '(none)') ?? 0) + 1);
  const expected = new Map(rows.map((r) => [r.messageId!, 1]));
  expect(Object.fromEntries(received)).toEqual(Object.fromEntries(expected));
  expect(smtp.messages).toHaveLength(rows.length);
  // Each sent email is audited once, under its own key.
  const audited = await db.auditEvent.findMany({ where: { action: 'notification.sent' }, select: { idempotencyKey: true } });
  expect(audited.map((a) => a.idempotencyKey).sort()).toEqual(rows.map((r) => `notification:${r.idempotencyKey}`).sort());
  return { emails: rows.length, retried: rows.filter((r) => r.attempts > 1).length };
}

/**
 * The audit trail is whole: the hash chain verifies with no gap, and each sprint's events are
 * exactly the entries of its timeline (one event per entry, none missing, none twice), keyed
 * `<workflowId>:<n>:<type>` for n = 1..N.
 */
export async function expectAuditIntact(db: Db, sprints: SprintState[]): Promise<{ events: number }> {
  const verification = await verifyAuditChain(db);
  expect(verification).toMatchObject({ ok: true });
  expect(verification.checked).toBe(await db.auditEvent.count());
  for (const s of sprints) {
    const expectedTypes = s.timeline.filter((e) => e.type !== 'emails.sent').map((e) => e.type);
    const events = await db.auditEvent.findMany({ where: { workflowId: s.sprintId, process: 'sprint', NOT: { action: 'notification.sent' } }, select: { action: true, idempotencyKey: true } });
    expect(events.map((e) => e.action).sort()).toEqual([...expectedTypes].sort());
    const numbers = events.map((e) => Number(e.idempotencyKey!.slice(s.sprintId.length + 1).split(':')[0])).sort((a, b) => a - b);
    expect(numbers).toEqual(expectedTypes.map((_, i) => i + 1));
  }
  return { events: verification.checked };
}

/**
 * Every check a drill ends with, once the mail has settled: each email exactly once, the audit
 * trail whole and matching each sprint's timeline, each outcome recorded.
 */
export async function expectNothingLostOrDoubled(db: Db, smtp: SmtpCapture, sprints: SprintState[], settleMs?: number): Promise<{ emails: number; retried: number; auditEvents: number }> {
  await waitForMailToSettle(db, smtp, settleMs);
  const mail = await expectEveryEmailExactlyOnce(db, smtp);
  const audit = await expectAuditIntact(db, sprints);
  await expectOutcomesRecorded(db, sprints);
  return { ...mail, auditEvents: audit.events };
}

/** A sprint that ran to its close with every task open: each deadline escalated before the close. */
export function expectEveryDeadlineEscalated(s: SprintState): void {
  expect(s.status).toBe('completed-with-gaps');
  expect(s.tasks.every((task) => task.overdue)).toBe(true);
  expect(s.escalations).toHaveLength(10);
}

/** The sprint's row in the database carries the outcome its workflow returned. */
export async function expectOutcomesRecorded(db: Db, sprints: SprintState[]): Promise<void> {
  for (const s of sprints) {
    const row = await db.sprint.findUniqueOrThrow({ where: { id: s.sprintId }, include: { tasks: true } });
    expect(row.status).toBe(s.status);
    expect(row.tasks).toHaveLength(s.tasks.length);
  }
}

export const drillQueue = (name: string) => `drill-${name}-${randomUUID().slice(0, 8)}`;

/** Prints a drill's measured figures to the test output, for docs/reliability.md. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[drill] ${name}: ${JSON.stringify(figures)}`);
}
