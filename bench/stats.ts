// Small measuring helpers: percentiles, a fixed-concurrency runner, /proc readings.
import { readdirSync, readFileSync } from 'node:fs';

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50: round(percentile(s, 50)),
    p95: round(percentile(s, 95)),
    p99: round(percentile(s, 99)),
    max: round(s[s.length - 1] ?? NaN),
    mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

export const nowMs = () => performance.now();

/** Runs `count` jobs with at most `concurrency` in flight; returns each job's latency and the wall time. */
export async function runConcurrently(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<{ latenciesMs: number[]; wallMs: number }> {
  const latenciesMs: number[] = new Array<number>(count);
  let next = 0;
  const started = nowMs();
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = nowMs();
      await job(i);
      latenciesMs[i] = nowMs() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { latenciesMs, wallMs: nowMs() - started };
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS, and VmHWM: the peak). */
export function residentMemoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return ticks / 100; // USER_HZ is 100 on Linux
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * CPU seconds used so far by every process on the machine, grouped: the named pids, then
 * `temporal` (the dev server), `postgres`, and everything else. The difference of two readings
 * says which layer a phase spent its CPU in.
 */
export function cpuByGroup(named: Record<string, number>): Record<string, number> {
  const byPid = new Map(Object.entries(named).map(([k, v]) => [v, k]));
  const out: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const group = byPid.get(Number(entry)) ?? (comm === 'temporal' ? 'temporal server' : comm === 'postgres' ? 'postgres' : 'other');
      out[group] = (out[group] ?? 0) + cpuSeconds(Number(entry));
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

export function cpuDelta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 10) / 10]).filter(([, v]) => (v as number) > 0));
}
