// A scheduled huddle end to end on a real Temporal dev server (Temporal Schedules, visibility for
// the roster), careloop's worker, real PostgreSQL and a real SMTP listener, driven through the
// pages as people use them: a manager sets the agency's schedule, it fires, the roster is
// captured riskiest first (the plans' risk flags among the rules), the coordinator records who
// attended and a decision, its owner records it done by the emailed link, and the huddle closes.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Roster } from '../../api/evidence/roster';
import { huddleScheduleId } from '../../domain/huddle';
import { instantToZonedLocal } from '../../domain/format';
import { buildTestApp, createStaff } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { csrfFrom } from '../support/html';
import { codesOnPage } from '../support/page-text';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { signInAs, type Agent } from '../support/signin';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { runCli, UsageError } from '../../cli/careloop';

describe('the daily huddle: schedule, roster, attendance and decisions (dev server, pages)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  let county: { id: string; key: string };
  let huddleId = '';
  const taskQueue = `huddle-${randomUUID()}`;
  const refs = { housing: newLocalRef(), ed: newLocalRef(), calm: newLocalRef() };
  const bearer = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
  let coordinator: Agent;
  let manager: Agent;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    county = await t.db.agency.findUniqueOrThrow({ where: { id: people.coordinator.agencyId }, select: { id: true, key: true } });
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue });
    // Three people in the county's care teams (the coordinator holds their plans, each with an
    // action due): housing at risk and missed visits in words, a recent ED attendance as a named
    // flag, and one with no flag.
    const plans: [string, Parameters<typeof planContent>[1]][] = [
      [refs.housing, { risks: [{ id: 'r1', description: 'Eviction notice served; housing at risk', level: 'high' }], crisisTriggers: ['Two missed home care visits in a week'] }],
      [refs.ed, { risks: [{ id: 'r1', description: 'Falls at night', level: 'moderate', flags: ['recent-ed-contact'] }], crisisTriggers: [] }],
      [refs.calm, {}],
    ];
    for (const [localRef, over] of plans) {
      const res = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef, displayName: `Person ${localRef}` }, content: planContent(people, over) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    coordinator = await signInAs(app, smtp, people.coordinator.email);
  });
  afterAll(async () => {
    await env?.client.schedule
      .getHandle(huddleScheduleId(county.key))
      .delete()
      .catch(() => undefined);
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  it('lets a manager set the schedule on its page, as a Temporal Schedule in the partnership’s zone, and refuses a time that is not one', async () => {
    manager = await signInAs(app, smtp, people.manager.email);
    const form = await manager.get('/huddles/schedules');
    expect(form.status).toBe(200);
    expect(form.text).toContain('No huddle schedule yet.');
    const bad = await manager.post('/huddles/schedules').type('form').send({ _csrf: csrfFrom(form.text), at: '9.30', days: 'mon-fry' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('There is a problem');
    expect(bad.text).toContain('Enter the time on the 24-hour clock, for example 09:30');
    expect(bad.text).toContain('“mon-fry” is not a day or a range of days');
    expect(bad.text).toContain('value="9.30"');
    // The summary at the top of the page, above the heading, each problem linked to its field.
    expect(bad.text).toMatch(/<title>Error: Huddle schedules/);
    expect(bad.text.indexOf('There is a problem')).toBeLessThan(bad.text.indexOf('<h1>'));
    expect(bad.text).toMatch(/<a href="#f-schedule-[\w-]+-at">Enter the time on the 24-hour clock/);
    const set = await manager.post('/huddles/schedules').type('form').send({ _csrf: csrfFrom(form.text), at: '09:30', days: 'mon-fri' });
    expect(set.status).toBe(303);
    const page = await manager.get(set.headers.location!);
    expect(page.text).toContain('The schedule is set');
    expect(page.text).toContain('Meets <strong>weekdays at 09:30 (UTC)</strong>');
    const d = await env.client.schedule.getHandle(huddleScheduleId(county.key)).describe();
    expect(d.spec.timezone).toBe('UTC');
    expect(d.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 9 }], minute: [{ start: 30 }] });
    expect(d.policies.overlap).toBe('ALLOW_ALL');
    // Every next start is a weekday at 09:30.
    for (const at of d.info.nextActionTimes) {
      expect([1, 2, 3, 4, 5]).toContain(at.getUTCDay());
      expect(at.toISOString().slice(11, 16)).toBe('09:30');
    }
    // Coordinators run huddles but do not set the schedule.
    expect((await coordinator.get('/huddles/schedules')).status).toBe(403);
    const audit = await t.db.auditEvent.findFirst({ where: { action: 'huddle-schedule.created', item: huddleScheduleId(county.key) } });
    expect(audit).toMatchObject({ actorId: people.manager.id });
  });

  it('fires: the roster is captured riskiest first by the plans’ flags, and the coordinators and managers are emailed the huddle', async () => {
    // Fire the schedule now, as it would at 09:30.
    await env.client.schedule.getHandle(huddleScheduleId(county.key)).trigger();
    const [mail] = await smtp.waitFor((m) => m.to.includes(people.coordinator.email) && m.subject.startsWith('careloop: the Agency'), 1, 30_000);
    const link = /http:\/\/careloop\.test\/huddles\/(huddle-[^\s]+)/.exec(mail!.text)!;
    huddleId = decodeURIComponent(link[1]!);
    expect(huddleId.startsWith(`${huddleScheduleId(county.key)}-`)).toBe(true);
    expect(mail!.text).toContain('The roster as it stands is ready: 3 people, riskiest first.');
    await smtp.waitFor((m) => m.to.includes(people.manager.email) && m.text.includes(link[0]));

    const row = await t.db.huddle.findUniqueOrThrow({ where: { id: huddleId }, include: { attendance: true } });
    expect(row).toMatchObject({ agencyId: county.id, scheduleId: huddleScheduleId(county.key), status: 'open', rosterProblem: null });
    const roster = row.roster as unknown as Roster;
    // Each has the same open work (the plan's action due on 1 December); the plans' flags decide the order.
    expect(roster.rows.map((r) => r.participant.localRef)).toEqual([refs.housing, refs.ed, refs.calm]);
    expect(roster.rows[0]!.flags.planRisks).toEqual(['missed-visits', 'housing-instability']);
    expect(roster.rows[1]!.flags.planRisks).toEqual(['recent-ed-contact']);
    expect(roster.rows[2]!.flags.planRisks).toBeUndefined();
    expect(roster.rows.every((r) => r.next?.process === 'plan-steps')).toBe(true);
    expect(row.attendance.map((a) => a.staffId).sort()).toEqual([people.coordinator.id, people.manager.id].sort());

    const page = await coordinator.get(`/huddles/${encodeURIComponent(huddleId)}`);
    expect(page.status).toBe(200);
    expect(page.text.indexOf(refs.housing)).toBeLessThan(page.text.indexOf(refs.ed));
    expect(page.text.indexOf(refs.ed)).toBeLessThan(page.text.indexOf(refs.calm));
    expect(page.text).toContain('Housing instability');
    expect(codesOnPage(page.text)).toEqual([]);
    // Each person shown is a read of their data, logged for the coordinator.
    expect(await t.db.accessLogEntry.count({ where: { staffId: people.coordinator.id, what: 'huddle', item: huddleId } })).toBeGreaterThanOrEqual(3);
    // The list names it; the live roster opens for the coordinator too.
    expect((await coordinator.get('/huddles')).text).toContain(encodeURIComponent(huddleId));
    const live = await coordinator.get('/roster');
    expect(live.status).toBe(200);
    expect(live.text).toContain(refs.housing);
  });

  it('records attendance, a person from another agency and a decision on the page, each problem said beside its field', async () => {
    const url = `/huddles/${encodeURIComponent(huddleId)}`;
    let page = await coordinator.get(url);
    let res = await coordinator.post(`${url}/attendance`).type('form').send({ _csrf: csrfFrom(page.text), attended: people.coordinator.id });
    expect(res.status).toBe(303);
    page = await coordinator.get(url);
    res = await coordinator.post(`${url}/attendance/add`).type('form').send({ _csrf: csrfFrom(page.text), staffId: people.homecare.id });
    expect(res.status).toBe(303);
    const attendance = await t.db.huddleAttendance.findMany({ where: { huddleId } });
    expect(Object.fromEntries(attendance.map((a) => [a.staffId, [a.invited, a.attended]]))).toEqual({
      [people.coordinator.id]: [true, true],
      [people.manager.id]: [true, false],
      [people.homecare.id]: [false, true],
    });

    // A decision with nothing filled in: every problem at once, at the top and beside its field.
    page = await coordinator.get(url);
    const empty = await coordinator.post(`${url}/decisions`).type('form').send({ _csrf: csrfFrom(page.text), participant: '', participantRef: '', text: '', ownerId: '', due: '' });
    expect(empty.status).toBe(400);
    for (const words of ['Choose whom the decision is about', 'Say what was decided', 'Choose who owns the decision', 'Enter when follow-up is due']) expect(empty.text).toContain(words);
    expect(empty.text).toContain('href="#f-decision-text"');
    expect(empty.text).toMatch(/<title>Error: /);
    expect(empty.text).toMatch(/<form method="post" action="[^"]+\/decisions" novalidate/);
    const past = await coordinator.post(`${url}/decisions`).type('form').send({ _csrf: csrfFrom(page.text), participantRef: refs.calm, text: 'Check in', ownerId: people.homecare.id, due: '2020-01-01T09:00' });
    expect(past.status).toBe(400);
    expect(past.text).toContain('Follow-up must be due after now');
    expect(past.text).toContain('Check in');

    const housing = await t.db.participant.findUniqueOrThrow({ where: { localRef: refs.housing } });
    const due = instantToZonedLocal(new Date(Date.now() + 2 * 86_400_000), 'UTC');
    res = await coordinator
      .post(`${url}/decisions`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), participant: housing.id, participantRef: '', text: 'Home care calls the landlord and books a joint visit', ownerId: people.homecare.id, due });
    expect(res.status, res.text).toBe(303);
    const decision = await t.db.huddleDecision.findUniqueOrThrow({ where: { id: `${huddleId}:decision-1` } });
    expect(decision).toMatchObject({ participantId: housing.id, ownerId: people.homecare.id, decidedById: people.coordinator.id, status: 'open' });
    expect(decision.dueAt.toISOString().slice(0, 16)).toBe(due);
    page = await coordinator.get(url);
    expect(page.text).toContain('Home care calls the landlord and books a joint visit');
    expect(page.text).toContain('Owner: Harper Homecare');
    expect(codesOnPage(page.text)).toEqual([]);
  });

  it('gives the owner a link that records the follow-up, and the huddle closes once its notes close and the decision is done', async () => {
    const [mail] = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && m.subject.startsWith('careloop: a huddle decision'));
    expect(mail!.subject).toContain(refs.housing);
    // The email names the person by reference and says when; the words of the decision stay in careloop.
    expect(mail!.text).not.toContain('landlord');
    const path = /http:\/\/careloop\.test(\/a\/[\w-]+)/.exec(mail!.text)![1]!;
    const owner = request.agent(app);
    const shown = await owner.get(path);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Home care calls the landlord and books a joint visit');
    const noReason = await owner.post(path).type('form').send({ _csrf: csrfFrom(shown.text), outcome: 'not-done', note: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('Say why it was not done');
    const done = await owner.post(path).type('form').send({ _csrf: csrfFrom(shown.text), outcome: 'done', note: 'Visit booked for Thursday' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('the decision is recorded as <strong>done</strong>');
    expect((await owner.get(path)).status).toBe(410);

    const url = `/huddles/${encodeURIComponent(huddleId)}`;
    const page = await coordinator.get(url);
    expect(page.text).toContain('Done on time');
    expect(page.text).toContain('Visit booked for Thursday');
    const finish = await coordinator.post(`${url}/finish`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(finish.status).toBe(303);
    await expect.poll(async () => (await t.db.huddle.findUniqueOrThrow({ where: { id: huddleId } })).status, { timeout: 15_000 }).toBe('closed');
    const closed = await coordinator.get(url);
    expect(closed.text).toContain('Notes are closed');
    expect(closed.text).not.toContain('Record a decision');
    expect(codesOnPage(closed.text)).toEqual([]);
    expect(codesOnPage((await coordinator.get('/huddles')).text)).toEqual([]);
    const decision = await t.db.huddleDecision.findUniqueOrThrow({ where: { id: `${huddleId}:decision-1` } });
    expect(decision).toMatchObject({ status: 'done', onTime: true, channel: 'link', endedById: people.homecare.id, note: 'Visit booked for Thursday' });

    // The evidence report: one huddle held, one of the two asked attended and one other joined, its decision closed on time.
    const report = await request(app).get('/api/reports/timeliness').set(bearer(people.manager));
    expect(report.status).toBe(200);
    expect(report.body.huddles).toMatchObject({ started: 1, held: 1, notHeld: 0, invited: 2, invitedAttended: 1, othersAttended: 1, attendanceShare: 50, medianAttendees: 2, decisions: 1, closedOnTime: 1, closedLate: 0, open: 0, onTimeShare: 100 });
    const onPage = await manager.get('/reports/timeliness');
    expect(onPage.text).toContain('<h2>Huddles</h2>');
    expect(onPage.text).toMatch(/Decisions closed on time<\/th><td>100% \(1 of 1\)/);
    // The outsider's agency held none.
    expect((await request(app).get('/api/reports/timeliness').set(bearer(people.outsider))).body.huddles).toMatchObject({ started: 0, held: 0 });
  });

  it('shows a huddle only to its agency’s coordinators and managers (and admins), and lets the manager pause and delete the schedule', async () => {
    const url = `/huddles/${encodeURIComponent(huddleId)}`;
    const outsider = await signInAs(app, smtp, people.outsider.email);
    const res = await outsider.get(url);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(refs.housing);
    const staffOnly = await signInAs(app, smtp, people.hospital.email);
    expect((await staffOnly.get(url)).status).toBe(403);
    const admin = await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, roles: ['admin'], agencyId: people.outsider.agencyId });
    const asAdmin = await signInAs(app, smtp, admin.staff.email);
    expect((await asAdmin.get(url)).status).toBe(200);

    let page = await manager.get('/huddles/schedules');
    expect((await manager.post('/huddles/schedules/pause').type('form').send({ _csrf: csrfFrom(page.text), agency: county.id })).status).toBe(303);
    expect((await env.client.schedule.getHandle(huddleScheduleId(county.key)).describe()).state.paused).toBe(true);
    page = await manager.get('/huddles/schedules?done=paused');
    expect(page.text).toContain('Resume the schedule');
    expect((await manager.post('/huddles/schedules/delete').type('form').send({ _csrf: csrfFrom(page.text), agency: county.id })).status).toBe(303);
    await expect(env.client.schedule.getHandle(huddleScheduleId(county.key)).describe()).rejects.toThrow();
    expect((await t.db.auditEvent.findMany({ where: { item: huddleScheduleId(county.key) }, orderBy: { seq: 'asc' } })).map((e) => e.action)).toEqual([
      'huddle-schedule.created',
      'huddle-schedule.paused',
      'huddle-schedule.deleted',
    ]);
  });

  it('lets an operator schedule, list, run and remove an agency’s huddle from the CLI', async () => {
    const other = await t.db.agency.findUniqueOrThrow({ where: { id: people.outsider.agencyId }, select: { id: true, key: true } });
    const lines: string[] = [];
    const cli = (...argv: string[]) => runCli(argv, t.db, (l) => lines.push(l), { temporal: async () => ({ client: env.client, taskQueue }) });
    await expect(cli('huddle', 'schedule', '--agency', other.key, '--at', '25:00', '--days', 'mon-fri')).rejects.toThrow(UsageError);
    await cli('huddle', 'schedule', '--agency', other.key, '--at', '08:45', '--days', 'mon,wed,fri');
    expect(lines[0]).toBe(`scheduled: the Agency ${other.key} huddle meets Monday, Wednesday and Friday at 08:45 (UTC)`);
    await cli('huddle', 'schedules');
    expect(lines.some((l) => l.startsWith(other.key) && l.includes('Monday, Wednesday and Friday at 08:45 (UTC)'))).toBe(true);
    await cli('huddle', 'run', '--agency', other.key);
    // Fired from its schedule: the outsider's agency's manager is asked to its huddle.
    await smtp.waitFor((m) => m.to.includes(people.outsider.email) && m.subject.startsWith(`careloop: the Agency ${other.key} huddle is ready`), 1, 30_000);
    await cli('huddle', 'unschedule', '--agency', other.key, '--reason', 'moving to the partnership huddle');
    await expect(env.client.schedule.getHandle(huddleScheduleId(other.key)).describe()).rejects.toThrow();
    const deleted = await t.db.auditEvent.findFirst({ where: { action: 'huddle-schedule.deleted', item: huddleScheduleId(other.key) } });
    expect(deleted).toMatchObject({ actorId: null, reason: 'moving to the partnership huddle' });
    expect(deleted?.actor).toMatch(/^cli:/);
  });
});
