// Each role's jobs, as the README's "Who does what" lists them, found from the home page ("My
// work") in at most two clicks, in a real browser: headless Chromium (Debian's, driven by
// playwright-core) against the real app on a real port, with the Temporal dev server, careloop's
// worker, real PostgreSQL and a real SMTP listener. Each person signs in by the emailed link; each
// job is a chain of at most two links from the home page, every one of which opens a page (200)
// that offers the job. The home pages and the pages My work added fit a phone (375 px) and a desk
// (1280 px) without sideways scrolling, link nothing to /api/, pass axe's WCAG 2.2 AA rules and
// show no raw code; pictures of each width go to test-results/screenshots/my-work-browser (or
// SCREENSHOT_DIR). Last, the weekly digest's Temporal Schedule as the worker sets it, run on the
// dev server.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createStaff } from '../support/app';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { createCareWorld } from '../support/care-world';
import { DIGEST_SCHEDULE_ID, ensureDigestSchedule } from '../../runtime/digest-schedule';
import { describeProblems, lookAt, phoneContext, screenshotDir as screenshotsFor, signInFromForm, startBrowserStack, type BrowserStack } from '../support/browser';

/** One link to follow: its words on the page, its address, or the start of its address. */
type Step = { text: string } | { href: string } | { prefix: string };
/** A job: the links from the home page to where it is done, and what that page offers for it. */
interface Job {
  job: string;
  steps: Step[];
  offers: string | RegExp;
}

