// Once per `npm run test:unit`: the workflow bundle (webpack, a few seconds) and the Temporal
// time-skipping test server's binary. No PostgreSQL, no dev server, no SMTP: unit-tier tests run
// workflow logic against the time-skipping server with fake activities, activities against
// MockActivityEnvironment, and domain rules as plain functions. `npm test`'s global setup
// (global-setup.ts) adds the database on top of this.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { ensureTemporalBinaries } from '../../runtime/temporal-binaries';

declare module 'vitest' {
  export interface ProvidedContext {
    workflowBundlePath: string;
  }
}

/** Bundles workflows/index.ts into `dir`, once per run, and returns the file. */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  return bundlePath;
}

let tmp: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  await ensureTemporalBinaries((line) => console.log(`global setup: ${line}`));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'careloop-unit-'));
  project.provide('workflowBundlePath', await writeWorkflowBundle(tmp));
}

export function teardown(): void {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
