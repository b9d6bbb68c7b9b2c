// "My work" on the real app: real PostgreSQL, the time-skipping Temporal server with careloop's
// worker and real activities, a real SMTP listener, and people signed in by the emailed link.
// A sprint, a plan with an action already past its due day and a change to acknowledge, an
// escalation, a dispute and two huddle follow-ups: each person's home page lists what they owe
// and nobody else's, overdue first, each with a way in; the header of other pages counts the
// same; a sprint task is recorded from its signed-in page; the weekly digest is chosen on the home
// page and sends one email per person per week, with links that work.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { buildTestApp } from '../support/app';
import { csrfFrom } from '../support/html';
import { signInAs, type Agent } from '../support/signin';
import { startRealStack, type RealStack } from '../support/stack';
import { ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import { weeklyDigestWorkflow, type WeeklyDigestResult } from '../../workflows/digest';

const DAY = 86_400_000;
const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
/** The items of a home page's "What you owe now", in order: [kind, item]. */
const owedOn = (html: string) => {
  const section = html.slice(html.indexOf('id="owed"'), html.indexOf('id="started"'));
  return [...section.matchAll(/data-kind="([^"]+)" data-item="([^"]+)"/g)].map((m) => ({ kind: m[1]!, item: m[2]! }));
};
/** Waits (outside a test) until `read` answers what `ok` wants. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`still waiting after ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const headerCount = (html: string) => Number(/class="owed-count[^"]*">(\d+)</.exec(html)?.[1] ?? NaN);

describe('My work (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let people: SprintPeople;
  let app: Express;
  let skewMs = 0;
  const agents = new Map<string, Agent>();
  let sprintId: string;
  let planId: string;
  let escalationId: string;
  let disputeId: string;
  let huddleId: string;

  async function signedIn(who: { email: string }): Promise<Agent> {
    const agent = agents.get(who.email) ?? (await signInAs(app, stack.smtp, who.email));
    agents.set(who.email, agent);
    return agent;
  }

  beforeAll(async () => {
    stack = await startRealStack({ name: 'my-work' });
    people = stack.people;
    const db = stack.t.db;
    // The app reads the time the workflows keep (the test server may run ahead of this clock).
    skewMs = (await stack.env.currentTimeMs()) - Date.now();
    app = buildTestApp({ db, temporal: stack.env.client, smtp: stack.smtp, taskQueue: stack.taskQueue, rateLimits: { signinPerWindow: 100, tokenPerWindow: 1000 }, now: () => new Date(Date.now() + skewMs) });
    const envNow = await stack.env.currentTimeMs();
    const day = (days: number) => new Date(envNow + days * DAY).toISOString().slice(0, 10);

    // A sprint: day 0 tasks to the hospital, day 1 to home care, day 2-3 to housing.
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const sprint = await request(app)
      .post('/api/sprints')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, dischargeAt: new Date(envNow).toISOString(), owners });
    expect(sprint.status, JSON.stringify(sprint.body)).toBe(201);
    sprintId = sprint.body.sprintId;

    // A plan: home care's action due in three days, the hospital's medication review already a day past due.
    const content = planContent(people, {
      controls: [
        { id: 'c1', description: 'Night-time check call', ownerAgencyId: people.homecare.agencyId, ownerStaffId: people.homecare.id, dueDate: day(3) },
        { id: 'c2', description: 'Medication review', ownerAgencyId: people.hospital.agencyId, ownerStaffId: people.hospital.id, dueDate: day(-1) },
      ],
    });
    const plan = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: newLocalRef(), displayName: 'Bo Example' }, content });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    planId = plan.body.planId;
    const v2 = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: { ...content, crisisTriggers: [...content.crisisTriggers, 'Stops answering the door'] }, reason: 'New crisis trigger', trigger: 'risk_change', acknowledgementRequired: true, recipients: [people.hospital.id] });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);

    // An escalation Casey raises, and so chairs.
    const sprintParticipant = (await db.sprint.findUniqueOrThrow({ where: { id: sprintId }, select: { participant: { select: { localRef: true, id: true } } } })).participant;
    const raised = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: sprintParticipant.localRef, riskLevel: 'moderate', trigger: 'Two missed visits' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    escalationId = raised.body.escalationId;

    // A dispute's reporting row at stage 1, the hospital's nurse speaking for her agency; and two
    // huddle follow-ups, one Casey's (she runs the county's huddles), one for housing's Hollis.
    disputeId = `dispute-${randomUUID()}`;
    await db.dispute.create({
      data: {
        id: disputeId,
        participantId: sprintParticipant.id,
        raisedById: people.coordinator.id,
        interimOwnerId: people.homecare.id,
        partyAgencyIds: [people.coordinator.agencyId, people.hospital.agencyId],
        agreementVersion: 'test',
        raisedAt: new Date(envNow),
        status: 'open',
        stage: 1,
        stages: [{ stage: 1, label: 'Frontline leads', startedAt: new Date(envNow).toISOString(), dueAt: new Date(envNow + 2 * DAY).toISOString(), representatives: [people.coordinator, people.hospital].map(({ id, name, email, agencyId }) => ({ id, name, email, agencyId })), deadlinePassed: false }],
      },
    });
    huddleId = `huddle-test-${randomUUID().slice(0, 8)}`;
    await db.huddle.create({ data: { id: huddleId, agencyId: people.coordinator.agencyId, startedAt: new Date(envNow), roster: { rows: [] }, status: 'following-up', notesCloseAt: new Date(envNow) } });
    for (const [n, owner] of [people.coordinator, people.housing].entries()) {
      await db.huddleDecision.create({
        data: { id: `${huddleId}:decision-${n + 1}`, huddleId, key: `decision-${n + 1}`, participantId: sprintParticipant.id, text: `Call the family (${n + 1})`, ownerId: owner.id, ownerAgencyId: owner.agencyId, decidedById: people.coordinator.id, decidedAt: new Date(envNow), dueAt: new Date(envNow + DAY), status: 'open' },
      });
    }

    // Everything is in the record before anyone looks: the sprint's links, the plan's actions, the acknowledgement asked.
    await until(() => db.actionToken.count({ where: { workflowId: sprintId, staffId: people.hospital.id, purpose: 'sprint-task' } }), (n) => n > 0);
    await until(() => db.planAction.count({ where: { planId, status: 'open' } }), (n) => n === 2);
    await until(() => db.actionToken.count({ where: { staffId: people.hospital.id, purpose: 'plan-reply', revokedAt: null } }), (n) => n === 1);
    await until(() => db.escalation.findUnique({ where: { id: escalationId } }), (row) => !!row);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists what each person owes and nobody else’s, overdue first, each with its page; the header of every page counts the same', async () => {
    const wren = await signedIn(people.hospital);
    const home = await wren.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('<title>My work · careloop</title>');
    expect(home.text).toContain('Welcome, Wren Nurse');
    const owed = owedOn(home.text);
    const day0 = SPRINT_TEMPLATE.filter((t) => t.day === '0');
    // The medication review a day past due comes first; then the sprint's day 0 tasks, the plan change, the dispute.
    expect(owed[0]).toEqual({ kind: 'plan-action', item: expect.stringContaining(':action-c2-v1') });
    expect(owed.filter((o) => o.kind === 'sprint-task').map((o) => o.item).sort()).toEqual(day0.map((t) => `${sprintId}:${t.key}`).sort());
    expect(owed.map((o) => o.kind)).toEqual(expect.arrayContaining(['plan-acknowledgement', 'dispute']));
    expect(owed).toHaveLength(1 + day0.length + 2);
    expect(home.text).toMatch(/<span class="badge tone-overdue">Overdue<\/span> <strong>Medication review<\/strong>/);
    expect(home.text).toMatch(/Overdue by \d+ h[^<]*<\/strong> · it was due/);
    expect(home.text).toContain(`href="/sprints/${sprintId}/tasks/${day0[0]!.key}">Record the task</a>`);
    expect(home.text).toContain(`href="/plans/${planId}/actions/action-c2-v1">Record whether it is done</a>`);
    expect(home.text).toContain(`href="/plans/${planId}#acknowledgements">Read and acknowledge</a>`);
    expect(home.text).toContain(`href="/disputes/${disputeId}">Open the dispute</a>`);
    expect(home.text).toContain('State your agency’s position at stage 1 (frontline leads)');
    // Nobody else's: home care's night-time call, housing's tasks, the huddle follow-ups.
    expect(home.text).not.toContain('Night-time check call');
    expect(home.text).not.toContain('Call the family');
    expect(home.text).not.toContain('/api/');
    expect(headerCount(home.text)).toBe(owed.length);
    // Another page's header counts the same, from the record alone.
    const people_ = await wren.get('/participants');
    expect(headerCount(people_.text)).toBe(owed.length);
    expect(people_.text).toContain('<a class="my-work-link" href="/">My work <span class="owed-count has-owed">');
    // Each person the page named is in the access log, as a page read.
    const logged = await stack.t.db.accessLogEntry.findMany({ where: { staffId: people.hospital.id, channel: 'page' }, select: { what: true, item: true } });
    expect(logged.map((l) => l.what)).toEqual(expect.arrayContaining(['sprint', 'plan', 'dispute']));

    // Casey chairs the escalation she raised, owns a huddle follow-up she can open, coordinates the sprint, holds the plan.
    const casey = await signedIn(people.coordinator);
    const hers = await casey.get('/');
    const caseyOwed = owedOn(hers.text);
    expect(caseyOwed).toEqual(expect.arrayContaining([{ kind: 'escalation', item: escalationId }, { kind: 'huddle-decision', item: `${huddleId}:decision-1` }, { kind: 'dispute', item: `${disputeId}:party` }]));
    expect(hers.text).toContain(`href="/escalations/${escalationId}/acknowledge">Take ownership</a>`);
    expect(hers.text).toContain(`href="/huddles/${huddleId}#decision-1">Record the follow-up</a>`);
    const started = hers.text.slice(hers.text.indexOf('id="started"'));
    for (const href of [`/sprints/${sprintId}`, `/plans/${planId}`, `/escalations/${escalationId}`, `/disputes/${disputeId}`]) expect(started).toContain(`href="${href}"`);
    expect(started).toContain('you coordinate it');
    expect(started).toContain('you raised it');
    expect(hers.text).toContain('<a class="button" href="/sprints/new">Start a sprint</a>');

    // Hollis owns housing's sprint tasks and a huddle follow-up from another agency's huddle: its emailed link is the way in.
    const hollis = await signedIn(people.housing);
    const his = await hollis.get('/');
    expect(owedOn(his.text).find((o) => o.kind === 'huddle-decision')).toEqual({ kind: 'huddle-decision', item: `${huddleId}:decision-2` });
    expect(his.text).toContain('Record it done or not done with the link in the email about it.');
    expect(his.text).not.toContain('/sprints/new');

    // Someone outside every care team owes nothing here and learns of nobody.
    const olly = await signedIn(people.outsider);
    const none = await olly.get('/');
    expect(owedOn(none.text)).toEqual([]);
    expect(none.text).toContain('Nothing is waiting on you now');
    expect(none.text).not.toContain(sprintId);
    expect(headerCount((await olly.get('/participants')).text)).toBe(0);
  });

  it('records a sprint task from its signed-in page, with GOV.UK-style problems; it leaves My work and the count', async () => {
    const wren = await signedIn(people.hospital);
    const before = owedOn((await wren.get('/')).text);
    const key = SPRINT_TEMPLATE.find((t) => t.day === '0')!.key;
    const href = `/sprints/${sprintId}/tasks/${key}`;
    const page = await wren.get(href);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Mark as done');
    expect(page.text).toContain('Why the task does not apply');

    const empty = await wren.post(href).type('form').send({ _csrf: csrfFrom(page.text), action: 'not-applicable', reason: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toMatch(/<title>Error: /);
    expect(empty.text).toContain('<a href="#f-na-reason">Say why the task does not apply</a>');
    expect(empty.text).toContain('aria-invalid="true" aria-describedby="f-na-reason-error"');

    const done = await wren.post(href).type('form').send({ _csrf: csrfFrom(page.text), action: 'complete', note: 'Seen on the ward' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/?done=sprint-task#owed');
    const after = await wren.get(done.headers.location!);
    expect(after.text).toContain('The task is recorded.');
    expect(owedOn(after.text)).toHaveLength(before.length - 1);
    expect(owedOn(after.text).map((o) => o.item)).not.toContain(`${sprintId}:${key}`);
    expect(headerCount(after.text)).toBe(before.length - 1);
    const ended = await wren.get(href);
    expect(ended.text).toMatch(/This task is recorded as done by Wren Nurse on /);
    expect(ended.text).not.toContain('Mark as done');

    // Someone with no part in the sprint gets the same answer as for a sprint that does not exist.
    const olly = await signedIn(people.outsider);
    expect((await olly.get(href).set('Accept', 'text/html')).status).toBe(404);
  });

  it('the weekly digest: chosen on the home page, one email per person per week with working links and no clinical detail', async () => {
    const wren = await signedIn(people.hospital);
    const home = await wren.get('/');
    expect(home.text).toContain('Email me every Monday');
    const on = await wren.post('/my-work/digest').type('form').send({ _csrf: csrfFrom(home.text), weeklyDigest: 'on' });
    expect(on.status).toBe(303);
    expect((await stack.t.db.staff.findUniqueOrThrow({ where: { id: people.hospital.id } })).weeklyDigest).toBe(true);
    const chosen = await wren.get(on.headers.location!);
    expect(chosen.text).toContain('Stop the weekly email');
    expect(chosen.text).toContain('you will get one email of your open items every Monday');
    expect(await stack.t.db.auditEvent.count({ where: { actorId: people.hospital.id, action: 'staff.weekly-digest-chosen' } })).toBe(1);
    const bad = await wren.post('/my-work/digest').type('form').send({ _csrf: csrfFrom(home.text), weeklyDigest: 'sometimes' }).set('Accept', 'text/html');
    expect(bad.status).toBe(400);
    // Olly chooses it too, but owes nothing: no email for him.
    const olly = await signedIn(people.outsider);
    await olly.post('/my-work/digest').type('form').send({ _csrf: csrfFrom((await olly.get('/')).text), weeklyDigest: 'on' });
    const owed = owedOn((await wren.get('/')).text);

    const run = async (): Promise<WeeklyDigestResult> => {
      const handle = await stack.env.client.workflow.start(weeklyDigestWorkflow, { taskQueue: stack.taskQueue, workflowId: `digest-test-${randomUUID()}`, args: [{ timeZone: 'UTC', week: '2026-W49' }] });
      // Waited on without asking for the result, so the test server does not skip the sprint's clock ahead.
      await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000, interval: 250 }).toBe('COMPLETED');
      return handle.result();
    };
    const first = await run();
    expect(first).toMatchObject({ week: '2026-W49', people: 2, sent: 1, nothingOpen: 1, alreadySent: 0, failed: 0 });
    const [mail] = await stack.smtp.waitFor((m) => m.to.includes(people.hospital.email) && m.subject.startsWith('careloop: your week'));
    expect(mail!.subject).toBe(`careloop: your week's open items (${owed.length} open, 1 overdue)`);
    expect(mail!.text).toMatch(/^1\. OVERDUE: An action you own in the plan: record whether it is done \(participant P-/m);
    // No clinical detail: not the action's words, not what triggered anything.
    expect(mail!.text).not.toContain('Medication review');
    expect(mail!.text).not.toContain('/api/');
    // A fresh link for each step that has one; a sprint task's opens its page without signing in.
    const links = [...mail!.text.matchAll(/Open it: http:\/\/careloop\.test(\/a\/[\w-]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(owed.filter((o) => o.kind === 'sprint-task').length);
    const opened = await request(app).get(links[1]!);
    expect(opened.status).toBe(200);
    expect(mail!.text).toContain(`Open it (sign in): http://careloop.test/disputes/${disputeId}`);

    // The week's run again (a retry, a second worker): nobody gets a second email.
    const again = await run();
    expect(again).toMatchObject({ sent: 0, alreadySent: 1, nothingOpen: 1 });
    expect(stack.smtp.messages.filter((m) => m.to.includes(people.hospital.email) && m.subject.startsWith('careloop: your week'))).toHaveLength(1);
    expect(await stack.t.db.notification.count({ where: { idempotencyKey: `digest:2026-W49:${people.hospital.id}`, status: 'sent' } })).toBe(1);

    // Stopped: the next run sends her nothing.
    const off = await wren.post('/my-work/digest').type('form').send({ _csrf: csrfFrom(home.text), weeklyDigest: 'off' });
    expect(off.headers.location).toBe('/?done=digest-off#weekly-email');
    expect((await stack.t.db.staff.findUniqueOrThrow({ where: { id: people.hospital.id } })).weeklyDigest).toBe(false);
  });
});
