// `npm run bench`: careloop's layers measured against the Temporal engine underneath, in one
// run against the real dev server. Flags:
//   --sprints N        open sprints to start and measure at (default 5000)
//   --concurrency N    requests in flight while starting (default 20)
//   --samples N        round trips per figure 2 side (default 200)
//   --reads N          GET samples per figure 3 read (default 500)
//   --out FILE         JSON results (default bench/results/latest.json)
//   --profile DIR      also write --cpu-prof profiles of the API and the worker into DIR
//   --temporal-db X   memory (the dev server's default) or file (SQLite file, as npm start)
//   --settle-max S     longest wait, in seconds, for the sprints' first emails (default 1500)
//   --keep             keep the temp dir (logs, databases) afterwards
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { SPRINT_TEMPLATE } from '../domain/sprint';
import type { SprintState } from '../domain/sprint';
import { createDb } from '../runtime/db';
import { hashToken, newToken } from '../runtime/secrets';
import { startBenchStack, type BenchStack } from './stack';
import { fullSprintHistory, sampledHistories, type HistoryFigures } from './history';
import { cpuByGroup, cpuDelta, cpuSeconds, nowMs, residentMemoryMiB, runConcurrently, sleep, summarise, type LatencySummary } from './stats';

const projectRoot = path.resolve(__dirname, '..');
const { values: flags } = parseArgs({
  options: {
    sprints: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '20' },
    samples: { type: 'string', default: '200' },
    reads: { type: 'string', default: '500' },
    out: { type: 'string', default: path.join(projectRoot, 'bench', 'results', 'latest.json') },
    profile: { type: 'string' },
    'temporal-db': { type: 'string', default: 'memory' },
    'settle-max': { type: 'string', default: '1500' },
    keep: { type: 'boolean', default: false },
  },
});
const positive = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return n;
};
const SPRINTS = positive('sprints', flags.sprints);
const CONCURRENCY = positive('concurrency', flags.concurrency);
const SAMPLES = Math.min(positive('samples', flags.samples), SPRINTS);
const READS = positive('reads', flags.reads);
const OUT = path.resolve(flags.out!);
const SETTLE_MAX_MS = positive('settle-max', flags['settle-max']) * 1000;
const TEMPORAL_DB = flags['temporal-db'] as 'memory' | 'file';
if (TEMPORAL_DB !== 'memory' && TEMPORAL_DB !== 'file') throw new Error('--temporal-db must be memory or file');

