// Emailed links that no longer work say what happened, by whom and when, and what the holder can
// do now, without sending them to sign in (issue 17): the sprint task link, the plan
// acknowledgement link and the escalation chair's link, used by the person, done by someone else,
// expired and revoked; an unknown link says only that it does not work. The sprint link's form
// sent empty answers GOV.UK style. Real app, PostgreSQL, SMTP, the time-skipping Temporal server
// with careloop's worker; each page is then looked at in Chromium at 375 and 1280 px with axe
// (test/support/browser.ts lookAt; pictures in test-results/screenshots/link-ended).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { formatInstant } from '../../domain/format';
import { planChangeWorkflowId } from '../../domain/plan';
import { sprintStateQuery, planChangeStateQuery } from '../../workflows';
import { ESCALATION_TOKEN_PURPOSE } from '../../domain/tokens';
import { hashToken } from '../../runtime/secrets';
import { csrfFrom } from '../support/html';
import { signInAs } from '../support/signin';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { createParticipant, ownersByDay } from '../support/sprint-fixture';
import { listen, startRealStack, type ListeningStack } from '../support/stack';
import { describeProblems, launchChromium, lookAt, screenshotDir, WIDTHS, type PageProblem } from '../support/browser';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
const when = (iso: string | Date) => formatInstant(typeof iso === 'string' ? iso : iso.toISOString(), 'UTC');
/** The page's text without tags, as a person reads it (quotes and apostrophes as typed). */
const textOf = (page: string) => page.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').replace(/ ([.,:;])/g, '$1');

