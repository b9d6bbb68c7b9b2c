// A corpus of bad requests against the sprint, plan, escalation, dispute and managers' routes and
// the action pages: every
// answer is a 4xx with a clear message, never a 5xx or a stack trace, and nothing changes.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { hashToken, newToken } from '../../runtime/secrets';
import { TASK_TOKEN_PURPOSE } from '../../domain/tokens';
import { buildTestApp } from '../support/app';
import { startRealStack, type RealStack } from '../support/stack';
import type { SprintPeople } from '../support/sprint-fixture';

const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });

const BODIES: [string, unknown][] = [
  ['empty object', {}],
  ['array', [1, 2, 3]],
  ['string', 'hello'],
  ['number', 42],
  ['null', null],
  ['extra fields', { reason: 'a reason', note: 'a note', text: 'a note', managedHow: 'by phone', isAdmin: true, role: 'admin', staffId: 'someone-else' }],
  ['wrong types', { participant: 7, dischargeAt: true, owners: 'everyone', content: [], baseVersion: 'one' }],
  ['__proto__ key', JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}')],
  ['deep nesting', deep(200)],
  ['odd unicode', { participant: { localRef: '\u202e\u0000💥', displayName: '\ud800' }, reason: 'Z̷̢a̴l̸g̵o', text: '\u0000' }],
  ['SQL-looking', { participant: { localRef: "x'; DROP TABLE \"Staff\";--", displayName: "' OR 1=1 --" }, reason: "'; DELETE FROM \"AuditEvent\";" }],
  ['HTML-looking', { participant: { localRef: '<script>alert(1)</script>', displayName: '<img src=x onerror=alert(1)>' }, reason: '<b>bold</b>' }],
];

