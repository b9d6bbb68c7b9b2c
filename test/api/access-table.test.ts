// Who may see what about a person, as one table: role x relation to the person x resource,
// against the real app, a real Temporal dev server (the roster reads visibility), careloop's
// worker, PostgreSQL and an SMTP listener. Relations: party (named in the processes, no longer
// in the care team), team (agency added to the care team by hand), named (the person added by
// name) and none. Then the raise-then-read path, the access log by every channel, and the CLI.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Role } from '../../domain/roles';
import { runCli } from '../../cli/careloop';
import { buildTestApp, createAgency, createStaff } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef } from '../support/plan-fixture';
import { signInAs } from '../support/signin';

type Who = { id: string; email: string; agencyId: string; token: string };
type Relation = 'party' | 'team' | 'named' | 'none';
type Resource = 'sprint' | 'plan' | 'escalation' | 'dispute' | 'audit' | 'roster' | 'report';
/** A status code, or for the roster and the report whether the person's row is there. */
type Outcome = 200 | 403 | 404 | 'row' | 'no-row';

const RESOURCES: Resource[] = ['sprint', 'plan', 'escalation', 'dispute', 'audit', 'roster', 'report'];

// The policy of domain/access.ts, written out. The party relation's people are named in the
// processes: the coordinator coordinates the sprint and raised the escalation; the staff member
// owns sprint tasks, a plan control and raised the dispute; the manager's agency is involved.
const EXPECTED: Record<Relation, Record<'coordinator' | 'staff' | 'manager', Outcome[]>> = {
  //          sprint plan escalation dispute audit roster    report
  party: {
    coordinator: [200, 404, 200, 200, 404, 'no-row', 403],
    staff: [200, 200, 404, 200, 403, 403, 403],
    manager: [200, 404, 200, 200, 404, 'no-row', 'no-row'],
  },
  team: {
    // Coordinators run the huddle: the roster shows them their care teams' people.
    coordinator: [200, 200, 200, 200, 200, 'row', 403],
    staff: [404, 200, 404, 404, 403, 403, 403],
    manager: [200, 200, 200, 200, 200, 'row', 'row'],
  },
  named: {
    coordinator: [200, 200, 200, 200, 200, 'row', 403],
    staff: [404, 200, 404, 404, 403, 403, 403],
    // Named in the care team, but the reported sprint is not their agency's work.
    manager: [200, 200, 200, 200, 200, 'row', 'no-row'],
  },
  none: {
    coordinator: [404, 404, 404, 404, 404, 'no-row', 403],
    staff: [404, 404, 404, 404, 403, 403, 403],
    manager: [404, 404, 404, 404, 404, 'no-row', 'no-row'],
  },
};

