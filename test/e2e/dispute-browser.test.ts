// A dispute goes from raise to resolution with a decline and a counter-proposal entirely in a
// real browser on a phone-sized screen, with no API token: headless Chromium (Debian's, driven by
// playwright-core) at 375 px against the real app on a real port, with the Temporal dev server,
// careloop's worker, real PostgreSQL and a real SMTP listener. The raiser works signed in; the
// other agency's representative and the interim owner work only by the links in their emails; a
// manager's huddle roster opens the dispute's page.
// No page may scroll sideways (at 375 or 1280 px), link to /api/, fail axe's WCAG 2.2 AA rules
// or show a raw code. Screenshots of each width go to test-results/screenshots/dispute-browser (or
// SCREENSHOT_DIR).
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { disputeStateQuery, disputeWorkflow } from '../../workflows';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { createParticipant, type SprintPeople } from '../support/sprint-fixture';
import { describeProblems, lookAt, phoneContext, screenshotDir as screenshotsFor, signInByEmail, signInFromForm, startBrowserStack, type BrowserStack } from '../support/browser';


describe('a dispute from raise to resolution, with a decline and a counter-proposal, in Chromium at 375 px with no API token', () => {
  let stack: BrowserStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let base: string;
  let browser: Browser;
  let raiserContext: BrowserContext;
  let linkContext: BrowserContext;
  let raiserPage: Page;
  let linkPage: Page;
  let raiser: { id: string; email: string; name: string };
  let interimOwner: { id: string; email: string; name: string };
  let manager: { id: string; email: string; name: string };
  let participant: { id: string; localRef: string };
  const screenshotDir = screenshotsFor('dispute-browser');

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'dispute-browser' });
    ({ env, t, smtp, people, base, browser } = stack);
    const tag = randomUUID().slice(0, 6);
    // Staff who have never had an API token: the pages and the links are all they have.
    raiser = await t.db.staff.create({ data: { email: `wren.${tag}@care.test`, name: 'Wren Ward', roles: ['staff'], agencyId: people.hospital.agencyId }, select: { id: true, email: true, name: true } });
    interimOwner = await t.db.staff.create({ data: { email: `ivy.${tag}@care.test`, name: 'Ivy Interim', roles: ['staff'], agencyId: people.homecare.agencyId }, select: { id: true, email: true, name: true } });
    manager = await t.db.staff.create({ data: { email: `hana.${tag}@care.test`, name: 'Hana Manager', roles: ['manager'], agencyId: people.hospital.agencyId }, select: { id: true, email: true, name: true } });
    participant = await createParticipant(t.db, [people.hospital.agencyId, people.homecare.agencyId]);
    [raiserContext, linkContext] = await Promise.all([phoneContext(browser), phoneContext(browser)]);
    [raiserPage, linkPage] = await Promise.all([raiserContext.newPage(), linkContext.newPage()]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The page fits the phone and the desk, links nothing to /api/, passes axe, reads words not codes; a picture of each width. */
  async function fits(page: Page, name: string) {
    const problems = await lookAt(page, name, screenshotDir);
    expect(problems, describeProblems(problems)).toEqual([]);
  }
  const mailFor = async (to: string, subject: RegExp) => (await smtp.waitFor((m) => m.to.includes(to) && subject.test(m.subject)))[0]!;
  const linkIn = (text: string) => `${base}${text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!}`;
  const mainText = (page: Page) => page.locator('main').innerText();

  it('is raised on the form, answered by link with a position, a decline and a counter-proposal, and resolved on the page', async () => {
    const page = raiserPage;
    // Signed in by the emailed link, as a person does.
    await page.goto(`${base}/`);
    await signInFromForm(page, base, smtp, raiser);
    await page.waitForSelector('h1:has-text("Welcome, Wren Ward")');

    // The list, empty; the raise form, the person first.
    await page.click('a[href="/disputes"]');
    await page.waitForSelector('h1:has-text("Disputes")');
    expect(await mainText(page)).toContain('No open dispute names you or your agency');
    await fits(page, 'list-empty');
    await page.click('a:has-text("Raise a dispute")');
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('.error-summary a:has-text("Enter the participant’s local reference")');
    await fits(page, 'raise-person-error');
    await page.fill('#f-participantLocalRef', participant.localRef);
    await page.click('button:has-text("Continue")');
    await page.waitForSelector(`h1:has-text("Raise a dispute about ${participant.localRef}")`);
    await fits(page, 'raise-form');

    // Sent empty: every problem at the top, each a link to its field, in the form's order.
    await page.click('button:has-text("Raise the dispute")');
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary li').allInnerTexts()).toEqual([
      'Choose at least one agency you dispute with',
      'Choose the interim owner of the step',
      'Say what the dispute is about',
      'Name the step in dispute',
      'Say what is disputed',
      'Say what outcome your agency seeks',
    ]);
    await fits(page, 'raise-form-errors');
    await page.fill('#f-subject', 'Who arranges the first home visit');
    await page.click('.error-summary a:has-text("Choose at least one agency you dispute with")');
    const homecareName = (await t.db.agency.findUniqueOrThrow({ where: { id: people.homecare.agencyId } })).name;
    await page.check(`fieldset.dispute-checks label:has-text("${homecareName}")`);
    await page.selectOption('#f-interimOwnerId', interimOwner.id);
    // The words typed are kept.
    expect(await page.inputValue('#f-subject')).toBe('Who arranges the first home visit');
    await page.fill('#f-step', 'First home visit confirmed');
    await page.fill('#f-description', 'Home care says the ward arranges the first visit; the ward says home care does.');
    await page.fill('#f-outcomeSought', 'Home care arranges and confirms the first visit.');
    await page.click('button:has-text("Raise the dispute")');
    await page.waitForURL(/\/disputes\/dispute-[\w-]+\?done=raised$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await page.waitForSelector('text=The dispute is raised.');
    // careloop finds the representatives; then stage 1's clock shows.
    await expect.poll(async () => (await page.goto(`${base}/disputes/${id}`), await page.locator('#stage-clock').count()), { timeout: 20_000, interval: 500 }).toBe(1);
    expect(await page.locator('#stage-clock').innerText()).toMatch(/^0 of 2 working days used, due .+ 17:00/);
    expect(await page.locator('#dispute-status').innerText()).toBe('Frontline leads: the parties state positions and agree a resolution');
    await fits(page, 'dispute-open');

    // Home care's representative, by the stage email's link alone: the dispute, then a position.
    const link = linkPage;
    const stageMail = await mailFor(people.homecare.email, /stage 1, frontline leads/);
    expect(stageMail.text).toContain('position: <your agency');
    await link.goto(linkIn(stageMail.text));
    await link.waitForSelector('h1:has-text("Who arranges the first home visit")');
    await fits(link, 'link-desk');
    await link.click('a.button:has-text("State your agency’s position")');
    await link.waitForSelector('h1:has-text("State your agency’s position")');
    await link.click('button:has-text("Record our position")');
    await link.waitForSelector('.error-summary a:has-text("Enter your agency’s position")');
    await fits(link, 'link-position-error');
    await link.fill('#f-statement', 'The ward books first visits under the discharge protocol.');
    await link.click('button:has-text("Record our position")');
    await link.waitForSelector('text=Your agency’s position is recorded.');
    await fits(link, 'link-position-recorded');

    // The raiser sees it beside their own side, states the ward's, and proposes.
    await page.goto(`${base}/disputes/${id}`);
    expect(await page.locator(`.side[data-agency="${people.homecare.agencyId}"]`).innerText()).toContain('The ward books first visits under the discharge protocol.');
    await page.click('a.button:has-text("Propose a resolution")');
    await page.waitForSelector('h1:has-text("Propose a resolution")');
    await page.fill('#f-terms', 'Home care books the first visit; the ward sends the discharge summary by noon.');
    await fits(page, 'propose');
    await page.click('button:has-text("Propose it")');
    await page.waitForSelector('text=Your proposal is recorded');

    // Home care declines p1 by the proposal email's link, with a reason.
    const p1Mail = await mailFor(people.homecare.email, /a resolution is proposed/);
    await link.goto(linkIn(p1Mail.text));
    await link.waitForSelector('h2:has-text("The proposal you were asked to answer")');
    expect(await link.locator('.side').count()).toBe(2);
    await fits(link, 'link-proposal');
    await link.click('#asked a.button:has-text("Decline p1")');
    await link.waitForSelector('h1:has-text("Decline proposal p1")');
    await link.click('button:has-text("Decline it")');
    await link.waitForSelector('.error-summary a:has-text("Say why your agency declines the proposal")');
    await fits(link, 'link-decline-error');
    await link.fill('#f-reason', 'Visits are not in our package until the care assessment is done.');
    await link.click('button:has-text("Decline it")');
    await link.waitForSelector('text=Your agency has declined the proposal');
    await fits(link, 'link-declined');

    // The interim owner records progress by their own email's link.
    const interimMail = await mailFor(interimOwner.email, /you are the interim owner/);
    await link.goto(linkIn(interimMail.text));
    await link.waitForSelector('h1:has-text("Record progress on the step")');
    await fits(link, 'link-interim');
    await link.fill('#f-note', 'Rang the family: the visit is pencilled in for Tuesday.');
    await link.click('button:has-text("Record progress")');
    await link.waitForSelector('text=Your progress is recorded.');

    // The raiser is told of the decline, reads the reason, and proposes again.
    const declinedMail = await mailFor(raiser.email, /proposal p1 was declined/);
    expect(declinedMail.text).not.toContain('care assessment');
    await page.goto(`${base}/disputes/${id}`);
    expect(await page.locator('#proposal-p1').innerText()).toMatch(/Declined by .+\n?.*\n?Why: Visits are not in our package until the care assessment is done\./);
    expect(await page.locator('#interim-step').innerText()).toContain('Rang the family: the visit is pencilled in for Tuesday.');
    await page.click('a.button:has-text("Propose a resolution")');
    await page.fill('#f-terms', 'The ward books the first visit; home care takes over from the second.');
    await page.click('button:has-text("Propose it")');
    await page.waitForSelector('text=Your proposal is recorded');

    // Home care answers p2 with a counter-proposal, naming who carries the step on.
    const p2Mail = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && /a resolution is proposed/.test(m.subject) && m.text.includes('(p2)'));
    await link.goto(linkIn(p2Mail[0]!.text));
    await link.click('#asked a.button:has-text("Counter-propose")');
    await link.waitForSelector('h1:has-text("Answer proposal p2 with a counter-proposal")');
    await link.fill('#f-terms', 'A joint first visit on Tuesday, then home care leads.');
    await link.selectOption('#f-carriesOnId', people.homecare.id);
    await fits(link, 'link-counter');
    await link.click('button:has-text("Make the counter-proposal")');
    await link.waitForSelector('text=Your counter-proposal is recorded');

    // A manager at a party agency finds it on the huddle roster, which opens its page (never the API).
    const managerPage = await signInByEmail(browser, base, smtp, manager);
    await expect.poll(async () => (await managerPage.goto(`${base}/roster`), await managerPage.locator(`a[href="/disputes/${id}"]`).count()), { timeout: 20_000, interval: 1000 }).toBeGreaterThan(0);
    await fits(managerPage, 'roster');
    await managerPage.locator(`a[href="/disputes/${id}"]`).first().click();
    await managerPage.waitForSelector('h1:has-text("Who arranges the first home visit")');
    await managerPage.context().close();

    // The raiser accepts the counter-proposal on the page: resolved.
    await page.goto(`${base}/disputes/${id}`);
    expect(await page.locator('#proposal-p3').innerText()).toContain('counter-proposal to p2');
    expect(await page.locator('#proposal-p2').innerText()).toContain('Answered with counter-proposal p3');
    await fits(page, 'dispute-counter');
    await page.click('#proposal-p3 a.button:has-text("Accept p3")');
    await page.waitForSelector('h1:has-text("Accept proposal p3")');
    await page.click('button:has-text("Accept for my agency")');
    await page.waitForSelector('text=every party has accepted the same proposal, and the dispute is resolved');
    const done = await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    expect(done.outcome).toMatchObject({ status: 'resolved', proposalId: 'p3', carriesOn: { id: people.homecare.id } });
    await page.goto(`${base}/disputes/${id}`);
    expect(await page.locator('#dispute-status').innerText()).toBe('Every party accepted one proposal');
    expect(await page.locator('#outcome').innerText()).toContain(`${people.homecare.name} carries “First home visit confirmed” on`);
    await fits(page, 'dispute-resolved');

    // The interim owner is told who carries the step on; their link now shows the outcome.
    const closed = await mailFor(interimOwner.email, /dispute resolved/);
    expect(closed.text).toContain(`${people.homecare.name} carries "First home visit confirmed" on from here; you no longer hold it as interim owner.`);
    await link.goto(linkIn(interimMail.text));
    await link.waitForSelector('text=This link no longer records anything');
    await fits(link, 'link-closed');

    // The list shows it among the closed ones; nobody used an API token.
    await page.goto(`${base}/disputes?status=closed`);
    expect(await page.locator(`tr[data-dispute="${id}"]`).innerText()).toContain('Resolved');
    await fits(page, 'list-closed');
    expect(await t.db.staff.count({ where: { id: { in: [raiser.id, interimOwner.id, manager.id] }, apiTokenHash: { not: null } } })).toBe(0);
    const state = await env.client.workflow.getHandle(id).query(disputeStateQuery);
    expect(state.positions.map((p) => p.channel)).toEqual(['link']);
    expect(state.proposals.map((p) => [p.id, p.acceptances[0]!.channel])).toEqual([
      ['p1', 'web'],
      ['p2', 'web'],
      ['p3', 'link'],
    ]);
  });
});