const t0 = nowMs();
const log = (line: string) => process.stdout.write(`[bench ${((nowMs() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

interface Person {
  id: string;
  token: string;
  agencyId: string;
}

/** Agencies and staff with API tokens, written straight to the database as the admin CLI does. */
async function createPeople(databaseUrl: string) {
  const db = createDb(databaseUrl, { max: 2 });
  try {
    const agency = (key: string) => db.agency.create({ data: { key, name: `Bench ${key}` } });
    const [county, hospital, homecare, housing] = [await agency('county'), await agency('hospital'), await agency('homecare'), await agency('housing')];
    const person = async (email: string, roles: string[], agencyId: string): Promise<Person> => {
      const token = newToken('clt');
      const s = await db.staff.create({ data: { email, name: email.split('@')[0]!, roles: roles as never, agencyId, apiTokenHash: hashToken(token), apiTokenExpiresAt: new Date(Date.now() + 86_400_000) } });
      return { id: s.id, token, agencyId };
    };
    return {
      coordinator: await person('coordinator@bench.test', ['coordinator'], county.id),
      manager: await person('manager@bench.test', ['manager'], county.id),
      hospital: await person('nurse@bench.test', ['staff'], hospital!.id),
      homecare: await person('homecare@bench.test', ['staff'], homecare!.id),
      housing: await person('housing@bench.test', ['staff'], housing!.id),
    };
  } finally {
    await db.$disconnect();
  }
}

async function api<T>(stack: BenchStack, method: string, url: string, token: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${stack.apiUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  return { status: res.status, json };
}

function expectStatus(what: string, got: number, ...ok: number[]) {
  if (!ok.includes(got)) throw new Error(`${what}: HTTP ${got}, expected ${ok.join(' or ')}`);
}

/** Waits until `pid` uses under `maxCpuShare` of a core over `windowMs`; returns how long that took. */
async function waitForQuiet(pid: number, opts: { maxCpuShare?: number; windowMs?: number; timeoutMs: number }): Promise<number> {
  const started = nowMs();
  const windowMs = opts.windowMs ?? 3000;
  for (;;) {
    const before = cpuSeconds(pid);
    await sleep(windowMs);
    const share = (cpuSeconds(pid) - before) / (windowMs / 1000);
    if (share < (opts.maxCpuShare ?? 0.05)) return nowMs() - started;
    if (nowMs() - started > opts.timeoutMs) return NaN;
  }
}

async function main(): Promise<void> {
  const runId = randomBytes(3).toString('hex');
  if (flags.profile) mkdirSync(path.resolve(flags.profile), { recursive: true });
  const stack = await startBenchStack({ log, profileDir: flags.profile ? path.resolve(flags.profile) : undefined, keepDir: flags.keep, temporalDb: TEMPORAL_DB });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.namespace });
  const memory: Record<string, { rss: number; peak: number }> = {};
  const apiMemory: Record<string, { rss: number; peak: number }> = {};
  const readMemory = (label: string) => {
    memory[label] = residentMemoryMiB(stack.worker.pid);
    apiMemory[label] = residentMemoryMiB(stack.api.pid);
  };
  const cpu = () => cpuByGroup({ 'careloop worker': stack.worker.pid, 'careloop api': stack.api.pid, 'baseline worker': stack.baselineWorker.pid, 'bench client': process.pid });
  const cpuPhases: Record<string, Record<string, number>> = {};
  let cpuMark = cpu();
  const cpuPhase = (name: string) => {
    const now = cpu();
    cpuPhases[name] = cpuDelta(now, cpuMark);
    cpuMark = now;
    log(`   CPU s by process: ${JSON.stringify(cpuPhases[name])}`);
  };
  try {
    const people = await createPeople(stack.databaseUrl);
    readMemory('idle');
    log(`worker ${stack.worker.pid} idle: ${memory.idle!.rss} MiB resident`);

    // ---- 1. Starts per second --------------------------------------------------------------
    log(`1. raw: starting ${SPRINTS} empty workflows through the Temporal client, ${CONCURRENCY} in flight`);
    const rawStarts = await runConcurrently(SPRINTS, CONCURRENCY, async (i) => {
      await client.workflow.start('emptyWorkflow', { taskQueue: stack.baselineTaskQueue, workflowId: `bench-empty-${runId}-${i}` });
    });
    const rawStartRate = SPRINTS / (rawStarts.wallMs / 1000);
    log(`   ${round(rawStartRate)} starts/s`);
    await waitForQuiet(stack.baselineWorker.pid, { timeoutMs: 120_000 });
    cpuPhase('rawStarts');

    const ownersByDay = { '0': people.hospital.id, '1': people.homecare.id, '2-3': people.housing.id } as const;
    const owners = Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.key, ownersByDay[t.day]]));
    const dischargeAt = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const sprintIds: string[] = new Array<string>(SPRINTS);
    const cpuBefore = cpuSeconds(stack.worker.pid);
    const emailsBefore = stack.smtp.count();
    log(`1. careloop: starting ${SPRINTS} sprints through POST /api/sprints, ${CONCURRENCY} in flight`);
    const apiStarts = await runConcurrently(SPRINTS, CONCURRENCY, async (i) => {
      const res = await api<{ sprintId: string }>(stack, 'POST', '/api/sprints', people.coordinator.token, {
        participant: { localRef: `B-${runId}-${i}`, displayName: `Bench person ${i}` },
        dischargeAt,
        owners,
      });
      expectStatus('POST /api/sprints', res.status, 201);
      sprintIds[i] = res.json.sprintId;
    });
    const apiStartRate = SPRINTS / (apiStarts.wallMs / 1000);
    readMemory('afterStarts');
    cpuPhase('apiStarts');
    log(`   ${round(apiStartRate)} starts/s; worker ${memory.afterStarts!.rss} MiB resident, ${stack.smtp.count() - emailsBefore} emails so far`);

    // Each sprint's first workflow task sends one email per owner (three here), records the
    // start and mints action tokens. The state of interest is after that has settled.
    const expectedEmails = emailsBefore + 3 * SPRINTS;
    const settleStarted = nowMs();
    while (stack.smtp.count() < expectedEmails && nowMs() - settleStarted < SETTLE_MAX_MS) await sleep(500);
    const emailsSettledMs = nowMs() - settleStarted;
    const settled = stack.smtp.count() >= expectedEmails;
    if (!settled) log(`   NOT settled within --settle-max: the figures below are taken while the worker is still sending`);
    const quietMs = settled ? await waitForQuiet(stack.worker.pid, { maxCpuShare: 0.1, timeoutMs: 60_000 }) : NaN;
    const setupMs = apiStarts.wallMs + emailsSettledMs;
    const workerCpu = cpuSeconds(stack.worker.pid) - cpuBefore;
    readMemory('settled');
    cpuPhase('settle');
    log(`   settled ${round(emailsSettledMs / 1000)} s after the last start (${stack.smtp.count() - emailsBefore}/${3 * SPRINTS} emails), worker ${memory.settled!.rss} MiB resident, ${round(workerCpu)} CPU s`);
    // CPU per sprint set up (the starts and their first emails), by the layer that spent it.
    const perSprintMs = (group: string) => round((((cpuPhases.apiStarts?.[group] ?? 0) + (cpuPhases.settle?.[group] ?? 0)) / SPRINTS) * 1000);
    const setupCpuMsPerSprint = { worker: perSprintMs('careloop worker'), server: perSprintMs('temporal server'), api: perSprintMs('careloop api'), postgres: perSprintMs('postgres') };
    const setUpHistory = await sampledHistories(client, sprintIds);
    log(`   per sprint set up: worker ${setupCpuMsPerSprint.worker} ms CPU, server ${setupCpuMsPerSprint.server} ms CPU; history ${setUpHistory.eventsPerSprint} events, ${setUpHistory.activitiesPerSprint} activities, ${setUpHistory.localActivitiesPerSprint} local activities (${setUpHistory.sprints} read)`);

    // ---- 2. Task completion round trip ---------------------------------------------------------
    log(`2. raw: ${SAMPLES} update + query round trips on an empty workflow`);
    const counters = Array.from({ length: SAMPLES }, (_, i) => `bench-counter-${runId}-${i}`);
    await runConcurrently(SAMPLES, CONCURRENCY, async (i) => {
      await client.workflow.start('counterWorkflow', { taskQueue: stack.baselineTaskQueue, workflowId: counters[i]! });
    });
    await waitForQuiet(stack.baselineWorker.pid, { timeoutMs: 60_000 });
    const rawRoundTrip = await runConcurrently(SAMPLES, 1, async (i) => {
      const handle = client.workflow.getHandle(counters[i]!);
      await handle.executeUpdate('bump', { args: [1] });
      while ((await handle.query<number>('count')) < 1) await sleep(1);
    });
    const rawRt = summarise(rawRoundTrip.latenciesMs);
    cpuPhase('rawRoundTrips');
    log(`   p50 ${rawRt.p50} ms, p99 ${rawRt.p99} ms`);

    log(`2. careloop: ${SAMPLES} task completions (POST .../complete, then GET /api/sprints/:id until visible)`);
    const step = Math.max(1, Math.floor(SPRINTS / SAMPLES));
    const postMs: number[] = [];
    const getMs: number[] = [];
    const taskKey = SPRINT_TEMPLATE.find((t) => t.day === '0')!.key;
    const apiRoundTrip = await runConcurrently(SAMPLES, 1, async (i) => {
      const id = sprintIds[(i * step) % SPRINTS]!;
      const a = nowMs();
      const done = await api(stack, 'POST', `/api/sprints/${id}/tasks/${taskKey}/complete`, people.hospital.token, {});
      expectStatus('POST .../complete', done.status, 200);
      const b = nowMs();
      for (;;) {
        const got = await api<SprintState>(stack, 'GET', `/api/sprints/${id}`, people.coordinator.token);
        expectStatus('GET /api/sprints/:id', got.status, 200);
        if (got.json.tasks.find((t) => t.key === taskKey)?.status === 'completed') break;
      }
      postMs.push(b - a);
      getMs.push(nowMs() - b);
    });
    const apiRt = summarise(apiRoundTrip.latenciesMs);
    cpuPhase('apiRoundTrips');
    log(`   p50 ${apiRt.p50} ms, p99 ${apiRt.p99} ms (POST p50 ${summarise(postMs).p50} ms)`);

    // ---- 3. Reads with every sprint open -------------------------------------------------------
    const running = await client.workflow.count(`WorkflowType = 'sprintWorkflow' AND ExecutionStatus = 'Running'`);
    log(`3. ${running.count} sprints open: ${READS} x GET /api/sprints/:id, raw sprintState queries, GET /api/workflows, raw list`);
    const pick = (i: number) => sprintIds[(i * 7919) % SPRINTS]!; // spread over all sprints, cached or not
    // Disjoint sprints for the two, none read before in this phase: with more sprints open than
    // the worker caches, a read of an evicted one replays its history. Reading the same sprints
    // twice would hand the second reader a warm cache and flatter it.
    const getSprint = await runConcurrently(READS, 1, async (i) => {
      const res = await api(stack, 'GET', `/api/sprints/${pick(2 * i)}`, people.coordinator.token);
      expectStatus('GET /api/sprints/:id', res.status, 200);
    });
    const rawQuery = await runConcurrently(READS, 1, async (i) => {
      await client.workflow.getHandle(pick(2 * i + 1)).query('sprintState');
    });
    const rawEmptyQuery = await runConcurrently(READS, 1, async (i) => {
      await client.workflow.getHandle(counters[i % SAMPLES]!).query('count');
    });
    // The same visibility query the API builds for a manager: their agency's processes.
    const listQuery = `CareloopProcess IS NOT NULL AND CareloopAgencies = '${people.manager.agencyId}'`;
    const listReads = Math.min(READS, 200);
    const getList = await runConcurrently(listReads, 1, async () => {
      const res = await api<{ workflows: unknown[] }>(stack, 'GET', '/api/workflows', people.manager.token);
      expectStatus('GET /api/workflows', res.status, 200);
      if (res.json.workflows.length === 0) throw new Error('GET /api/workflows listed nothing');
    });
    const rawList = await runConcurrently(listReads, 1, async () => {
      const res = await client.workflowService.listWorkflowExecutions({ namespace: stack.namespace, query: listQuery, pageSize: 50 });
      if (!res.executions?.length) throw new Error('the raw list found nothing');
    });
    readMemory('end');
    cpuPhase('reads');
    const reads = {
      getSprint: summarise(getSprint.latenciesMs),
      rawSprintQuery: summarise(rawQuery.latenciesMs),
      rawEmptyQuery: summarise(rawEmptyQuery.latenciesMs),
      getWorkflows: summarise(getList.latenciesMs),
      rawList: summarise(rawList.latenciesMs),
    };
    log(`   GET sprint p95 ${reads.getSprint.p95} ms, raw query p95 ${reads.rawSprintQuery.p95} ms; GET workflows p95 ${reads.getWorkflows.p95} ms, raw list p95 ${reads.rawList.p95} ms`);

    log('4. a full sprint (link, reply and API; four tasks overdue) on the time-skipping server, fake activities');
    const fullSprint: HistoryFigures = await fullSprintHistory();
    log(`   ${fullSprint.eventsPerSprint} history events, ${fullSprint.activitiesPerSprint} activities, ${fullSprint.localActivitiesPerSprint} local activities`);

    const wallSeconds = round((nowMs() - t0) / 1000);
    const results = {
      ranAt: new Date().toISOString(),
      wallSeconds,
      machine: { nproc: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
      settings: { sprints: SPRINTS, concurrency: CONCURRENCY, samples: SAMPLES, reads: READS, listReads, temporal: `dev server (SQLite ${TEMPORAL_DB === 'file' ? 'file' : 'in memory'})`, profiled: Boolean(flags.profile) },
      starts: {
        careloopPerSecond: round(apiStartRate),
        rawPerSecond: round(rawStartRate),
        ratio: round(apiStartRate / rawStartRate, 3),
        careloopLatencyMs: summarise(apiStarts.latenciesMs),
        rawLatencyMs: summarise(rawStarts.latenciesMs),
        settled,
        settleSecondsAfterLastStart: round(emailsSettledMs / 1000),
        quietSecondsAfterEmails: round(quietMs / 1000),
        sprintsSetUpPerSecond: settled ? round(SPRINTS / (setupMs / 1000)) : round((stack.smtp.count() - emailsBefore) / 3 / (setupMs / 1000)),
        workerCpuSeconds: round(workerCpu),
        cpuMsPerSprintSetUp: setupCpuMsPerSprint,
        historyPerSprintSetUp: setUpHistory,
        emails: stack.smtp.count() - emailsBefore,
        expectedEmails: 3 * SPRINTS,
      },
      roundTrip: {
        careloopMs: apiRt,
        careloopPostMs: summarise(postMs),
        careloopGetUntilVisibleMs: summarise(getMs),
        rawUpdateQueryMs: rawRt,
        ratioP50: round(apiRt.p50 / rawRt.p50, 2),
        ratioP99: round(apiRt.p99 / rawRt.p99, 2),
      },
      cpuSecondsByPhase: cpuPhases,
      fullSprintHistory: fullSprint,
      openSprints: {
        running: Number(running.count),
        workerResidentMiB: memory,
        apiResidentMiB: apiMemory,
        reads,
        ratioGetSprintP95: round(reads.getSprint.p95 / reads.rawSprintQuery.p95, 2),
        ratioGetWorkflowsP95: round(reads.getWorkflows.p95 / reads.rawList.p95, 2),
      },
    };
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
    log(`results written to ${path.relative(process.cwd(), OUT) || OUT}; wall time ${wallSeconds} s`);
  } finally {
    await connection.close();
    log('stopping the stack');
    await stack.stop();
    if (flags.keep) log(`kept ${stack.dir}`);
  }
}

function printTable(r: {
  starts: {
    careloopPerSecond: number;
    rawPerSecond: number;
    ratio: number;
    sprintsSetUpPerSecond: number;
    emails: number;
    expectedEmails: number;
    settled: boolean;
    cpuMsPerSprintSetUp: { worker: number; server: number };
    historyPerSprintSetUp: HistoryFigures;
  };
  fullSprintHistory: HistoryFigures;
  roundTrip: { careloopMs: LatencySummary; rawUpdateQueryMs: LatencySummary; ratioP50: number; ratioP99: number };
  openSprints: {
    running: number;
    workerResidentMiB: Record<string, { rss: number; peak: number }>;
    reads: Record<string, LatencySummary>;
    ratioGetSprintP95: number;
    ratioGetWorkflowsP95: number;
  };
}) {
  const rows: [string, string, string, string][] = [
    ['figure', 'careloop', 'raw Temporal', 'ratio'],
    ['1. starts per second', `${r.starts.careloopPerSecond} sprints/s`, `${r.starts.rawPerSecond} empty/s`, `${r.starts.ratio}`],
    ['   sprints fully set up (emails sent) per second', `${r.starts.sprintsSetUpPerSecond}/s${r.starts.settled ? '' : ' (not settled)'}`, '', ''],
    ['   emails sent / expected (one per owner)', `${r.starts.emails} / ${r.starts.expectedEmails}`, '', ''],
    ['   CPU per sprint set up: worker / server', `${r.starts.cpuMsPerSprintSetUp.worker} / ${r.starts.cpuMsPerSprintSetUp.server} ms`, '', ''],
    ['   history per sprint set up: events, activities, local', `${r.starts.historyPerSprintSetUp.eventsPerSprint}, ${r.starts.historyPerSprintSetUp.activitiesPerSprint}, ${r.starts.historyPerSprintSetUp.localActivitiesPerSprint}`, '', ''],
    ['2. task completion round trip p50', `${r.roundTrip.careloopMs.p50} ms`, `${r.roundTrip.rawUpdateQueryMs.p50} ms`, `${r.roundTrip.ratioP50}x`],
    ['   task completion round trip p99', `${r.roundTrip.careloopMs.p99} ms`, `${r.roundTrip.rawUpdateQueryMs.p99} ms`, `${r.roundTrip.ratioP99}x`],
    [`3. worker resident memory, ${r.openSprints.running} open sprints`, `${r.openSprints.workerResidentMiB.settled?.rss} MiB (peak ${r.openSprints.workerResidentMiB.end?.peak})`, `idle: ${r.openSprints.workerResidentMiB.idle?.rss} MiB`, ''],
    ['   GET /api/sprints/:id p95', `${r.openSprints.reads.getSprint!.p95} ms`, `${r.openSprints.reads.rawSprintQuery!.p95} ms (query)`, `${r.openSprints.ratioGetSprintP95}x`],
    ['   GET /api/workflows p95', `${r.openSprints.reads.getWorkflows!.p95} ms`, `${r.openSprints.reads.rawList!.p95} ms (list)`, `${r.openSprints.ratioGetWorkflowsP95}x`],
    ['4. full sprint history: events, activities, local', `${r.fullSprintHistory.eventsPerSprint}, ${r.fullSprintHistory.activitiesPerSprint}, ${r.fullSprintHistory.localActivitiesPerSprint}`, '', ''],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(rows[0]!)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.slice(1).map(line).join('\n')}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
