// Rate limits that stop an attacker, not a ward: only failed link answers count per address, each
// link has its own limit, sign-in requests are limited per email address and (looser) per
// address, and the counters live in PostgreSQL so two API processes agree. Real app, real
// PostgreSQL, real Temporal (time-skipping) and worker; the default figures from README "Access".
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { hashToken, newToken } from '../../runtime/secrets';
import { TASK_TOKEN_PURPOSE } from '../../domain/tokens';
import { RATE_LIMIT_DEFAULTS } from '../../api/rate-limits';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import { buildTestApp } from '../support/app';
import { startRealStack, type RealStack } from '../support/stack';
import { csrfFrom } from '../support/html';

// 'trust proxy' is 'loopback': supertest's X-Forwarded-For stands for the client's address, so
// each test knocks from an address of its own (TEST-NET-3).
let nextHost = 1;
const freshAddress = () => `203.0.113.${nextHost++}`;

describe('rate limits on links and sign-in (PostgreSQL store, default figures)', () => {
  let stack: RealStack;
  let app: Express;
  let sprintId: string;

  /** Valid task links of the sprint, as the emails carry them (stored only as hashes). */
  const mintTaskLinks = async (n: number) => {
    const tokens: string[] = [];
    for (let i = 0; i < n; i += 1) tokens.push(newToken('cla'));
    await stack.t.db.actionToken.createMany({
      data: tokens.map((token, i) => ({
        tokenHash: hashToken(token),
        purpose: TASK_TOKEN_PURPOSE,
        staffId: stack.people.hospital.id,
        workflowId: sprintId,
        scope: { task: SPRINT_TEMPLATE[i % SPRINT_TEMPLATE.length]!.key },
        expiresAt: new Date(Date.now() + 3600_000),
      })),
    });
    return tokens;
  };

  beforeAll(async () => {
    // The stack's own app raises the per-address figure for other files; this file uses the defaults.
    stack = await startRealStack({ name: 'rate-limits' });
    app = buildTestApp({ db: stack.t.db, temporal: stack.env.client, smtp: stack.smtp, taskQueue: stack.taskQueue });
    const owners = Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.key, stack.people.hospital.id]));
    const s = await request(app)
      .post('/api/sprints')
      .set('Authorization', `Bearer ${stack.people.coordinator.token}`)
      .send({ participant: { localRef: 'RL-1', displayName: 'Rate limits' }, dischargeAt: new Date().toISOString(), owners });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    sprintId = s.body.sprintId;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets a ward open 200 valid links from one address, then stops 40 forged ones after 20 failures', async () => {
    const ward = freshAddress();
    const links = await mintTaskLinks(200);
    const valid: number[] = [];
    for (const token of links) valid.push((await request(app).get(`/a/${token}`).set('X-Forwarded-For', ward).set('Accept', 'text/html')).status);
    expect(valid.filter((s) => s !== 200)).toEqual([]);
    expect(valid).toHaveLength(200);

    // Acting through one of them works too: a use is not a failure.
    const browser = request.agent(app);
    const page = await browser.get(`/a/${links[0]}`).set('X-Forwarded-For', ward);
    const done = await browser
      .post(`/a/${links[0]}`)
      .set('X-Forwarded-For', ward)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'complete' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Recorded');

    const forged: number[] = [];
    for (let i = 0; i < 40; i += 1) forged.push((await request(app).get(`/a/cla_forged${i}xxxxxxxxxxxxxxxxxxxx`).set('X-Forwarded-For', ward).set('Accept', 'text/html')).status);
    expect(forged.slice(0, RATE_LIMIT_DEFAULTS.tokenPerWindow).every((s) => s === 404)).toBe(true);
    expect(forged.slice(RATE_LIMIT_DEFAULTS.tokenPerWindow)).toEqual(Array(40 - RATE_LIMIT_DEFAULTS.tokenPerWindow).fill(429));

    // Now that address is refused even a valid link, with a page that says what to do and when.
    const blocked = await request(app).get(`/a/${links[1]}`).set('X-Forwarded-For', ward).set('Accept', 'text/html');
    expect(blocked.status).toBe(429);
    expect(blocked.text).toMatch(/Wait 15 minutes/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await request(app).get(`/a/${links[1]}`).set('X-Forwarded-For', freshAddress())).status).toBe(200);
  }, 120_000);

  it('counts spent and expired links as failures, and sign-in link guesses on the same counter', async () => {
    const guesser = freshAddress();
    const [spent, expired] = await mintTaskLinks(2);
    await stack.t.db.actionToken.update({ where: { tokenHash: hashToken(spent!) }, data: { usedAt: new Date() } });
    await stack.t.db.actionToken.update({ where: { tokenHash: hashToken(expired!) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i += 1) statuses.push((await request(app).get(`/a/${i % 2 ? spent : expired}`).set('X-Forwarded-For', guesser)).status);
    for (let i = 0; i < 11; i += 1) statuses.push((await request(app).get(`/signin/cls_guess${i}xxxxxxxxxxxxxxxxxxx`).set('X-Forwarded-For', guesser)).status);
    expect(statuses.every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expect((await request(app).get(`/signin/cls_one-more-guess-xxxxxxxxxxx`).set('X-Forwarded-For', guesser)).status).toBe(429);
    const row = await stack.t.db.rateLimit.findUnique({ where: { key: `link-failures-by-address:${guesser}` } });
    expect(row?.points).toBe(20);
  });

  it('limits one link to 20 requests in the window, from any address', async () => {
    const [token] = await mintTaskLinks(1);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1) statuses.push((await request(app).get(`/a/${token}`).set('X-Forwarded-For', freshAddress())).status);
    expect(statuses.slice(0, RATE_LIMIT_DEFAULTS.tokenUsesPerWindow).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(RATE_LIMIT_DEFAULTS.tokenUsesPerWindow)).toEqual([429, 429]);
    const res = await request(app).get(`/a/${token}`).set('X-Forwarded-For', freshAddress()).set('Accept', 'application/json');
    expect(res.body.error.message).toMatch(/opened too many times/);
    // Keyed on the token's hash: the counters table never holds a token.
    expect(await stack.t.db.rateLimit.count({ where: { key: { contains: token! } } })).toBe(0);
    expect(await stack.t.db.rateLimit.findUnique({ where: { key: `link-uses-by-token:${hashToken(token!)}` } })).toMatchObject({ points: 23 });
  });

  it('limits sign-in requests to 5 per email address (from any address) and 50 per address', async () => {
    const ask = async (email: string, address: string) => {
      const agent = request.agent(app);
      const form = await agent.get('/signin').set('X-Forwarded-For', address);
      return (await agent.post('/signin').set('X-Forwarded-For', address).type('form').send({ email, _csrf: csrfFrom(form.text) })).status;
    };
    const sameEmail: number[] = [];
    for (let i = 0; i < 6; i += 1) sameEmail.push(await ask(i % 2 ? 'Someone@Care.test' : 'someone@care.test', freshAddress()));
    expect(sameEmail).toEqual([200, 200, 200, 200, 200, 429]);
    // Other people from those addresses are not affected.
    expect(await ask('someone.else@care.test', freshAddress())).toBe(200);

    const office = freshAddress();
    const fromOffice: number[] = [];
    for (let i = 0; i < 51; i += 1) fromOffice.push(await ask(`person${i}@care.test`, office));
    expect(fromOffice.slice(0, 50).every((s) => s === 200)).toBe(true);
    expect(fromOffice[50]).toBe(429);
    // The counters table holds no email address.
    expect(await stack.t.db.rateLimit.count({ where: { key: { contains: '@' } } })).toBe(0);
  }, 60_000);

  it('shares the counters between two API processes on one database', async () => {
    const other = buildTestApp({ db: stack.t.db, temporal: stack.env.client, smtp: stack.smtp, taskQueue: stack.taskQueue });
    const address = freshAddress();
    for (let i = 0; i < RATE_LIMIT_DEFAULTS.tokenPerWindow; i += 1) {
      const target = i % 2 ? app : other;
      expect((await request(target).get(`/a/cla_forged-shared-${i}-xxxxxxxxxxxxx`).set('X-Forwarded-For', address)).status).toBe(404);
    }
    expect((await request(app).get('/a/cla_forged-shared-last-xxxxxxxxxxxx').set('X-Forwarded-For', address)).status).toBe(429);
    expect((await request(other).get('/a/cla_forged-shared-last-xxxxxxxxxxxx').set('X-Forwarded-For', address)).status).toBe(429);
  });

  it('keeps a test-only in-memory store and settable figures', async () => {
    const tight = buildTestApp({ db: stack.t.db, temporal: stack.env.client, smtp: stack.smtp, taskQueue: stack.taskQueue, rateLimits: { store: 'memory', tokenPerWindow: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await request(tight).get(`/a/cla_mem-${i}-xxxxxxxxxxxxxxxxxxx`)).status);
    expect(statuses).toEqual([404, 404, 429, 429]);
  });
});
