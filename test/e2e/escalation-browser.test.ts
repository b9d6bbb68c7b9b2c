// A chair with no API token works an escalation from raise to resolved in a real browser on a
// phone-sized screen: headless Chromium (Debian's, driven by playwright-core) at 375 px against
// the real app on a real port, with the Temporal dev server, careloop's worker, real PostgreSQL
// and a real SMTP listener. No page may scroll sideways (at 375 or 1280 px), link to /api/, fail
// axe's WCAG 2.2 AA rules or show a raw code. Then a manager's roster and dashboard open the
// escalation's page, and no page links to /api/. Screenshots of each width go to
// test-results/screenshots/escalation-browser (or SCREENSHOT_DIR).
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { createParticipant, type SprintPeople } from '../support/sprint-fixture';
import { signInAs } from '../support/signin';
import { describeProblems, lookAt, phoneContext, screenshotDir as screenshotsFor, signInOn, startBrowserStack, type BrowserStack } from '../support/browser';


describe('a chair with no API token works an escalation in Chromium at 375 px', () => {
  let stack: BrowserStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let base: string;
  let browser: Browser;
  let page: Page;
  let chair: { id: string; email: string; name: string };
  let participant: { id: string; localRef: string };
  const screenshotDir = screenshotsFor('escalation-browser');

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'escalation-browser' });
    ({ env, t, smtp, people, app, base, browser } = stack);
    // A coordinator who has never had an API token: the pages are all they have.
    chair = await t.db.staff.create({ data: { email: `cleo.${randomUUID().slice(0, 6)}@care.test`, name: 'Cleo Chair', roles: ['coordinator'], agencyId: people.coordinator.agencyId }, select: { id: true, email: true, name: true } });
    participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    page = await (await phoneContext(browser)).newPage();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The page fits the phone and the desk, links nothing to /api/, passes axe, reads words not codes; a picture of each width. */
  async function fits(name: string) {
    const problems = await lookAt(page, name, screenshotDir);
    expect(problems, describeProblems(problems)).toEqual([]);
  }

  it('signs in by the emailed link, raises a moderate escalation with the form, takes ownership, records the response and the outcome', async () => {
    expect((await t.db.staff.findUniqueOrThrow({ where: { id: chair.id } })).apiTokenHash).toBeNull();

    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await signInOn(page, base, smtp, chair);
    await page.waitForSelector('h1:has-text("Welcome, Cleo Chair")');
    await fits('home');

    // Nothing yet: the list says so in words, and offers the form.
    await page.click('a:has-text("Escalations you chair or respond to")');
    await page.waitForSelector('h1:has-text("Escalations")');
    expect(await page.locator('main').innerText()).toContain('Nothing waiting on you');
    await fits('list-empty');
    await page.click('a:has-text("Raise an escalation")');
    await page.waitForSelector('h1:has-text("Raise an escalation")');
    await fits('raise-form');

    // Sent empty: the problems at the top, each a link to its field.
    await page.click('button:has-text("Raise the escalation")');
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary li').allInnerTexts()).toEqual(['Enter the participant’s local reference', 'Choose a risk level', 'Say what triggered the escalation']);
    await fits('raise-form-errors');
    await page.click('.error-summary a:has-text("Choose a risk level")');
    await page.fill('#f-participantLocalRef', participant.localRef);
    await page.check('input[name="riskLevel"][value="moderate"]');
    await page.fill('#f-trigger', 'Two missed home care visits');
    await page.fill('#f-description', 'Visits on Monday and Tuesday were missed; the family called.');
    await page.click('button:has-text("Raise the escalation")');

    await page.waitForURL(/\/escalations\/escalation-[\w-]+\?done=raised$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await page.waitForSelector('text=The escalation is raised.');
    // careloop finds the chair (the raiser, a coordinator) and records the escalation; then the step is offered.
    await expect.poll(async () => (await page.goto(`${base}/escalations/${id}`), await page.locator('a.button:has-text("Take ownership")').count()), { timeout: 20_000, interval: 500 }).toBe(1);
    expect(await page.locator('#escalation-status').innerText()).toBe('Waiting for the chair to take ownership');
    await fits('escalation-open');

    await page.click('a.button:has-text("Take ownership")');
    await page.waitForSelector('h1:has-text("Take ownership")');
    await fits('step-acknowledge');
    await page.click('button:has-text("I take ownership")');
    await page.waitForSelector('text=You have taken ownership of this escalation.');
    expect(await page.locator('ul.windows li').first().innerText()).toMatch(/Met: taken by Cleo Chair/);
    await fits('escalation-acknowledged');

    await page.click('a.button:has-text("Record the response action")');
    await page.waitForSelector('h1:has-text("Record the response action")');
    // Sent empty, it says what to write and keeps the page.
    await page.click('button:has-text("Record the response action")');
    await page.waitForSelector('.error-summary a:has-text("Say what response action was taken")');
    await fits('step-respond-error');
    await page.fill('#f-responseAction', 'Joint visit with home care booked for tomorrow 10:00');
    await page.click('button:has-text("Record the response action")');
    await page.waitForSelector('text=The response action is recorded.');
    await fits('escalation-responded');

    await page.click('a.button:has-text("Record the outcome and resolve")');
    await page.waitForSelector('h1:has-text("Record the outcome and resolve")');
    await page.fill('#f-outcome', 'Visits back on schedule; the family is content');
    await fits('step-resolve');
    await page.click('button:has-text("Record the outcome and resolve")');
    await page.waitForSelector('text=The outcome is recorded and the escalation is resolved.');
    expect(await page.locator('#escalation-status').innerText()).toBe('Resolved');
    const record = await page.locator('main').innerText();
    expect(record).toContain('Joint visit with home care booked for tomorrow 10:00');
    expect(record).toContain('Visits back on schedule; the family is content');
    await fits('escalation-resolved');

    await env.client.workflow.getHandle(id).result();
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'resolved', resolvedBy: 'chair', chairId: chair.id, acknowledgedOnTime: true, respondedOnTime: true, resolvedOnTime: true });

    // The list shows it among the resolved.
    await page.goto(`${base}/escalations?status=resolved`);
    expect(await page.locator(`tr[data-escalation="${id}"]`).count()).toBe(1);
    await fits('list-resolved');
  }, 120_000);

  it('opens the escalation’s page from the manager’s roster and dashboard, and links nothing to /api/', async () => {
    const raised = await request(app)
      .post('/api/escalations')
      .set('Authorization', `Bearer ${people.coordinator.token}`)
      .send({ participantLocalRef: participant.localRef, riskLevel: 'high', trigger: 'Fall at home' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    const id = raised.body.escalationId as string;
    // Visibility catches up with the workflow's search attributes.
    await expect
      .poll(async () => JSON.stringify((await request(app).get('/api/roster').set('Authorization', `Bearer ${people.manager.token}`)).body), { timeout: 20_000, interval: 500 })
      .toContain(`"href":"/escalations/${id}"`);
    const manager = await signInAs(app, smtp, people.manager.email);
    for (const url of ['/roster', '/dashboard']) {
      const res = await manager.get(url);
      expect(res.status).toBe(200);
      expect(res.text, url).toContain(`href="/escalations/${id}"`);
      expect(res.text, url).not.toMatch(/href="\/api\//);
    }
    const list = await manager.get('/escalations');
    expect(list.text).toContain(`<a href="/escalations/${id}">Fall at home</a>`);
    await request(app).post(`/api/escalations/${id}/acknowledge`).set('Authorization', `Bearer ${people.manager.token}`).send({});
  }, 60_000);
});
