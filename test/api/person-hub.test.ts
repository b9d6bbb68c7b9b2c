// The person hub and the directory on the real app: real PostgreSQL, the time-skipping Temporal
// server with careloop's worker, a real SMTP listener, and people signed in by the emailed link.
// Finding people (only within your care teams, by reference and by name), the same 404 for a
// person outside them as for nobody, one person's page (plan, plan changes waiting, sprints,
// escalations, disputes, care team, the audit trail a page at a time), changing the care team on
// pages, and the directory: GET /api/agencies and agency keys wherever an agency id is taken.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { recordAuditEvent } from '../../record/audit';
import { grantCareTeamNow } from '../../record/care-team';
import { runCli } from '../../cli/careloop';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { createAgency } from '../support/app';
import { ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { csrfFrom } from '../support/html';
import { signInAs, type Agent } from '../support/signin';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
const listedPeople = (html: string) => [...html.matchAll(/data-participant="([^"]+)"/g)].map((m) => m[1]);
const seqs = (html: string) => [...html.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1]));

/** Waits (outside a test, where expect.poll is not allowed) until `ready` answers truthy. */
async function until<T>(what: string, ready: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await ready();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the person hub and the directory (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  const agents = new Map<string, Agent>();
  const tag = randomUUID().slice(0, 6);
  // Two people with the same surname: one in the county's care, one elsewhere.
  const mineName = `Ada Quill${tag}`;
  const theirsName = `Bea Quill${tag}`;
  let mine: { id: string; localRef: string };
  let theirs: { id: string; localRef: string };
  let planId: string;
  let openSprint: string;
  let pastSprint: string;
  let escalationId: string;
  const disputeId = `dispute-${randomUUID()}`;

  async function signedIn(who: { email: string }): Promise<Agent> {
    const agent = agents.get(who.email) ?? (await signInAs(app, smtp, who.email));
    agents.set(who.email, agent);
    return agent;
  }

  async function startSprint(localRef: string, dischargeAt: Date) {
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    const res = await request(app).post('/api/sprints').set(bearer(people.coordinator)).send({ participant: { localRef, displayName: mineName }, dischargeAt: dischargeAt.toISOString(), owners });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.sprintId as string;
  }

  beforeAll(async () => {
    stack = await startRealStack({ name: 'person-hub' });
    ({ t, smtp, people, app } = stack);

    // Mine: a plan made by the county's coordinator, then a change that needs acknowledging.
    const created = await request(app)
      .post('/api/plans')
      .set(bearer(people.coordinator))
      .send({ participant: { localRef: newLocalRef(), displayName: mineName }, content: planContent(people) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    planId = created.body.planId;
    mine = await t.db.participant.findUniqueOrThrow({ where: { id: created.body.participantId }, select: { id: true, localRef: true } });
    const v2 = planContent(people, {
      risks: [
        { id: 'r1', description: 'Falls at night', level: 'acute' },
        { id: 'r2', description: 'Housing loss', level: 'moderate' },
      ],
    });
    const published = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: v2, reason: 'Falls increased', trigger: 'risk_change', acknowledgementRequired: true });
    expect(published.status, JSON.stringify(published.body)).toBe(201);

    // Theirs: known only to another agency.
    const other = await t.db.participant.create({ data: { localRef: newLocalRef(), displayName: theirsName } });
    await grantCareTeamNow(t.db, { participantId: other.id, agencyIds: [people.outsider.agencyId], source: 'manual', addedBy: 'test fixture', reason: 'their person' });
    theirs = other;

    // Sprints: one open, one cancelled (past).
    openSprint = await startSprint(mine.localRef, new Date(Date.now() - 3600_000));
    pastSprint = await startSprint(mine.localRef, new Date(Date.now() - 7200_000));
    const cancelled = await request(app).post(`/api/sprints/${pastSprint}/cancel`).set(bearer(people.coordinator)).send({ reason: 'Readmitted the same day' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await until('the cancelled sprint on the record', async () => (await t.db.sprint.findUnique({ where: { id: pastSprint } }))?.status === 'cancelled');

    const raised = await request(app).post('/api/escalations').set(bearer(people.coordinator)).send({ participantLocalRef: mine.localRef, riskLevel: 'moderate', trigger: 'Two missed visits' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    escalationId = raised.body.escalationId;
    await until('the escalation on the record', () => t.db.escalation.findUnique({ where: { id: escalationId } }));

    // A dispute's record row and the event that says what it is about (as the dispute workflow writes them).
    await t.db.dispute.create({
      data: { id: disputeId, participantId: mine.id, raisedById: people.coordinator.id, interimOwnerId: people.homecare.id, partyAgencyIds: [people.coordinator.agencyId, people.homecare.agencyId], agreementVersion: 'test', raisedAt: new Date(), status: 'open', stage: 1, stages: [] },
    });
    await recordAuditEvent(t.db, { actor: people.coordinator.name, actorId: people.coordinator.id, action: 'dispute.raised', process: 'dispute', workflowId: disputeId, item: 'stage-1', participantId: mine.id, data: { subject: 'Who funds the night-time check call' } });

    // Enough events for more than one page of the timeline.
    for (let i = 0; i < 55; i += 1) {
      await recordAuditEvent(t.db, { actor: people.hospital.name, actorId: people.hospital.id, action: 'task.completed', process: 'sprint', workflowId: openSprint, item: 'medication-reconciled', participantId: mine.id, data: { channel: 'link' } });
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('finds only the people in your care teams, by reference and by name, and logs each one shown', async () => {
    const casey = await signedIn(people.coordinator);
    const byRef = await casey.get(`/participants?q=${encodeURIComponent(mine.localRef.toLowerCase())}`);
    expect(byRef.status).toBe(200);
    expect(listedPeople(byRef.text)).toEqual([mine.localRef]);
    expect(byRef.text).toContain(`href="/participants/${mine.id}"`);

    // The surname both share: only the county's person.
    const byName = await casey.get(`/participants?q=${encodeURIComponent(`quill${tag}`)}`);
    expect(listedPeople(byName.text)).toEqual([mine.localRef]);
    expect(byName.text).not.toContain(theirsName);
    expect(byName.text).not.toContain(theirs.localRef);

    const outside = await casey.get(`/participants?q=${encodeURIComponent(theirs.localRef)}`);
    expect(outside.status).toBe(200);
    expect(listedPeople(outside.text)).toEqual([]);
    expect(outside.text).toContain('No one in your care teams matches');

    // Without a search: everyone in your care teams.
    expect(listedPeople((await casey.get('/participants')).text)).toContain(mine.localRef);

    // The other agency finds theirs, not the county's.
    const olly = await signedIn(people.outsider);
    expect(listedPeople((await olly.get(`/participants?q=${encodeURIComponent(`Quill${tag}`)}`)).text)).toEqual([theirs.localRef]);
    expect(listedPeople((await olly.get(`/participants?q=${encodeURIComponent(mine.localRef)}`)).text)).toEqual([]);

    const logged = await t.db.accessLogEntry.findMany({ where: { participantId: mine.id, what: 'search' }, select: { staffId: true, channel: true } });
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged.every((l) => l.staffId === people.coordinator.id && l.channel === 'page')).toBe(true);

    const tooLong = await casey.get(`/participants?q=${'x'.repeat(121)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('<a href="#f-q">The reference or name must be 120 characters or fewer</a>');
    expect(tooLong.text).toContain('<title>Error: People · careloop</title>');
  });

  it('answers someone outside the care team with the same 404 for a person who exists and one who does not, and logs nothing', async () => {
    const olly = await signedIn(people.outsider);
    const hidden = await olly.get(`/participants/${mine.id}`);
    const missing = await olly.get('/participants/no-such-person');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.text.replace(mine.id, 'X')).toBe(missing.text.replace('no-such-person', 'X'));
    expect(hidden.text).not.toContain(mine.localRef);
    expect(hidden.text).not.toContain(mineName);
    for (const path of ['care-team/add', `care-team/x/remove`, '?page=2']) {
      const res = await olly.get(`/participants/${mine.id}/${path}`.replace('/?', '?'));
      expect(res.status, path).toBe(404);
    }
    expect(await t.db.accessLogEntry.count({ where: { participantId: mine.id, staffId: people.outsider.id } })).toBe(0);
    // Not signed in: to the sign-in page, and back here afterwards.
    const anonymous = await request(app).get(`/participants/${mine.id}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`/signin?next=${encodeURIComponent(`/participants/${mine.id}`)}`);
  });

  it("shows a coordinator the person's plan, plan changes waiting, sprints, escalations, disputes and care team, linking pages and never /api/", async () => {
    const casey = await signedIn(people.coordinator);
    const res = await casey.get(`/participants/${mine.id}`);
    expect(res.status, res.text).toBe(200);
    const h = res.text;
    // The plan at a glance: version 2, its holder, counts and the highest risk level.
    expect(h).toContain(`href="/plans/${planId}"`);
    expect(h).toMatch(/<dt>Version<\/dt><dd>2<\/dd>/);
    expect(h).toMatch(/<dt>Plan-holder<\/dt><dd>Casey Coordinator<\/dd>/);
    expect(h).toMatch(/<dt>Risks<\/dt><dd>2 <span class="badge risk-acute">highest Acute<\/span>/);
    expect(h).not.toContain('Create a plan');
    // The change to version 2, and who has not acknowledged it.
    expect(h).toMatch(/data-plan-version="2"[\s\S]*0 of 2 acknowledged\. Not yet acknowledged by: (Harper Homecare, Wren Nurse|Wren Nurse, Harper Homecare)\./);
    // Open and past sprints, each linking its page.
    const open = h.slice(h.indexOf('<h3>Open</h3>'), h.indexOf('<h3>Past</h3>'));
    const past = h.slice(h.indexOf('<h3>Past</h3>'), h.indexOf('id="escalations"'));
    expect(open).toContain(`href="/sprints/${openSprint}"`);
    expect(past).toContain(`href="/sprints/${pastSprint}"`);
    expect(past).toContain('Cancelled');
    // The escalation, its status in words; the dispute, each opening its page.
    expect(h).toContain(`<a href="/escalations/${escalationId}">Two missed visits</a>`);
    expect(h).toMatch(/Waiting for the chair to take ownership|Chair has taken ownership/);
    expect(h).toContain('Who funds the night-time check call');
    expect(h).toMatch(/Open · stage 1, Frontline leads/);
    expect(h).toContain(`<a href="/disputes/${disputeId}">Who funds the night-time check call</a>`);
    // The care team, changeable by a coordinator in it; the actions a coordinator has.
    expect(h).toContain(`Agency ${(await t.db.agency.findUniqueOrThrow({ where: { id: people.homecare.agencyId } })).key}`);
    expect(h).toMatch(new RegExp(`href="/participants/${mine.id}/care-team/[\\w-]+/remove">Remove<span class="visually-hidden"> Casey Coordinator, Agency county-`));
    expect(h).toContain(`href="/participants/${mine.id}/care-team/add"`);
    expect(h).toMatch(/<a href="#sprints">1 open sprint<\/a>/);
    expect(h).toContain(`href="/escalations/new?participant=${encodeURIComponent(mine.localRef)}"`);
    expect(h).toContain(`href="/sprints/new?participant=${encodeURIComponent(mine.localRef)}"`);
    expect(h).not.toMatch(/href="\/api\//);

    // Each read of the page is logged (the set-up's API calls wrote their own rows, channel api).
    const reads = await t.db.accessLogEntry.findMany({ where: { participantId: mine.id, staffId: people.coordinator.id, channel: 'page', what: { not: 'search' } }, select: { what: true, item: true } });
    expect(reads.map((r) => r.what).sort()).toEqual(['audit-trail', 'care-team', 'dispute', 'escalation', 'person-hub', 'plan', 'sprint', 'sprint']);
    expect(reads.filter((r) => r.what === 'sprint').map((r) => r.item).sort()).toEqual([openSprint, pastSprint].sort());

    // The home page and the sprint and escalation pages lead here.
    expect((await casey.get('/')).text).toContain('href="/participants"');
    expect((await casey.get(`/sprints/${openSprint}`)).text).toContain(`href="/participants/${mine.id}"`);
    await expect.poll(async () => (await casey.get(`/escalations/${escalationId}`)).text, { timeout: 15_000 }).toContain(`href="/participants/${mine.id}"`);
    // "Start a sprint" from here fills in the person.
    const form = await casey.get(`/sprints/new?participant=${encodeURIComponent(mine.localRef)}`);
    expect(form.text).toContain(`value="${mine.localRef}"`);
    expect(form.text).toContain(`value="${mineName}"`);
  });

  it('shows the audit trail in words, 50 events a page, newest first, with older and newer pages; the CSV and JSON exports stay', async () => {
    const casey = await signedIn(people.coordinator);
    const total = await t.db.auditEvent.count({ where: { participantId: mine.id } });
    const pages = Math.ceil(total / 50);
    expect(pages).toBeGreaterThanOrEqual(2);

    const first = await casey.get(`/participants/${mine.id}`);
    const firstSeqs = seqs(first.text);
    expect(firstSeqs).toHaveLength(50);
    expect(firstSeqs).toEqual([...firstSeqs].sort((a, b) => b - a));
    expect(first.text).toContain(`Page 1 of ${pages}`);
    expect(first.text).toContain(`href="/participants/${mine.id}?page=2#audit" rel="next">Older events</a>`);
    expect(first.text).not.toContain('rel="prev"');
    expect(first.text).toContain('<strong>Task done</strong> “Medication list reconciled”');
    expect(first.text).toContain('Wren Nurse by the emailed link');

    const second = await casey.get(`/participants/${mine.id}?page=2`);
    expect(second.status).toBe(200);
    const secondSeqs = seqs(second.text);
    expect(Math.max(...secondSeqs)).toBeLessThan(Math.min(...firstSeqs));
    expect(second.text).toContain(`Page 2 of ${pages}`);
    expect(second.text).toContain(`href="/participants/${mine.id}#audit" rel="prev">Newer events</a>`);

    // The oldest page holds the beginning: the plan created and the care team it implied.
    const last = await casey.get(`/participants/${mine.id}?page=${pages}`);
    expect(last.text).toContain('<strong>Plan created</strong> version 1');
    expect(last.text).toMatch(/<strong>Joined the care team<\/strong> [^<]*Casey Coordinator/);
    expect(seqs(last.text)).toHaveLength(total - (pages - 1) * 50);
    // Past the end is the last page; not a page number is a 400 in words.
    expect(seqs((await casey.get(`/participants/${mine.id}?page=999`)).text)).toEqual(seqs(last.text));
    const bad = await casey.get(`/participants/${mine.id}?page=first`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The page has invalid fields.');

    expect(first.text).toContain(`href="/participants/${mine.id}/audit.csv"`);
    const csv = await casey.get(`/participants/${mine.id}/audit.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toHaveLength(total + 1);
    const json = await request(app).get(`/api/participants/${mine.id}/audit`).set(bearer(people.coordinator));
    expect(json.status).toBe(200);
    expect(json.body.events).toHaveLength(total);
  });

  it('shows staff in the care team the plan and the care team, not the audit trail or processes that do not name them', async () => {
    const harper = await signedIn(people.homecare);
    const res = await harper.get(`/participants/${mine.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`href="/plans/${planId}"`);
    expect(res.text).toContain('The audit trail is for the care team’s coordinators and managers.');
    expect(seqs(res.text)).toEqual([]);
    expect(res.text).not.toContain(`href="/escalations/${escalationId}"`);
    expect(res.text).not.toContain('/remove"');
    expect(res.text).not.toContain('/care-team/add"');
    expect(res.text).not.toContain('/sprints/new');
    // Harper is a party to the dispute (interim owner at a party agency): that one is shown.
    expect(res.text).toContain('Who funds the night-time check call');
    expect((await harper.get(`/participants/${mine.id}/care-team/add`)).status).toBe(403);
  });

  it('adds and removes a care-team member on pages, with the problems named at the top and the values kept', async () => {
    const casey = await signedIn(people.coordinator);
    const gp = await createAgency(t.db, `gp-${tag}`);
    const form = await casey.get(`/participants/${mine.id}/care-team/add`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`<option value="agency:${gp.id}">Agency gp-${tag}</option>`);

    const empty = await casey.post(`/participants/${mine.id}/care-team/add`).type('form').send({ _csrf: csrfFrom(form.text), member: '', reason: 'x' });
    expect(empty.status).toBe(400);
    expect([...empty.text.matchAll(/<li><a href="#(f-[\w-]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]])).toEqual([
      ['f-member', 'Choose an agency or a person who joins the care team'],
      ['f-reason', 'Say why they join the care team (at least 3 characters)'],
    ]);
    expect(empty.text).toContain('>x</textarea>');
    // GOV.UK's pattern: "Error:" first in the title, the form checked by careloop alone.
    expect(empty.text).toContain(`<title>Error: Add to the care team of ${mine.localRef} · careloop</title>`);
    expect(empty.text).toMatch(/<form method="post" action="[^"]+\/care-team\/add" class="step-form" novalidate>/);
    expect(empty.text).toContain('<span class="visually-hidden">Error:</span> Choose an agency or a person who joins the care team</p>');

    const added = await casey.post(`/participants/${mine.id}/care-team/add`).type('form').send({ _csrf: csrfFrom(empty.text), member: `agency:${gp.id}`, reason: 'Registered GP practice' });
    expect(added.status, added.text).toBe(303);
    expect(added.headers.location).toBe(`/participants/${mine.id}?done=added#care-team`);
    const member = await t.db.careTeamMember.findFirstOrThrow({ where: { participantId: mine.id, agencyId: gp.id, removedAt: null } });
    expect(member).toMatchObject({ source: 'manual', addedBy: people.coordinator.email, reason: 'Registered GP practice' });
    const hub = await casey.get(`/participants/${mine.id}?done=added`);
    expect(hub.text).toContain('Added to the care team.');
    expect(hub.text).toContain(`data-member="${member.id}"`);

    const remove = await casey.get(`/participants/${mine.id}/care-team/${member.id}/remove`);
    expect(remove.text).toContain(`Remove Agency gp-${tag} from the care team of ${mine.localRef}?`);
    const noReason = await casey.post(`/participants/${mine.id}/care-team/${member.id}/remove`).type('form').send({ _csrf: csrfFrom(remove.text), reason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('<a href="#f-reason">Say why they leave the care team (at least 3 characters)</a>');
    expect(noReason.text).toContain(`<title>Error: Remove from the care team of ${mine.localRef} · careloop</title>`);
    const tooLong = await casey.post(`/participants/${mine.id}/care-team/${member.id}/remove`).type('form').send({ _csrf: csrfFrom(remove.text), reason: 'x'.repeat(501) });
    expect(tooLong.text).toContain('<a href="#f-reason">The reason must be 500 characters or fewer</a>');
    const removed = await casey.post(`/participants/${mine.id}/care-team/${member.id}/remove`).type('form').send({ _csrf: csrfFrom(remove.text), reason: 'Moved practice' });
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe(`/participants/${mine.id}?done=removed#care-team`);
    expect(await t.db.careTeamMember.findUniqueOrThrow({ where: { id: member.id } })).toMatchObject({ removedBy: people.coordinator.email, removedReason: 'Moved practice' });
    const after = await casey.get(`/participants/${mine.id}`);
    expect(after.text).toMatch(/membership(s)? ended<\/summary>[\s\S]*Agency gp-[\w]+<\/strong>[\s\S]*Moved practice/);
    // A membership that has ended cannot be removed again.
    expect((await casey.get(`/participants/${mine.id}/care-team/${member.id}/remove`)).status).toBe(404);
  });

  it('lists agencies with id, key, name and kind for any token holder, and takes an agency key wherever it takes an id', async () => {
    const hospitalAgency = await t.db.agency.update({ where: { id: people.hospital.agencyId }, data: { kind: 'hospital' } });
    const agencies = await request(app).get('/api/agencies').set(bearer(people.hospital));
    expect(agencies.status).toBe(200);
    expect(agencies.body.agencies).toContainEqual({ id: hospitalAgency.id, key: hospitalAgency.key, name: hospitalAgency.name, kind: 'hospital' });
    expect((await request(app).get('/api/agencies')).status).toBe(401);

    // The staff directory names each person's agency with its id and key.
    const staff = await request(app).get('/api/staff').set(bearer(people.coordinator));
    expect(staff.body.staff).toContainEqual(expect.objectContaining({ id: people.hospital.id, agency: { id: hospitalAgency.id, key: hospitalAgency.key, name: hospitalAgency.name } }));
    for (const ref of [hospitalAgency.key, hospitalAgency.id]) {
      const one = await request(app).get(`/api/staff?agency=${ref}`).set(bearer(people.coordinator));
      expect(one.status, ref).toBe(200);
      expect(one.body.staff.map((s: { id: string }) => s.id)).toEqual([people.hospital.id]);
    }
    const unknown = await request(app).get('/api/staff?agency=no-such-agency').set(bearer(people.coordinator));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields).toEqual([{ field: 'agency', message: 'is not an agency careloop knows; see GET /api/agencies or `npm run careloop -- agency list`' }]);

    // The admin CLI lists the same ids, and takes an id or a key for --agency.
    const lines: string[] = [];
    await runCli(['agency', 'list'], t.db, (l) => lines.push(l));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${hospitalAgency.key}\\s+${hospitalAgency.name}\\s+\\(1 staff\\)\\s+hospital\\s+id ${hospitalAgency.id}$`)));
    for (const ref of [hospitalAgency.key, hospitalAgency.id]) {
      const staffLines: string[] = [];
      await runCli(['staff', 'list', '--agency', ref], t.db, (l) => staffLines.push(l));
      expect(staffLines, ref).toEqual([expect.stringMatching(new RegExp(`^${people.hospital.email}\\s+Wren Nurse\\s+${hospitalAgency.key}\\s+staff\\s+id ${people.hospital.id}$`))]);
    }

    // Care-team add by key.
    const social = await createAgency(t.db, `social-${tag}`);
    const byKey = await request(app).post(`/api/participants/${mine.id}/care-team`).set(bearer(people.coordinator)).send({ agency: social.key, reason: 'Allocated social worker' });
    expect(byKey.status, JSON.stringify(byKey.body)).toBe(201);
    expect(byKey.body.members).toContainEqual(expect.objectContaining({ kind: 'agency', agency: { id: social.id, key: social.key, name: social.name } }));
    const badKey = await request(app).post(`/api/participants/${mine.id}/care-team`).set(bearer(people.coordinator)).send({ agency: 'no-such-agency', reason: 'Allocated social worker' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.fields[0]).toEqual({ field: 'agency', message: 'is not an agency careloop knows; see GET /api/agencies or `npm run careloop -- agency list`' });
  });
});
