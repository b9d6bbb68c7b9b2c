// A database of this test file's own, cloned from the migrated template, so test files never
// share state and none pays for running migrations again.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../runtime/db';

export interface TestDatabase {
  url: string;
  db: Db;
  /** A raw connection as the server's admin, for what the app may not do (tampering tests). */
  adminQuery(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('postgresServerUrl');
  const template = inject('templateDatabase');
  const name = `careloop_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), { max: 5 });
  const direct = new pg.Client({ connectionString: url.toString() });
  await direct.connect();
  return {
    url: url.toString(),
    db,
    adminQuery: (sql, params) => direct.query(sql, params),
    async drop() {
      await db.$disconnect();
      await direct.end();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
