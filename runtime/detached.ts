// Servers that `npm start` runs as child processes (the Temporal dev server, PostgreSQL) sit in
// process groups of their own. A terminal's Ctrl-C signals the whole foreground group: were the
// servers in it, they would stop at the same instant as the worker that still needs them (the
// Temporal dev server first, then "Namespace default was not found" from every poll). Out of the
// group, only `npm start` hears Ctrl-C, and it stops the parts in order: API, inbound listener,
// worker, then Temporal, MailDev, PostgreSQL.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface DetachedServer {
  child: ChildProcess;
  /** Everything the server wrote so far (the last 64 KB), for error messages. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has gone. */
  exited: Promise<number | string | null>;
  /** Sends `signal`, then SIGKILL if the process is still there after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * If `npm start` ends without stopping its servers (an uncaught error, process.exit from
 * elsewhere), they must not outlive it: being in their own group, nothing else would end them.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function spawnDetached(command: string, args: string[], opts: Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> & { onOutput?: (chunk: string) => void } = {}): DetachedServer {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    uid: opts.uid,
    gid: opts.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  installExitHook();
  running.add(child);
  let output = '';
  // What a server says while it is being stopped (the Temporal dev server's own pollers
  // complaining that it is going away) is kept in output() but not passed on.
  let stopping = false;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-65_536);
    if (!stopping) opts.onOutput?.(text);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    });
    child.once('error', (err) => {
      running.delete(child);
      output += `\n${err.message}`;
      resolve(null);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (!running.has(child)) return;
      stopping = true;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      if ((await Promise.race([exited, late])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    },
  };
}
