// The coordinator's sprint pages on the real app: real PostgreSQL, the time-skipping Temporal
// server with careloop's worker, a real SMTP listener, and sign-in through the emailed link.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import { sprintStateQuery, sprintWorkflow } from '../../workflows';
import { formatInstant } from '../../activities/email-content';
import { instantToZonedLocal, zonedLocalToInstant } from '../../domain/format';
import { buildTestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { csrfFrom } from '../support/html';
import { signInAs, type Agent } from '../support/signin';



describe('datetime-local values read in the partnership time zone', () => {
  it('turns wall-clock times into instants, across clock changes', () => {
    expect(zonedLocalToInstant('2026-11-23T14:05', 'UTC')).toEqual({ instant: new Date('2026-11-23T14:05:00Z') });
    expect(zonedLocalToInstant('2026-07-01T12:00', 'Europe/London')).toEqual({ instant: new Date('2026-07-01T11:00:00Z') });
    expect(zonedLocalToInstant('2026-01-15T09:30:15', 'America/New_York')).toEqual({ instant: new Date('2026-01-15T14:30:15Z') });
    // 01:30 happens twice when the clocks go back: the first one.
    expect(zonedLocalToInstant('2026-10-25T01:30', 'Europe/London')).toEqual({ instant: new Date('2026-10-25T00:30:00Z') });
    // 01:30 never happens when they go forward.
    expect(zonedLocalToInstant('2026-03-29T01:30', 'Europe/London')).toEqual({ problem: expect.stringMatching(/does not exist in Europe\/London/) });
    expect(zonedLocalToInstant('', 'UTC')).toEqual({ problem: 'Enter the discharge date and time' });
    expect(zonedLocalToInstant('2026-02-30T10:00', 'UTC')).toEqual({ problem: 'Enter a real date and time' });
    expect(instantToZonedLocal(new Date('2026-07-01T11:00:00Z'), 'Europe/London')).toBe('2026-07-01T12:00');
    expect(instantToZonedLocal(new Date('2026-11-23T14:05:59Z'), 'UTC')).toBe('2026-11-23T14:05');
  });
});

describe('sprint web pages (real Temporal, PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `pages-${randomUUID()}`;
  const agents = new Map<string, Agent>();

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue, rateLimits: { signinPerWindow: 100, tokenPerWindow: 1000 } });
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  /** Signs in the way a person does, once per person. */
  async function signedIn(who: { email: string }): Promise<Agent> {
    const agent = agents.get(who.email) ?? (await signInAs(app, smtp, who.email));
    agents.set(who.email, agent);
    return agent;
  }

  const ownerFields = (over: Record<string, string> = {}) => ({
    ...Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [`owners.${k}`, s.id])),
    ...over,
  });
  /** Whole minutes, as a datetime-local input sends them. */
  const dischargeLocal = async () => instantToZonedLocal(new Date(await env.currentTimeMs()), 'UTC');

  async function submit(agent: Agent, fields: Record<string, string>) {
    const form = await agent.get('/sprints/new');
    expect(form.status).toBe(200);
    return agent.post('/sprints/new').type('form').send({ _csrf: csrfFrom(form.text), ...fields });
  }

  /** Ends a sprint as its coordinator would, through the page, and waits for the workflow to finish. */
  async function cancelThroughPage(agent: Agent, sprintId: string) {
    const confirm = await agent.get(`/sprints/${sprintId}/cancel`);
    expect(confirm.status).toBe(200);
    const res = await agent.post(`/sprints/${sprintId}/cancel`).type('form').send({ _csrf: csrfFrom(confirm.text), reason: 'Test finished' });
    expect(res.status).toBe(303);
    await env.client.workflow.getHandle<typeof sprintWorkflow>(sprintId).result();
    return res;
  }

  it('shows coordinators the form with every task under its day, owners to choose grouped by agency, and a timing fieldset', async () => {
    const agent = await signedIn(people.coordinator);
    const home = await agent.get('/');
    expect(home.text).toContain('<a class="button" href="/sprints/new">Start a sprint</a>');

    const res = await agent.get('/sprints/new');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<input type="hidden" name="_csrf" value="[^"]+">/);
    expect(res.text).toContain('name="participant.localRef"');
    expect(res.text).toContain('name="participant.displayName"');
    expect(res.text).toMatch(/<input type="datetime-local" id="f-dischargeAt" name="dischargeAt" value="\d{4}-\d\d-\d\dT\d\d:\d\d"/);
    for (const day of ['Day 0', 'Day 1', 'Day 2-3']) expect(res.text).toContain(`<h3>${day} <span`);
    const selects = res.text.match(/<select id="f-owners-[\w-]+" name="owners\.([\w-]+)"/g) ?? [];
    expect(selects).toHaveLength(SPRINT_TEMPLATE.length);
    for (const task of SPRINT_TEMPLATE) {
      expect(res.text).toContain(`>${task.title}</label>`);
      expect(res.text).toContain(`name="owners.${task.key}"`);
    }
    // Tasks sit under their day: day 1's heading comes after day 0's tasks and before day 1's.
    const at = (s: string) => res.text.indexOf(s);
    expect(at('Immediate risks reviewed</label>')).toBeLessThan(at('<h3>Day 1 '));
    expect(at('<h3>Day 1 ')).toBeLessThan(at('First visit confirmed</label>'));
    // Every active staff member is offered in every select, under their agency's name.
    const hospitalAgency = await t.db.agency.findUniqueOrThrow({ where: { id: people.hospital.agencyId } });
    expect(res.text).toContain(`<optgroup label="${hospitalAgency.name}"><option value="${people.hospital.id}">Wren Nurse</option>`);
    for (const p of [people.coordinator, people.homecare, people.housing, people.manager]) {
      expect(res.text.split(`<option value="${p.id}">`).length - 1).toBe(SPRINT_TEMPLATE.length);
    }
    expect(res.text).toContain('<summary>Timing (for tests, demos and pilots)</summary>');
    for (const name of ['timing.dueOffsets.0', 'timing.dueOffsets.1', 'timing.dueOffsets.2-3', 'timing.reminderLead']) expect(res.text).toContain(`name="${name}"`);
  });

  it('refuses the form to staff who are not coordinators with a 403 page, and sends visitors to sign in', async () => {
    const staff = await signedIn(people.hospital);
    const home = await staff.get('/');
    expect(home.text).not.toContain('/sprints/new');
    const page = await staff.get('/sprints/new').set('Accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.text).toContain('Only coordinators can start a sprint');
    const post = await staff.post('/sprints/new').type('form').send({ _csrf: csrfFrom(home.text), ...ownerFields() }).set('Accept', 'text/html');
    expect(post.status).toBe(403);

    const anonymous = await request(app).get('/sprints/new');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/signin?next=%2Fsprints%2Fnew');
  });

  it('re-renders an invalid form with 400, each message next to its field, the values kept and escaped, and starts nothing', async () => {
    const agent = await signedIn(people.coordinator);
    const participantsBefore = await t.db.participant.count();
    const res = await submit(agent, {
      'participant.localRef': '<script>alert(1)</script>',
      'participant.displayName': 'Ada <b>Example</b>',
      dischargeAt: '',
      ...ownerFields({ 'owners.transport-confirmed': '', 'owners.services-active': 'no-such-staff' }),
      'timing.reminderLead': 'PT1Y',
    });
    expect(res.status).toBe(400);
    const text = res.text;
    expect(text).not.toContain('<script>alert(1)</script>');
    expect(text).not.toContain('<b>Example</b>');
    // Each problem sits right above its own input, which keeps what was typed.
    expect(text).toMatch(
      /<p class="field-error" id="f-participant-localRef-error"><span class="visually-hidden">Error:<\/span> Local reference may contain letters, digits, - _ \/ \. only<\/p>\s*<input type="text" id="f-participant-localRef" name="participant.localRef" value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/,
    );
    expect(text).toContain('value="Ada &lt;b&gt;Example&lt;/b&gt;"');
    expect(text).toMatch(/<p class="field-error" id="f-dischargeAt-error"><span class="visually-hidden">Error:<\/span> Enter the discharge date and time<\/p>\s*<input type="datetime-local" id="f-dischargeAt"/);
    expect(text).toMatch(/<p class="field-error" id="f-owners-transport-confirmed-error"><span class="visually-hidden">Error:<\/span> Choose who owns “Transport confirmed”<\/p>\s*<select id="f-owners-transport-confirmed"/);
    expect(text).toMatch(/<p class="field-error" id="f-timing-reminderLead-error"><span class="visually-hidden">Error:<\/span> Reminder lead \(before each due time\) must be an ISO-8601 duration[^<]*<\/p>\s*<input type="text" id="f-timing-reminderLead" name="timing.reminderLead" value="PT1Y"/);
    expect(text).toMatch(/<details class="timing" open>/);
    // The owners chosen stay chosen.
    expect(text).toContain(`<option value="${people.hospital.id}" selected>`);
    // The summary at the top links to each field.
    expect(text).toMatch(/<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">\s*<h2 id="error-summary-title">There is a problem<\/h2>/);
    // GOV.UK's pattern: "Error:" first in the title, and no browser-only checks in the way.
    expect(text).toContain('<title>Error: Start a sprint · careloop</title>');
    expect(text).toMatch(/<form method="post" action="\/sprints\/new" class="sprint-form" novalidate>/);
    expect(text).not.toMatch(/<(input|select|textarea)[^>]* (required|pattern=)/);
    expect(text).toContain('<a href="#f-dischargeAt">Enter the discharge date and time</a>');
    expect(text).toContain('<a href="#f-participant-localRef">');
    expect(text).toContain('<a href="#f-owners-transport-confirmed">');
    expect(await t.db.participant.count()).toBe(participantsBefore);

    // Problems the service finds after the schema: an owner who is not staff, days out of order.
    const unknownOwner = await submit(agent, { 'participant.localRef': 'P-ok', 'participant.displayName': 'Ada', dischargeAt: await dischargeLocal(), ...ownerFields({ 'owners.services-active': 'no-such-staff' }) });
    expect(unknownOwner.status).toBe(400);
    expect(unknownOwner.text).toMatch(/<p class="field-error" id="f-owners-services-active-error"><span class="visually-hidden">Error:<\/span> Choose who owns “Services active” from the list: the person chosen is not an active staff member<\/p>/);
    const backwards = await submit(agent, {
      'participant.localRef': 'P-ok',
      'participant.displayName': 'Ada',
      dischargeAt: await dischargeLocal(),
      ...ownerFields(),
      'timing.dueOffsets.0': 'PT2H',
      'timing.dueOffsets.1': 'PT1H',
    });
    expect(backwards.status).toBe(400);
    expect(backwards.text).toMatch(/<p class="field-error" id="f-timing-dueOffsets-1-error"><span class="visually-hidden">Error:<\/span> Day 1 may not fall due before day 0<\/p>\s*<input type="text" id="f-timing-dueOffsets-1" name="timing.dueOffsets.1" value="PT1H"/);
    expect(await t.db.participant.count()).toBe(participantsBefore);
  });

  it('starts a sprint from the form, shows it live, lands a second identical submission on the same sprint, and cancels it', async () => {
    const coordinator = await signedIn(people.coordinator);
    const localRef = `P-${randomUUID().slice(0, 8)}`;
    const discharge = await dischargeLocal();
    const fields = {
      'participant.localRef': localRef,
      'participant.displayName': 'Ada <b>Example</b>',
      dischargeAt: discharge,
      ...ownerFields(),
      'timing.dueOffsets.0': 'PT1H',
      'timing.dueOffsets.1': 'PT2H',
      'timing.dueOffsets.2-3': 'PT3H',
      'timing.reminderLead': 'PT20M',
    };
    const started = await submit(coordinator, fields);
    expect(started.status).toBe(303);
    const location = started.headers.location as string;
    expect(location).toMatch(/^\/sprints\/sprint-[\w-]+$/);
    const sprintId = location.slice('/sprints/'.length);

    // The workflow got what the form said, the local time read in the configured zone (UTC).
    const state = await env.client.workflow.getHandle(sprintId).query(sprintStateQuery);
    expect(state.dischargeAt).toBe(new Date(`${discharge}:00Z`).toISOString());
    expect(state.participant).toMatchObject({ localRef, displayName: 'Ada <b>Example</b>' });
    expect(Date.parse(state.closesAt) - Date.parse(state.dischargeAt)).toBe(3 * 3_600_000);
    expect(state.tasks.find((x) => x.key === 'transport-confirmed')!.owner.id).toBe(people.homecare.id);

    const live = await coordinator.get(location);
    expect(live.status).toBe(200);
    expect(live.headers.refresh).toBe(`15; url=/sprints/${sprintId}`);
    expect(live.text).toContain(`${localRef} · Ada &lt;b&gt;Example&lt;/b&gt;`);
    // Each row of the tasks table, its cells labelled with their column for the phone layout.
    expect(live.text.match(/<tr class="task tone-open" data-task="[\w-]+">/g)).toHaveLength(SPRINT_TEMPLATE.length);
    for (const task of state.tasks) {
      expect(live.text).toContain(
        `<tr class="task tone-open" data-task="${task.key}">\n  <td data-label="Day">${task.day}</td>\n  <td data-label="Task">${task.title}</td>\n  <td data-label="Owner">${task.owner.name}<br>`,
      );
      expect(live.text).toContain(`<td data-label="Due">${formatInstant(task.dueAt, 'UTC')}</td>`);
    }
    expect(live.text).toContain('<span class="badge tone-open" id="sprint-status">Open</span>');
    expect(live.text).toContain(`<dd>${formatInstant(state.dischargeAt, 'UTC')}</dd>`);
    expect(live.text).toContain(`<dd>${formatInstant(state.closesAt, 'UTC')}</dd>`);
    // The picture: a list item per task with its status and due time in words and a dot on its
    // line, under axis labels from discharge to close.
    const chart = live.text.slice(live.text.indexOf('<figure class="sprint-figure">'), live.text.indexOf('</figure>'));
    expect(chart.match(/<li class="chart-row tone-open" data-task="[\w-]+">/g)).toHaveLength(SPRINT_TEMPLATE.length);
    expect(chart.match(/<span class="mark" style="left:[\d.]+%">/g)).toHaveLength(SPRINT_TEMPLATE.length);
    expect(chart).toContain(`<span class="task-title">${state.tasks[0]!.title}</span>\n<span class="task-line"><span class="badge tone-open">Open</span> <span class="nowrap">due +1 h</span> · ${state.tasks[0]!.owner.name}</span>`);
    expect(chart).toContain(`<strong>0 of ${SPRINT_TEMPLATE.length} tasks ended.</strong>`);
    for (const label of ['discharge', '+1 h', '+2 h', '+3 h · close']) expect(chart).toContain(`>${label}</span>`);
    expect(live.text).toContain(`href="/sprints/${sprintId}/cancel"`);

    // The same form again finds the same sprint and says so.
    const again = await submit(coordinator, fields);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`${location}?existing=1`);
    const existing = await coordinator.get(again.headers.location as string);
    expect(existing.text).toContain('already existed, so nothing new was started');
    expect(await t.db.participant.count({ where: { localRef } })).toBe(1);

    // The list of the coordinator's sprints has it once the worker has recorded it.
    await expect.poll(async () => (await coordinator.get('/sprints')).text).toContain(`<a href="/sprints/${sprintId}">${localRef}</a>`);

    // A task owner sees the sprint but cannot cancel it; a manager of an involved agency sees it.
    const owner = await signedIn(people.hospital);
    const ownerView = await owner.get(location);
    expect(ownerView.status).toBe(200);
    expect(ownerView.text).not.toContain('/cancel"');
    expect((await owner.get(`${location}/cancel`).set('Accept', 'text/html')).status).toBe(403);
    expect((await (await signedIn(people.manager)).get(location)).status).toBe(200);

    // Someone with no part in the sprint learns nothing about it.
    const outsider = await signedIn(people.outsider);
    const hidden = await outsider.get(location).set('Accept', 'text/html');
    expect(hidden.status).toBe(404);
    expect(hidden.text).toContain('<h1>Not found</h1>');
    expect(hidden.text).not.toContain(localRef);
    expect((await outsider.get('/sprints/sprint-nope-20260101T0000Z').set('Accept', 'text/html')).status).toBe(404);

    // Cancelling needs a reason, then the page shows the sprint closed and stops refreshing.
    const confirm = await coordinator.get(`${location}/cancel`);
    const noReason = await coordinator.post(`${location}/cancel`).type('form').send({ _csrf: csrfFrom(confirm.text), reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('<p class="field-error" id="cancel-reason-error"><span class="visually-hidden">Error:</span> Enter why the sprint is cancelled</p>');
    expect(noReason.text).toContain('<title>Error: Cancel the sprint · careloop</title>');
    expect(noReason.text).toContain('<a href="#cancel-reason">Enter why the sprint is cancelled</a>');
    const cancelled = await cancelThroughPage(coordinator, sprintId);
    expect(cancelled.headers.location).toBe(`${location}?cancelled=1`);
    const after = await coordinator.get(cancelled.headers.location as string);
    expect(after.headers.refresh).toBeUndefined();
    expect(after.text).toContain('<span class="badge tone-cancelled" id="sprint-status">Cancelled</span>');
    expect(after.text).toContain('<p class="problem">Cancelled: Test finished</p>');
    expect(after.text.match(/<tr class="task tone-cancelled"/g)).toHaveLength(SPRINT_TEMPLATE.length);
    // Words, not codes: each task says it was cancelled with the sprint, and no status code shows.
    expect(after.text.match(/<td data-label="Status"><span class="badge tone-cancelled">Cancelled with the sprint<\/span>/g)).toHaveLength(SPRINT_TEMPLATE.length);
    expect(after.text).not.toMatch(/sprint-cancelled|>requested<|not-done-by-close/);
    expect(after.text).toMatch(/<strong>Sprint cancelled<\/strong> · by Casey Coordinator/);
    expect(after.text).not.toContain(`href="/sprints/${sprintId}/cancel"`);
  });

  it('marks done, overdue and reminded tasks in the table, the picture and the escalations', async () => {
    const coordinator = await signedIn(people.coordinator);
    const started = await submit(coordinator, {
      'participant.localRef': `P-${randomUUID().slice(0, 8)}`,
      'participant.displayName': 'Bo Example',
      dischargeAt: await dischargeLocal(),
      ...ownerFields(),
      'timing.dueOffsets.0': 'PT2M',
      'timing.dueOffsets.1': 'PT1H',
      'timing.dueOffsets.2-3': 'PT2H',
      'timing.reminderLead': 'PT30S',
    });
    expect(started.status).toBe(303);
    const sprintId = (started.headers.location as string).slice('/sprints/'.length);
    const handle = env.client.workflow.getHandle<typeof sprintWorkflow>(sprintId);
    const housing = await signedIn(people.housing);
    // The owner ends one task through the API; the day-0 tasks run past their deadline.
    const done = await request(app).post(`/api/sprints/${sprintId}/tasks/services-active/complete`).set({ Authorization: `Bearer ${people.housing.token}` }).send({ note: 'Carers start Monday' });
    expect(done.status).toBe(200);
    await env.sleep('3 minutes');
    await expect.poll(async () => (await handle.query(sprintStateQuery)).escalations.length).toBe(3);

    const page = await housing.get(`/sprints/${sprintId}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<tr class="task tone-done" data-task="services-active">/);
    expect(page.text).toContain('Note: Carers start Monday');
    expect(page.text.match(/<tr class="task tone-overdue"/g)).toHaveLength(3);
    // The badge says overdue; the flag adds that the owner had been reminded.
    expect(page.text.match(/<span class="badge tone-overdue">Overdue<\/span>\s*<span class="flag">reminded<\/span>/g)).toHaveLength(3);
    expect(page.text).toContain('<strong class="overdue">3 overdue</strong>');
    expect(page.text.match(/<li class="chart-row tone-overdue" data-task="[\w-]+">/g)).toHaveLength(3);
    expect(page.text).toMatch(/<li class="chart-row tone-done" data-task="services-active">\n<div class="chart-words"><span class="task-title">Services active<\/span>\n<span class="task-line"><span class="badge tone-done">Done<\/span> <span class="nowrap">due \+2 h<\/span> · <span class="nowrap">ended \+\d+ min<\/span> · /);
    expect(page.text).toMatch(/<span class="ended-tick" style="left:[\d.]+%">/);
    expect(page.text).toContain('passed its deadline without ending');
    expect(page.text).toMatch(/<strong>Reminder sent<\/strong> · Discharge summary received/);
    await cancelThroughPage(coordinator, sprintId);
  });
});