describe('hostile input (real app, PostgreSQL and Temporal)', () => {
  let stack: RealStack;
  let app: Express;
  let people: SprintPeople;
  let sprintId: string;
  let planId: string;
  const counts = async () => {
    const db = stack.t.db;
    return [
      await db.staff.count(),
      await db.participant.count(),
      await db.carePlan.count(),
      await db.planVersion.count(),
      await db.actionToken.count(),
      await db.session.count(),
      await db.escalation.count(),
      await db.dispute.count(),
    ];
  };

  beforeAll(async () => {
    stack = await startRealStack({ name: 'hostile' });
    ({ app, people } = stack);
    const owners = Object.fromEntries(
      ['discharge-summary-received', 'medication-reconciled', 'immediate-risks-reviewed', 'first-visit-confirmed', 'transport-confirmed', 'home-environment-rechecked', 'equipment-needs-validated', 'services-active', 'authorisations-in-place', 'participant-understands-plan'].map((k) => [k, people.hospital.id]),
    );
    const s = await request(app).post('/api/sprints').set('Authorization', `Bearer ${people.coordinator.token}`).send({ participant: { localRef: 'H-1', displayName: 'H' }, dischargeAt: new Date().toISOString(), owners });
    sprintId = s.body.sprintId;
    const p = await request(app).post('/api/plans').set('Authorization', `Bearer ${people.coordinator.token}`).send({ participant: { localRef: 'H-2', displayName: 'H' }, content: {} });
    planId = p.body.planId;
    expect([s.status, p.status]).toEqual([201, 201]);
    // Let the sprint's first email (and its tokens) land before counting rows.
    await stack.smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === sprintId);
    for (let i = 0; i < 100 && (await stack.t.db.notification.count({ where: { workflowId: sprintId, status: 'sent' } })) < 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await request(app).post(`/api/sprints/${sprintId}/cancel`).set('Authorization', `Bearer ${people.coordinator.token}`).send({ reason: 'done' });
    await stack?.stop();
  });

  const routes = () => [
    ['POST', '/api/sprints'],
    ['POST', `/api/sprints/${sprintId}/tasks/services-active/complete`],
    ['POST', `/api/sprints/${sprintId}/tasks/services-active/refuse`],
    ['POST', `/api/sprints/${sprintId}/tasks/services-active/not-applicable`],
    ['POST', `/api/sprints/${sprintId}/tasks/services-active/reassign`],
    ['POST', `/api/sprints/${sprintId}/tasks/services-active/notes`],
    ['POST', `/api/sprints/${sprintId}/cancel`],
    ['POST', '/api/plans'],
    ['POST', `/api/plans/${planId}/versions`],
    ['POST', `/api/plans/${planId}/versions/1/acknowledge`],
    ['POST', '/api/escalations'],
    ['POST', '/api/disputes'],
  ];

  it.each(BODIES)('answers %s with a 4xx JSON error on every write route, and changes nothing', async (name, body) => {
    const before = await counts();
    for (const [method, path] of routes()) {
      // An empty body is a valid "done, no note"; it would end the task the next rows use.
      if (name === 'empty object' && path!.endsWith('/complete')) continue;
      const res = await request(app)[method === 'POST' ? 'post' : 'get'](path!).set('Authorization', `Bearer ${people.coordinator.token}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
      expect(res.status, `${method} ${path} -> ${res.status} ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(res.body.error?.message, `${method} ${path}`).toEqual(expect.any(String));
      expect(res.text).not.toMatch(/\n\s+at .+\.(ts|js):\d+/);
    }
    expect(await counts()).toEqual(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses a huge body with 413 and garbage JSON with 400', async () => {
    const auth = { Authorization: `Bearer ${people.coordinator.token}` };
    const huge = await request(app).post('/api/sprints').set(auth).set('Content-Type', 'application/json').send(`{"x":"${'a'.repeat(300_000)}"}`);
    expect(huge.status).toBe(413);
    const garbage = await request(app).post('/api/plans').set(auth).set('Content-Type', 'application/json').send('{"participant": [}');
    expect(garbage.status).toBe(400);
  });

  it('answers odd ids in paths with 404, not 500', async () => {
    const auth = { Authorization: `Bearer ${people.coordinator.token}` };
    for (const path of [
      `/api/sprints/${encodeURIComponent("sprint-'; DROP TABLE x;--")}`,
      `/api/sprints/${'x'.repeat(5000)}`,
      `/api/plans/${encodeURIComponent('<script>')}`,
      `/api/plans/${planId}/versions/-1`,
      `/api/plans/${planId}/versions/99999999999`,
      `/api/plans/${planId}/diff?from=1&to=abc`,
    ]) {
      const res = await request(app).get(path).set(auth);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });

  it('answers forged, malformed and oversized action tokens with a 4xx page, escaped', async () => {
    for (const token of ['cla_forged', '<script>alert(1)</script>', 'x'.repeat(3000), '..%2F..%2Fetc%2Fpasswd', 'cla_' + 'A'.repeat(43)]) {
      const res = await request(app).get(`/a/${encodeURIComponent(token)}`).set('Accept', 'text/html');
      expect(res.status, token).toBeGreaterThanOrEqual(400);
      expect(res.status, token).toBeLessThan(500);
      expect(res.text).not.toContain('<script>alert(1)</script>');
    }
  });

  it("answers hostile query strings on the managers' read routes with a 400 naming the field", async () => {
    const auth = { Authorization: `Bearer ${people.manager.token}` };
    const participant = await stack.t.db.participant.findUniqueOrThrow({ where: { localRef: 'H-1' } });
    const queries = [
      `agency=${encodeURIComponent("' OR 1=1 --")}`,
      'agency[]=a&agency[]=b',
      '__proto__[admin]=true',
      `from=${encodeURIComponent('<script>alert(1)</script>')}`,
      'to=2026-02-30',
      `from=${encodeURIComponent('\u202e2026-01-01')}`,
      'format=..%2F..%2Fetc%2Fpasswd',
      'pageSize=1e9',
      'page=%00%00',
      `participant=${'x'.repeat(5000)}`,
      'process=sprint&process=dispute',
    ];
    for (const route of ['/api/roster', '/api/reports/timeliness', '/api/workflows', `/api/participants/${participant.id}/audit`]) {
      for (const q of queries) {
        const res = await request(app).get(`${route}?${q}`).set(auth);
        expect(res.status, `${route}?${q}`).toBe(400);
        expect(res.body.error.message, `${route}?${q}`).toMatch(/has invalid fields/);
        expect(res.body.error.fields.length, `${route}?${q}`).toBeGreaterThan(0);
        expect(res.text).not.toContain('<script>');
        expect(res.text).not.toMatch(/at .*\.ts:\d+/);
      }
    }
    for (const id of [encodeURIComponent("x' OR 1=1 --"), 'x'.repeat(500), encodeURIComponent('<script>')]) {
      const res = await request(app).get(`/api/participants/${id}/audit`).set(auth);
      expect(res.status, id).toBe(400);
    }
  });

  it("never shows another agency's data to an outsider", async () => {
    const auth = { Authorization: `Bearer ${people.outsider.token}` };
    const participant = await stack.t.db.participant.findUniqueOrThrow({ where: { localRef: 'H-1' } });
    for (const path of [`/api/sprints/${sprintId}`, `/api/plans/${planId}`, `/api/plans/${planId}/versions/1`, `/api/plans/${planId}/versions/1/status`, `/api/participants/${participant.id}/audit`]) {
      const res = await request(app).get(path).set(auth);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain(people.hospital.name);
    }
  });

  it("refuses an outsider's writes on another agency's sprint and plan, and changes nothing", async () => {
    const before = await counts();
    const auth = { Authorization: `Bearer ${people.outsider.token}` };
    for (const [path, body] of [
      [`/api/sprints/${sprintId}/tasks/services-active/complete`, { note: 'not mine' }],
      [`/api/sprints/${sprintId}/tasks/services-active/not-applicable`, { reason: 'not mine' }],
      [`/api/sprints/${sprintId}/cancel`, { reason: 'not mine' }],
      [`/api/plans/${planId}/versions`, { baseVersion: 1, content: {}, reason: 'not mine', trigger: 'risk_change', acknowledgementRequired: false }],
      [`/api/plans/${planId}/versions/1/acknowledge`, {}],
    ] as const) {
      const res = await request(app).post(path).set(auth).send(body);
      expect([403, 404], `${path} -> ${res.status}`).toContain(res.status);
      expect(res.text).not.toContain(people.hospital.name);
    }
    expect(await counts()).toEqual(before);
    const state = await request(app).get(`/api/sprints/${sprintId}`).set('Authorization', `Bearer ${people.coordinator.token}`);
    expect(state.body.status).toBe('open');
    expect(state.body.tasks.find((x: { key: string }) => x.key === 'services-active').status).toBe('requested');
  });

  it('answers expired, spent and revoked action tokens with a 4xx page, and the task stays open', async () => {
    const db = stack.t.db;
    const make = async (over: { expiresAt?: Date; usedAt?: Date; revokedAt?: Date }) => {
      const token = newToken('cla');
      await db.actionToken.create({
        data: { tokenHash: hashToken(token), purpose: TASK_TOKEN_PURPOSE, staffId: people.hospital.id, workflowId: sprintId, scope: { task: 'services-active' }, expiresAt: new Date(Date.now() + 3600_000), ...over },
      });
      return token;
    };
    const tokens = {
      expired: await make({ expiresAt: new Date(Date.now() - 60_000) }),
      spent: await make({ usedAt: new Date(Date.now() - 60_000) }),
      revoked: await make({ revokedAt: new Date(Date.now() - 60_000) }),
    };
    const before = await counts();
    for (const [kind, token] of Object.entries(tokens)) {
      const res = await request(app).get(`/a/${token}`).set('Accept', 'text/html');
      expect(res.status, kind).toBeGreaterThanOrEqual(400);
      expect(res.status, kind).toBeLessThan(500);
      expect(res.text, kind).not.toContain('Mark as done');
      // A POST without the page's CSRF token is refused before the token is even looked at.
      const post = await request(app).post(`/a/${token}`).type('form').send({ action: 'complete', note: '<script>alert(1)</script>' });
      expect(post.status, kind).toBeGreaterThanOrEqual(400);
      expect(post.status, kind).toBeLessThan(500);
      expect(post.text).not.toContain('<script>alert(1)</script>');
    }
    expect(await counts()).toEqual(before);
    const state = await request(app).get(`/api/sprints/${sprintId}`).set('Authorization', `Bearer ${people.coordinator.token}`);
    expect(state.body.tasks.find((x: { key: string }) => x.key === 'services-active').status).toBe('requested');
  });

  it('rate-limits repeated action-token and sign-in-link guesses', async () => {
    const limited = buildTestApp({ db: stack.t.db, temporal: stack.env.client, smtp: stack.smtp, taskQueue: stack.taskQueue, rateLimits: { tokenPerWindow: 3 } });
    const statuses: number[] = [];
    // Failures are counted per address in the database, across app instances: the earlier tests'
    // failures from 127.0.0.1 count too, so this one knocks from an address of its own.
    const address = '198.51.100.23';
    for (let i = 0; i < 5; i++) statuses.push((await request(limited).get(`/a/cla_guess${i}`).set('X-Forwarded-For', address).set('Accept', 'text/html')).status);
    expect(statuses.slice(0, 3).every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const signin: number[] = [];
    for (let i = 0; i < 5; i++) signin.push((await request(limited).get(`/signin/cls_guess${i}`).set('X-Forwarded-For', address).set('Accept', 'text/html')).status);
    expect(signin.slice(3)).toEqual([429, 429]);
  });
});
