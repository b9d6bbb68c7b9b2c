// What careloop's browser tests share: Debian's Chromium driven by playwright-core (it cannot
// download its own browser here), the two widths every page is looked at (a phone and a desk),
// signing in as a person does (by the emailed link), and one look at a page: nothing wider than
// the screen, no link to /api/, no raw status code in what a person reads, axe's WCAG 2.2 AA
// rules, and a picture of it kept for people to look at.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { rawCodesIn } from './page-text';
import type { SmtpCapture } from './smtp';
import type { AppDeps } from '../../api/app';
import { listen, startRealStack, type ListeningStack } from './stack';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google from a closed network.
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const PHONE = { width: 375, height: 812 } as const;
export const DESK = { width: 1280, height: 900 } as const;
export const WIDTHS = [
  ['375', PHONE],
  ['1280', DESK],
] as const;

/** Where the pictures of pages go: kept after the run (CI keeps the folder as an artefact). */
export function screenshotDir(name: string): string {
  const dir = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(process.cwd(), 'test-results', 'screenshots'), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Chromium, or a failure that says how to get it: browser tests are never skipped. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it with "apt-get install -y chromium" or set CHROMIUM_PATH to a Chromium binary.`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}

export interface BrowserStack extends ListeningStack {
  browser: Browser;
}

/**
 * What a browser test runs against: the real stack on the Temporal dev server (visibility and
 * schedules as in production), the app on a port of its own, and Chromium. `stop()` stops all.
 */
export async function startBrowserStack(opts: { name: string; rateLimits?: AppDeps['rateLimits'] }): Promise<BrowserStack> {
  const stack = await listen(await startRealStack({ ...opts, temporal: 'dev' }));
  // Without the browser this fails, saying how to install it (CI does, .ci/run); never skipped.
  const browser = await launchChromium().catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  return {
    ...stack,
    browser,
    async stop() {
      await browser.close();
      await stack.stop();
    },
  };
}

/** A phone-sized context of its own (cookies kept apart from other people's). */
export async function phoneContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(20_000);
  return context;
}

/** A browser of the person's own, signed in by the emailed link, on their home page. */
export async function signInByEmail(browser: Browser, base: string, smtp: SmtpCapture, who: { email: string; name: string }): Promise<Page> {
  const page = await (await phoneContext(browser)).newPage();
  await signInOn(page, base, smtp, who);
  return page;
}

/** Signs in on a page already open (its own context and viewport kept), by the emailed link; ends on the home page. */
export async function signInOn(page: Page, base: string, smtp: SmtpCapture, who: { email: string }): Promise<void> {
  await page.goto(`${base}/signin`);
  await signInFromForm(page, base, smtp, who);
  await page.waitForURL((u) => u.pathname === '/');
}

/**
 * On the sign-in form already open (say, sent there by a page that needs signing in): asks for
 * the link, follows it from the email and signs in. The page ends wherever signing in leads.
 */
export async function signInFromForm(page: Page, base: string, smtp: SmtpCapture, who: { email: string }): Promise<void> {
  await page.fill('#email', who.email);
  const before = smtp.messages.filter((m) => m.to.includes(who.email) && m.subject === 'Your careloop sign-in link').length;
  await page.click('button:has-text("Email me a sign-in link")');
  await page.waitForSelector('text=Check your email');
  const mails = await smtp.waitFor((m) => m.to.includes(who.email) && m.subject === 'Your careloop sign-in link', before + 1);
  const link = mails[mails.length - 1]!.text.match(/https?:\/\/[^/\s]+(\/signin\/[\w-]+)/)![1]!;
  await page.goto(`${base}${link}`);
  await page.click('button:has-text("Sign in")');
}

// The raw codes and how to find them live with the other page-text helpers; here for the browser tests.
export { RAW_CODES, rawCodesIn } from './page-text';

/** What one look at a page found wrong, in words a developer can act on. */
export interface PageProblem {
  page: string;
  width: string;
  problem: string;
}

/**
 * Looks at the page now open, at both widths: axe's WCAG 2.2 AA rules, no sideways scrolling,
 * no link to /api/, no raw code in the text of <main>; a full-page picture of each width goes to
 * `dir`. Answers the problems rather than failing at the first, so one run lists them all.
 */
export async function lookAt(page: Page, name: string, dir: string): Promise<PageProblem[]> {
  const problems: PageProblem[] = [];
  for (const [width, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (scrollWidth > viewport.width) problems.push({ page: name, width, problem: `${scrollWidth} px wide: scrolls sideways` });
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    for (const v of axe.violations) {
      problems.push({ page: name, width, problem: `axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.split('\n').slice(1, 2).join(' ').trim()}]` : ''}`).join('; ')}` });
    }
    await page.screenshot({ path: path.join(dir, `${name.replace(/[^\w-]+/g, '_')}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(PHONE);
  const apiLinks = await page.locator('a[href^="/api/"], form[action^="/api/"]').count();
  if (apiLinks) problems.push({ page: name, width: 'any', problem: `${apiLinks} link(s) or form(s) to /api/` });
  const codes = rawCodesIn(await page.locator('body').innerText());
  if (codes.length) problems.push({ page: name, width: 'any', problem: `raw codes in the text: ${codes.join(', ')}` });
  return problems;
}

/** Problems as a readable list for a failing assertion's message. */
export function describeProblems(problems: readonly PageProblem[]): string {
  return problems.map((p) => `- ${p.page} @${p.width}: ${p.problem}`).join('\n');
}

/**
 * A lighter look than lookAt, for pages axe is not asked about: nothing wider than the screen at
 * either width, no link or form to /api/; a full-page picture of each width goes to `dir`.
 */
export async function fitsBothWidths(page: Page, name: string, dir: string): Promise<PageProblem[]> {
  const problems: PageProblem[] = [];
  for (const [width, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (scrollWidth > viewport.width) problems.push({ page: name, width, problem: `${scrollWidth} px wide: scrolls sideways` });
    await page.screenshot({ path: path.join(dir, `${name.replace(/[^\w-]+/g, '_')}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(PHONE);
  const apiLinks = await page.locator('a[href^="/api/"], form[action^="/api/"]').count();
  if (apiLinks) problems.push({ page: name, width: 'any', problem: `${apiLinks} link(s) or form(s) to /api/` });
  return problems;
}
