// Prisma CLI configuration. The CLI runs on its bundled WebAssembly engines so that
// `prisma migrate deploy` needs nothing downloaded (see ../shared/TOOLCHAIN.md).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

// prisma/orm#27403: the WebAssembly schema engine cannot read PostgreSQL's `name` type
// (OID 19) through the pg adapter. Presenting those columns as `text` (OID 25) lets
// migrations run. Used by the CLI only, never by the application.
/* eslint-disable @typescript-eslint/no-explicit-any -- pg.Client#query has a dozen overloads; this wrapper passes any of them through. */
class NameAsTextClient extends pg.Client {
  override query(...args: unknown[]): any {
    const rewrite = (result: any) => {
      for (const r of Array.isArray(result) ? result : [result]) {
        for (const field of r?.fields ?? []) if (field.dataTypeID === 19) field.dataTypeID = 25;
      }
      return result;
    };
    const callbackIndex = args.findIndex((a) => typeof a === 'function');
    if (callbackIndex >= 0) {
      const callback = args[callbackIndex] as (err: unknown, res: unknown) => void;
      args[callbackIndex] = (err: unknown, res: unknown) => callback(err, err ? res : rewrite(res));
      return (super.query as any)(...args);
    }
    const out = (super.query as any)(...args);
    return out && typeof out.then === 'function' ? out.then(rewrite) : out;
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// The CLI reads env("DATABASE_URL") from the schema even for `generate`, which needs no
// database; without a value it falls back to downloading a native engine. A placeholder keeps
// `generate` offline, and the adapter below refuses to connect to it.
const databaseUrlGiven = Boolean(process.env.DATABASE_URL);
process.env.DATABASE_URL ??= 'postgresql://unset@localhost/unset';

function poolConfig(): pg.PoolConfig {
  const raw = process.env.DATABASE_URL;
  if (!databaseUrlGiven || !raw) {
    throw new Error('DATABASE_URL is not set: the Prisma CLI needs a database to migrate');
  }
  // Discrete fields, not a connection string: with a string the shadow database of
  // `migrate dev` points back at the main database.
  const url = new URL(raw);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    Client: NameAsTextClient,
  };
}

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    return new PrismaPg(new pg.Pool(poolConfig()));
  },
});
