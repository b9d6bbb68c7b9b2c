import { spawn } from 'node:child_process';
import path from 'node:path';

const projectRoot = path.resolve(__dirname, '..');

/** Applies committed migrations with `prisma migrate deploy` (offline, WebAssembly engine). */
export async function migrateDeploy(databaseUrl: string): Promise<void> {
  const prismaBin = path.join(projectRoot, 'node_modules', '.bin', 'prisma');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(prismaBin, ['migrate', 'deploy'], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(`prisma migrate deploy failed (exit ${code}):\n${output.join('').trim()}`);
  }
}
