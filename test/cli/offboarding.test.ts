// The admin CLI's side of people leaving: tokens that expire, revoking, ending sessions,
// deactivating, who holds which role. Real PostgreSQL and the real app for the effects.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { runCli, UsageError, type CliDeps } from '../../cli/careloop';
import { hashToken, newToken } from '../../runtime/secrets';
import { buildTestApp, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';

describe('admin CLI: people leave (real PostgreSQL)', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let app: Express;
  const run = async (argv: string[], deps?: CliDeps) => {
    const lines: string[] = [];
    await runCli(argv, t.db, (l) => lines.push(l), deps);
    return lines;
  };
  const tokenIn = (line: string) => line.match(/(clt_\S+)/)![1]!;
  const me = (token: string) => request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
  /** A web session as sign-in leaves it, without the email round trip (that is test/api's). */
  const sessionFor = async (email: string) => {
    const staff = await t.db.staff.findUniqueOrThrow({ where: { email } });
    const token = newToken('css');
    await t.db.session.create({ data: { tokenHash: hashToken(token), staffId: staff.id, expiresAt: new Date(Date.now() + 3600_000), lastSeenAt: new Date() } });
    return `careloop_session=${token}`;
  };

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    app = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp });
    await run(['agency', 'add', '--key', 'county', '--name', 'County Team']);
  });
  afterAll(async () => {
    await t?.drop();
    await smtp?.stop();
  });

  it('prints when a new API token expires (90 days by default, --days to choose) and audits the issue', async () => {
    const added = await run(['staff', 'add', '--email', 'Pat@County.test', '--name', 'Pat Lee', '--agency', 'county', '--role', 'coordinator']);
    const expires = Date.parse(added[1]!.match(/expires (\S+)\)/)![1]!);
    expect(Math.round((expires - Date.now()) / 86_400_000)).toBe(90);
    expect((await me(tokenIn(added[1]!))).status).toBe(200);

    const short = await run(['staff', 'token', '--email', 'pat@county.test', '--days', '7', '--reason', 'new laptop']);
    expect(short[0]).toMatch(/^new API token for pat@county\.test \(shown once; expires \S+; the previous token no longer works\): clt_/);
    const stored = await t.db.staff.findUniqueOrThrow({ where: { email: 'pat@county.test' } });
    expect(Math.round((stored.apiTokenExpiresAt!.getTime() - Date.now()) / 86_400_000)).toBe(7);
    expect((await me(tokenIn(added[1]!))).status).toBe(401);
    expect((await me(tokenIn(short[0]!))).status).toBe(200);

    const events = await t.db.auditEvent.findMany({ where: { action: 'staff.api-token-issued', item: stored.id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.actor.startsWith('cli:'), e.actorId, e.reason, (e.data as { days: number }).days])).toEqual([
      [true, null, 'staff member added', 90],
      [true, null, 'new laptop', 7],
    ]);
    await expect(run(['staff', 'token', '--email', 'pat@county.test', '--days', '0'])).rejects.toThrow(/--days must be at least 1/);
  });

  it('revokes an API token and ends every session of a person', async () => {
    const added = await run(['staff', 'add', '--email', 'sam@county.test', '--name', 'Sam Roe', '--agency', 'county', '--role', 'staff']);
    const cookie = await sessionFor('sam@county.test');
    expect((await request(app).get('/').set('Cookie', cookie)).status).toBe(200);

    expect(await run(['staff', 'revoke-token', '--email', 'sam@county.test', '--reason', 'token leaked'])).toEqual(['API token of sam@county.test revoked: it no longer works']);
    expect((await me(tokenIn(added[1]!))).status).toBe(401);
    expect(await run(['staff', 'revoke-token', '--email', 'sam@county.test'])).toEqual(['sam@county.test had no API token; nothing to revoke']);

    expect(await run(['staff', 'end-sessions', '--email', 'sam@county.test'])).toEqual(['ended 1 web session of sam@county.test']);
    expect((await request(app).get('/').set('Cookie', cookie)).status).toBe(303);
    expect(await t.db.auditEvent.count({ where: { action: { in: ['staff.api-token-revoked', 'staff.sessions-ended'] }, data: { path: ['email'], equals: 'sam@county.test' } } })).toBe(3);
  });

  it('deactivates someone at once and says what it could not check without Temporal', async () => {
    const added = await run(['staff', 'add', '--email', 'lou@county.test', '--name', 'Lou Ng', '--agency', 'county', '--role', 'staff', '--role', 'manager']);
    const cookie = await sessionFor('lou@county.test');
    await expect(run(['staff', 'deactivate', '--email', 'lou@county.test'])).rejects.toThrow(UsageError);

    const out = await run(['staff', 'deactivate', '--email', 'lou@county.test', '--reason', 'left the county team'], { temporal: async () => ({ client: unreachableTemporal(), taskQueue: 'careloop' }) });
    expect(out[0]).toBe('deactivated lou@county.test: 1 session ended, API token revoked, 0 unused email links revoked');
    expect(out).toContain('no open work found for lou@county.test');
    expect(out.find((l) => l.startsWith('not complete:'))).toMatch(/Temporal did not answer/);
    expect((await me(tokenIn(added[1]!))).status).toBe(401);
    expect((await request(app).get('/').set('Cookie', cookie)).status).toBe(303);
    expect(await run(['staff', 'list'])).toContainEqual(expect.stringMatching(/^lou@county\.test .* \(inactive\) \(no API token\)$/));
    await expect(run(['staff', 'deactivate', '--email', 'lou@county.test', '--reason', 'again'])).rejects.toThrow(/already deactivated/);
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: 'staff.deactivated' } });
    expect(event).toMatchObject({ reason: 'left the county team', actorId: null });
    expect(event.actor).toMatch(/^cli:/);
  });

  it('lists who holds which role, active staff only', async () => {
    const out = await run(['staff', 'roles']);
    expect(out).toEqual([
      'coordinator (1)',
      expect.stringMatching(/^ {2}pat@county\.test\s+Pat Lee\s+county\s+API token: expires 20/),
      'staff (1)',
      expect.stringMatching(/^ {2}sam@county\.test\s+Sam Roe\s+county\s+API token: none$/),
      'manager (0)',
      'admin (0)',
    ]);
  });

  it('refuses unknown people and missing flags with a usable message', async () => {
    await expect(run(['staff', 'deactivate', '--email', 'ghost@county.test', '--reason', 'never here'])).rejects.toThrow(/no staff member ghost@county\.test/);
    await expect(run(['staff', 'open-work'])).rejects.toThrow(/--email is required/);
    await expect(run(['staff', 'end-sessions', '--email', 'ghost@county.test'])).rejects.toThrow(/no staff member/);
  });
});