describe('access: role x relation x resource (real Temporal dev server, PostgreSQL, SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `access-${randomUUID()}`;
  const callers = {} as Record<Relation, Record<'coordinator' | 'staff' | 'manager', Who>>;
  let admin: Who;
  let participant: { id: string; localRef: string };
  const ids = { sprint: '', plan: '', escalation: '', dispute: '' };
  const bearer = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue });
    const tag = randomUUID().slice(0, 6);
    for (const relation of ['party', 'team', 'named', 'none'] as const) {
      const agency = await createAgency(t.db, `${relation}-${tag}`);
      callers[relation] = {} as Record<'coordinator' | 'staff' | 'manager', Who>;
      for (const role of ['coordinator', 'staff', 'manager'] as const) {
        const { staff, token } = await createStaff(t.db, { email: `${relation}.${role}.${tag}@care.test`, roles: [role as Role], agencyId: agency.id });
        callers[relation][role] = { id: staff.id, email: staff.email, agencyId: staff.agencyId, token };
      }
    }
    const a = await createStaff(t.db, { email: `admin.${tag}@care.test`, roles: ['admin'], agencyId: callers.none.staff.agencyId });
    admin = { id: a.staff.id, email: a.staff.email, agencyId: a.staff.agencyId, token: a.token };
    const party = callers.party;

    // A sprint coordinated by the party agency, its day-0 tasks owned by the party's staff member.
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, k === 'medication-reconciled' ? party.staff.id : s.id]));
    const sprint = await request(app)
      .post('/api/sprints')
      .set(bearer(party.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, dischargeAt: new Date().toISOString(), owners, timing: { dueOffsets: { '0': 'PT2H', '1': 'PT3H', '2-3': 'PT4H' } } });
    expect(sprint.status, JSON.stringify(sprint.body)).toBe(201);
    ids.sprint = sprint.body.sprintId;
    // The sprint's first activity writes its row and the care team it implies.
    let row = await t.db.sprint.findUnique({ where: { id: ids.sprint }, include: { participant: true } });
    for (let i = 0; !row && i < 100; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      row = await t.db.sprint.findUnique({ where: { id: ids.sprint }, include: { participant: true } });
    }
    if (!row) throw new Error('the sprint never recorded its start');
    participant = { id: row.participant.id, localRef: row.participant.localRef };

    // The sprint's coordinator adds an agency by hand, and three people by name.
    const addAgency = await request(app).post(`/api/participants/${participant.id}/care-team`).set(bearer(party.coordinator)).send({ agency: (await t.db.agency.findUniqueOrThrow({ where: { id: callers.team.staff.agencyId } })).key, reason: 'GP practice' });
    expect(addAgency.status, JSON.stringify(addAgency.body)).toBe(201);
    for (const role of ['coordinator', 'staff', 'manager'] as const) {
      const res = await request(app).post(`/api/participants/${participant.id}/care-team`).set(bearer(party.coordinator)).send({ staffId: callers.named[role].id, reason: 'Named social worker' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    // A plan held by the county coordinator; a control owned by the party's staff member.
    const plan = await request(app)
      .post('/api/plans')
      .set(bearer(people.coordinator))
      .send({
        participant: { localRef: participant.localRef, displayName: 'Ada Example' },
        content: {
          goals: [{ id: 'g1', text: 'Home safely' }],
          risks: [{ id: 'r1', description: 'Falls', level: 'high' }],
          crisisTriggers: [],
          serviceContacts: [{ agencyId: people.homecare.agencyId, name: 'Duty line', role: 'Home care' }],
          controls: [{ id: 'c1', description: 'Night check', ownerAgencyId: party.staff.agencyId, ownerStaffId: party.staff.id }],
          shareBeyondCareTeam: [],
        },
      });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    ids.plan = plan.body.planId;
    const esc = await request(app).post('/api/escalations').set(bearer(party.coordinator)).send({ participantId: participant.id, riskLevel: 'moderate', trigger: 'Missed visit' });
    expect(esc.status, JSON.stringify(esc.body)).toBe(201);
    ids.escalation = esc.body.escalationId;
    const disp = await request(app)
      .post('/api/disputes')
      .set(bearer(party.staff))
      .send({ participantId: participant.id, subject: 'Who books transport', description: 'd', outcomeSought: 'o', step: 'Transport confirmed', interimOwnerId: people.homecare.id, respondentAgencyIds: [people.homecare.agencyId] });
    expect(disp.status, JSON.stringify(disp.body)).toBe(201);
    ids.dispute = disp.body.disputeId;

    // A closed sprint with a refusal, for the report: its task owned by the team agency's staff.
    const closed = `sprint-report-${randomUUID()}`;
    const hourAgo = new Date(Date.now() - 3600_000);
    await t.db.sprint.create({ data: { id: closed, participantId: participant.id, coordinatorId: party.coordinator.id, dischargeAt: hourAgo, closesAt: new Date(), status: 'completed-with-gaps', closedAt: new Date(), tasksTotal: 1 } });
    await t.db.sprintTask.create({ data: { sprintId: closed, key: 'transport-confirmed', title: 'Transport confirmed', ownerId: callers.team.staff.id, dueAt: new Date(), status: 'rejected', statusReason: 'refused-by-participant', reason: 'Did not want it', managedHow: 'Family drives', endedAt: hourAgo } });

    // The party agency leaves the care team (the plan-holder removes what named it); its people
    // stay named in the processes above.
    const team = await request(app).get(`/api/participants/${participant.id}/care-team`).set(bearer(people.coordinator));
    expect(team.status, JSON.stringify(team.body)).toBe(200);
    const partyMembers = (team.body.members as { id: string; agency?: { id: string }; staff?: { id: string }; removed?: unknown }[]).filter(
      (m) => !m.removed && (m.agency?.id === party.staff.agencyId || Object.values(party).some((p) => p.id === m.staff?.id)),
    );
    expect(partyMembers.length).toBeGreaterThanOrEqual(2);
    for (const m of partyMembers) {
      const res = await request(app).post(`/api/participants/${participant.id}/care-team/${m.id}/remove`).set(bearer(people.coordinator)).send({ reason: 'Agency no longer involved' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    // The roster reads visibility: wait until the sprint is there with its participant.
    for (let i = 0; ; i += 1) {
      const rows = (await request(app).get('/api/roster').set(bearer(admin))).body.rows as { participant: { id: string } }[] | undefined;
      if (rows?.some((r) => r.participant.id === participant.id)) break;
      if (i > 60) throw new Error('the sprint never reached Temporal visibility');
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  async function outcome(who: Who, resource: Resource): Promise<Outcome> {
    const path = {
      sprint: `/api/sprints/${ids.sprint}`,
      plan: `/api/plans/${ids.plan}`,
      escalation: `/api/escalations/${ids.escalation}`,
      dispute: `/api/disputes/${ids.dispute}`,
      audit: `/api/participants/${participant.id}/audit`,
      roster: '/api/roster',
      report: '/api/reports/timeliness',
    }[resource];
    const res = await request(app).get(path).set(bearer(who));
    if (res.status !== 200 || (resource !== 'roster' && resource !== 'report')) return res.status as Outcome;
    const rows = resource === 'roster' ? (res.body.rows as { participant: { id: string } }[]).map((r) => r.participant.id) : (res.body.refusals as { participantRef: string }[]).map((r) => r.participantRef);
    return rows.includes(resource === 'roster' ? participant.id : participant.localRef) ? 'row' : 'no-row';
  }

  it('answers every role and relation as the table says', async () => {
    const got: Record<string, Outcome[]> = {};
    const want: Record<string, Outcome[]> = {};
    for (const relation of ['party', 'team', 'named', 'none'] as const) {
      for (const role of ['coordinator', 'staff', 'manager'] as const) {
        const key = `${relation} ${role}`;
        got[key] = [];
        for (const r of RESOURCES) got[key].push(await outcome(callers[relation][role], r));
        want[key] = EXPECTED[relation][role];
      }
    }
    got.admin = [];
    for (const r of RESOURCES) got.admin.push(await outcome(admin, r));
    want.admin = [200, 200, 200, 200, 200, 'row', 'row'];
    expect(got).toEqual(want);
  }, 60_000);

  it('refuses to raise about a person outside your care teams with the answer for an unknown person, and raising grants nothing', async () => {
    const outsider = callers.none.coordinator;
    const unknownRef = `P-${randomUUID().slice(0, 8)}`;
    const raise = (ref: string) => request(app).post('/api/escalations').set(bearer(outsider)).send({ participantLocalRef: ref, riskLevel: 'moderate', trigger: 'Worried' });
    const [theirs, unknown] = [await raise(participant.localRef), await raise(unknownRef)];
    expect(theirs.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(theirs.body.error.message.replace(participant.localRef, 'REF')).toBe(unknown.body.error.message.replace(unknownRef, 'REF'));
    const dispute = await request(app)
      .post('/api/disputes')
      .set(bearer(outsider))
      .send({ participantLocalRef: participant.localRef, subject: 's', description: 'd', outcomeSought: 'o', step: 'x', interimOwnerId: outsider.id, respondentAgencyIds: [people.homecare.agencyId] });
    expect(dispute.status).toBe(404);
    expect((await request(app).get(`/api/participants/${participant.id}/audit`).set(bearer(outsider))).status).toBe(404);

    // The party coordinator raised an escalation while in the care team; having left it, they
    // still see that escalation (they raised it) and nothing else of the person.
    const raiser = callers.party.coordinator;
    expect((await request(app).get(`/api/escalations/${ids.escalation}`).set(bearer(raiser))).status).toBe(200);
    expect((await request(app).get(`/api/participants/${participant.id}/audit`).set(bearer(raiser))).status).toBe(404);
    const again = await request(app).post('/api/escalations').set(bearer(raiser)).send({ participantId: participant.id, riskLevel: 'low', trigger: 'Again' });
    expect(again.status).toBe(404);
  });

  it('lets only a coordinator of the team or the plan-holder change the care team, each change audited', async () => {
    const add = (who: Who, body: object) => request(app).post(`/api/participants/${participant.id}/care-team`).set(bearer(who)).send(body);
    expect((await add(callers.team.staff, { agency: people.housing.agencyId, reason: 'Housing officer' })).status).toBe(404);
    expect((await add(callers.none.coordinator, { agency: people.housing.agencyId, reason: 'Housing officer' })).status).toBe(404);
    const bad = await add(callers.team.coordinator, { agency: people.housing.agencyId, staffId: people.housing.id, reason: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['agency', 'reason']);
    const housing = await add(callers.team.coordinator, { agency: people.housing.agencyId, reason: 'Housing officer joins' });
    expect(housing.status).toBe(201);
    expect((await add(callers.team.coordinator, { agency: people.housing.agencyId, reason: 'Again' })).status).toBe(409);
    const events = await t.db.auditEvent.findMany({ where: { participantId: participant.id, action: { startsWith: 'care-team.' } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.action)).toContain('care-team.removed');
    expect(events.at(-1)).toMatchObject({ action: 'care-team.added', actorId: callers.team.coordinator.id, reason: 'Housing officer joins' });
  });

  it('logs who looked at the person through the API, pages, exports and links; the plan-holder and admins read the log', async () => {
    const reader = callers.team.manager;
    expect((await request(app).get(`/api/sprints/${ids.sprint}`).set(bearer(reader))).status).toBe(200);
    expect((await request(app).get(`/api/participants/${participant.id}/audit?format=csv`).set(bearer(reader))).status).toBe(200);
    const page = await signInAs(app, smtp, callers.team.coordinator.email);
    expect((await page.get(`/sprints/${ids.sprint}`)).status).toBe(200);
    // The party staff member opens the link in their task email: a read by link, no sign-in.
    const [mail] = await smtp.waitFor((m) => m.to.includes(callers.party.staff.email) && /\/a\/[\w-]+/.test(m.text));
    const link = mail!.text.match(/http:\/\/careloop\.test(\/a\/[\w-]+)/)![1]!;
    expect((await request(app).get(link)).status).toBe(200);

    const log = await request(app).get(`/api/participants/${participant.id}/access-log?limit=1000`).set(bearer(people.coordinator));
    expect(log.status, JSON.stringify(log.body)).toBe(200);
    const entries = log.body.entries as { actor: string; what: string; channel: string }[];
    const seen = (actor: string, what: string, channel: string) => entries.some((e) => e.actor === actor && e.what === what && e.channel === channel);
    expect(seen(reader.email, 'sprint', 'api')).toBe(true);
    expect(seen(reader.email, 'audit-trail', 'export')).toBe(true);
    expect(seen(callers.team.coordinator.email, 'sprint', 'page')).toBe(true);
    expect(seen(callers.party.staff.email, 'sprint', 'link')).toBe(true);
    // The roster and the report log one entry per person they showed.
    expect(seen(callers.team.manager.email, 'roster', 'api')).toBe(true);
    expect(seen(callers.team.manager.email, 'report', 'api')).toBe(true);
    // Refused reads are not reads: the outsider's attempts left no entry.
    expect(entries.some((e) => e.actor === callers.none.manager.email)).toBe(false);

    expect((await request(app).get(`/api/participants/${participant.id}/access-log`).set(bearer(admin))).status).toBe(200);
    expect((await request(app).get(`/api/participants/${participant.id}/access-log`).set(bearer(callers.team.coordinator))).status).toBe(404);
    expect((await request(app).get(`/api/participants/${participant.id}/access-log?limit=0`).set(bearer(admin))).status).toBe(400);

    // The same answer from the admin CLI, which logs its own read.
    const out: string[] = [];
    await runCli(['access-log', '--participant', participant.localRef], t.db, (l) => out.push(l));
    const text = out.join('\n');
    expect(text).toContain(`${reader.email}`);
    expect(text).toMatch(/audit-trail\s+export/);
    expect(text).toMatch(/sprint\s+link/);
    expect(await t.db.accessLogEntry.count({ where: { participantId: participant.id, channel: 'cli', what: 'access-log' } })).toBe(1);
    await expect(runCli(['access-log', '--participant', 'P-nobody'], t.db, () => {})).rejects.toThrow(/no participant P-nobody/);
  });
});
