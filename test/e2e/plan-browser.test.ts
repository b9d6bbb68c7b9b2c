// A coordinator with no API token and no database access creates a plan, publishes a change,
// resolves a stale-base conflict and sees the acknowledgements, in a real browser on a
// phone-sized screen: headless Chromium (Debian's, driven by playwright-core) at 375 px against
// the real app on a real port, with the Temporal dev server, careloop's worker, real PostgreSQL
// and a real SMTP listener. The conflicting change comes from a second editor through the API in
// between. No page may scroll sideways (at 375 or 1280 px), link to /api/, fail axe's WCAG 2.2 AA rules
// or show a raw code. Screenshots of each width go to test-results/screenshots/plan-browser (or
// SCREENSHOT_DIR).
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanContent } from '../../domain/plan';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { describeProblems, lookAt, phoneContext, screenshotDir as screenshotsFor, signInFromForm, startBrowserStack, type BrowserStack } from '../support/browser';


describe('a coordinator with no API token creates a plan and changes it in Chromium at 375 px', () => {
  let stack: BrowserStack;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let base: string;
  let browser: Browser;
  let page: Page;
  let coordinator: { id: string; email: string; name: string };
  const screenshotDir = screenshotsFor('plan-browser');

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'plan-browser' });
    ({ t, smtp, people, app, base, browser } = stack);
    // A coordinator who has never had an API token: the pages are all they have.
    coordinator = await t.db.staff.create({ data: { email: `pia.${randomUUID().slice(0, 6)}@care.test`, name: 'Pia Planner', roles: ['coordinator'], agencyId: people.coordinator.agencyId }, select: { id: true, email: true, name: true } });
    page = await (await phoneContext(browser)).newPage();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The page fits the phone and the desk, links nothing to /api/, passes axe, reads words not codes; a picture of each width. */
  async function fits(name: string, on: Page = page) {
    const problems = await lookAt(on, name, screenshotDir);
    expect(problems, describeProblems(problems)).toEqual([]);
  }

  /** Submits the plan form with one of its buttons and waits for the page that comes back. */
  async function press(button: string) {
    await Promise.all([page.waitForLoadState('domcontentloaded'), page.waitForNavigation(), page.click(`button:has-text("${button}")`)]);
  }

  it('signs in by the emailed link, creates a plan with the form, publishes a change, re-applies it over a change published in between, and sees who has acknowledged', async () => {
    expect((await t.db.staff.findUniqueOrThrow({ where: { id: coordinator.id } })).apiTokenHash).toBeNull();
    const ref = `P-${randomUUID().slice(0, 8)}`;

    await page.goto(`${base}/plans/new?participant=${ref}`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await signInFromForm(page, base, smtp, coordinator);
    await page.waitForSelector('h1:has-text("Create a plan")');
    expect(await page.inputValue('#f-localRef')).toBe(ref);
    await fits('create-empty');

    // One of each item, added with its button; the form comes back with what was typed.
    await page.fill('#f-displayName', 'Ada Example');
    await press('Add a goal');
    await page.fill('#f-goal-0-text', 'Stay safely at home after discharge');
    await press('Add a risk');
    await page.fill('#f-risk-0-description', 'Falls at night');
    await press('Add a crisis trigger');
    await page.fill('#f-trigger-0', 'Refuses medication two days running');
    await press('Add a service contact');
    await page.selectOption('#f-contact-0-agency', people.homecare.agencyId);
    await page.fill('#f-contact-0-name', 'Riverside duty line');
    await page.fill('#f-contact-0-phone', '0100 000 000');
    await press('Add an action');
    await page.fill('#f-action-0-description', 'Night-time check call');
    await page.selectOption('#f-action-0-agency', people.homecare.agencyId);
    await page.selectOption('#f-action-0-owner', people.homecare.id);
    await page.fill('#f-action-0-due', '2026-12-01');
    expect(await page.inputValue('#f-displayName')).toBe('Ada Example');
    expect(await page.inputValue('#f-goal-0-text')).toBe('Stay safely at home after discharge');
    await fits('create-filled');

    // The risk's level forgotten: the problem at the top, a link to the field.
    await press('Create the plan');
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary li').allInnerTexts()).toEqual(['Choose the level of risk 1.']);
    await fits('create-error');
    await page.click('.error-summary a:has-text("Choose the level of risk 1.")');
    await page.selectOption('#f-risk-0-level', 'high');
    await press('Create the plan');
    await page.waitForSelector('text=The plan is created: version 1.');
    const planId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.locator('#risks').innerText()).toContain('High Falls at night');
    expect(await page.locator('#actions').innerText()).toMatch(/Night-time check call[\s\S]*Harper Homecare[\s\S]*1 December 2026/);
    await fits('plan-v1');

    // Publish a change: the risk goes up, a second action; it needs acknowledging.
    await page.click('a.button:has-text("Publish a change")');
    await page.waitForSelector('h1:has-text("Publish a change")');
    await fits('change-form');
    await page.selectOption('#f-risk-0-level', 'acute');
    await press('Add another action');
    await page.fill('#f-action-1-description', 'Medication review');
    await page.selectOption('#f-action-1-agency', people.hospital.agencyId);
    await page.selectOption('#f-action-1-owner', people.hospital.id);
    await page.fill('#f-reason', 'Two falls this week');
    await page.check('#f-trigger');
    await page.check('#f-ack');

    // Meanwhile a colleague publishes version 2 through the API: a new goal wording and a crisis trigger.
    const v1 = (await t.db.planVersion.findFirstOrThrow({ where: { planId, number: 1 } })).content as unknown as PlanContent;
    const theirs = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set('Authorization', `Bearer ${people.coordinator.token}`)
      .send({ baseVersion: 1, content: { ...v1, goals: [{ id: 'g1', text: 'Stay at home with family support' }], crisisTriggers: [...v1.crisisTriggers, 'Stops answering the door'] }, reason: 'Daughter moved in', trigger: 'risk_change', acknowledgementRequired: false });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);

    await press('Publish the change');
    await page.waitForSelector('h2:has-text("Someone published a newer version while you were editing")');
    const conflict = await page.locator('#conflict').innerText();
    expect(conflict).toContain('Goal reworded: "Stay safely at home after discharge" → "Stay at home with family support"');
    expect(conflict).toContain('Crisis trigger added: "Stops answering the door"');
    expect(conflict).toContain('Risk "Falls at night": level raised from high to acute');
    expect(conflict).toContain('Action added: "Medication review"');
    // axe: the conflict page's Cancel link (.form-end > a) is 19 px tall at 375 px (target-size), a product fault.
    await fits('change-conflict');

    await press('Re-apply my changes to version 2');
    await page.waitForSelector('text=Your changes are re-applied on version 2');
    expect(await page.locator('.reapplied').innerText()).toContain('None of your edits clashed with version 2.');
    expect(await page.inputValue('#f-goal-0-text')).toBe('Stay at home with family support');
    expect(await page.inputValue('#f-risk-0-level')).toBe('acute');
    expect(await page.inputValue('#f-action-1-description')).toBe('Medication review');
    expect(await page.inputValue('#f-reason')).toBe('Two falls this week');
    await fits('change-reapplied');
    await press('Publish the change');
    await page.waitForSelector('text=The change is published.');
    expect(await page.locator('#plan-version').innerText()).toMatch(/^3, .* by Pia Planner$/);
    const content = (await t.db.planVersion.findFirstOrThrow({ where: { planId, number: 3 } })).content as unknown as PlanContent;
    expect(content).toMatchObject({ goals: [{ text: 'Stay at home with family support' }], risks: [{ level: 'acute' }], crisisTriggers: ['Refuses medication two days running', 'Stops answering the door'] });
    expect(content.controls.map((c) => c.description)).toEqual(['Night-time check call', 'Medication review']);

    // The acknowledgements of version 3: who, and that nobody has yet; the plan-holder reminds them now.
    const acks = page.locator('table.acks[data-version="3"]');
    await acks.waitFor();
    const rows = await acks.locator('tbody tr').allInnerTexts();
    expect(rows.join('\n')).toContain(people.homecare.name);
    expect(rows.join('\n')).toContain(people.hospital.name);
    expect(rows.every((r) => /Waiting/.test(r))).toBe(true);
    await fits('plan-v3-acknowledgements');
    await page.click('button:has-text("Remind now")');
    await page.waitForSelector('text=A reminder is on its way to everyone still to acknowledge.');
    await smtp.waitFor((m) => m.to.includes(people.hospital.email) && /careloop reminder: acknowledge version 3/.test(m.subject));
    // Wren acknowledges by API; the table says so on the next look.
    await request(app).post(`/api/plans/${planId}/versions/3/acknowledge`).set('Authorization', `Bearer ${people.hospital.token}`).send({});
    await page.goto(`${base}/plans/${planId}`);
    const hospitalRow = await acks.locator(`tr[data-staff="${people.hospital.id}"]`).innerText();
    expect(hospitalRow).toMatch(/Acknowledged/);
    expect(await acks.locator(`tr[data-staff="${people.homecare.id}"]`).innerText()).toMatch(/Waiting\s+1 reminder sent/);
    await fits('plan-v3-acknowledged');

    // The history's link opens what changed in version 3, in words.
    await page.click('a:has-text("What changed in version 3")');
    await page.waitForSelector('h1:has-text("What changed from version 2 to version 3")');
    expect(await page.locator('main').innerText()).toContain('Action added: "Medication review"');
    await fits('diff-2-3');
    await page.goto(`${base}/plans/${planId}`);
    await fits('plan-v3');
    await page.goto(`${base}/plans/${planId}/change`);
    await fits('change-form');
    planIdForConsent = planId;
  }, 120_000);

  let planIdForConsent = '';

  it('records the person’s consent and hands the plan over with their forms; someone outside the care team then sees only the consented part', async () => {
    expect(planIdForConsent, 'the first test made the plan').not.toBe('');
    const planId = planIdForConsent;
    await page.goto(`${base}/plans/${planId}`);
    await page.click('a.button:has-text("Record consent")');
    await page.waitForSelector('h1:has-text("Record the person’s consent")');
    await fits('consent-form');
    await page.click('button:has-text("Record consent")');
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary li').allInnerTexts()).toEqual(['Say whether the person consents.', 'Say how the person gave or withdrew their consent.']);
    await fits('consent-form-errors');
    await page.check('#f-given');
    await page.check('#f-scope');
    await page.check('#f-scope-crisisTriggers');
    await page.check('#f-how');
    await page.fill('#f-note', 'Agreed at the home visit, her daughter present');
    await page.click('button:has-text("Record consent")');
    await page.waitForSelector('text=The person’s consent is recorded.');
    expect(await page.locator('#sharing').innerText()).toContain('The person consented to share their goals and crisis triggers beyond the care team.');
    expect(await page.locator('#history').innerText()).toContain('Consent recorded by Pia Planner, in person');

    // Someone outside the care team, in a browser of their own: the consented part only.
    const outsider = await phoneContext(browser);
    const other = await outsider.newPage();
    await other.goto(`${base}/plans/${planId}`);
    await signInFromForm(other, base, smtp, people.outsider);
    await other.waitForSelector('text=You are not in this person’s care team.');
    const shared = await other.locator('main').innerText();
    expect(shared).toContain('Stay at home with family support');
    expect(shared).toContain('Stops answering the door');
    expect(shared).not.toContain('Falls at night');
    expect(shared).not.toContain('Medication review');
    await fits('shared-outsider', other);
    await outsider.close();

    // Handover to a colleague in the team: the form, its problem, and the plan's new holder.
    await page.goto(`${base}/plans/${planId}`);
    await page.click('a.button:has-text("Hand over the plan")');
    await page.waitForSelector('h1:has-text("Hand over the plan")');
    await fits('handover-form');
    await page.selectOption('#f-planHolderId', people.manager.id);
    await page.click('button:has-text("Hand over the plan")');
    await page.waitForSelector('.error-summary a:has-text("Say why the plan is changing hands.")');
    await fits('handover-errors');
    await page.fill('#f-reason', 'Pia moves to the night team');
    await page.click('button:has-text("Hand over the plan")');
    await page.waitForSelector('text=The plan has a new plan-holder.');
    expect(await page.locator('#plan-holder').innerText()).toMatch(/^Morgan Manager/);
    await smtp.waitFor((m) => m.to.includes(people.manager.email) && /you now hold the plan/.test(m.subject));
    await fits('plan-after-handover');
  }, 90_000);
});
