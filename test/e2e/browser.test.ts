// A coordinator in a real browser: headless Chromium (Debian's, driven by playwright-core) against
// the real app on a real port, with the Temporal dev server, careloop's worker, real PostgreSQL
// and a real SMTP listener. A coordinator signs in by the emailed link, starts a sprint from the
// form, watches the live page, cancels it; a manager opens the dashboard and finds the overdue
// sprint at the top. Screenshots go to test-results/screenshots/browser (or SCREENSHOT_DIR).
import { statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import { sprintWorkflow } from '../../workflows';
import { instantToZonedLocal } from '../../domain/format';
import type { SmtpCapture } from '../support/smtp';
import { ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import request from 'supertest';
import type { Express } from 'express';
import { DESK, screenshotDir as screenshotsFor, signInOn, startBrowserStack, type BrowserStack } from '../support/browser';

describe('a coordinator in Chromium: sign in, start a sprint, watch it, cancel it', () => {
  let stack: BrowserStack;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let base: string;
  let browser: Browser;
  let page: Page;
  const screenshotDir = screenshotsFor('browser');
  let appForApi: Express;
  const dashboardSprints: { localRef: string; sprintId: string }[] = [];

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'browser' });
    ({ smtp, people, base, browser } = stack);
    const app = stack.app;
    appForApi = app;
    // Two sprints for the manager's dashboard, started now so the first is overdue by the time
    // the coordinator's test is done: its day-0 tasks fall due after 30 seconds, the other's in an hour.
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    for (const [i, seconds] of [30, 3600].entries()) {
      const localRef = `D${i}-${randomUUID().slice(0, 6)}`;
      const res = await request(app)
        .post('/api/sprints')
        .set('Authorization', `Bearer ${people.coordinator.token}`)
        .send({ participant: { localRef, displayName: i === 0 ? 'Olive Overdue' : 'Otto Ontime' }, dischargeAt: new Date().toISOString(), owners, timing: { dueOffsets: { '0': `PT${seconds}S`, '1': `PT${seconds * 2}S`, '2-3': `PT${seconds * 3}S` }, reminderLead: 'PT5S' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      dashboardSprints.push({ localRef, sprintId: res.body.sprintId });
    }
    const context = await browser.newContext({ viewport: DESK });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('signs in through the emailed link, starts a sprint from the form and sees its ten tasks live', async () => {
    // Sign in as a person does: the home page sends us to the form; the link arrives by email.
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await signInOn(page, base, smtp, people.coordinator);
    await page.waitForSelector('h1:has-text("Welcome, Casey Coordinator")');

    await page.click('a:has-text("Start a sprint")');
    await page.waitForSelector('h1:has-text("Start a post-discharge sprint")');
    const localRef = `P-${randomUUID().slice(0, 8)}`;
    await page.fill('[name="participant.localRef"]', localRef);
    await page.fill('[name="participant.displayName"]', 'Ada Example');
    await page.fill('[name="dischargeAt"]', instantToZonedLocal(new Date(), 'UTC'));
    for (const [key, owner] of Object.entries(ownersByDay(people))) await page.selectOption(`[name="owners.${key}"]`, owner.id);
    await page.click('summary:has-text("Timing (for tests, demos and pilots)")');
    await page.fill('[name="timing.dueOffsets.0"]', 'PT2M');
    await page.fill('[name="timing.dueOffsets.1"]', 'PT3M');
    await page.fill('[name="timing.dueOffsets.2-3"]', 'PT4M');
    await page.fill('[name="timing.reminderLead"]', 'PT30S');
    await page.screenshot({ path: path.join(screenshotDir, 'sprint-form.png'), fullPage: true });
    await page.click('button:has-text("Start the sprint")');

    await page.waitForURL(/\/sprints\/sprint-[\w-]+$/);
    const sprintId = new URL(page.url()).pathname.split('/').pop()!;
    await page.waitForSelector(`h1:has-text("${localRef} · Ada Example")`);
    expect(await page.locator('table.tasks tbody tr').count()).toBe(SPRINT_TEMPLATE.length);
    for (const task of SPRINT_TEMPLATE) {
      const row = page.locator(`tr[data-task="${task.key}"]`);
      expect(await row.locator('td').nth(1).innerText()).toBe(task.title);
      expect(await row.locator('.badge').innerText()).toBe('Open');
    }
    expect(await page.locator('tr[data-task="transport-confirmed"] td').nth(2).innerText()).toContain('Harper Homecare');
    expect(await page.locator('.sprint-figure li.chart-row .mark').count()).toBe(SPRINT_TEMPLATE.length);
    expect(await page.locator('.sprint-figure li.chart-row .task-line').first().innerText()).toMatch(/^Open due \+2 min · /);
    expect(await page.locator('.sprint-figure .chart-axis .tick-label').allTextContents()).toEqual(['discharge', '+2 min', '+3 min', '+4 min · close']);
    expect(await page.locator('#sprint-status').innerText()).toBe('Open');

    // Each owner's email went out through the worker; the timeline shows it on the next refresh.
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === sprintId, 3);
    await expect.poll(async () => (await page.reload(), await page.locator('ol.timeline').innerText()), { timeout: 15_000 }).toContain('Owners emailed');
    const livePng = path.join(screenshotDir, 'sprint-live.png');
    await page.screenshot({ path: livePng, fullPage: true });
    expect(statSync(livePng).size).toBeGreaterThan(20_000);

    // Cancel from its own page, with a reason.
    await page.click('a:has-text("Cancel this sprint")');
    await page.fill('#cancel-reason', 'Readmitted to hospital');
    await page.click('button:has-text("Cancel the sprint")');
    await page.waitForSelector('text=The sprint is cancelled.');
    expect(await page.locator('#sprint-status').innerText()).toBe('Cancelled');
    expect(await page.locator('table.tasks .badge').allInnerTexts()).toEqual(SPRINT_TEMPLATE.map(() => 'Cancelled with the sprint'));
    const final = await stack.env.client.workflow.getHandle<typeof sprintWorkflow>(sprintId).result();
    expect(final.status).toBe('cancelled');
    await page.screenshot({ path: path.join(screenshotDir, 'sprint-cancelled.png'), fullPage: true });
  });

  it('shows a manager the overdue sprint at the top of the dashboard, with its timeline', async () => {
    const [overdue, onTime] = dashboardSprints as [{ localRef: string; sprintId: string }, { localRef: string; sprintId: string }];
    // Until the first sprint's day-0 tasks pass their due time, there is nothing to find.
    await expect
      .poll(async () => (await request(appForApi).get('/api/roster').set('Authorization', `Bearer ${people.manager.token}`)).body.rows?.[0]?.flags.overdue ?? 0, { timeout: 70_000, interval: 1000 })
      .toBeGreaterThanOrEqual(3);

    // A coordinator is not a manager: the dashboard says so.
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('text=These pages are for managers and admins.');

    await page.context().clearCookies();
    await signInOn(page, base, smtp, people.manager);
    await page.waitForSelector('h1:has-text("Welcome, Morgan Manager")');
    await page.click('a:has-text("Dashboard")');
    await page.waitForSelector('h1:has-text("Who owes what next")');

    const rows = page.locator('#roster tbody tr');
    expect(await rows.first().getAttribute('data-participant')).toBe(overdue.localRef);
    expect(await rows.first().getAttribute('class')).toContain('is-overdue');
    const top = await rows.first().innerText();
    expect(top).toContain('Olive Overdue');
    expect(top).toMatch(/3 moderate escalations/);
    expect(top).toMatch(/overdue by/);
    expect(top).toContain(people.hospital.name);
    expect(await rows.nth(1).getAttribute('data-participant')).toBe(onTime.localRef);

    // One picture per open sprint, the overdue one first, its three day-0 tasks marked overdue.
    const timelines = page.locator('#timelines article.timeline');
    expect(await timelines.first().getAttribute('data-sprint')).toBe(overdue.sprintId);
    expect(await timelines.first().locator('li.chart-row.tone-overdue').count()).toBe(3);
    expect(await timelines.first().locator('li.chart-row.tone-overdue .badge').allInnerTexts()).toEqual(['Overdue', 'Overdue', 'Overdue']);
    expect(await timelines.nth(1).getAttribute('data-sprint')).toBe(onTime.sprintId);
    expect(await page.locator('#live tbody tr').count()).toBeGreaterThanOrEqual(2);
    const png = path.join(screenshotDir, 'dashboard.png');
    await page.screenshot({ path: png, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(20_000);

    // The evidence report opens from the dashboard.
    await page.click('a:has-text("Evidence report")');
    await page.waitForSelector('h1:has-text("Timeliness evidence")');
    for (const s of dashboardSprints) {
      await request(appForApi).post(`/api/sprints/${s.sprintId}/cancel`).set('Authorization', `Bearer ${people.coordinator.token}`).send({ reason: 'test done' });
    }
  }, 120_000);
});
