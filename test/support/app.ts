import { Client, Connection } from '@temporalio/client';
import type { Role } from '../../domain/roles';
import { createApp, type AppDeps } from '../../api/app';
import type { Db } from '../../runtime/db';
import { hashToken, newToken } from '../../runtime/secrets';
import { mailerFor } from './mailer';
import type { SmtpCapture } from './smtp';
import { testLogger } from './quiet-logger';

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789';

export function buildTestApp(opts: { db: Db; temporal: Client; smtp: SmtpCapture; rateLimits?: AppDeps['rateLimits']; now?: () => Date; taskQueue?: string; timeZone?: string }) {
  return createApp({
    config: { publicBaseUrl: 'http://careloop.test', sessionSecret: TEST_SESSION_SECRET, timeZone: opts.timeZone ?? 'UTC', taskQueue: opts.taskQueue ?? 'careloop' },
    db: opts.db,
    temporal: opts.temporal,
    mailer: mailerFor(opts.smtp),
    logger: testLogger,
    rateLimits: opts.rateLimits,
    now: opts.now,
  });
}

/** A Temporal client whose server is not there: for readiness answers while Temporal is down. */
export function unreachableTemporal(): Client {
  return new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms' }) });
}

let agencyCounter = 0;

export async function createAgency(db: Db, key = `agency-${++agencyCounter}`) {
  return db.agency.create({ data: { key, name: `Agency ${key}` } });
}

/** A staff member with an API token; returns the token for `Authorization: Bearer`. */
export async function createStaff(db: Db, opts: { email: string; roles: Role[]; agencyId: string; name?: string; active?: boolean }) {
  const token = newToken('clt');
  const staff = await db.staff.create({
    data: {
      email: opts.email,
      name: opts.name ?? opts.email.split('@')[0]!,
      roles: opts.roles,
      agencyId: opts.agencyId,
      active: opts.active ?? true,
      apiTokenHash: hashToken(token),
      apiTokenExpiresAt: new Date(Date.now() + 90 * 86_400_000),
    },
  });
  return { staff, token, auth: { Authorization: `Bearer ${token}` } };
}
