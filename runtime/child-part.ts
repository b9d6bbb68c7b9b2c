// A part of careloop run by `npm start` as a child process of its own (today the inbound SMTP
// listener): no work it does can hold up the API's event loop, exactly as in a deployment where
// it runs apart. The child sits in its own process group, so a terminal's Ctrl-C reaches only
// `npm start`, which stops the parts in order; it reports readiness over IPC and stops itself if
// `npm start` disappears (the IPC channel closes).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Logger } from './logger';

const projectRoot = path.resolve(__dirname, '..');

export interface ChildPart {
  /** What the child said when it was ready, e.g. the port it listens on. */
  ready: Record<string, unknown>;
  /** Resolves when the child has exited, whatever the reason. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface ReadyMessage {
  careloopReady: true;
  [key: string]: unknown;
}

/** In the child: tells `npm start` that it is ready, and stops when `npm start` goes away. */
export function reportReady(details: Record<string, unknown>, stop: () => void): void {
  if (!process.send) return;
  process.send({ careloopReady: true, ...details } satisfies ReadyMessage);
  process.once('disconnect', stop);
}

export function startChildPart(opts: { name: string; script: string; env: NodeJS.ProcessEnv; logger: Logger; stopTimeoutMs?: number }): Promise<ChildPart> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, opts.script)], {
    cwd: projectRoot,
    env: opts.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<ChildPart>((resolve, reject) => {
    const failed = (code: number | null) => reject(new Error(`The ${opts.name} stopped while starting (exit code ${code ?? 'none'}); its messages are above.`));
    child.once('exit', failed);
    child.once('error', reject);
    child.on('message', (message: Partial<ReadyMessage>) => {
      if (!message?.careloopReady) return;
      child.off('exit', failed);
      const { careloopReady: _ready, ...ready } = message;
      resolve({
        ready,
        exited,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), opts.stopTimeoutMs ?? 10_000)));
          if ((await Promise.race([exited, late])) === 'late') {
            opts.logger.warn(`the ${opts.name} did not stop in time; ending it`);
            child.kill('SIGKILL');
            await exited;
          }
          clearTimeout(timer);
        },
      });
    });
  });
}
