// Once per `npm test`: a PostgreSQL server (DATABASE_URL's, or an embedded one), a template
// database with every migration applied by `prisma migrate deploy`, and the workflow bundle
// (built as the unit tier builds it, global-setup-unit.ts).
// Each test file then clones the template into a database of its own.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../runtime/embedded';
import { migrateDeploy } from '../../runtime/migrate';
import { ensureTemporalBinaries } from '../../runtime/temporal-binaries';
import { writeWorkflowBundle } from './global-setup-unit';
import { freePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresServerUrl: string;
    templateDatabase: string;
  }
}

let embedded: EmbeddedPostgresHandle | undefined;
let tmp: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  await ensureTemporalBinaries((line) => console.log(`global setup: ${line}`));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'careloop-test-'));
  // Run as root, embedded PostgreSQL runs as the `postgres` user and must reach its data directory.
  chmodSync(tmp, 0o755);
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'postgres'), port: await freePort(), database: 'careloop' });
    serverUrl = embedded.url;
  }
  const template = `careloop_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${template}`;
  await migrateDeploy(templateUrl.toString());

  const bundlePath = await writeWorkflowBundle(tmp);

  project.provide('postgresServerUrl', serverUrl);
  project.provide('templateDatabase', template);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown(): Promise<void> {
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS careloop_template_${process.pid}`);
    await admin.end();
  }
  await embedded?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
