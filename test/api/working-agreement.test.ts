// The working agreement as data, end to end: an admin changes tier windows in the page; new
// escalations (raised by hand and by an overdue sprint task) use the new version, and ones
// already running keep theirs, through to their promotions. The real app on the time-skipping
// server with careloop's worker and real activities, real PostgreSQL and SMTP. Also: the form's
// errors in words, who may change the agreement, the API, the CLI and the audit trail.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { escalationStateQuery, sprintStateQuery, sprintWorkflow, cancelSprintUpdate } from '../../workflows';
import { childEscalationId } from '../../domain/escalation';
import { SPRINT_TASK_KEYS } from '../../domain/sprint';
import { runCli } from '../../cli/careloop';
import { verifyAuditChain } from '../../record/audit';
import { buildTestApp, createStaff } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { signInAs, type Agent } from '../support/signin';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createParticipant, createSprintPeople, sprintInput, type SprintPeople } from '../support/sprint-fixture';
import { codesOnPage } from '../support/page-text';

const MIN = 60_000;
const HOUR = 60 * MIN;

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** What a browser would send for a form as rendered: text and hidden inputs, checked boxes, selected options, textareas. */
function formFields(page: string, action: string): URLSearchParams {
  const start = page.indexOf(`action="${action}"`);
  const form = page.slice(start, page.indexOf('</form>', start));
  const fields = new URLSearchParams();
  for (const m of form.matchAll(/<input ([^>]*)>/g)) {
    const attrs = m[1]!;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    const value = decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
    if (!name) continue;
    if (/type="checkbox"/.test(attrs) && !/ checked/.test(attrs)) continue;
    fields.append(name, value);
  }
  for (const m of form.matchAll(/<select [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected>/.exec(m[2]!) ?? /<option value="([^"]*)"/.exec(m[2]!);
    fields.append(m[1]!, decode(selected?.[1] ?? ''));
  }
  for (const m of form.matchAll(/<textarea [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.append(m[1]!, decode(m[2]!));
  return fields;
}

describe('the working agreement (time-skipping server, real activities, PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  let admin: { email: string; token: string; name: string };
  let adminPage: Agent;
  const taskQueue = `working-agreement-${randomUUID()}`;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    const a = await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 8)}@care.test`, name: 'Ada Admin', roles: ['admin'], agencyId: people.coordinator.agencyId });
    admin = { email: a.staff.email, token: a.token, name: a.staff.name };
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue, timeZone: 'Europe/London' });
    adminPage = await signInAs(app, smtp, admin.email);
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
  const stateOf = (id: string) => env.client.workflow.getHandle(id).query(escalationStateQuery);
  async function raise(localRef: string, riskLevel = 'moderate') {
    const res = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: localRef, riskLevel, trigger: 'Two missed home care visits' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.escalationId as string;
  }
  /** Waits until a workflow the sprint raised has started and found its chair. */
  async function raisedChild(id: string) {
    for (let i = 0; i < 100; i += 1) {
      const s = await stateOf(id).catch(() => undefined);
      if (s?.chair) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`escalation ${id} was not raised`);
  }
  /** A tier's two windows as the escalation recorded them on entering it (the current tier by default). */
  const windowOf = (s: { tiers: { enteredAt: string; acknowledgeDueAt: string; respondDueAt: string }[] }, tier = s.tiers.length - 1) => ({
    acknowledge: Date.parse(s.tiers[tier]!.acknowledgeDueAt) - Date.parse(s.tiers[tier]!.enteredAt),
    respond: Date.parse(s.tiers[tier]!.respondDueAt) - Date.parse(s.tiers[tier]!.enteredAt),
  });

  it('an admin changes tier windows in the page: new escalations use them, running ones keep theirs to the end', async () => {
    const participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    // Version 1 is careloop's defaults, written on first use: a moderate tier takes ownership within 24 hours.
    const before = await raise(participant.localRef);
    expect(await stateOf(before)).toMatchObject({ policyVersion: 'working-agreement-1' });
    expect(windowOf(await stateOf(before))).toEqual({ acknowledge: 24 * HOUR, respond: 72 * HOUR });
    // A sprint started now: one day-0 task falls overdue before the change, one day-1 task after it.
    const input = await sprintInput(t.db, people, new Date(await env.currentTimeMs()), { dueOffsets: { '0': 10 * MIN, '1': 40 * MIN, '2-3': 300 * MIN } } as never);
    const sprint = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] });
    await env.sleep(11 * MIN);
    const day0 = input.tasks.find((x) => x.day === '0')!.key;
    const childBefore = await raisedChild(childEscalationId(input.sprintId, day0));
    expect(childBefore.policyVersion).toBe('working-agreement-1');

    // The admin opens the form, changes the moderate and high windows, says why and saves.
    const form = await adminPage.get('/admin/working-agreement/edit');
    expect(form.status).toBe(200);
    expect(form.text).toContain('You are changing version 1.');
    const fields = formFields(form.text, '/admin/working-agreement/edit');
    expect(fields.get('tiers.moderate.acknowledgeWithin')).toBe('24 hours');
    fields.set('tiers.moderate.acknowledgeWithin', '2 hours');
    fields.set('tiers.high.acknowledgeWithin', '30 minutes');
    fields.set('reason', 'Partnership board, 30 November: moderate risks owned within 2 hours');
    const saved = await adminPage.post('/admin/working-agreement/edit').type('form').send(fields.toString());
    expect(saved.status, saved.text.slice(0, 2000)).toBe(303);
    expect(saved.headers.location).toBe('/admin/working-agreement?saved=2');
    const shown = await adminPage.get('/admin/working-agreement?saved=2');
    expect(shown.text).toContain('Version 2 is saved and in force.');
    expect(shown.text).toContain('by Ada Admin. Why: “Partnership board, 30 November: moderate risks owned within 2 hours”');

    // The raise form promises the new windows.
    expect((await adminPage.get('/escalations/new')).text).toContain('A coordinator chairs it, takes ownership within 2 hours and records the response action within 3 days.');

    // A new escalation, by hand and by the sprint's next overdue task, is raised under version 2.
    const after = await raise(participant.localRef);
    expect(await stateOf(after)).toMatchObject({ policyVersion: 'working-agreement-2' });
    expect(windowOf(await stateOf(after))).toEqual({ acknowledge: 2 * HOUR, respond: 72 * HOUR });
    await env.sleep(30 * MIN);
    const day1 = input.tasks.find((x) => x.day === '1')!.key;
    const childAfter = await raisedChild(childEscalationId(input.sprintId, day1));
    expect(childAfter.policyVersion).toBe('working-agreement-2');
    expect(windowOf(childAfter).acknowledge).toBe(2 * HOUR);

    // The ones raised before keep version 1: their windows, and the high tier's when promoted.
    expect(windowOf(await stateOf(before))).toEqual({ acknowledge: 24 * HOUR, respond: 72 * HOUR });
    await sprint.executeUpdate(cancelSprintUpdate, { args: [{ actor: { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'api' }, reason: 'test done' }] });
    // To a quarter of an hour past the 24 hours version 1 gives a moderate tier to take ownership
    // (41 minutes have passed; the sprint's escalations, their cause ended, resolve after 24 hours more).
    await env.sleep(23 * HOUR + 34 * MIN);
    // Raised before: high after its 24 hours, where version 1 gives an hour to take ownership.
    const promotedBefore = await stateOf(before);
    expect(promotedBefore).toMatchObject({ policyVersion: 'working-agreement-1' });
    expect(promotedBefore.tiers.map((x) => x.tier).slice(0, 2)).toEqual(['moderate', 'high']);
    expect(windowOf(promotedBefore, 1)).toEqual({ acknowledge: 1 * HOUR, respond: 4 * HOUR });
    // Raised after: high after 2 hours, with version 2's 30 minutes, then acute.
    const promotedAfter = await stateOf(after);
    expect(promotedAfter.tiers.map((x) => x.tier)).toEqual(['moderate', 'high', 'acute']);
    expect(windowOf(promotedAfter, 1)).toEqual({ acknowledge: 30 * MIN, respond: 4 * HOUR });
    expect(windowOf(promotedAfter, 0).acknowledge).toBe(2 * HOUR);
    expect((await stateOf(childBefore.escalationId)).policyVersion).toBe('working-agreement-1');

    // The reporting rows and the audit trail say the same: who changed what, and why.
    const rows = await t.db.escalation.findMany({ where: { id: { in: [before, after] } }, select: { id: true, policyVersion: true } });
    expect(Object.fromEntries(rows.map((r) => [r.id, r.policyVersion]))).toEqual({ [before]: 'working-agreement-1', [after]: 'working-agreement-2' });
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: 'working-agreement.changed' } });
    expect(event).toMatchObject({ actor: admin.email, reason: 'Partnership board, 30 November: moderate risks owned within 2 hours', item: 'version-2' });
    expect((event.data as { changes: string[] }).changes).toEqual(['High tier: Take ownership within: 1 hour → 30 minutes', 'Moderate tier: Take ownership within: 24 hours → 2 hours']);
    await expect(verifyAuditChain(t.db)).resolves.toMatchObject({ ok: true });

    // The version's page says what changed, in words.
    const diff = await adminPage.get('/admin/working-agreement/versions/2');
    expect(diff.text).toContain('What changed from version 1');
    expect(diff.text).toMatch(/Moderate tier, take ownership within<\/strong>: 24 hours → 2 hours/);
  });

  it('refuses an agreement that cannot work, every problem in words linked to its field, values kept, nothing saved', async () => {
    const form = await adminPage.get('/admin/working-agreement/edit');
    const fields = formFields(form.text, '/admin/working-agreement/edit');
    expect(codesOnPage(form.text)).toEqual([]);
    const version = Number(fields.get('basedOn'));
    fields.set('tiers.acute.acknowledgeWithin', '0 minutes');
    fields.set('tiers.low.respondWithin', 'soon');
    fields.set('tiers.moderate.acknowledgeWithin', '4 days');
    fields.set('tiers.high.chairRole', '');
    fields.set('tiers.high.next', 'low');
    fields.set('stages.1.workingDays', '0');
    fields.set('calendar.start', '17:00');
    fields.set('calendar.end', '09:00');
    fields.set('calendar.region', 'GB-XX');
    fields.set('reason', '');
    const res = await adminPage.post('/admin/working-agreement/edit').type('form').send(fields.toString());
    expect(res.status).toBe(400);
    const summary = res.text.slice(res.text.indexOf('There is a problem'), res.text.indexOf('</ul>', res.text.indexOf('There is a problem')));
    for (const [field, words] of [
      ['tiers-acute-acknowledgeWithin', 'The acute tier’s window to take ownership must be longer than zero.'],
      ['tiers-high-chairRole', 'Choose who chairs the high tier: a coordinator or a manager.'],
      ['tiers-high-next', 'A missed window at the high tier must move it to a more urgent tier (the acute tier) or nowhere'],
      ['tiers-moderate-acknowledgeWithin', 'The moderate tier’s window to take ownership (4 days) must not be longer than its window to record the response action (3 days)'],
      ['tiers-low-respondWithin', 'The low tier’s window to record the response action must be a number and a unit, such as 30 minutes, 4 hours or 3 days.'],
      ['stages-1-workingDays', 'Stage 2’s working days must be at least 1'],
      ['calendar-end', 'The end of working hours (09:00) must be after the start (17:00).'],
      ['calendar-region', 'The public holiday region &quot;GB-XX&quot; is not a region the public holiday library knows'],
      ['reason', 'Say why the agreement changes'],
    ] as const) {
      expect(summary).toContain(`<a href="#f-${field}">${words}`);
      expect(res.text).toContain(`id="f-${field}-error"`);
    }
    // GOV.UK's pattern: "Error: " first in the title, the summary above the heading, no fragment such as "is required: ...".
    expect(res.text).toMatch(/<title>Error: Change the working agreement/);
    expect(res.text.indexOf('There is a problem')).toBeLessThan(res.text.indexOf('<h1>'));
    expect(summary).not.toMatch(/is required/);
    expect(codesOnPage(res.text)).toEqual([]);
    // The order of the summary is the order of the form: the acute tier comes first.
    expect(summary.indexOf('acute')).toBeLessThan(summary.indexOf('low tier'));
    expect(res.text).toContain('value="soon"');
    expect(res.text).toContain('value="4 days"');
    expect((await request(app).get('/api/working-agreement').set(bearer(people.coordinator))).body.version).toBe(version);
  });

  it('lets everyone read the agreement and only an admin change it; the API refuses in words and on a stale version', async () => {
    const staffPage = await signInAs(app, smtp, people.coordinator.email);
    const read = await staffPage.get('/admin/working-agreement');
    expect(read.status).toBe(200);
    expect(read.text).toContain('Only an admin can change the agreement.');
    expect(codesOnPage(read.text)).toEqual([]);
    expect(read.text).not.toContain('/admin/working-agreement/edit');
    // The days off of the coming twelve months include Christmas, whenever the test runs.
    expect(read.text).toMatch(/<time datetime="\d{4}-12-25">[^<]+<\/time>: Christmas Day/);
    const edit = await staffPage.get('/admin/working-agreement/edit');
    expect(edit.status).toBe(403);
    expect(edit.text).toContain('Only an admin can change the working agreement.');

    const current = (await request(app).get('/api/working-agreement').set(bearer(people.coordinator))).body;
    const content = structuredClone(current.content);
    content.escalation.tiers.low.respondWithinMinutes = 10 * 24 * 60;
    content.reminders.sprintReminderLeadMinutes = 2 * 60;
    expect((await request(app).post('/api/working-agreement').set(bearer(people.coordinator)).send({ content, reason: 'Shorter low tier' })).status).toBe(403);
    const bad = await request(app).post('/api/working-agreement').set(bearer(admin)).send({ content: { ...content, disputes: { stages: [] } }, reason: 'Broken' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual([{ field: 'disputes.stages', message: 'The dispute stages must be exactly three stages.' }]);
    const ok = await request(app).post('/api/working-agreement').set(bearer(admin)).send({ content, reason: 'Shorter low tier', basedOn: current.version });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ version: current.version + 1, author: 'Ada Admin', reason: 'Shorter low tier' });
    const stale = await request(app).post('/api/working-agreement').set(bearer(admin)).send({ content, reason: 'Again', basedOn: current.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toBe(`Version ${current.version + 1} was saved by Ada Admin while you were editing. Look at what it changed, then make your change to it.`);
    const v = (await request(app).get(`/api/working-agreement/versions/${current.version + 1}`).set(bearer(people.coordinator))).body;
    expect(v.changes).toEqual([
      { section: 'Low tier', what: 'Record the response action within', before: '14 days', after: '10 days' },
      { section: 'Reminders', what: 'A sprint task’s owner is reminded', before: '4 hours before it is due', after: '2 hours before it is due' },
    ]);

    // A sprint started now reminds its owners two hours before each task is due, and keeps that.
    const ref = `P-${randomUUID().slice(0, 8)}`;
    const owners = Object.fromEntries(SPRINT_TASK_KEYS.map((k) => [k, people.hospital.id]));
    const started = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send({ participant: { localRef: ref, displayName: 'Pat Example' }, dischargeAt: new Date(await env.currentTimeMs()).toISOString(), owners });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const sprintState = await env.client.workflow.getHandle(started.body.sprintId).query(sprintStateQuery);
    for (const task of sprintState.tasks) expect(Date.parse(task.dueAt) - Date.parse(task.remindAt)).toBe(2 * HOUR);
    await env.client.workflow.getHandle(started.body.sprintId).executeUpdate(cancelSprintUpdate, { args: [{ actor: { staffId: people.coordinator.id, name: people.coordinator.name, channel: 'api' }, reason: 'test done' }] });
  });

  it('is shown, listed and set from the CLI: Scotland’s holidays from the library, audited with the operator and reason', async () => {
    const lines: string[] = [];
    const out = (l: string) => lines.push(l);
    await runCli(['agreement', 'show', '--json'], t.db, out);
    const content = JSON.parse(lines.join('\n'));
    content.calendar.holidayRegion = 'GB-SCT';
    content.calendar.closureDays = [{ date: '2027-12-24', name: 'Christmas Eve closure' }];
    const dir = await mkdtemp(path.join(tmpdir(), 'agreement-'));
    const file = path.join(dir, 'agreement.json');
    await writeFile(file, JSON.stringify(content));
    lines.length = 0;
    await expect(runCli(['agreement', 'set', '--file', file], t.db, out)).rejects.toThrow(/--reason is required/);
    await runCli(['agreement', 'set', '--file', file, '--reason', 'Scottish partnership from January'], t.db, out);
    expect(lines.at(-1)).toMatch(/^saved the working agreement as version \d+: processes started from now on use it/);
    lines.length = 0;
    await runCli(['agreement', 'history'], t.db, out);
    expect(lines[0]).toMatch(/^\* version \d+, saved .* by cli:.*: Scottish partnership from January$/);
    expect(lines).toContain('      Calendar: Public holidays: England, United Kingdom (GB-ENG) -> Scotland, United Kingdom (GB-SCT)');
    lines.length = 0;
    await runCli(['agreement', 'show'], t.db, out);
    expect(lines).toContain('  Closure days: 2027-12-24 Christmas Eve closure');
    // The version stores Scotland's days: St Andrew's Day, beyond 2027.
    const stored = (await request(app).get('/api/working-agreement').set(bearer(people.coordinator))).body.publicHolidays;
    expect(stored.region).toBe('GB-SCT');
    expect(stored.days).toContainEqual({ date: '2030-12-02', name: 'St Andrew’s Day (substitute day)' });
    // A file that cannot work saves nothing and says why.
    await writeFile(file, JSON.stringify({ ...content, calendar: { ...content.calendar, workingHours: { start: '09:00', end: '09:00' } } }));
    await expect(runCli(['agreement', 'set', '--file', file, '--reason', 'Broken'], t.db, out)).rejects.toThrow(/The end of working hours \(09:00\) must be after the start \(09:00\)\./);
    expect(await readFile(file, 'utf8')).toContain('GB-SCT');
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: 'working-agreement.changed', reason: 'Scottish partnership from January' } });
    expect(event.actor).toMatch(/^cli:/);
  });
});
