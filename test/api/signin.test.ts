import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { buildTestApp, createAgency, createStaff, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { csrfFrom } from '../support/html';


function linkIn(text: string): string {
  const m = text.match(/http:\/\/careloop\.test(\/signin\/[\w-]+)/);
  if (!m) throw new Error(`no sign-in link in: ${text}`);
  return m[1]!;
}

describe('web sign-in by emailed one-time link (real PostgreSQL and SMTP)', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let app: Express;

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    // Sign-in never talks to Temporal; an unreachable client proves it.
    app = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp, rateLimits: { signinPerWindow: 5, tokenPerWindow: 100 } });
    const agency = await createAgency(t.db);
    await createStaff(t.db, { email: 'wren@hospital.test', name: 'Wren <Nurse>', roles: ['staff'], agencyId: agency.id });
  });
  afterAll(async () => {
    await t?.drop();
    await smtp?.stop();
  });

  async function requestLink(agent: ReturnType<typeof request.agent>, email: string) {
    const form = await agent.get('/signin');
    return agent.post('/signin').type('form').send({ email, _csrf: csrfFrom(form.text) });
  }

  it('sends pages that need a session to the sign-in form', async () => {
    const res = await request(app).get('/').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signin?next=%2F');
  });

  it('emails a link; opening it changes nothing; confirming it starts a session', async () => {
    const agent = request.agent(app);
    const asked = await requestLink(agent, 'Wren@Hospital.test');
    expect(asked.status).toBe(200);
    expect(asked.text).toMatch(/Check your email/);
    const [mail] = await smtp.waitFor((m) => m.to.includes('wren@hospital.test'));
    expect(mail!.subject).toBe('Your careloop sign-in link');
    const link = linkIn(mail!.text);

    // A mail scanner fetching the link twice spends nothing.
    const view1 = await request(app).get(link);
    const view2 = await agent.get(link);
    expect(view1.status).toBe(200);
    expect(view2.status).toBe(200);
    expect(view2.text).toContain('Wren &lt;Nurse&gt;'); // escaped, never raw markup
    expect(await t.db.session.count()).toBe(0);

    const confirmed = await agent.post(link).type('form').send({ _csrf: csrfFrom(view2.text) });
    expect(confirmed.status).toBe(303);
    const cookie = String(confirmed.headers['set-cookie']);
    expect(cookie).toMatch(/careloop_session=css_/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(await t.db.session.count()).toBe(1);

    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Welcome, Wren &lt;Nurse&gt;');

    // The link is spent: opening or confirming it again is refused with a clear page.
    const reopened = await agent.get(link).set('Accept', 'text/html');
    expect(reopened.status).toBe(410);
    expect(reopened.text).toMatch(/already been used/);
    const again = await agent.post(link).type('form').send({ _csrf: csrfFrom(home.text) });
    expect(again.status).toBe(410);
    expect(await t.db.session.count()).toBe(1);

    // Signing out ends the session.
    const out = await agent.post('/signout').type('form').send({ _csrf: csrfFrom(home.text) });
    expect(out.status).toBe(303);
    expect((await agent.get('/')).status).toBe(303);
  });

  it('answers an unknown address exactly as a known one, and sends nothing', async () => {
    const before = smtp.messages.length;
    const res = await requestLink(request.agent(app), 'nobody@nowhere.test');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/If nobody@nowhere\.test belongs to a careloop account/);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.length).toBe(before);
  });

  it('shows the field problem next to the field for a bad address', async () => {
    const res = await requestLink(request.agent(app), 'not-an-email<script>');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/class="field-error"><span class="visually-hidden">Error:<\/span> Enter your work email address/);
    // GOV.UK's pattern: the summary links the field, "Error:" leads the title, what was typed stays.
    expect(res.text).toContain('<a href="#email">Enter your work email address, like name@agency.org</a>');
    expect(res.text).toContain('<title>Error: Sign in · careloop</title>');
    expect(res.text).toContain('value="not-an-email&lt;script&gt;"');
    expect(res.text).toContain('aria-invalid="true" aria-describedby="email-error"');
    expect(res.text).not.toContain('<script>');
  });

  it('refuses a form without its CSRF token', async () => {
    const res = await request(app).post('/signin').type('form').send({ email: 'wren@hospital.test' }).set('Accept', 'text/html');
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/Reload the page/);
  });

  it('refuses forged and expired links with a 4xx page', async () => {
    const forged = await request(app).get('/signin/cls_forgedforgedforgedforged').set('Accept', 'text/html');
    expect(forged.status).toBe(404);
    expect(forged.text).toMatch(/not valid/);

    const agent = request.agent(app);
    await requestLink(agent, 'wren@hospital.test');
    const mails = await smtp.waitFor((m) => m.to.includes('wren@hospital.test'), 2);
    const link = linkIn(mails[1]!.text);
    await t.db.actionToken.updateMany({ where: { purpose: 'signin', usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await agent.get(link).set('Accept', 'text/html');
    expect(expired.status).toBe(410);
    expect(expired.text).toMatch(/expired/);
  });

  it('rate-limits repeated sign-in requests from one address', async () => {
    const limited = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp, rateLimits: { signinPerWindow: 2 } });
    const agent = request.agent(limited);
    // Counters are shared through the database: knock from an address no other test used.
    const address = '198.51.100.7';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const form = await agent.get('/signin').set('X-Forwarded-For', address);
      statuses.push((await agent.post('/signin').set('X-Forwarded-For', address).type('form').send({ email: `guess${i}@nowhere.test`, _csrf: csrfFrom(form.text) })).status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});
