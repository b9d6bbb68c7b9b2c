// The one /a/:token route: one CSRF check and one token lookup for every purpose, before any
// workflow is asked. Real app and PostgreSQL; Temporal unreachable, which proves that none of
// these answers needed it.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { hashToken, newToken } from '../../runtime/secrets';
import { LINK_PURPOSES, REPLY_TOKEN_PURPOSE, PLAN_REPLY_TOKEN_PURPOSE, TASK_TOKEN_PURPOSE, TOKEN_PURPOSES, type TokenPurpose } from '../../domain/tokens';
import { buildTestApp, createAgency, createStaff, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';

describe('/a/:token: one lookup, one policy, every purpose', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let app: Express;
  let holderId: string;
  let leaverId: string;

  const mint = async (purpose: TokenPurpose | 'signin' | 'something-else', opts: { staffId?: string; usedAt?: Date; revokedAt?: Date; expiresAt?: Date } = {}) => {
    const token = newToken('cla');
    await t.db.actionToken.create({
      data: {
        tokenHash: hashToken(token),
        purpose,
        staffId: opts.staffId ?? holderId,
        workflowId: `wf-${purpose}-${token.slice(-6)}`,
        scope: {},
        expiresAt: opts.expiresAt ?? new Date(Date.now() + 3600_000),
        usedAt: opts.usedAt ?? null,
        revokedAt: opts.revokedAt ?? null,
      },
    });
    return token;
  };
  const usedAt = async (token: string) => (await t.db.actionToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { usedAt: true } }))?.usedAt;

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    const agency = await createAgency(t.db);
    holderId = (await createStaff(t.db, { email: 'holder@links.test', roles: ['staff'], agencyId: agency.id })).staff.id;
    leaverId = (await createStaff(t.db, { email: 'leaver@links.test', roles: ['staff'], agencyId: agency.id, active: false })).staff.id;
    app = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp, rateLimits: { store: 'memory', tokenPerWindow: 1000 } });
  });
  afterAll(async () => {
    await smtp?.stop();
    await t?.drop();
  });

  it('refuses a POST not sent from a careloop page, for every kind of link, and leaves the link unspent', async () => {
    for (const purpose of LINK_PURPOSES) {
      const token = await mint(purpose);
      const res = await request(app).post(`/a/${token}`).type('form').send({ action: 'acknowledge' }).set('Accept', 'text/html');
      expect(res.status, purpose).toBe(403);
      expect(res.text).toContain('This form has expired or was not sent from careloop');
      expect(await usedAt(token)).toBeNull();
    }
  });

  it('answers a reply address, a sign-in link, an unknown purpose and a deactivated holder’s link with the same 404', async () => {
    const tokens = [await mint(REPLY_TOKEN_PURPOSE), await mint(PLAN_REPLY_TOKEN_PURPOSE), await mint('signin'), await mint('something-else'), await mint(TASK_TOKEN_PURPOSE, { staffId: leaverId }), newToken('cla'), 'not-a-token'];
    const answers = await Promise.all(tokens.map((token) => request(app).get(`/a/${token}`).set('Accept', 'application/json')));
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'This link is not valid. Check that the whole link was copied.' } });
    }
  });

  it('answers used, revoked and expired links with a 410 that says which, in the words of its purpose', async () => {
    for (const purpose of LINK_PURPOSES) {
      const used = await request(app).get(`/a/${await mint(purpose, { usedAt: new Date() })}`).set('Accept', 'application/json');
      expect(used.status).toBe(410);
      expect(used.body.error.message).toBe('This link has already been used.');
      const revoked = await request(app).get(`/a/${await mint(purpose, { revokedAt: new Date() })}`).set('Accept', 'application/json');
      expect(revoked.status).toBe(410);
      expect(revoked.body.error).toEqual({ code: 'GONE', message: TOKEN_PURPOSES[purpose].noLongerWorks });
      const expired = await request(app).get(`/a/${await mint(purpose, { expiresAt: new Date(Date.now() - 1000) })}`).set('Accept', 'text/html');
      expect(expired.status).toBe(410);
      expect(expired.text).toContain('This link has expired.');
    }
  });
});
