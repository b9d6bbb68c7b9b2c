// The managers' dashboard as a person uses it, against a real Temporal dev server (visibility with
// careloop's search attributes), careloop's worker, real PostgreSQL and a real SMTP listener:
// tiles that open the list filtered, the list's filters and pages, every row opening its own
// page, words instead of codes (on the page and in the CSVs), and the evidence report's dates
// as GOV.UK date inputs with an error summary.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { HYPHENATED_CODES } from '../../domain/words';
import { buildTestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createParticipant, createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { signInAs, type Agent } from '../support/signin';
import { codesOnPage } from '../support/page-text';

interface Row {
  workflowId: string;
  overdue: number;
  href: string | undefined;
  text: string;
}

/** The list's rows as the page shows them. */
function rowsOf(page: string): Row[] {
  const table = /<table[^>]* id="live"[^>]*>([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
  return [...table.matchAll(/<tr[^>]* data-workflow="([^"]+)" data-overdue="(\d+)"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => ({
    workflowId: m[1]!,
    overdue: Number(m[2]),
    href: /<a href="([^"]+)"/.exec(m[3]!)?.[1]?.replace(/&amp;/g, '&'),
    text: m[3]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '),
  }));
}

/** The tiles: their words, where they lead, their number and whether each is the current one. */
function tilesOf(page: string) {
  return [...page.matchAll(/<dt><a href="([^"]+)"( aria-current="true")?>([^<]+)<\/a><\/dt><dd>(\d+)<\/dd>/g)].map((m) => ({ href: m[1]!.replace(/&amp;/g, '&'), current: !!m[2], label: m[3]!, count: Number(m[4]) }));
}

const CODE_IN_TEXT = new RegExp(`(?<![\\w/.#=?&-])(${HYPHENATED_CODES.map((c) => c.replace(/-/g, '\\-')).join('|')})(?![\\w-])`, 'g');
const codesIn = (text: string) => [...new Set([...text.matchAll(CODE_IN_TEXT)].map((m) => m[1]!))];