describe('each role finds its jobs from My work in at most two clicks, in Chromium', () => {
  let stack: BrowserStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let admin: { id: string; email: string; name: string };
  let app: Express;
  let base: string;
  let browser: Browser;
  let sprintId: string;
  let planId: string;
  let escalationId: string;
  let disputeId: string;
  const screenshotDir = screenshotsFor('my-work-browser');
  let taskQueue: string;

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'my-work-browser', rateLimits: { signinPerWindow: 100, tokenPerWindow: 1000 } });
    ({ env, t, smtp, people, app, base, browser, taskQueue } = stack);
    admin = (await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, name: 'Ada Admin', roles: ['admin'], agencyId: people.coordinator.agencyId })).staff;

    // The work (test/support/care-world.ts): Casey's sprint (day 0 to Wren), her plan (an action
    // and a change for Wren to acknowledge, a rapid review asking Wren's agency for an update), a
    // high escalation Casey follows, and a dispute in which Wren speaks for her agency.
    ({ sprintId, planId, escalationId, disputeId } = await createCareWorld(app, t.db, people));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A browser of the person's own, signed in by the emailed link, on the home page. */
  async function signIn(who: { email: string; name: string }): Promise<Page> {
    const page = await (await phoneContext(browser)).newPage();
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await signInFromForm(page, base, smtp, who);
    await page.waitForSelector(`h1:has-text("Welcome, ${who.name}")`);
    return page;
  }

  /** The page now open fits the phone and the desk, links nothing to /api/, passes axe, reads words not codes; a picture of each width. */
  async function look(page: Page, name: string) {
    const problems = await lookAt(page, name, screenshotDir);
    expect(problems, describeProblems(problems)).toEqual([]);
  }

  /** The person's home page, looked at. */
  async function homeFits(page: Page, name: string) {
    await page.goto(`${base}/`);
    await look(page, `${name}-home`);
  }

  /** A page, opened and looked at. */
  async function fits(page: Page, name: string, href: string) {
    await page.goto(`${base}${href}`);
    await look(page, name);
  }

  /**
   * Follows a job's links from the home page, at most two: each must be there and open a page
   * (200); the last offers the job. Answers the addresses followed.
   */
  async function reach(page: Page, job: Job): Promise<string[]> {
    expect(job.steps.length, job.job).toBeLessThanOrEqual(2);
    await page.goto(`${base}/`);
    const followed: string[] = [];
    for (const step of job.steps) {
      const link = 'text' in step ? page.locator('main a', { hasText: step.text }).first() : 'href' in step ? page.locator(`main a[href="${step.href}"]`).first() : page.locator(`main a[href^="${step.prefix}"]`).first();
      expect(await link.count(), `${job.job}: no link ${JSON.stringify(step)} on ${page.url()}`).toBe(1);
      const href = (await link.getAttribute('href'))!;
      const response = await page.goto(new URL(href, page.url()).toString());
      expect(response?.status(), `${job.job}: ${href}`).toBe(200);
      followed.push(new URL(page.url()).pathname);
    }
    const main = await page.locator('main').innerText();
    if (typeof job.offers === 'string') expect(main, job.job).toContain(job.offers);
    else expect(main, job.job).toMatch(job.offers);
    return followed;
  }

  it('a coordinator: starts and watches a sprint, publishes a plan change, raises escalations and disputes, follows one', async () => {
    const page = await signIn(people.coordinator);
    await homeFits(page, 'coordinator');
    const jobs: Job[] = [
      { job: 'start a post-discharge sprint', steps: [{ text: 'Start a sprint' }], offers: 'Start a post-discharge sprint' },
      { job: 'watch the sprint', steps: [{ href: `/sprints/${sprintId}` }], offers: 'Tasks' },
      { job: 'publish a plan change', steps: [{ href: `/plans/${planId}` }, { text: 'Publish a change' }], offers: 'Publish a change' },
      { job: 'create a plan', steps: [{ text: 'Create a plan' }], offers: /plan/i },
      { job: 'raise an escalation', steps: [{ text: 'Raise an escalation' }], offers: 'Raise an escalation' },
      { job: 'raise a dispute', steps: [{ text: 'Raise a dispute' }], offers: /dispute/i },
      { job: 'follow the escalation she responds to, and add a note', steps: [{ href: `/escalations/${escalationId}` }], offers: 'Two missed visits' },
      { job: 'the huddle roster', steps: [{ text: 'Huddle roster' }], offers: /roster/i },
      { job: 'find a person', steps: [{ text: 'People' }], offers: /People/ },
    ];
    for (const job of jobs) await reach(page, job);
  });

  it('partner staff: record a sprint task, acknowledge a plan change, record a plan action, send an update, state a position', async () => {
    const page = await signIn(people.hospital);
    await homeFits(page, 'partner-staff');
    // Nothing of a coordinator's on a partner's home page.
    expect(await page.locator('main a[href="/sprints/new"]').count()).toBe(0);
    const jobs: Job[] = [
      { job: 'complete, refuse or mark not applicable a sprint task', steps: [{ prefix: `/sprints/${sprintId}/tasks/` }], offers: /Mark as done[\s\S]*Mark as not applicable[\s\S]*Record the refusal/ },
      { job: 'acknowledge a plan change', steps: [{ text: 'Read and acknowledge' }], offers: 'I have read version 2' },
      { job: 'record a plan action they own', steps: [{ text: 'Record whether it is done' }], offers: 'It is done' },
      { job: 'send an update on changed risk factors for a rapid review', steps: [{ text: 'Send the update' }], offers: 'What has changed in the risk factors and interventions?' },
      { job: 'state a position in a dispute', steps: [{ href: `/disputes/${disputeId}` }], offers: /position/i },
    ];
    for (const job of jobs) await reach(page, job);
    // The two pages My work added (a task, an agency's update), and a task's form sent empty, at both widths.
    const taskHref = `/sprints/${sprintId}/tasks/discharge-summary-received`;
    const updateHref = await page.goto(`${base}/`).then(() => page.locator('main a', { hasText: 'Send the update' }).first().getAttribute('href'));
    await fits(page, 'task', taskHref);
    await fits(page, 'update', updateHref!);
    await page.goto(`${base}${taskHref}`);
    await page.click('button:has-text("Mark as not applicable")');
    await page.waitForSelector('.error-summary');
    expect(await page.title()).toMatch(/^Error: /);
    await page.click('.error-summary a');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('f-na-reason');
    await look(page, 'task-error');

    // Done from the task's page, back on My work: one fewer, the header counting the same.
    await page.goto(`${base}/`);
    const before = await page.locator('#owed li.work-item').count();
    await page.goto(`${base}/sprints/${sprintId}/tasks/discharge-summary-received`);
    await page.click('button:has-text("Mark as done")');
    await page.waitForSelector('text=The task is recorded.');
    expect(await page.locator('#owed li.work-item').count()).toBe(before - 1);
    expect(await page.locator('header .owed-count').innerText()).toBe(String(before - 1));
  });

  it('a manager: who owes what (dashboard, roster), the evidence report, audit trails, an escalation they chair', async () => {
    const page = await signIn(people.manager);
    await homeFits(page, 'manager');
    const jobs: Job[] = [
      { job: 'who owes what: the dashboard', steps: [{ text: 'Dashboard' }], offers: 'Who owes what next' },
      { job: 'who owes what: the roster', steps: [{ text: 'Huddle roster' }], offers: /roster/i },
      { job: 'the evidence report', steps: [{ text: 'Evidence report' }], offers: 'Timeliness evidence' },
      { job: 'an audit trail', steps: [{ text: 'Huddle roster' }, { text: 'audit trail (CSV)' }], offers: /./ },
      { job: 'chair an escalation: take ownership', steps: [{ text: 'Take ownership' }], offers: 'I take ownership' },
      { job: 'huddles and their schedules', steps: [{ text: 'Huddle schedules' }], offers: /schedule/i },
    ];
    for (const job of jobs) {
      // The audit trail is a file: its link opens a download, not a page.
      if (job.job === 'an audit trail') {
        await page.goto(`${base}/`);
        await page.locator('main a', { hasText: 'Huddle roster' }).first().click();
        const href = await page.locator('main a', { hasText: 'audit trail (CSV)' }).first().getAttribute('href');
        const csv = await page.request.get(new URL(href!, base).toString());
        expect(csv.status()).toBe(200);
        expect(csv.headers()['content-type']).toContain('text/csv');
        continue;
      }
      await reach(page, job);
    }
  });

  it('an administrator: the working agreement, the manager’s pages, people; the rest is the admin CLI, as the home page says', async () => {
    const page = await signIn(admin);
    await homeFits(page, 'admin');
    expect(await page.locator('main').innerText()).toContain('npm run careloop');
    const jobs: Job[] = [
      { job: 'the working agreement', steps: [{ text: 'Working agreement' }], offers: /working agreement/i },
      { job: 'the dashboard', steps: [{ text: 'Dashboard' }], offers: 'Who owes what next' },
      { job: 'the evidence report', steps: [{ text: 'Evidence report' }], offers: 'Timeliness evidence' },
      { job: 'people', steps: [{ text: 'People' }], offers: /People/ },
      { job: 'disputes (partnership governance)', steps: [{ text: 'Disputes' }], offers: /dispute/i },
    ];
    for (const job of jobs) await reach(page, job);
  });

  it('the weekly digest’s schedule, as the worker keeps it: Mondays at 08:00 in the partnership’s zone; run now, it emails who chose it', async () => {
    expect(await ensureDigestSchedule(env.client, { taskQueue, timeZone: 'Europe/London' })).toBe('created');
    // A second worker starting finds it and brings it up to date.
    expect(await ensureDigestSchedule(env.client, { taskQueue, timeZone: 'Europe/London' })).toBe('updated');
    const handle = env.client.schedule.getHandle(DIGEST_SCHEDULE_ID);
    const d = await handle.describe();
    expect(d.spec.timezone).toBe('Europe/London');
    const next = d.info.nextActionTimes[0]!;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next);
    expect(local).toBe('Monday 08:00');

    await t.db.staff.update({ where: { id: people.homecare.id }, data: { weeklyDigest: true } });
    await handle.trigger();
    const [mail] = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && m.subject.startsWith('careloop: your week'), 1, 30_000);
    expect(mail!.text).toContain('Hello Harper Homecare,');
    expect(mail!.text).toMatch(/Sprint task “[^”]+” \(participant P-/);
    await handle.delete();
  });
});
