// A dispute taken to partnership governance's binding decision entirely through pages and links,
// with no API token: the real app on the time-skipping Temporal server with careloop's worker,
// real PostgreSQL and a real SMTP listener. Raised on the form (its problems first), positions by
// page and by link, the interim owner's step done by their link, stages 1 and 2 passing by their
// deadlines, governance's stage-3 link to the decision form (its problems first). Then the list,
// who may open what (a stranger learns nothing; every read logged), and a decline and a
// counter-proposal on the pages. (The roster's link to a dispute's page needs Temporal's
// visibility, which the time-skipping server lacks: test/e2e/dispute-browser.test.ts follows it.)
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { disputeStateQuery, disputeWorkflow } from '../../workflows';
import type { DisputeState } from '../../domain/dispute';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { createParticipant } from '../support/sprint-fixture';
import { csrfFrom } from '../support/html';
import { codesOnPage } from '../support/page-text';
import { signInAs, type Agent } from '../support/signin';
import { startRealStack, type RealStack } from '../support/stack';

describe('dispute pages and links, raise to a stage-3 decision (real Temporal, PostgreSQL, SMTP; no API token)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let raiser: Agent;
  let governance: { id: string; email: string; name: string };
  let homecareManager: { id: string; email: string; name: string };
  let participant: { id: string; localRef: string };

  beforeAll(async () => {
    stack = await startRealStack({ name: 'dispute-pages' });
    ({ env, t, smtp, people, app } = stack);
    const tag = randomUUID().slice(0, 6);
    const make = (name: string, roles: ('manager' | 'admin')[], agencyId: string) =>
      t.db.staff.create({ data: { email: `${name.split(' ')[0]!.toLowerCase()}.${tag}@care.test`, name, roles, agencyId }, select: { id: true, email: true, name: true } });
    governance = await make('Gale Governance', ['admin'], people.coordinator.agencyId);
    homecareManager = await make('Hugo Manager', ['manager'], people.homecare.agencyId);
    participant = await createParticipant(t.db, [people.hospital.agencyId, people.homecare.agencyId]);
    raiser = await as(people.hospital.email);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** One signed-in agent per person for the file (a second sign-in would find the first email's spent link). */
  const agents = new Map<string, Agent>();
  const as = async (email: string) => {
    if (!agents.has(email)) {
      const agent = await signInAs(app, smtp, email);
      // Landing on the home page after signing in, as a browser does (it sets the form token for the session).
      await agent.get('/');
      agents.set(email, agent);
    }
    return agents.get(email)!;
  };
  const state = (id: string) => env.client.workflow.getHandle(id).query(disputeStateQuery);
  async function until(id: string, holds: (s: DisputeState) => boolean): Promise<DisputeState> {
    for (let i = 0; i < 200; i += 1) {
      const s = await state(id);
      if (holds(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`dispute ${id} never reached the expected state`);
  }
  async function passDeadline(id: string, stage: number) {
    const s = await until(id, (x) => x.stages.length === stage);
    await env.sleep(Date.parse(s.stages[stage - 1]!.dueAt) - (await env.currentTimeMs()) + 60_000);
    return until(id, (x) => x.stages.length === stage + 1 || x.status !== 'open');
  }
  const mailTo = async (id: string, to: string, subject: RegExp) => (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && m.to.includes(to) && subject.test(m.subject)))[0]!;
  const linkIn = (text: string) => text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
  /** The error summary's lines, in order. */
  const summary = (html: string) => [...(/<div class="problem error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '').matchAll(/<li>(?:<a href="#[\w-]+">)?([^<]+)/g)].map((m) => m[1]!.replace(/&#39;/g, '’'));
  /** A page's form posted with its CSRF token. */
  const post = async (agent: Agent, path: string, form: Record<string, string | string[]>) => {
    const page = await agent.get(path.replace(/\?.*$/, '').replace(/\/new$/, `/new?participant=${participant.localRef}`));
    return agent.post(path).type('form').send({ _csrf: csrfFrom(page.text), ...form });
  };

  let disputeId = '';

  it('is raised on the form, its problems said first, and opens its page with the stage clock', async () => {
    expect((await raiser.get('/disputes')).text).toContain('No open dispute names you or your agency');
    const person = await raiser.get('/disputes/new?participant=');
    expect(person.status).toBe(400);
    expect(summary(person.text)).toEqual(['Enter the participant’s local reference']);
    expect(person.text).toMatch(/<title>Error: Raise a dispute/);
    expect(person.text.indexOf('There is a problem')).toBeLessThan(person.text.indexOf('<h1>'));
    // A hand-edited filter: said in a sentence, linked to the filter, no codes listed.
    const badFilter = await raiser.get('/disputes?status=stage-1');
    expect(badFilter.status).toBe(400);
    expect(summary(badFilter.text)).toEqual(['Choose a status from the list']);
    expect(badFilter.text).toMatch(/<title>Error: Disputes/);
    expect(codesOnPage(badFilter.text)).toEqual([]);
    // A stranger's reference reads like an unknown one.
    const outsiderPerson = await createParticipant(t.db, [people.outsider.agencyId]);
    expect(summary((await raiser.get(`/disputes/new?participant=${outsiderPerson.localRef}`)).text)).toEqual([`No person ${outsiderPerson.localRef} among the people your care teams include.`]);

    const form = await raiser.get(`/disputes/new?participant=${participant.localRef}`);
    expect(form.status).toBe(200);
    // The interim owner is picked from the care team: its agencies' staff.
    expect(form.text).toContain(`<option value="${people.homecare.id}">${people.homecare.name}</option>`);
    expect(form.text).not.toContain(people.outsider.name);
    const empty = await raiser.post('/disputes/new').type('form').send({ _csrf: csrfFrom(form.text), participantLocalRef: participant.localRef, subject: 'Who arranges the first home visit' });
    expect(empty.status).toBe(400);
    expect(summary(empty.text)).toEqual(['Choose at least one agency you dispute with', 'Choose the interim owner of the step', 'Name the step in dispute', 'Say what is disputed', 'Say what outcome your agency seeks']);
    expect(empty.text).toContain('value="Who arranges the first home visit"');
    expect(empty.text).toMatch(/<title>Error: Raise a dispute about/);
    expect(empty.text).toMatch(/<form method="post" action="\/disputes\/new"[^>]*novalidate/);
    // The interim owner works for an agency in the dispute.
    const wrongOwner = await raiser.post('/disputes/new').type('form').send({
      _csrf: csrfFrom(form.text),
      participantLocalRef: participant.localRef,
      respondentAgencyIds: people.homecare.agencyId,
      interimOwnerId: people.outsider.id,
      subject: 'Who arranges the first home visit',
      step: 'First visit confirmed',
      description: 'Each says the other.',
      outcomeSought: 'Home care arranges it.',
    });
    expect(summary(wrongOwner.text)).toEqual(['The interim owner must work for one of the agencies in the dispute: choose someone there, or add their agency']);

    const raised = await raiser.post('/disputes/new').type('form').send({
      _csrf: csrfFrom(form.text),
      participantLocalRef: participant.localRef,
      respondentAgencyIds: [people.homecare.agencyId],
      interimOwnerId: people.homecare.id,
      subject: 'Who arranges the first home visit',
      step: 'First visit confirmed',
      description: 'Home care says the ward arranges the first visit; the ward says home care does.',
      outcomeSought: 'Home care arranges and confirms the first visit.',
    });
    expect(raised.status).toBe(303);
    disputeId = /\/disputes\/(dispute-[\w-]+)\?done=raised/.exec(raised.headers.location!)![1]!;
    await until(disputeId, (s) => s.stages.length === 1);
    const page = await raiser.get(`/disputes/${disputeId}`);
    expect(page.text).toMatch(/id="stage-clock">0 of 2 working days used, due [^<]+17:00/);
    expect(page.text).toContain('Frontline leads: the parties state positions and agree a resolution');
    expect(page.text).toContain('Harper Homecare, ');
    expect(page.text).toContain(`href="/disputes/${disputeId}/position"`);
    expect(page.text).not.toMatch(/href="\/api\//);
    expect(page.text).toContain('Stage 1 of 3');
    expect(codesOnPage(page.text)).toEqual([]);
    expect(codesOnPage((await raiser.get('/disputes')).text)).toEqual([]);
    // Each read of the page is on the access log, as the person's dispute.
    expect(await t.db.accessLogEntry.count({ where: { item: disputeId, what: 'dispute', channel: 'page', staffId: people.hospital.id } })).toBeGreaterThan(0);
  });

  it('lets a stranger learn nothing, and explains a step that is not theirs', async () => {
    const stranger = await as(people.outsider.email);
    expect((await stranger.get(`/disputes/${disputeId}`)).status).toBe(404);
    expect((await stranger.get(`/disputes/${disputeId}/position`)).status).toBe(404);
    expect((await stranger.get('/disputes')).text).not.toContain(disputeId);
    // At home care, only the raiser withdraws; governance decides only at stage 3.
    const homecare = await as(people.homecare.email);
    const withdraw = await homecare.get(`/disputes/${disputeId}/withdraw`);
    expect(withdraw.status).toBe(403);
    expect(withdraw.text).toContain(`Only ${people.hospital.name}, who raised this dispute, may withdraw it.`);
    const admin = await as(governance.email);
    const early = await admin.get(`/disputes/${disputeId}/decide`);
    expect(early.status).toBe(200);
    expect(early.text).toContain('Governance decides at stage 3; this dispute is at stage 1.');
  });

  it('takes positions by page and by link, the step done by the interim owner’s link, and climbs to stage 3', async () => {
    const mine = await post(raiser, `/disputes/${disputeId}/position`, { statement: '' });
    expect(mine.status).toBe(400);
    expect(summary(mine.text)).toEqual(['Enter your agency’s position']);
    expect((await post(raiser, `/disputes/${disputeId}/position`, { statement: 'Home care holds the package and books visits.' })).headers.location).toBe(`/disputes/${disputeId}?done=position`);

    const link = request.agent(app);
    const stageMail = await mailTo(disputeId, people.homecare.email, /stage 1/);
    const desk = await link.get(linkIn(stageMail.text));
    // The other side's position, beside their own (none yet).
    expect(desk.text).toContain('Home care holds the package and books visits.');
    const form = await link.get(`${linkIn(stageMail.text)}?do=position`);
    expect((await link.post(linkIn(stageMail.text)).type('form').send({ _csrf: csrfFrom(form.text), action: 'position', statement: 'The ward books first visits under the discharge protocol.' })).text).toContain('Your agency’s position is recorded.');

    // The interim owner's link lands on the progress form; the step gets done.
    const interimMail = await mailTo(disputeId, people.homecare.email, /you are the interim owner/);
    const progress = await link.get(linkIn(interimMail.text));
    expect(progress.text).toContain('Record progress on the step');
    const done = await link.post(linkIn(interimMail.text)).type('form').send({ _csrf: csrfFrom(progress.text), action: 'progress', note: 'First visit took place on Tuesday.', done: 'yes' });
    expect(done.text).toContain('Your progress is recorded.');
    expect((await state(disputeId)).interimStep).toMatchObject({ status: 'done', progress: [{ channel: 'link', done: true }] });

    await passDeadline(disputeId, 1);
    const s3 = await passDeadline(disputeId, 2);
    expect(s3).toMatchObject({ stage: 3, status: 'open' });
    const page = await raiser.get(`/disputes/${disputeId}`);
    expect(page.text).toContain('Waiting for partnership governance’s binding decision');
    expect(page.text).toMatch(/of 10 working days used, due/);
  });

  it('takes governance’s decision through the stage-3 link, its problems said first, naming who carries the step on', async () => {
    const mail = await mailTo(disputeId, governance.email, /stage 3, partnership governance decision/);
    expect(mail.text).toContain('Record the partnership\'s binding decision, with its rationale');
    const link = request.agent(app);
    const form = await link.get(linkIn(mail.text));
    expect(form.status).toBe(200);
    expect(form.text).toContain('Record the binding decision');
    // Both sides' positions are on the decision page.
    expect(form.text).toContain('The ward books first visits under the discharge protocol.');
    expect(form.text).toContain('Home care holds the package and books visits.');
    // The interim owner is chosen until changed.
    expect(form.text).toContain(`<option value="${people.homecare.id}" selected>`);
    const missing = await link.post(linkIn(mail.text)).type('form').send({ _csrf: csrfFrom(form.text), action: 'decide', decision: '', rationale: '', carriesOnId: people.homecare.id });
    expect(missing.status).toBe(400);
    expect(summary(missing.text)).toEqual(['Enter the decision', 'Enter the rationale']);
    // Nothing spent by a form with problems.
    expect((await link.get(linkIn(mail.text))).status).toBe(200);
    const decided = await link
      .post(linkIn(mail.text))
      .type('form')
      .send({ _csrf: csrfFrom(form.text), action: 'decide', decision: 'Home care arranges the first visit.', rationale: 'The package of care includes it.', carriesOnId: homecareManager.id });
    expect(decided.status).toBe(200);
    expect(decided.text).toContain('The decision is recorded; it binds every party and the dispute is closed.');
    const result = await env.client.workflow.getHandle<typeof disputeWorkflow>(disputeId).result();
    expect(result).toMatchObject({ status: 'decided', decision: { by: { id: governance.id }, rationale: 'The package of care includes it.', carriesOn: { id: homecareManager.id } }, outcome: { stageReached: 3 } });
    // Spent: opened again it shows the decision and what to do now.
    const after = await link.get(linkIn(mail.text));
    expect(after.status).toBe(200);
    expect(after.text).toContain('The binding decision');
    expect(after.text).toContain('This link no longer records anything');
    // The interim owner is told who carries the step on.
    expect((await mailTo(disputeId, people.homecare.email, /dispute decided/)).text).toContain(`${homecareManager.name} carries "First visit confirmed" on from here`);

    const page = await raiser.get(`/disputes/${disputeId}`);
    expect(page.text).toContain('Partnership governance decided; the decision binds every party');
    expect(page.text).toContain('Decided by governance');
    expect(codesOnPage(page.text)).toEqual([]);
    expect(page.text).toContain('The package of care includes it.');
    expect(page.text).toContain(`${homecareManager.name} carries “First visit confirmed” on, as the decision says.`);
    expect(page.text).not.toContain('Refresh');
    // Closed: the steps say so in words.
    expect((await raiser.get(`/disputes/${disputeId}/position`)).text).toContain('Nothing more can be recorded on it.');
    const list = await raiser.get('/disputes?status=closed');
    expect(list.text).toContain(`data-dispute="${disputeId}"`);
    expect(codesOnPage(list.text)).toEqual([]);
    expect((await raiser.get('/disputes')).text).not.toContain(`data-dispute="${disputeId}"`);
  });

  it('takes a decline with its reason and a counter-proposal on the pages', async () => {
    const form = await raiser.get(`/disputes/new?participant=${participant.localRef}`);
    const raised = await raiser.post('/disputes/new').type('form').send({
      _csrf: csrfFrom(form.text),
      participantLocalRef: participant.localRef,
      respondentAgencyIds: people.homecare.agencyId,
      interimOwnerId: people.homecare.id,
      subject: 'Who orders the hoist',
      step: 'Hoist delivered',
      description: 'Each says the other orders it.',
      outcomeSought: 'Home care orders it.',
    });
    expect(raised.status, summary(raised.text).join('; ')).toBe(303);
    const id = /\/disputes\/(dispute-[\w-]+)\?/.exec(raised.headers.location!)![1]!;
    await until(id, (s) => s.stages.length === 1);
    await post(raiser, `/disputes/${id}/propose`, { terms: 'Home care orders the hoist today.', carriesOnId: '' });
    const homecare = await as(people.homecare.email);
    const page = await homecare.get(`/disputes/${id}`);
    expect(page.text).toContain('Proposal p1 is waiting for your agency’s answer.');
    expect(page.text).toContain(`href="/disputes/${id}/proposals/p1/decline"`);
    const noReason = await post(homecare, `/disputes/${id}/proposals/p1/decline`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(summary(noReason.text)).toEqual(['Say why your agency declines the proposal']);
    expect(noReason.text).toMatch(/<title>Error: Decline proposal p1/);
    expect(noReason.text.indexOf('There is a problem')).toBeLessThan(noReason.text.indexOf('<h1>'));
    expect(noReason.text).toContain('<a href="#f-reason">Say why your agency declines the proposal</a>');
    expect((await post(homecare, `/disputes/${id}/proposals/p1/decline`, { reason: 'The ward has the equipment budget.' })).status).toBe(303);
    // Declined already: the counter-proposal is still open to it, and a second decline is explained.
    expect((await homecare.get(`/disputes/${id}/proposals/p1/decline`)).text).toContain(`${people.homecare.name} already declined proposal p1 for your agency: The ward has the equipment budget.`);
    expect((await post(homecare, `/disputes/${id}/proposals/p1/counter`, { terms: 'The ward orders it; home care fits it.', reason: '', carriesOnId: people.homecare.id })).status).toBe(303);
    const seen = await raiser.get(`/disputes/${id}`);
    expect(seen.text).toContain('Why: The ward has the equipment budget.');
    expect(seen.text).toContain('counter-proposal to p1');
    expect(seen.text).toContain(`href="/disputes/${id}/proposals/p2/accept"`);

    await post(raiser, `/disputes/${id}/withdraw`, { reason: 'Agreed on the phone.' });
    expect((await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result()).outcome).toMatchObject({ status: 'withdrawn', carriesOn: { id: people.homecare.id } });
  });
});
