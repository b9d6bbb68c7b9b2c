// The escalation pages on the real app: real PostgreSQL, the time-skipping Temporal server with
// careloop's worker, a real SMTP listener, and people signed in by the emailed link (no API
// token). The list and who sees what; the raise form; each step's form and its errors; a moderate
// escalation from raise to resolved by pages alone; and confirming the outcome once the cause ended.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import type { EscalationState } from '../../domain/escalation';
import { escalationStateQuery } from '../../workflows';
import { buildTestApp } from '../support/app';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { createParticipant, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { csrfFrom } from '../support/html';
import { signInAs, type Agent } from '../support/signin';
import { startRealStack, type RealStack } from '../support/stack';
import { codesOnPage } from '../support/page-text';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
/** The escalation ids a list page shows, in its order. */
const listed = (html: string) => [...html.matchAll(/data-escalation="([^"]+)"/g)].map((m) => m[1]);

describe('escalation pages (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  // The app reads the time the workflows keep (the test server skips ahead), plus any extra.
  let skewMs = 0;
  const agents = new Map<string, Agent>();

  beforeAll(async () => {
    stack = await startRealStack({ name: 'escalation-pages' });
    ({ env, t, smtp, people } = stack);
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue: stack.taskQueue, rateLimits: { signinPerWindow: 100, tokenPerWindow: 1000 }, now: () => new Date(Date.now() + skewMs) });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The app's clock to the workflows' clock, `extraMs` ahead. */
  async function syncClock(extraMs = 0) {
    skewMs = (await env.currentTimeMs()) - Date.now() + extraMs;
  }

  async function signedIn(who: { email: string }): Promise<Agent> {
    const agent = agents.get(who.email) ?? (await signInAs(app, smtp, who.email));
    agents.set(who.email, agent);
    return agent;
  }

  /** Raises through the API (set-up only) and waits until the workflow has found its chair and written its row. */
  async function raiseByApi(by: { token: string }, participantLocalRef: string, over: Record<string, unknown> = {}) {
    const res = await request(app).post('/api/escalations').set(bearer(by)).send({ participantLocalRef, riskLevel: 'moderate', trigger: 'Two missed visits', ...over });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.escalationId as string;
    await expect.poll(() => t.db.escalation.findUnique({ where: { id } }), { timeout: 15_000 }).toBeTruthy();
    return id;
  }

  const stateOf = (id: string) => env.client.workflow.getHandle(id).query(escalationStateQuery) as Promise<EscalationState>;

  /** GET a step's form, then POST it with the page's CSRF token. */
  async function submitStep(agent: Agent, id: string, step: string, fields: Record<string, string> = {}) {
    const form = await agent.get(`/escalations/${id}/${step}`);
    expect(form.status, form.text).toBe(200);
    expect(form.headers.refresh).toBeUndefined();
    return agent.post(`/escalations/${id}/${step}`).type('form').send({ _csrf: csrfFrom(form.text), ...fields });
  }

  it('lists what a person chairs or responds to, their agency’s for managers, overdue first, with filters; outsiders see nothing', async () => {
    const county = people.coordinator.agencyId;
    const [a, b, elsewhere] = await Promise.all([createParticipant(t.db, [county]), createParticipant(t.db, [county]), createParticipant(t.db, [people.outsider.agencyId])]);
    // Casey chairs a moderate one (a short acknowledgement window) and a low one; Morgan chairs a high one Casey responds to.
    const moderate = await raiseByApi(people.coordinator, a.localRef, { timing: { moderate: { acknowledgeWithin: 'PT5M', respondWithin: 'PT1H' } } });
    const low = await raiseByApi(people.coordinator, b.localRef, { riskLevel: 'low', trigger: 'Missed review' });
    const high = await raiseByApi(people.coordinator, a.localRef, { riskLevel: 'high', trigger: 'Fall at home' });
    const theirs = await raiseByApi(people.outsider, elsewhere.localRef, { trigger: 'Not ours' });
    expect((await t.db.escalation.findUniqueOrThrow({ where: { id: high } })).responderIds).toContain(people.coordinator.id);

    // Six minutes on, the moderate one's acknowledgement is overdue (its workflow has not moved yet).
    await syncClock(6 * 60_000);
    const casey = await signedIn(people.coordinator);
    const home = await casey.get('/');
    expect(home.text).toContain('<a href="/escalations">Escalations you chair or respond to</a>');
    const list = await casey.get('/escalations');
    expect(list.status).toBe(200);
    expect(list.headers.refresh).toBeUndefined();
    expect(listed(list.text)).toEqual([moderate, high, low]);
    expect(list.text).toContain('Escalations you chair or respond to.');
    expect(list.text).toMatch(new RegExp(`data-escalation="${moderate}"[\\s\\S]*?Overdue[\\s\\S]*?Waiting for the chair to take ownership[\\s\\S]*?overdue by`));
    expect(list.text).toContain(`<a href="/escalations/${high}">Fall at home</a>`);
    expect(list.text).toContain('you respond');
    expect(list.text).toContain('<a class="button" href="/escalations/new">Raise an escalation</a>');
    expect(list.text).not.toContain('/api/');
    expect(codesOnPage(list.text)).toEqual([]);
    // Every row read is in the access log, as a page read.
    const logged = await t.db.accessLogEntry.findMany({ where: { staffId: people.coordinator.id, what: 'escalation', channel: 'page' }, select: { item: true } });
    expect(logged.map((l) => l.item)).toEqual(expect.arrayContaining([moderate, high, low]));

    expect(listed((await casey.get('/escalations?tier=high')).text)).toEqual([high]);
    expect(listed((await casey.get(`/escalations?participant=${b.localRef.toLowerCase()}`)).text)).toEqual([low]);
    const resolvedOnly = await casey.get('/escalations?status=resolved&participant=' + a.localRef);
    expect(listed(resolvedOnly.text)).toEqual([]);
    expect(resolvedOnly.text).toContain('No escalations match these filters.');
    const bad = await casey.get('/escalations?tier=severe').set('Accept', 'text/html');
    expect(bad.status).toBe(400);
    // A hand-edited address: the problem in a sentence linked to its filter, "Error: " in the title, no tier codes listed.
    expect(bad.text).toContain('<a href="#filter-tier">Choose a tier from the list</a>');
    expect(bad.text).toMatch(/<title>Error: Escalations/);
    expect(bad.text).not.toContain('must be one of');

    // The agency's manager sees every one chaired in the agency; nobody sees another agency's.
    const morgan = await signedIn(people.manager);
    const managerList = await morgan.get('/escalations');
    expect(managerList.text).toContain('and those chaired in your agency');
    expect(listed(managerList.text)).toEqual([moderate, high, low]);
    expect(managerList.text).not.toContain(theirs);

    // Someone outside the care team sees none, and the same 404 for a page that exists as for one that does not.
    const wren = await signedIn(people.hospital);
    const empty = await wren.get('/escalations');
    expect(listed(empty.text)).toEqual([]);
    expect(empty.text).toContain('Nothing waiting on you: no unresolved escalation names you as its chair or a responder.');
    const hidden = await wren.get(`/escalations/${moderate}`).set('Accept', 'text/html');
    const unknown = await wren.get('/escalations/escalation-does-not-exist').set('Accept', 'text/html');
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.text).not.toContain(a.localRef);
    expect((await wren.get(`/escalations/${moderate}/acknowledge`).set('Accept', 'text/html')).status).toBe(404);
    expect((await request(app).get('/escalations')).headers.location).toBe('/signin?next=%2Fescalations');
    await syncClock();
  });

  it('raises a moderate escalation with the form and takes it to resolved by pages alone, refusing each step’s empty form', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const casey = await signedIn(people.coordinator);

    // The form, pre-filled from the link on a person's pages, says each tier's windows in words.
    const form = await casey.get(`/escalations/new?participant=${participant.localRef}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`name="participantLocalRef" value="${participant.localRef}"`);
    expect(form.text).toContain('Moderate: review within 24-72 hours');
    expect(form.text).toContain('A coordinator chairs it, takes ownership within 24 hours and records the response action within 3 days. A missed window moves it up to the high tier.');
    expect(form.text).toContain('A manager chairs it, takes ownership within 15 minutes and records the response action within 1 hour. It is the top tier.');

    // Nothing filled in: every problem at the top, linked to its field, and the values kept.
    const csrf = csrfFrom(form.text);
    const empty = await casey.post('/escalations/new').type('form').send({ _csrf: csrf, participantLocalRef: '', trigger: '  ', description: 'Kept <b>as typed</b>' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('There is a problem');
    expect(empty.text).toMatch(/<title>Error: Raise an escalation/);
    expect(empty.text.indexOf('There is a problem')).toBeLessThan(empty.text.indexOf('<h1>'));
    expect(empty.text).toContain('<a href="#f-participantLocalRef">Enter the participant’s local reference</a>');
    expect(empty.text).toContain('<a href="#f-riskLevel">Choose a risk level</a>');
    expect(empty.text).toContain('<a href="#f-trigger">Say what triggered the escalation</a>');
    expect(empty.text).toContain('Kept &lt;b&gt;as typed&lt;/b&gt;</textarea>');
    // An unknown person and a person outside Casey's care teams read the same.
    const notOurs = await createParticipant(t.db, [people.outsider.agencyId]);
    const unknownRef = `P-${randomUUID().slice(0, 8)}`;
    const unknown = await casey.post('/escalations/new').type('form').send({ _csrf: csrf, participantLocalRef: unknownRef, riskLevel: 'moderate', trigger: 'x' });
    const outside = await casey.post('/escalations/new').type('form').send({ _csrf: csrf, participantLocalRef: notOurs.localRef, riskLevel: 'moderate', trigger: 'x' });
    expect(unknown.status).toBe(400);
    expect(outside.status).toBe(400);
    const problem = (html: string, ref: string) => html.match(/<p class="field-error"[^>]*>([^<]+)<\/p>/)![1]!.replace(ref, 'REF');
    expect(problem(outside.text, notOurs.localRef)).toBe(problem(unknown.text, unknownRef));
    expect(problem(outside.text, notOurs.localRef)).toBe('No person REF among the people your care teams include.');

    const raised = await casey.post('/escalations/new').type('form').send({ _csrf: csrf, participantLocalRef: participant.localRef, riskLevel: 'moderate', trigger: 'Two missed home care visits', description: 'Visits on Monday and Tuesday missed' });
    expect(raised.status, raised.text).toBe(303);
    const [, id] = raised.headers.location!.match(/^\/escalations\/([^?]+)\?done=raised$/)!;
    await expect.poll(() => t.db.escalation.findUnique({ where: { id: id! } }), { timeout: 15_000 }).toBeTruthy();
    const pageOf = () => casey.get(`/escalations/${id}`);
    const opened = await pageOf();
    expect(opened.status).toBe(200);
    expect(opened.headers.refresh).toBe(`30; url=/escalations/${id}`);
    expect(opened.text).toContain('Two missed home care visits');
    expect(opened.text).toContain('Raised by hand');
    expect(opened.text).toContain('Waiting for the chair to take ownership');
    expect(opened.text).toContain(`<a class="button" href="/escalations/${id}/acknowledge">Take ownership</a>`);
    expect(opened.text).not.toContain('/api/');

    // The manager of the agency may look, but not take the chair's steps.
    const morgan = await signedIn(people.manager);
    const notChair = await morgan.get(`/escalations/${id}/acknowledge`).set('Accept', 'text/html');
    expect(notChair.status).toBe(403);
    expect(notChair.text).toContain('Casey Coordinator chairs this escalation at the moderate tier. Only they take its steps.');
    expect(notChair.text).not.toContain('<form method="post" action="/escalations/');
    // Steps out of order are explained, not offered.
    const early = await casey.get(`/escalations/${id}/respond`);
    expect(early.text).toContain('Take ownership of the escalation first; then record the response action.');
    expect(early.text).not.toContain('name="responseAction"');

    const acked = await submitStep(casey, id!, 'acknowledge');
    expect(acked.status).toBe(303);
    expect(acked.headers.location).toBe(`/escalations/${id}?done=acknowledge`);
    const afterAck = await casey.get(acked.headers.location!);
    expect(afterAck.text).toContain('You have taken ownership of this escalation. Record the response action by');
    expect(afterAck.text).toContain('Met: taken by Casey Coordinator');
    // A second acknowledgement (a second tab, say) says who took it.
    const again = await casey.post(`/escalations/${id}/acknowledge`).type('form').send({ _csrf: csrf });
    expect(again.status).toBe(409);
    expect(again.text).toMatch(/Casey Coordinator already took ownership of this escalation on /);

    const noAction = await submitStep(casey, id!, 'respond', { responseAction: '   ' });
    expect(noAction.status).toBe(400);
    expect(noAction.text).toContain('<a href="#f-responseAction">Say what response action was taken</a>');
    expect(noAction.text).toContain('aria-invalid="true"');
    expect(noAction.text).toMatch(/<title>Error: Record the response action/);
    expect(noAction.text).toMatch(/<form[^>]*novalidate/);
    expect(noAction.text).not.toMatch(/ (required|pattern)[ =>]/);
    expect(noAction.headers.refresh).toBeUndefined();
    const tooLong = await casey.post(`/escalations/${id}/respond`).type('form').send({ _csrf: csrf, responseAction: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('The response action must be 2000 characters or fewer');
    expect((await casey.post(`/escalations/${id}/respond`).type('form').send({ _csrf: csrf, responseAction: 'Joint visit booked for tomorrow' })).status).toBe(303);

    const noNote = await submitStep(casey, id!, 'note', { text: '' });
    expect(noNote.status).toBe(400);
    expect(noNote.text).toContain('Write the note');
    expect((await casey.post(`/escalations/${id}/note`).type('form').send({ _csrf: csrf, text: 'Family told' })).status).toBe(303);
    await expect.poll(async () => (await pageOf()).text).toContain('Family told');

    const noOutcome = await submitStep(casey, id!, 'resolve', { outcome: '' });
    expect(noOutcome.status).toBe(400);
    expect(noOutcome.text).toContain('Say what the outcome was');
    const resolved = await casey.post(`/escalations/${id}/resolve`).type('form').send({ _csrf: csrf, outcome: 'Visits back on schedule' });
    expect(resolved.status).toBe(303);
    const done = await casey.get(resolved.headers.location!);
    expect(done.text).toContain('The outcome is recorded and the escalation is resolved.');
    expect(done.text).toMatch(/id="escalation-status">Resolved</);
    expect(codesOnPage(done.text)).toEqual([]);
    expect(done.text).toContain('Joint visit booked for tomorrow');
    expect(done.text).toContain('Visits back on schedule');
    expect(done.text).toContain('within the response window');
    expect(done.headers.refresh).toBeUndefined();
    expect(done.text).not.toContain(`/escalations/${id}/note`);
    const late = await casey.get(`/escalations/${id}/resolve`);
    expect(late.text).toContain('This escalation was resolved by Casey Coordinator');

    await env.client.workflow.getHandle(id!).result();
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id: id! } })).toMatchObject({ status: 'resolved', resolvedBy: 'chair', acknowledgedOnTime: true, respondedOnTime: true, resolvedOnTime: true, responseAction: 'Joint visit booked for tomorrow', outcome: 'Visits back on schedule' });
    const s = await stateOf(id!);
    expect([s.acknowledgement?.by.channel, s.response?.by.channel, s.outcome?.by.channel]).toEqual(['web', 'web', 'web']);
    expect(s.notes).toMatchObject([{ text: 'Family told', by: { name: 'Casey Coordinator', channel: 'web' } }]);
    expect(listed((await casey.get('/escalations?status=resolved')).text)).toContain(id);
  });

  it('asks the chair only to confirm the outcome once the overdue task is done, pre-filled, from the sprint’s link', async () => {
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const localRef = `P-${randomUUID().slice(0, 8)}`;
    const started = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef, displayName: 'Ada Example' }, dischargeAt: new Date(await env.currentTimeMs()).toISOString(), owners, timing: { dueOffsets: { '0': 'PT1M', '1': 'PT1H', '2-3': 'PT2H' }, reminderLead: 'PT30S' } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const sprintId = started.body.sprintId as string;
    await env.sleep('2 minutes');
    const task = SPRINT_TEMPLATE.find((x) => x.day === '0')!;
    const escalationId = `escalation-${sprintId}-${task.key}`;
    await expect.poll(() => t.db.escalation.findUnique({ where: { id: escalationId } }), { timeout: 15_000 }).toBeTruthy();
    await syncClock();

    // The sprint page links its escalations' pages, says where each stands, and offers to raise one.
    const casey = await signedIn(people.coordinator);
    const sprintPage = await casey.get(`/sprints/${sprintId}`);
    expect(sprintPage.text).toContain(`<a href="/escalations/${encodeURIComponent(escalationId)}">${task.title}</a>`);
    expect(sprintPage.text).toContain('Waiting for the chair to take ownership');
    expect(sprintPage.text).toContain(`<a class="button" href="/escalations/new?participant=${localRef}">Raise an escalation</a>`);
    expect(sprintPage.text).not.toContain('/api/');

    const before = await casey.get(`/escalations/${escalationId}`);
    expect(before.text).toContain(`Overdue: ${task.title}`);
    expect(before.text).toContain(`<a href="/sprints/${encodeURIComponent(sprintId)}">Sprint task “${task.title}”</a>`);
    expect(before.text).toContain('Wren Nurse'); // the task's owner responds
    expect(codesOnPage(before.text)).toEqual([]);
    expect((await casey.get(`/escalations/${escalationId}/confirm`)).text).toContain('The cause of this escalation has not ended, so there is no outcome to confirm yet.');

    // The owner does the task, late: the escalation is told its cause ended.
    const completed = await request(app).post(`/api/sprints/${sprintId}/tasks/${task.key}/complete`).set(bearer(people.hospital)).send({});
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    await expect.poll(async () => (await stateOf(escalationId)).causeResolvedAt, { timeout: 15_000 }).toBeTruthy();
    const s = await stateOf(escalationId);

    const ended = await casey.get(`/escalations/${escalationId}`);
    expect(ended.text).toContain(`<strong>The cause has ended:</strong> “${task.title}” was done`);
    expect(ended.text).toContain('Unless the chair confirms the outcome, careloop records it automatically on');
    expect(ended.text).toContain('Cause ended; waiting for the chair to confirm the outcome');
    expect(ended.text).toContain(`<a class="button" href="/escalations/${escalationId}/confirm">Confirm the outcome</a>`);
    expect(ended.text).not.toContain(`/escalations/${escalationId}/acknowledge`);
    expect(ended.text).toContain('Not needed: the cause ended');

    expect((await casey.get(`/sprints/${sprintId}`)).text).toContain('Cause ended; waiting for the chair to confirm the outcome');

    const confirm = await casey.get(`/escalations/${escalationId}/confirm`);
    expect(confirm.status).toBe(200);
    expect(confirm.headers.refresh).toBeUndefined();
    const prefilled = confirm.text.match(/<textarea id="f-outcome" name="outcome"[^>]*>([^<]*)<\/textarea>/)![1]!;
    expect(prefilled).toMatch(new RegExp(`^Cause resolved: “${task.title}” was done`));
    expect(Date.parse(s.causeGraceEndsAt!)).toBeGreaterThan(Date.parse(s.causeResolvedAt!));
    const res = await casey.post(`/escalations/${escalationId}/confirm`).type('form').send({ _csrf: csrfFrom(confirm.text), outcome: prefilled });
    expect(res.status).toBe(303);
    await env.client.workflow.getHandle(escalationId).result();
    expect(await stateOf(escalationId)).toMatchObject({ status: 'resolved', resolvedBy: 'chair', outcome: { outcome: prefilled, by: { staffId: people.coordinator.id, channel: 'web' } } });
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({ status: 'resolved', resolvedBy: 'chair', acknowledgedAt: null });
    const after = await casey.get(`/escalations/${escalationId}`);
    expect(after.text).toMatch(/id="escalation-status">Resolved</);

    expect((await request(app).post(`/api/sprints/${sprintId}/cancel`).set(bearer(people.coordinator)).send({ reason: 'test done' })).status).toBe(200);
  });
});