describe('link pages that no longer work (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: ListeningStack;
  let base: string;
  let browser: Browser;
  /** What Chromium and axe found on the pages looked at. */
  const problems: PageProblem[] = [];
  let looked = 0;

  beforeAll(async () => {
    stack = await listen(await startRealStack({ name: 'link-ended' }));
    base = stack.base;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const agencyOf = async (p: { agencyId: string }) => (await stack.t.db.agency.findUniqueOrThrow({ where: { id: p.agencyId } })).name;
  /** The links an email to `to` about workflow `id` carries, each with its token's row. */
  async function linksTo(id: string, to: string) {
    const [mail] = await stack.smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && m.to.includes(to));
    const paths = [...mail!.text.matchAll(/http:\/\/careloop\.test(\/a\/([\w-]+))/g)].map((m) => ({ path: m[1]!, token: m[2]! }));
    return Promise.all(paths.map(async (l) => ({ ...l, row: await stack.t.db.actionToken.findUniqueOrThrow({ where: { tokenHash: hashToken(l.token) } }) })));
  }
  /**
   * Looks at a link page in Chromium as its holder would (not signed in), with lookAt: axe's WCAG
   * 2.2 AA rules at 375 and 1280 px, nothing wider than the screen, no /api/ link, no raw code, a
   * picture of each width kept. `submitEmpty` sends the first form with nothing typed, at each
   * width, and looks at the answer.
   */
  async function look(name: string, linkPath: string, opts: { submitEmpty?: string } = {}) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      for (const [, viewport] of opts.submitEmpty ? WIDTHS : []) {
        await page.setViewportSize(viewport);
        await page.goto(`${base}${linkPath}`);
        await page.click(`button:has-text("${opts.submitEmpty}")`);
        await page.waitForSelector('.error-summary');
        expect(await page.title()).toMatch(/^Error: /);
        // The summary's link moves to its field.
        await page.click('.error-summary a');
        expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('na-reason');
      }
      if (!opts.submitEmpty) await page.goto(`${base}${linkPath}`);
      problems.push(...(await lookAt(page, name, screenshotDir('link-ended'))));
      looked += 1;
    } finally {
      await context.close();
    }
  }
  const expire = (token: string, at: Date) => stack.t.db.actionToken.update({ where: { tokenHash: hashToken(token) }, data: { expiresAt: at } });

  it('a sprint task link: its empty form, used by the person, done by the coordinator on the page, expired, and revoked by cancelling the sprint', async () => {
    const { app, people, env } = stack;
    const started = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, dischargeAt: new Date().toISOString(), owners: Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id])) });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.sprintId as string;
    const localRef = started.body.participant?.localRef ?? (await env.client.workflow.getHandle(id).query(sprintStateQuery)).participant.localRef;
    const links = await linksTo(id, people.hospital.email);
    expect(links.length).toBeGreaterThanOrEqual(3);
    const [mine, byCoordinator, expiring] = links as [(typeof links)[number], (typeof links)[number], (typeof links)[number]];
    const taskOf = (l: (typeof links)[number]) => (l.row.scope as { task: string }).task;
    const stateNow = () => env.client.workflow.getHandle(id).query(sprintStateQuery);
    const county = await agencyOf(people.coordinator);

    // The form sent empty: an error summary linking to the field, a sentence, "Error:" in the title; nothing recorded.
    const agent = request.agent(app);
    const view = await agent.get(mine.path);
    expect(view.status).toBe(200);
    expect(view.text).not.toMatch(/\srequired[\s>=]/);
    expect(view.text.match(/<form [^>]*novalidate/g)).toHaveLength(3);
    const empty = await agent.post(mine.path).type('form').send({ _csrf: csrfFrom(view.text), action: 'not-applicable', reason: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toMatch(/<title>Error: [^<]+ · careloop<\/title>/);
    expect(empty.text).toContain('<h2 id="error-summary-title">There is a problem</h2>');
    expect(empty.text).toContain('<a href="#na-reason">Enter why the task does not apply</a>');
    expect(empty.text).toMatch(/<textarea id="na-reason" name="reason" rows="2" aria-describedby="reason-error" aria-invalid="true">/);
    expect(empty.text).not.toContain('is required');
    const refuseEmpty = await agent.post(mine.path).type('form').send({ _csrf: csrfFrom(view.text), action: 'refuse', reason: 'Said no <b>twice</b>', managedHow: '' });
    expect(refuseEmpty.status).toBe(400);
    expect(refuseEmpty.text).toContain('<a href="#managed">Enter how the refusal was managed</a>');
    expect(refuseEmpty.text).toContain('Said no &lt;b&gt;twice&lt;/b&gt;</textarea>');
    expect((await stateNow()).tasks.find((t) => t.key === taskOf(mine))!.status).toBe('requested');
    await look('sprint-task-empty-form', mine.path, { submitEmpty: 'Mark as not applicable' });

    // Used by the person: what was recorded, by them, how and when.
    expect((await agent.post(mine.path).type('form').send({ _csrf: csrfFrom(view.text), action: 'complete', note: 'Summary on file' })).status).toBe(200);
    const done = (await stateNow()).tasks.find((t) => t.key === taskOf(mine))!;
    const used = await request(app).get(mine.path).set('Accept', 'text/html');
    expect(used.status).toBe(410);
    expect(used.text).toContain('<title>You have already recorded this task as done · careloop</title>');
    expect(textOf(used.text)).toContain(`You recorded “${done.title}” as done by the emailed link on ${when(done.endedAt!)}.`);
    expect(textOf(used.text)).toContain('Summary on file');
    expect(textOf(used.text)).toContain('Nothing more is needed from you.');
    expect(used.text).toContain('This link has already been used.');
    expect(used.text).not.toContain('/signin');
    await look('sprint-task-used', mine.path);

    // Done by the coordinator, signed in, on the task's page: the page names them, their agency, how and when.
    const coordinator = await signInAs(app, stack.smtp, people.coordinator.email);
    const taskPage = await coordinator.get(`/sprints/${id}/tasks/${taskOf(byCoordinator)}`);
    expect(taskPage.status).toBe(200);
    expect((await coordinator.post(`/sprints/${id}/tasks/${taskOf(byCoordinator)}`).type('form').send({ _csrf: csrfFrom(taskPage.text), action: 'not-applicable', reason: 'Nothing to reconcile' })).status).toBe(303);
    const theirs = (await stateNow()).tasks.find((t) => t.key === taskOf(byCoordinator))!;
    const other = await request(app).get(byCoordinator.path).set('Accept', 'text/html');
    expect(other.status).toBe(410);
    expect(other.text).toContain('<title>This task was already recorded as not applicable · careloop</title>');
    expect(textOf(other.text)).toContain(`Casey Coordinator (${county}) recorded “${theirs.title}” as not applicable signed in to careloop on ${when(theirs.endedAt!)}.`);
    expect(textOf(other.text)).toContain('Nothing to reconcile');
    expect(other.text).toContain(`href="/sprints/${id}/tasks/${taskOf(byCoordinator)}"`);
    expect(other.text).not.toContain('/signin');
    await look('sprint-task-done-by-coordinator', byCoordinator.path);

    // Expired: when, that the task is still open and whose, and whom to ask for a new link.
    const expiredAt = new Date(Date.now() - 60_000);
    await expire(expiring.token, expiredAt);
    const expired = await request(app).get(expiring.path).set('Accept', 'text/html');
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('<title>This link has expired · careloop</title>');
    expect(textOf(expired.text)).toContain(`This link expired on ${when(expiredAt)}.`);
    expect(textOf(expired.text)).toContain('is still open and yours');
    expect(textOf(expired.text)).toContain(`Ask Casey Coordinator (${county}) for a new link by email: ${people.coordinator.email}.`);
    expect(expired.text).not.toContain('/signin');
    await look('sprint-task-expired', expiring.path);

    // Revoked by cancelling the sprint: by whom, when, and why.
    const homecare = (await linksTo(id, people.homecare.email))[0]!;
    expect((await request(app).post(`/api/sprints/${id}/cancel`).set(bearer(people.coordinator)).send({ reason: 'Readmitted to hospital' })).status).toBe(200);
    await env.client.workflow.getHandle(id).result();
    const cancelledTask = (await stateNow()).tasks.find((t) => t.key === taskOf(homecare))!;
    const cancelled = await request(app).get(homecare.path).set('Accept', 'text/html');
    expect(cancelled.status).toBe(410);
    expect(cancelled.text).toContain('<title>The sprint was cancelled · careloop</title>');
    expect(textOf(cancelled.text)).toContain(`Casey Coordinator (${county}) cancelled the sprint for participant ${localRef} on ${when(cancelledTask.endedAt!)}, saying: “Readmitted to hospital”.`);
    expect(textOf(cancelled.text)).toContain('Nothing more is needed from you for this task.');
    expect(cancelled.text).toContain('This link no longer works');
    await look('sprint-task-cancelled', homecare.path);
  });

  it('a plan acknowledgement link: acknowledged by the person, replaced by a newer version, and expired', async () => {
    const { app, people, env } = stack;
    const created = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, content: planContent(people) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const planId = created.body.planId as string;
    const localRef = (await stack.t.db.carePlan.findUniqueOrThrow({ where: { id: planId }, select: { participant: { select: { localRef: true } } } })).participant.localRef;
    const publish = (baseVersion: number, reason: string) =>
      request(app)
        .post(`/api/plans/${planId}/versions`)
        .set(bearer(people.coordinator))
        .send({ baseVersion, content: planContent(people, { risks: [{ id: 'r1', description: 'Falls at night', level: baseVersion === 1 ? 'acute' : 'high' }] }), reason, trigger: 'risk_change', acknowledgementRequired: true });
    expect((await publish(1, 'Falls increased')).status).toBe(201);
    const [hospital] = await linksTo(planChangeWorkflowId(planId, 2), people.hospital.email);
    const [homecare] = await linksTo(planChangeWorkflowId(planId, 2), people.homecare.email);
    const county = await agencyOf(people.coordinator);

    // Acknowledged by the person: when and how.
    const agent = request.agent(app);
    const view = await agent.get(hospital!.path);
    expect(view.text).toMatch(/<form method="post" action="\/a\/[\w-]+" novalidate>/);
    expect((await agent.post(hospital!.path).type('form').send({ _csrf: csrfFrom(view.text), action: 'acknowledge' })).status).toBe(200);
    const ack = (await env.client.workflow.getHandle(planChangeWorkflowId(planId, 2)).query(planChangeStateQuery)).recipients.find((r) => r.staff.id === people.hospital.id)!;
    const acked = await request(app).get(hospital!.path).set('Accept', 'text/html');
    expect(acked.status).toBe(410);
    expect(acked.text).toContain('<title>You have already acknowledged this change · careloop</title>');
    expect(textOf(acked.text)).toContain(`You acknowledged version 2 of the plan for ${localRef} by the emailed link on ${when(ack.acknowledgedAt!)}.`);
    expect(textOf(acked.text)).toContain('Nothing more is needed from you.');
    expect(acked.text).not.toContain('/signin');
    await look('plan-ack-used', hospital!.path);

    // Replaced by version 3 before home care acknowledged: by whom and when.
    expect((await publish(2, 'Falls settled')).status).toBe(201);
    await env.client.workflow.getHandle(planChangeWorkflowId(planId, 2)).result();
    const v3 = await stack.t.db.planVersion.findUniqueOrThrow({ where: { planId_number: { planId, number: 3 } } });
    const replaced = await request(app).get(homecare!.path).set('Accept', 'text/html');
    expect(replaced.status).toBe(410);
    expect(replaced.text).toContain('<title>A newer version of the plan replaced this one · careloop</title>');
    expect(textOf(replaced.text)).toContain(`Version 3 of the plan for ${localRef}, published by Casey Coordinator (${county}) on ${when(v3.createdAt)}, replaced version 2 before you acknowledged it.`);
    expect(replaced.text).toContain('This link no longer works');
    await look('plan-ack-replaced', homecare!.path);

    // Version 3's link, expired before home care acknowledged: when, what still waits, whom to ask.
    const [v3link] = await linksTo(planChangeWorkflowId(planId, 3), people.homecare.email);
    const expiredAt = new Date(Date.now() - 60_000);
    await expire(v3link!.token, expiredAt);
    const expired = await request(app).get(v3link!.path).set('Accept', 'text/html');
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('<title>This link has expired · careloop</title>');
    expect(textOf(expired.text)).toContain(`This link expired on ${when(expiredAt)}. Version 3 of the plan for ${localRef}, published by Casey Coordinator (${county}) on ${when(v3.createdAt)}, still waits for your acknowledgement`);
    expect(textOf(expired.text)).toContain(`Ask Casey Coordinator (${county}) for a new link.`);
    await look('plan-ack-expired', v3link!.path);
  });

  it('an escalation chair’s link, expired while its holder still chairs it; and a link careloop does not know', async () => {
    const { app, people } = stack;
    const participant = await createParticipant(stack.t.db, [people.coordinator.agencyId]);
    const raised = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: participant.localRef, riskLevel: 'moderate', trigger: 'Two missed home care visits', description: 'Carer did not attend' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    const id = raised.body.escalationId as string;
    let chairLink: { path: string; token: string } | undefined;
    await expect
      .poll(async () => {
        const all = stack.smtp.messages.filter((m) => m.to.includes(people.coordinator.email)).flatMap((m) => [...m.text.matchAll(/http:\/\/careloop\.test(\/a\/([\w-]+))/g)].map((x) => ({ path: x[1]!, token: x[2]! })));
        for (const l of all) {
          const row = await stack.t.db.actionToken.findUnique({ where: { tokenHash: hashToken(l.token) } });
          if (row?.workflowId === id && row.purpose === ESCALATION_TOKEN_PURPOSE) chairLink = l;
        }
        return chairLink;
      }, { timeout: 20_000 })
      .toBeDefined();
    const expiredAt = new Date(Date.now() - 60_000);
    await expire(chairLink!.token, expiredAt);
    const expired = await request(app).get(chairLink!.path).set('Accept', 'text/html');
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('<title>This link has expired · careloop</title>');
    expect(textOf(expired.text)).toContain(`This link expired on ${when(expiredAt)}. You still chair this escalation. Waiting for you to take ownership.`);
    expect(expired.text).toContain(`href="/escalations/${id}"`);
    await look('escalation-chair-expired', chairLink!.path);

    // Unknown or forged: only that the link does not work; nobody's name, no sign-in.
    const forged = await request(app).get('/a/cla_forgedforgedforgedforgedforged').set('Accept', 'text/html');
    expect(forged.status).toBe(404);
    expect(forged.text).toContain('<title>This link does not work · careloop</title>');
    expect(forged.text).toContain('This link is not valid. Check that the whole link was copied.');
    for (const p of Object.values(people)) expect(forged.text).not.toContain(p.name);
    expect(forged.text).not.toContain('/signin');
    // A browser's refusal still counts against the address, as the JSON one does.
    const json = await request(app).get('/a/cla_forgedforgedforgedforgedforged').set('Accept', 'application/json');
    expect(json.status).toBe(404);
    expect(json.body.error.code).toBe('NOT_FOUND');
    await look('unknown-link', '/a/cla_forgedforgedforgedforgedforged');
  });

  it('each page looked at in Chromium at 375 and 1280 px: axe finds nothing at WCAG 2.2 AA, nothing scrolls sideways, no /api/ link, no raw code', () => {
    expect(looked).toBe(10);
    expect(problems, describeProblems(problems)).toEqual([]);
  });
});
