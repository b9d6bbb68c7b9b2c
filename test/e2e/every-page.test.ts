// Every page careloop shows, looked at as its people see it: headless Chromium (Debian's, driven by
// playwright-core) against the real app on a real port, with the Temporal dev server, careloop's
// worker, real PostgreSQL and a real SMTP listener. Each role signs in by the emailed link and the
// test follows every link on its pages (a crawl, so a new page is looked at without anyone adding
// it here); partner staff's emailed links are opened without signing in. Each page, at 375 and
// 1280 px: axe's WCAG 2.2 AA rules report nothing, nothing is wider than the screen, nothing links
// to /api/, and no raw status code is in its text; a picture of each width is kept
// (test-results/screenshots/every-page, or SCREENSHOT_DIR). Every email sent along the way and
// every CSV export is scanned for raw codes too. Last, two keyboard-only walks: starting a sprint
// from its form, and recording a task done from an emailed link.
import { randomUUID } from 'node:crypto';
import { hashToken } from '../../runtime/secrets';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaff } from '../support/app';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef } from '../support/plan-fixture';
import { createCareWorld, until } from '../support/care-world';
import { describeProblems, lookAt, phoneContext, rawCodesIn, screenshotDir, signInByEmail, type PageProblem, startBrowserStack, type BrowserStack } from '../support/browser';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });


// A path's shape: ids and keys become placeholders, so each kind of page is looked at once.
const COLLECTIONS = new Set(['sprints', 'plans', 'escalations', 'disputes', 'huddles', 'participants', 'tasks', 'actions', 'updates', 'proposals', 'versions', 'decisions', 'care-team']);
const LITERALS = new Set(['new', 'schedules', 'add', 'edit', 'versions', 'start']);
export function pageShape(href: string): string {
  const segments = new URL(href, 'http://x').pathname.split('/');
  return segments.map((s, i) => (i > 0 && COLLECTIONS.has(segments[i - 1]!) && !LITERALS.has(s) ? ':id' : s)).join('/');
}

/** Links worth following from a page: careloop's own pages, not the API, exports or anchors. */
async function pageLinks(page: Page): Promise<string[]> {
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  return hrefs.filter((h) => h.startsWith('/') && !h.startsWith('/api/') && !h.startsWith('/static/') && !h.startsWith('/a/') && !/\.(csv|json)(\?|$)/.test(h));
}

