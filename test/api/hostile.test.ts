// A corpus of bad requests against the sprint and plan routes and the action pages: every
// answer is a 4xx with a clear message, never a 5xx or a stack trace, and nothing changes.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { startRealStack, type RealStack } from '../support/stack';
import type { SprintPeople } from '../support/sprint-fixture';

const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });

const BODIES: [string, unknown][] = [
  ['empty object', {}],
  ['array', [1, 2, 3]],
  ['string', 'hello'],
  ['number', 42],
  ['null', null],
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
    return [await db.staff.count(), await db.participant.count(), await db.carePlan.count(), await db.planVersion.count(), await db.actionToken.count(), await db.session.count()];
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

  it("never shows another agency's data to an outsider", async () => {
    const auth = { Authorization: `Bearer ${people.outsider.token}` };
    for (const path of [`/api/sprints/${sprintId}`, `/api/plans/${planId}`, `/api/plans/${planId}/versions/1`, `/api/plans/${planId}/versions/1/status`]) {
      const res = await request(app).get(path).set(auth);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain(people.hospital.name);
    }
  });
});
