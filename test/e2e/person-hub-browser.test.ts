// A coordinator with no API token finds a person and opens their page in a real browser on a
// phone-sized screen: headless Chromium (Debian's, driven by playwright-core) at 375 px against
// the real app on a real port, with the Temporal dev server, careloop's worker, real PostgreSQL
// and a real SMTP listener. No page may scroll sideways (at 375 or 1280 px) or link to
// /api/, fail axe's WCAG 2.2 AA rules or show a raw code. Screenshots of each width go to
// test-results/screenshots/person-hub-browser (or SCREENSHOT_DIR).
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { recordAuditEvent } from '../../record/audit';
import { DESK, describeProblems, lookAt, phoneContext, screenshotDir as screenshotsFor, signInOn, startBrowserStack, type BrowserStack } from '../support/browser';


describe('a coordinator finds a person and opens their page in Chromium at 375 px', () => {
  let stack: BrowserStack;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let base: string;
  let browser: Browser;
  let page: Page;
  let coordinator: { id: string; email: string; name: string };
  const localRef = newLocalRef();
  const displayName = 'Theodora Featherstonehaugh-Montgomery';
  const screenshotDir = screenshotsFor('person-hub-browser');
  const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'person-hub-browser' });
    ({ t, smtp, people, app, base, browser } = stack);
    // A coordinator who has never had an API token: the pages are all they have.
    coordinator = await t.db.staff.create({ data: { email: `cora.${randomUUID().slice(0, 6)}@care.test`, name: 'Cora Coordinator', roles: ['coordinator'], agencyId: people.coordinator.agencyId }, select: { id: true, email: true, name: true } });

    // Set up through the API by a colleague: a plan (which puts the county in the care team), a sprint and an escalation.
    const plan = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef, displayName }, content: planContent(people) });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    const v2 = planContent(people, { risks: [{ id: 'r1', description: 'Falls at night', level: 'acute' }] });
    const change = await request(app).post(`/api/plans/${plan.body.planId}/versions`).set(bearer(people.coordinator)).send({ baseVersion: 1, content: v2, reason: 'Falls increased', trigger: 'risk_change', acknowledgementRequired: true });
    expect(change.status, JSON.stringify(change.body)).toBe(201);
    const participantId = plan.body.participantId as string;
    const disputeId = `dispute-${randomUUID()}`;
    await t.db.dispute.create({
      data: { id: disputeId, participantId, raisedById: people.coordinator.id, interimOwnerId: people.homecare.id, partyAgencyIds: [people.coordinator.agencyId, people.homecare.agencyId], agreementVersion: 'test', raisedAt: new Date(), status: 'open', stage: 1, stages: [] },
    });
    await recordAuditEvent(t.db, { actor: people.coordinator.name, actorId: people.coordinator.id, action: 'dispute.raised', process: 'dispute', workflowId: disputeId, item: 'stage-1', participantId, data: { subject: 'Who funds the night-time check call after the second fall' } });
    // More than a page of the audit trail, so the pager shows.
    for (let i = 0; i < 50; i += 1) {
      await recordAuditEvent(t.db, { actor: people.hospital.name, actorId: people.hospital.id, action: 'task.note-added', process: 'sprint', item: 'equipment-needs-validated', participantId, reason: 'Occupational therapist booked a home visit for the bath board and the bed lever', data: { channel: 'email-reply' } });
    }
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const sprint = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send({ participant: { localRef, displayName }, dischargeAt: new Date(Date.now() - 3600_000).toISOString(), owners });
    expect(sprint.status, JSON.stringify(sprint.body)).toBe(201);
    const raised = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: localRef, riskLevel: 'high', trigger: 'Fall at home overnight, found by the carer at 07:00' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);

    page = await (await phoneContext(browser)).newPage();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** The page fits the phone and the desk, links nothing to /api/, passes axe, reads words not codes; a picture of each width. */
  async function fits(name: string) {
    const problems = await lookAt(page, name, screenshotDir);
    expect(problems, describeProblems(problems)).toEqual([]);
  }

  it('signs in by the emailed link, searches by reference, opens the person’s page and the care-team form, all without sideways scrolling', async () => {
    expect((await t.db.staff.findUniqueOrThrow({ where: { id: coordinator.id } })).apiTokenHash).toBeNull();

    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await signInOn(page, base, smtp, coordinator);
    await page.waitForSelector('h1:has-text("Welcome, Cora Coordinator")');
    await fits('home');

    await page.click('a:has-text("People")');
    await page.waitForSelector('h1:has-text("People")');
    await fits('people');
    // Part of the reference, in lower case: the person is found.
    await page.fill('#f-q', localRef.slice(2).toLowerCase());
    await page.click('button:has-text("Search")');
    await page.waitForSelector(`li[data-participant="${localRef}"]`);
    expect(await page.locator('main').innerText()).toContain(displayName);
    await fits('people-search');

    await page.click(`li[data-participant="${localRef}"] a`);
    await page.waitForSelector(`h1:has-text("${localRef}")`);
    const hub = await page.locator('main').innerText();
    expect(hub).toContain(displayName);
    expect(hub).toMatch(/Plan-holder\s*Casey Coordinator/);
    expect(hub).toContain('Fall at home overnight, found by the carer at 07:00');
    expect(hub).toContain('Audit trail');
    expect(await page.locator('#sprints a[href^="/sprints/sprint-"]').count()).toBe(1);
    expect(await page.locator('a.button:has-text("Raise an escalation")').count()).toBe(1);
    expect(await page.locator('a.button:has-text("Start a sprint")').count()).toBe(1);
    expect(hub).toMatch(/Not yet acknowledged by: (Harper Homecare, Wren Nurse|Wren Nurse, Harper Homecare)/);
    expect(hub).toContain('Who funds the night-time check call after the second fall');
    await fits('person');

    // The older half of the audit trail.
    await page.click('a[rel="next"]:has-text("Older events")');
    await page.waitForSelector('text=Page 2 of 2');
    expect(await page.locator('ol.audit-timeline li').count()).toBeGreaterThan(0);
    await fits('person-audit-page-2');
    await page.click('a[rel="prev"]:has-text("Newer events")');
    await page.waitForSelector('text=Page 1 of 2');

    await page.click('a:has-text("Add to the care team")');
    await page.waitForSelector('h1:has-text("Add to the care team")');
    await page.click('button:has-text("Add to the care team")');
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary li').allInnerTexts()).toEqual(['Choose an agency or a person who joins the care team', 'Say why they join the care team (at least 3 characters)']);
    await fits('care-team-add-errors');

    await page.setViewportSize(DESK);
    await page.goto(`${base}${new URL(page.url()).pathname.replace(/\/care-team\/add$/, '')}`);
    await page.waitForSelector(`h1:has-text("${localRef}")`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(DESK.width);
    await page.screenshot({ path: path.join(screenshotDir, 'person-1280.png'), fullPage: true });
  }, 120_000);
});