/** What has the keyboard's focus, and whether a person can see it (an outline or a shadow). */
interface Focus {
  tag: string;
  id: string;
  type: string;
  value: string;
  text: string;
  visible: boolean;
  outline: string;
}
const FOCUS_PROBE = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return { tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', value: 'value' in el ? String(el.value) : '', text: (el.textContent || '').trim(), visible: style.outlineStyle !== 'none' || style.boxShadow !== 'none', outline: style.outlineStyle + ' ' + style.boxShadow + ' focus=' + el.matches(':focus') };
})()`;

describe('every page, at 375 and 1280 px: WCAG 2.2 AA, no sideways scrolling, words not codes', () => {
  let stack: BrowserStack;
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
  const dir = screenshotDir('every-page');
  const problems: PageProblem[] = [];
  /** Shapes already looked at (a role's home page is looked at for each role). */
  const seen = new Set<string>();
  let looked = 0;

  beforeAll(async () => {
    stack = await startBrowserStack({ name: 'every-page', rateLimits: { signinPerWindow: 100, tokenPerWindow: 1000 } });
    ({ t, smtp, people, app, base, browser } = stack);
    admin = (await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, name: 'Ada Admin', roles: ['admin'], agencyId: people.coordinator.agencyId })).staff;

    // The work every page can show: a sprint running its 72 hours, a second on a fast clock whose
    // tasks slip and close undone (overdue, escalated, "not done by close"), a plan with a change
    // waiting for acknowledgement, a rapid review asking an agency for an update and an action,
    // an escalation, a dispute and a huddle.
    // The fast sprint first: its 30 seconds run while the rest is made.
    const fast = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: 'Bo Example' }, dischargeAt: new Date().toISOString(), owners: Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id])), timing: { dueOffsets: { '0': 'PT30S', '1': 'PT30S', '2-3': 'PT30S' }, reminderLead: 'PT5S' } });
    expect(fast.status, JSON.stringify(fast.body)).toBe(201);
    ({ sprintId, planId, escalationId, disputeId } = await createCareWorld(app, t.db, people));
    // The fast sprint closed with its tasks undone.
    await until(async () => (await request(app).get(`/api/sprints/${fast.body.sprintId}`).set(bearer(people.coordinator))).body.status, (s) => s === 'completed-with-gaps', 120_000);

    console.log(`Pictures of every page: ${dir}`);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Opens `href` and looks at it, unless a page of its shape was looked at already. */
  async function visit(page: Page, who: string, href: string, opts: { shape?: string; status?: number } = {}): Promise<boolean> {
    const shape = opts.shape ?? pageShape(href);
    if (seen.has(shape)) return false;
    seen.add(shape);
    const response = await page.goto(`${base}${href}`);
    const status = response?.status() ?? 0;
    if (status !== (opts.status ?? 200)) problems.push({ page: `${who} ${href}`, width: 'any', problem: `answered ${status}` });
    problems.push(...(await lookAt(page, `${who} ${shape}`, dir)));
    looked += 1;
    return true;
  }

  /**
   * Sends a form empty, as a hurried person would, and looks at the answer: it must be the same
   * page with "Error:" in its title and a summary at the top whose links lead to the fields.
   */
  async function sendEmpty(page: Page, who: string, href: string, button: RegExp): Promise<void> {
    await page.goto(`${base}${href}`);
    await Promise.all([page.waitForLoadState('load'), page.locator('main form button[type="submit"]', { hasText: button }).first().click()]);
    const name = `${who} ${pageShape(href)} (sent empty)`;
    const title = await page.title();
    if (!title.startsWith('Error: ')) problems.push({ page: name, width: 'any', problem: `title "${title}" does not start with "Error: "` });
    const targets = await page.locator('.error-summary a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    if (!targets.length) problems.push({ page: name, width: 'any', problem: 'no error summary linking to the fields' });
    for (const target of targets) if (!(await page.locator(target).count())) problems.push({ page: name, width: 'any', problem: `the summary links to ${target}, which is not on the page` });
    problems.push(...(await lookAt(page, name, dir)));
    looked += 1;
  }

  /** Looks at every page reachable from `seeds` by following links, breadth first. */
  async function crawl(page: Page, who: string, seeds: string[]): Promise<void> {
    const queue = [...seeds];
    while (queue.length) {
      const href = queue.shift()!;
      if (!(await visit(page, who, href))) continue;
      for (const next of await pageLinks(page)) if (!seen.has(pageShape(next))) queue.push(next);
    }
  }

  it('looks at every page each role reaches, and every kind of emailed link', { timeout: 600_000 }, async () => {
    const roles: [string, { email: string; name: string }, string[]][] = [
      ['coordinator', people.coordinator, ['/', '/sprints/new', '/plans/new', '/escalations/new', '/disputes/new', '/huddles', '/roster', '/participants', `/plans/${planId}/diff?from=1&to=2`]],
      ['partner staff', people.hospital, ['/']],
      ['manager', people.manager, ['/', '/dashboard', '/reports/timeliness', '/huddles/schedules']],
      ['admin', admin, ['/', '/admin/working-agreement', '/admin/working-agreement/edit']],
    ];
    for (const [who, person, seeds] of roles) {
      const page = await signInByEmail(browser, base, smtp, person);
      if (who === 'coordinator') {
        // A huddle, started as a coordinator starts one, so its page is among those looked at.
        await page.goto(`${base}/huddles`);
        await Promise.all([page.waitForURL(/\/huddles\/[^/]+\?/), page.locator('form[action="/huddles/start"] button').click()]);
      }
      seen.delete('/');
      await crawl(page, who, seeds);
      if (who === 'coordinator') {
        for (const [href, button] of [
          ['/sprints/new', /Start the sprint/],
          ['/plans/new', /Create the plan/],
          ['/escalations/new', /Raise the escalation/],
          [`/escalations/${escalationId}/note`, /note/i],
          ['/disputes/new', /Continue|Raise the dispute/],
          [`/disputes/${disputeId}/propose`, /propos/i],
        ] as const) {
          await sendEmpty(page, who, href, button);
        }
      }
      // What people download: words, not codes, in every cell.
      for (const csv of await page.locator('a[href$=".csv"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
        const body = await (await page.request.get(`${base}${csv}`)).text();
        const codes = rawCodesIn(body);
        if (codes.length) problems.push({ page: `${who} ${csv}`, width: 'any', problem: `raw codes in the CSV: ${codes.join(', ')}` });
      }
      await page.context().close();
    }

    // The emailed links, one of each purpose, opened without signing in; and a link that does not work.
    const anonymous = await (await phoneContext(browser)).newPage();
    await visit(anonymous, 'anyone', '/signin');
    const links = [...new Set(smtp.messages.flatMap((m) => [...m.text.matchAll(/http:\/\/careloop\.test(\/a\/[\w-]+)/g)].map((x) => x[1]!)))];
    const purposes = new Set<string>();
    for (const link of links) {
      const row = await t.db.actionToken.findUnique({ where: { tokenHash: hashToken(link.slice(3)) }, select: { purpose: true, usedAt: true, revokedAt: true } });
      if (!row) continue;
      const state = row.usedAt ? 'used' : row.revokedAt ? 'revoked' : 'open';
      const shape = `/a/(${row.purpose}, ${state})`;
      purposes.add(row.purpose);
      await visit(anonymous, 'link holder', link, { shape, status: state === 'open' ? 200 : 410 });
    }
    await visit(anonymous, 'anyone', '/a/not-a-real-link-0123456789abcdef', { shape: '/a/(unknown)', status: 404 });
    // A task's link, its reason left out: the same GOV.UK answer as a signed-in form.
    for (const link of links) {
      const row = await t.db.actionToken.findUnique({ where: { tokenHash: hashToken(link.slice(3)) }, select: { purpose: true, usedAt: true, revokedAt: true, workflowId: true } });
      if (row?.purpose !== 'sprint-task' || row.usedAt || row.revokedAt || row.workflowId !== sprintId) continue;
      await sendEmpty(anonymous, 'link holder', link, /not applicable/i);
      break;
    }

    console.log(`Looked at ${looked} pages (${[...seen].length} shapes); link purposes: ${[...purposes].sort().join(', ')}`);
    expect(looked, 'the crawl reached a page of each kind').toBeGreaterThan(40);
    for (const purpose of ['sprint-task', 'plan-version', 'escalation-view', 'dispute-position']) expect([...purposes], purpose).toContain(purpose);
    expect(problems, `\n${describeProblems(problems)}`).toEqual([]);
  });

  it('every email sent on the way reads in words: no raw code and no /api/ address', async () => {
    expect(smtp.messages.length).toBeGreaterThan(10);
    const bad = smtp.messages.flatMap((m) => {
      const text = `${m.subject}\n${m.text}\n${m.html.replace(/<[^>]+>/g, ' ')}`;
      const codes = rawCodesIn(text);
      return [...(codes.length ? [`"${m.subject}": ${codes.join(', ')}`] : []), ...(/\/api\//.test(m.text + m.html) ? [`"${m.subject}": links to /api/`] : [])];
    });
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('a coordinator starts a sprint by keyboard alone', async () => {
    const page = await signInByEmail(browser, base, smtp, people.coordinator);
    await page.goto(`${base}/sprints/new`);
    const ref = newLocalRef();
    const walked: string[] = [];
    let submitted = false;
    for (let i = 0; i < 80 && !submitted; i++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate<Focus | null>(FOCUS_PROBE);
      if (!focus) continue;
      walked.push(focus.id || focus.text.slice(0, 30));
      // Date and time inputs hold focus in their own parts, which Chromium highlights itself.
      if (!/^(datetime-local|date|time)$/.test(focus.type)) expect(focus.visible, `focus is visible (${focus.outline}) on ${focus.tag}#${focus.id} "${focus.text.slice(0, 30)}"`).toBe(true);
      if (focus.tag === 'input' && focus.type === 'text' && !focus.value && !focus.id.includes('timing')) await page.keyboard.type(focus.id.includes('localRef') ? ref : 'Kay Example');
      else if (focus.tag === 'select' && !focus.value) await page.keyboard.press('ArrowDown');
      else if (focus.tag === 'button' && /Start the sprint/.test(focus.text)) {
        await Promise.all([page.waitForURL(/\/sprints\/[^/]+$/), page.keyboard.press('Enter')]);
        submitted = true;
      }
    }
    expect(submitted, `walked: ${walked.join(' → ')}`).toBe(true);
    await expect(page.locator('h1').innerText()).resolves.toContain('Kay Example');
    await page.context().close();
  });

  it('partner staff record a task done from the emailed link by keyboard alone', async () => {
    const links = [...new Set(smtp.messages.filter((m) => m.to.includes(people.hospital.email)).flatMap((m) => [...m.text.matchAll(/http:\/\/careloop\.test(\/a\/[\w-]+)/g)].map((x) => x[1]!)))];
    let link: string | undefined;
    for (const l of links) {
      const row = await t.db.actionToken.findUnique({ where: { tokenHash: hashToken(l.slice(3)) }, select: { purpose: true, usedAt: true, revokedAt: true, workflowId: true } });
      if (row?.purpose === 'sprint-task' && !row.usedAt && !row.revokedAt && row.workflowId === sprintId) link = l;
    }
    expect(link, 'an open task link of the running sprint').toBeDefined();
    const page = await (await phoneContext(browser)).newPage();
    await page.goto(`${base}${link}`);
    const walked: string[] = [];
    let pressed = 0;
    for (let i = 0; i < 40 && pressed < 2; i++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate<Focus | null>(FOCUS_PROBE);
      if (!focus) continue;
      walked.push(focus.text.slice(0, 30));
      expect(focus.visible, `focus is visible on ${focus.tag} "${focus.text.slice(0, 30)}"`).toBe(true);
      if (focus.tag === 'button' && /done/i.test(focus.text)) {
        await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
        pressed += 1;
        i = 0;
        // Done when the page says it is recorded; a confirm step asks once more.
        if (/recorded|thank you|done by/i.test(await page.locator('main').innerText())) break;
      }
    }
    expect(await page.locator('main').innerText(), `walked: ${walked.join(' → ')}`).toMatch(/recorded|thank you|done by/i);
    // Opened again, the spent link says what was recorded, by whom; and it passes the same look as every page.
    await page.goto(`${base}${link}`);
    const said = await page.locator('main').innerText();
    expect(said, said).toMatch(/You recorded “[^”]+” as done by the emailed link on /);
    const spent = await lookAt(page, 'link holder /a/(sprint-task, used)', dir);
    expect(spent, describeProblems(spent)).toEqual([]);
    await page.context().close();
  });
});
