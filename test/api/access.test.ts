import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { buildTestApp, createAgency, createStaff, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createDb } from '../../runtime/db';

describe('API access, health and errors (real PostgreSQL and Temporal dev server)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let app: Express;
  let coordinator: Awaited<ReturnType<typeof createStaff>>;
  let manager: Awaited<ReturnType<typeof createStaff>>;
  let admin: Awaited<ReturnType<typeof createStaff>>;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    app = buildTestApp({ db: t.db, temporal: env.client, smtp });
    const agency = await createAgency(t.db);
    coordinator = await createStaff(t.db, { email: 'coord@a.test', roles: ['coordinator'], agencyId: agency.id });
    manager = await createStaff(t.db, { email: 'manager@a.test', roles: ['manager'], agencyId: agency.id });
    admin = await createStaff(t.db, { email: 'admin@a.test', roles: ['admin'], agencyId: agency.id });
  });
  afterAll(async () => {
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  it('answers /healthz while the process is up', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when the database and Temporal both answer', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'up', temporal: 'up' } });
  });

  it('answers /readyz 503 naming Temporal when Temporal is unreachable', async () => {
    const down = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp });
    const res = await request(down).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { database: 'up', temporal: 'down' } });
  });

  it('answers /readyz 503 naming the database when PostgreSQL is unreachable', async () => {
    const deadDb = createDb('postgresql://nobody:nothing@127.0.0.1:1/none');
    const down = buildTestApp({ db: deadDb, temporal: env.client, smtp });
    const res = await request(down).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ database: 'down', temporal: 'up' });
  });

  it('refuses an API call without a token with 401 and says how to authenticate', async () => {
    const res = await request(app).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    expect(res.body.error.message).toMatch(/Authorization: Bearer/);
  });

  it('refuses a wrong or malformed token with 401 and reveals nothing', async () => {
    for (const header of ['Bearer clt_not-a-real-token', 'Basic YWRtaW46YWRtaW4=', 'Bearer', `Bearer ${coordinator.token}x`]) {
      const res = await request(app).get('/api/staff').set('Authorization', header);
      expect(res.status, header).toBe(401);
      expect(JSON.stringify(res.body)).not.toMatch(/coord@a\.test|manager@a\.test/);
    }
  });

  it('refuses a deactivated staff member with 401', async () => {
    const agency = await createAgency(t.db);
    const gone = await createStaff(t.db, { email: 'left@a.test', roles: ['manager'], agencyId: agency.id, active: false });
    expect((await request(app).get('/api/me').set(gone.auth)).status).toBe(401);
  });

  it('lets any signed-in role read /api/me', async () => {
    const res = await request(app).get('/api/me').set(coordinator.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'coord@a.test', roles: ['coordinator'] });
  });

  it('answers 403 for the wrong role, naming the role needed', async () => {
    const res = await request(app).get('/api/audit/verify').set(coordinator.auth);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(res.body.error.message).toMatch(/admin/);
    expect((await request(app).get('/api/audit/verify').set(manager.auth)).status).toBe(403);
  });

  it('lets an admin verify the audit trail', async () => {
    const res = await request(app).get('/api/audit/verify').set(admin.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true });
  });

  it('answers 404 JSON for an unknown API route, after authentication', async () => {
    expect((await request(app).get('/api/no-such-thing')).status).toBe(401);
    const res = await request(app).post('/api/no-such-thing').set(manager.auth);
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/json');
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers malformed and oversized JSON with a 4xx and no stack trace', async () => {
    const bad = await request(app).post('/api/me').set(manager.auth).set('Content-Type', 'application/json').send('{"oops": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/not valid JSON/);
    expect(bad.text).not.toMatch(/at .*\.(ts|js):\d+/);
    const huge = await request(app).post('/api/me').set(manager.auth).set('Content-Type', 'application/json').send(JSON.stringify({ x: 'a'.repeat(200_000) }));
    expect(huge.status).toBe(413);
  });

  it('sends security headers', async () => {
    const res = await request(app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