describe('The dashboard: tiles, filters, pages and rows that open their pages (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  let manager: Agent;
  const taskQueue = `dashboard-${randomUUID()}`;
  const sprints = { overdue: { id: '', ref: '' }, fresh: { id: '', ref: '' } };
  let planId = '';
  let planRef = '';
  let escalationId = '';
  let escalatedRef = '';
  let crowdRef = '';
  const bearer = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
  const CROWD = 22;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue });
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    // Two sprints: day-0 tasks of the first fall due after 30 seconds, of the second after an hour;
    // the later days' tasks of both are hours away, so the overdue work stays as it is during the test.
    for (const [key, seconds] of [['overdue', 30], ['fresh', 3600]] as const) {
      const ref = newLocalRef();
      const res = await request(app)
        .post('/api/sprints')
        .set(bearer(people.coordinator))
        .send({ participant: { localRef: ref, displayName: `Sprint ${key}` }, dischargeAt: new Date().toISOString(), owners, timing: { dueOffsets: { '0': `PT${seconds}S`, '1': 'PT7200S', '2-3': 'PT10800S' }, reminderLead: 'PT5S' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      sprints[key] = { id: res.body.sprintId, ref };
    }
    // A plan change that home care and the hospital must acknowledge.
    planRef = newLocalRef();
    const plan = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: planRef, displayName: 'Plan person' }, content: planContent(people) });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    planId = plan.body.planId;
    const v2 = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: planContent(people, { crisisTriggers: ['Refuses medication once'] }), reason: 'Medication changed', trigger: 'risk_change', acknowledgementRequired: true });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);
    // A high escalation, and a crowd of low ones for one person: enough running processes for a second page.
    const escalated = await createParticipant(t.db, [people.coordinator.agencyId]);
    const esc = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: escalated.localRef, riskLevel: 'high', trigger: 'Eviction notice', description: 'Housing at risk' });
    expect(esc.status, JSON.stringify(esc.body)).toBe(201);
    escalationId = esc.body.escalationId;
    escalatedRef = escalated.localRef;
    const crowd = await createParticipant(t.db, [people.coordinator.agencyId]);
    crowdRef = crowd.localRef;
    for (let i = 0; i < CROWD; i += 1) {
      const low = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: crowd.localRef, riskLevel: 'low', trigger: `Missed visit ${i + 1}` });
      expect(low.status, JSON.stringify(low.body)).toBe(201);
    }
    manager = await signInAs(app, smtp, people.manager.email);
  }, 120_000);
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  const dashboard = (query = '') => manager.get(`/dashboard${query}`);
  const ids = (rows: Row[]) => rows.map((r) => r.workflowId).sort();

  it('has tiles that open the list filtered to what they count, and rows that agree with them', async () => {
    // Wait for the first sprint's day-0 tasks to fall overdue (each raises a moderate escalation),
    // and for visibility to hold every process started above.
    await expect
      .poll(
        async () => {
          const page = (await dashboard('?overdue=yes')).text;
          const all = tilesOf((await dashboard()).text).find((x) => x.label === 'Running processes')?.count ?? 0;
          return { overdueSprint: rowsOf(page).some((r) => r.workflowId === sprints.overdue.id), enough: all >= 2 + 1 + 1 + CROWD + 3 };
        },
        { timeout: 90_000, interval: 1500 },
      )
      .toEqual({ overdueSprint: true, enough: true });

    const home = await dashboard();
    expect(home.status).toBe(200);
    const tiles = tilesOf(home.text);
    expect(tiles.map((x) => x.label)).toEqual(['Running processes', 'Overdue now', 'Sprints open', 'Plan changes waiting for acknowledgements', 'Plan reviews and actions open', 'Escalations open', 'Disputes open']);
    // With no filters chosen, the first tile is the current one.
    expect(tiles.filter((x) => x.current).map((x) => x.label)).toEqual(['Running processes']);
    const tile = (label: string) => tiles.find((x) => x.label === label)!;
    expect(tile('Sprints open').count).toBe(2);
    expect(tile('Plan changes waiting for acknowledgements').count).toBe(1);
    expect(tile('Escalations open').count).toBe(1 + CROWD + 3);
    expect(tile('Disputes open').count).toBe(0);
    expect(tile('Overdue now').count).toBeGreaterThanOrEqual(1);

    for (const x of tiles) {
      expect(x.href).toMatch(/^\/dashboard(\?[^#]*)?#processes$/);
      const res = await manager.get(x.href.replace(/#.*$/, ''));
      expect(res.status, x.label).toBe(200);
      // The tile it opened is marked as the current one; the number on it is the list's length.
      expect(tilesOf(res.text).filter((y) => y.current).map((y) => y.label), x.label).toEqual([x.label]);
      const rows = rowsOf(res.text);
      const onFirstPage = Math.min(x.count, 25);
      expect(rows.length, x.label).toBe(onFirstPage);
      if (x.count > 25) expect(res.text).toContain('>Next page</a>');
      if (x.label === 'Overdue now') {
        expect(ids(rows)).toContain(sprints.overdue.id);
        expect(ids(rows)).not.toContain(sprints.fresh.id);
        // Every row it lists shows an overdue count, the same number the filter counted by.
        for (const r of rows) expect(r.overdue, r.text).toBeGreaterThan(0);
        expect(rows.find((r) => r.workflowId === sprints.overdue.id)!.overdue).toBeGreaterThanOrEqual(3);
      }
      if (x.label === 'Sprints open') expect(ids(rows)).toEqual([sprints.overdue.id, sprints.fresh.id].sort());
      if (x.label === 'Plan changes waiting for acknowledgements') {
        expect(rows.map((r) => r.href)).toEqual([`/plans/${planId}`]);
        expect(rows[0]!.text).toContain('Waiting for acknowledgements');
      }
      if (x.label === 'Escalations open') for (const r of rows) expect(r.href).toMatch(/^\/escalations\//);
    }

    // Across the whole list, the rows outside "Overdue now" show no overdue count, and the rows inside it do.
    const overdueIds = new Set(rowsOf((await dashboard('?overdue=yes')).text).map((r) => r.workflowId));
    const everyRow = [...rowsOf((await dashboard()).text), ...rowsOf((await dashboard('?page=2')).text)];
    expect(everyRow.length).toBe(tile('Running processes').count);
    for (const r of everyRow) expect(r.overdue > 0, `${r.workflowId}: ${r.text}`).toBe(overdueIds.has(r.workflowId));
  }, 150_000);

  it('narrows the list by process, status, participant, agency and overdue', async () => {
    const rows = async (query: string) => {
      const res = await dashboard(query);
      expect(res.status, query).toBe(200);
      return rowsOf(res.text);
    };
    const all = [...(await rows('')), ...(await rows('?page=2'))];
    const bySprint = await rows('?process=sprint');
    expect(ids(bySprint)).toEqual([sprints.overdue.id, sprints.fresh.id].sort());
    for (const r of bySprint) expect(r.text).toContain('Post-discharge sprint');

    const waiting = await rows(`?status=${encodeURIComponent('Waiting for acknowledgements')}`);
    expect(waiting.map((r) => r.href)).toEqual([`/plans/${planId}`]);
    // A status in words stands for its code in each process that has it: "Waiting for the chair" is an open escalation.
    const chairless = await rows(`?process=escalation&status=${encodeURIComponent('Waiting for the chair')}`);
    expect(chairless.length).toBeGreaterThanOrEqual(1);
    for (const r of chairless) expect(r.text).toContain('Waiting for the chair');
    // Each escalation's row names its cause, so a list of them can be told apart.
    const high = (await rows(`?process=escalation&participant=${encodeURIComponent(escalatedRef)}`)).find((r) => r.workflowId === escalationId);
    expect(high?.text).toContain('Eviction notice');

    const oneSprint = await rows(`?participant=${encodeURIComponent(sprints.fresh.ref)}`);
    expect(ids(oneSprint)).toEqual([sprints.fresh.id]);
    expect(oneSprint[0]!.text).toContain(sprints.fresh.ref);
    expect(await rows(`?participant=${encodeURIComponent(planRef)}&process=plan-change`)).toHaveLength(1);
    // A reference nobody has lists nothing, as one outside the manager's agency does.
    expect(await rows('?participant=NOBODY-HERE')).toEqual([]);

    // The hospital owns sprint tasks and acknowledges the plan change; it has no part in the escalations.
    const hospital = await rows(`?agency=${people.hospital.agencyId}`);
    expect(ids(hospital)).toEqual(expect.arrayContaining([sprints.overdue.id, sprints.fresh.id]));
    expect(hospital.some((r) => r.href === `/plans/${planId}`)).toBe(true);
    expect(hospital.some((r) => r.workflowId === escalationId)).toBe(false);
    expect(hospital.length).toBeLessThan(all.length);
    expect(await rows(`?agency=${people.outsider.agencyId}`)).toEqual([]);
    // The agency select names agencies, not ids.
    const form = (await dashboard()).text;
    expect(form).toMatch(new RegExp(`<option value="${people.hospital.agencyId}">[^<]*[A-Za-z][^<]*</option>`));

    const overdue = await rows('?overdue=yes&process=sprint');
    expect(ids(overdue)).toEqual([sprints.overdue.id]);
    // Closed processes: none of these has closed; plan version 1 needed no acknowledgement and its change ended at once.
    const closed = await rows('?state=closed');
    for (const r of closed) expect(ids(all)).not.toContain(r.workflowId);
  }, 60_000);

  it('pages the list without repeating a row, and every row opens its own page (never the API)', async () => {
    const first = await dashboard();
    const second = await dashboard('?page=2');
    const a = rowsOf(first.text);
    const b = rowsOf(second.text);
    expect(a).toHaveLength(25);
    expect(b.length).toBeGreaterThan(0);
    expect(b.filter((r) => a.some((x) => x.workflowId === r.workflowId))).toEqual([]);
    expect(first.text).toContain('href="/dashboard?page=2#processes" rel="next">Next page</a>');
    expect(second.text).toContain('href="/dashboard#processes" rel="prev">Previous page</a>');
    // Filters ride along with the pages.
    const crowd = await dashboard(`?participant=${encodeURIComponent(crowdRef)}&state=any`);
    expect(rowsOf(crowd.text)).toHaveLength(CROWD);

    for (const page of [first.text, second.text]) {
      expect(page).not.toMatch(/href="\/api\//);
      expect(codesOnPage(page)).toEqual([]);
    }
    for (const r of [...a, ...b]) {
      expect(r.href, r.text).toMatch(/^\/(sprints|plans|escalations|disputes)\/[\w-]+$/);
      const res = await manager.get(r.href!);
      expect(res.status, `${r.href} (${r.text})`).toBe(200);
    }
  }, 90_000);

  it('keeps codes out of the dashboard, the roster and the CSVs (the JSON keeps them)', async () => {
    for (const url of ['/dashboard', '/dashboard?overdue=yes', '/roster', '/reports/timeliness']) {
      const res = await manager.get(url);
      expect(res.status, url).toBe(200);
      expect(codesOnPage(res.text), url).toEqual([]);
    }
    const participant = await t.db.participant.findUniqueOrThrow({ where: { localRef: sprints.overdue.ref } });
    for (const url of ['/reports/timeliness.csv', '/reports/timeliness.csv?part=refusals', `/participants/${participant.id}/audit.csv`]) {
      const res = await manager.get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(codesIn(res.text), url).toEqual([]);
    }
    // The audit CSV says what happened in words; the JSON keeps each event's code.
    const audit = await manager.get(`/participants/${participant.id}/audit.csv`);
    expect(audit.text).toContain('Task overdue');
    const json = await request(app).get(`/api/participants/${participant.id}/audit`).set(bearer(people.manager));
    expect(json.body.events.map((e: { action: string }) => e.action)).toContain('task.overdue');
    // The live list's JSON is as it was: codes, filtered by code.
    const api = await request(app).get('/api/workflows?process=plan-change&status=awaiting-acknowledgements&running=true').set(bearer(people.manager));
    expect(api.status).toBe(200);
    expect(api.body.workflows.map((w: { status: string }) => w.status)).toEqual(['awaiting-acknowledgements']);
  }, 60_000);

  it('answers filters it cannot use with an error summary, not a 400 in JSON', async () => {
    const bad = await dashboard(`?process=everything&participant=${encodeURIComponent('<b>x</b> y')}&page=0`);
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^text\/html/);
    expect(bad.text).toContain('<title>Error: Dashboard · careloop</title>');
    expect(bad.text).toMatch(/<div class="problem error-summary" role="alert"[^>]*>\s*<h2>There is a problem<\/h2>/);
    expect(bad.text).toContain('<a href="#filter-process">Choose a process from the list</a>');
    expect(bad.text).toContain('<a href="#filter-participant">Enter the participant reference using only letters, digits and - _ / .</a>');
    expect(bad.text).toContain('The page must be a number from 1 to 40');
    // The reference typed is kept (escaped), the form sent without browser validation.
    expect(bad.text).toContain('value="&lt;b&gt;x&lt;/b&gt; y"');
    expect(bad.text).toMatch(/<form method="get" action="\/dashboard#processes" class="filters" novalidate>/);
    expect(bad.text).not.toMatch(/\srequired[\s>]/);
    expect(rowsOf(bad.text)).toEqual([]);

    const mismatch = await dashboard('?process=sprint&status=Resolved');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('<a href="#filter-status">Choose a status that a sprint can have, or “Any status”</a>');
    const closedOverdue = await dashboard('?overdue=yes&state=closed');
    expect(closedOverdue.status).toBe(400);
    expect(closedOverdue.text).toContain('href="#filter-overdue"');
    const agency = await dashboard('?agency=no-such-agency');
    expect(agency.status).toBe(400);
    expect(agency.text).toContain('<a href="#filter-agency">Choose an agency from the list</a>');
  });

  it('asks for the report’s dates with GOV.UK date inputs, and says what is wrong with them', async () => {
    const first = await manager.get('/reports/timeliness');
    expect(first.status).toBe(200);
    expect(first.text).toMatch(/<form method="get" action="\/reports\/timeliness" class="report-period" novalidate>/);
    expect(first.text).toMatch(/<fieldset class="date" role="group"[^>]*>\s*<legend>Start date<\/legend>/);
    for (const id of ['from-day', 'from-month', 'from-year', 'to-day', 'to-month', 'to-year']) expect(first.text).toContain(`<label for="${id}"`);
    expect(first.text).not.toMatch(/\srequired[\s>]/);
    // The default period's days fill the fields.
    expect(first.text).toMatch(/id="to-year" name="to-year" value="\d{4}"/);

    const q = (from: [string, string, string], to: [string, string, string]) =>
      `?from-day=${from[0]}&from-month=${from[1]}&from-year=${from[2]}&to-day=${to[0]}&to-month=${to[1]}&to-year=${to[2]}`;
    const empty = await manager.get(`/reports/timeliness${q(['', '', ''], ['', '', ''])}`);
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('<title>Error: Evidence report · careloop</title>');
    expect(empty.text).toContain('<a href="#from-day">Enter the start date</a>');
    expect(empty.text).toContain('<a href="#to-day">Enter the end date</a>');
    // The summary comes before the form; the first link goes to the first field in error.
    expect(empty.text.indexOf('error-summary')).toBeLessThan(empty.text.indexOf('class="report-period"'));

    const invalid = await manager.get(`/reports/timeliness${q(['31', '2', '2026'], ['1', '', '2026'])}`);
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('<a href="#from-day">The start date must be a real date</a>');
    expect(invalid.text).toContain('<a href="#to-month">The end date must include a month</a>');
    expect(invalid.text).toMatch(/id="from-day" name="from-day" value="31"/);
    expect(invalid.text).toMatch(/id="from-month" name="from-month" value="2"/);
    expect(invalid.text).toMatch(/id="to-day" name="to-day" value="1"/);

    const backwards = await manager.get(`/reports/timeliness${q(['31', '10', '2026'], ['1', '10', '2026'])}`);
    expect(backwards.status).toBe(400);
    expect(backwards.text).toContain('<a href="#to-day">The end date must be the same as or after the start date</a>');
    expect(await manager.get(`/reports/timeliness${q(['1', '1', '2020'], ['1', '1', '2026'])}`).then((r) => r.text)).toContain('The period must be 400 days or fewer');
    const letters = await manager.get(`/reports/timeliness${q(['one', '10', '26'], ['31', '10', '2026'])}`);
    expect(letters.text).toContain('<a href="#from-day">The start date must be a real date, written in numbers, such as 27 3 2026</a>');

    const ok = await manager.get(`/reports/timeliness${q(['1', '10', '2026'], ['31', '10', '2026'])}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<title>Evidence report · careloop</title>');
    expect(ok.text).toMatch(/id="to-day" name="to-day" value="31"/);
    expect(ok.text).toContain('<h2>After discharge</h2>');
  });
});
