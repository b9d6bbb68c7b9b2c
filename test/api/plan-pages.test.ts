// The plan pages on the real app: real PostgreSQL, the time-skipping Temporal server with
// careloop's worker, a real SMTP listener, and people signed in by the emailed link (no API
// token for the person at the browser). The create and change forms (their errors in sentences
// linked to fields, items added and removed by posting the form back), publishing, a stale base
// shown and re-applied, the acknowledgements table with "Remind now", the plan-holder's handover,
// and consent: recorded, audited, shown, and enforced for people outside the care team on the
// plan's page, its exports and the emailed link page.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { planChangeStateQuery } from '../../workflows';
import { planChangeWorkflowId, type PlanContent } from '../../domain/plan';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { newLocalRef, planContent } from '../support/plan-fixture';
import { csrfFrom } from '../support/html';
import { signInAs, type Agent } from '../support/signin';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });
type Fields = Record<string, string | string[]>;

/** A form body as a browser sends it: repeated names for checkboxes. */
const encode = (fields: Fields) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  return q.toString();
};

/** The plan form's fields for this content, named as the form names them. */
function formFields(c: PlanContent): Record<string, string> {
  const f: Record<string, string> = {
    'goal-ids': c.goals.map((g) => g.id).join(','),
    'risk-ids': c.risks.map((r) => r.id).join(','),
    'action-ids': c.controls.map((a) => a.id).join(','),
    'trigger-count': String(c.crisisTriggers.length),
    'contact-count': String(c.serviceContacts.length),
  };
  c.goals.forEach((g, i) => (f[`goal-${i}-text`] = g.text));
  c.risks.forEach((r, i) => Object.assign(f, { [`risk-${i}-description`]: r.description, [`risk-${i}-level`]: r.level }));
  c.crisisTriggers.forEach((t, i) => (f[`trigger-${i}`] = t));
  c.serviceContacts.forEach((s, i) => Object.assign(f, { [`contact-${i}-agency`]: s.agencyId, [`contact-${i}-name`]: s.name, [`contact-${i}-role`]: s.role ?? '', [`contact-${i}-phone`]: s.phone ?? '' }));
  c.controls.forEach((a, i) => Object.assign(f, { [`action-${i}-description`]: a.description, [`action-${i}-agency`]: a.ownerAgencyId, [`action-${i}-owner`]: a.ownerStaffId ?? '', [`action-${i}-due`]: a.dueDate ?? '' }));
  return f;
}

/** The error summary's items, as read. */
const summaryOf = (page: string) => [...(page.match(/<div class="problem error-summary"[\s\S]*?<\/div>/)?.[0] ?? '').matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').replace(/&#39;|&rsquo;/g, '’'));

describe('plan pages (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  const agents = new Map<string, { agent: Agent; csrf: string }>();

  beforeAll(async () => {
    stack = await startRealStack({ name: 'plan-pages', rateLimits: { signinPerWindow: 100, tokenPerWindow: 1000 } });
    ({ env, t, smtp, people, app } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function signedIn(who: { email: string }) {
    const known = agents.get(who.email);
    if (known) return known;
    const agent = await signInAs(app, smtp, who.email);
    const csrf = csrfFrom((await agent.get('/')).text);
    agents.set(who.email, { agent, csrf });
    return { agent, csrf };
  }
  async function post(who: { email: string }, url: string, fields: Fields) {
    const { agent, csrf } = await signedIn(who);
    return agent.post(url).type('form').send(encode({ _csrf: csrf, ...fields }));
  }
  async function get(who: { email: string }, url: string) {
    return (await signedIn(who)).agent.get(url).set('Accept', 'text/html');
  }

  async function createPlanByApi(content: PlanContent = planContent(people)) {
    const res = await request(app).post('/api/plans').set(bearer(people.coordinator)).send({ participant: { localRef: newLocalRef(), displayName: 'Ada Example' }, content });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { planId: res.body.planId as string, participantId: res.body.participantId as string };
  }
  const latestContent = async (planId: string) => (await t.db.planVersion.findFirstOrThrow({ where: { planId }, orderBy: { number: 'desc' } })).content as unknown as PlanContent;
  const state = (planId: string, v: number) => env.client.workflow.getHandle(planChangeWorkflowId(planId, v)).query(planChangeStateQuery);

  it('creates a plan with the form: items added and removed by posting back, problems as sentences linked to their fields, then the plan in the template’s order', async () => {
    const casey = people.coordinator;
    const ref = newLocalRef();
    // Nurses do not create plans; coordinators do.
    expect((await get(people.hospital, '/plans/new')).status).toBe(403);
    const blank = await get(casey, `/plans/new?participant=${ref}`);
    expect(blank.status).toBe(200);
    expect(blank.text).toContain(`name="localRef" value="${ref}"`);
    expect(blank.text).toContain('Add a goal');

    // Each "Add" posts the form back with what was typed kept, and a new empty item.
    const who = { localRef: ref, displayName: 'Bea Example', planHolder: '', reason: 'Initial plan' };
    let form: Fields = { ...who, ...formFields({ goals: [], risks: [], crisisTriggers: [], serviceContacts: [], controls: [], shareBeyondCareTeam: [] }) };
    const added = await post(casey, '/plans/new', { ...form, intent: 'add-goal' });
    expect(added.status).toBe(200);
    expect(added.text).toContain('value="Bea Example"');
    expect(added.text).toMatch(/name="goal-ids" value="g1"/);
    expect(added.text).toMatch(/<textarea id="f-goal-0-text" name="goal-0-text"[^>]*autofocus>/);
    for (const kind of ['risk', 'action', 'action', 'trigger', 'contact']) {
      const res = await post(casey, '/plans/new', { ...form, intent: `add-${kind}` });
      expect(res.status).toBe(200);
      form = { ...form, ...Object.fromEntries([...res.text.matchAll(/name="((?:goal|risk|action)-ids|(?:trigger|contact)-count)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])) };
    }
    expect(form).toMatchObject({ 'goal-ids': '', 'risk-ids': 'r1', 'action-ids': 'c1,c2', 'trigger-count': '1', 'contact-count': '1' });

    // Sent with gaps: every problem at the top, in words, linking to its field; the values kept.
    form = { ...form, 'goal-ids': 'g1', 'goal-0-text': '', 'risk-0-description': 'Falls at night', 'risk-0-level': '', 'action-0-description': 'Night-time check call', 'action-0-agency': '', 'action-1-description': 'Remove me', 'trigger-0': 'Refuses medication two days running', 'contact-0-agency': people.homecare.agencyId, 'contact-0-name': '' };
    const bad = await post(casey, '/plans/new', { ...form, intent: 'create' });
    expect(bad.status).toBe(400);
    expect(summaryOf(bad.text)).toEqual(expect.arrayContaining(['Enter goal 1, or remove it.', 'Choose the level of risk 1.', 'Enter the name of service contact 1.', 'Choose the agency that owns action 1.', 'Choose the agency that owns action 2.']));
    // GOV.UK's pattern: "Error:" first in the title, the summary first in the card.
    expect(bad.text).toContain('<title>Error: Create a plan · careloop</title>');
    expect(bad.text).toMatch(/<section class="card plan-form-card">\s*<div class="problem error-summary" role="alert" tabindex="-1"/);
    expect(bad.text).toContain('<a href="#f-risk-0-level">Choose the level of risk 1.</a>');
    expect(bad.text).toContain('<a href="#f-goal-0-text">');
    expect(bad.text).toMatch(/id="f-risk-0-level" name="risk-0-level" aria-invalid="true"/);
    expect(bad.text).toContain('Falls at night');

    // "Remove" takes the one item out and keeps the rest.
    const removed = await post(casey, '/plans/new', { ...form, intent: 'remove-action-1' });
    expect(removed.text).toMatch(/name="action-ids" value="c1"/);
    expect(removed.text).not.toContain('Remove me');
    expect(removed.text).toContain('Night-time check call');
    form = { ...form, 'action-ids': 'c1' };
    delete form['action-1-description'];

    // A person who does not work for the owning agency is named in words, at that field.
    form = { ...form, 'goal-0-text': 'Stay safely at home', 'risk-0-level': 'high', 'contact-0-name': 'Riverside duty line', 'action-0-agency': people.homecare.agencyId, 'action-0-owner': people.hospital.id, 'action-0-due': '2026-12-01' };
    const wrongOwner = await post(casey, '/plans/new', { ...form, intent: 'create' });
    expect(wrongOwner.status).toBe(400);
    expect(summaryOf(wrongOwner.text)[0]).toMatch(new RegExp(`^${people.hospital.name} does not work for Agency homecare-\\w+: choose someone from that agency for action 1, or leave it to the agency\\.$`));
    expect(wrongOwner.text).toContain('href="#f-action-0-owner"');

    const created = await post(casey, '/plans/new', { ...form, 'action-0-owner': people.homecare.id, intent: 'create' });
    expect(created.status, created.text).toBe(303);
    const planId = created.headers.location!.match(/^\/plans\/([\w-]+)\?done=created$/)![1]!;
    expect(await latestContent(planId)).toMatchObject({
      goals: [{ id: 'g1', text: 'Stay safely at home' }],
      risks: [{ id: 'r1', description: 'Falls at night', level: 'high' }],
      crisisTriggers: ['Refuses medication two days running'],
      serviceContacts: [{ agencyId: people.homecare.agencyId, name: 'Riverside duty line' }],
      controls: [{ id: 'c1', ownerAgencyId: people.homecare.agencyId, ownerStaffId: people.homecare.id, dueDate: '2026-12-01' }],
    });

    const planPage = await get(casey, created.headers.location!);
    expect(planPage.status).toBe(200);
    expect(planPage.text).toContain('The plan is created: version 1.');
    const order = ['id="goals"', 'id="risks"', 'id="crisis-triggers"', 'id="service-contacts"', 'id="actions"', 'id="sharing"', 'id="acknowledgements"', 'id="history"'].map((s) => planPage.text.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(planPage.text).toContain('<span class="badge risk-high">High</span> Falls at night');
    expect(planPage.text).toMatch(/Night-time check call[\s\S]*?Harper Homecare, Agency homecare-\w+[\s\S]*?1 December 2026/);
    expect(planPage.text).toContain('No consent is recorded: nothing of the plan is shared beyond the care team.');
    expect(planPage.text).toMatch(/<strong>Version 1<\/strong> published by Casey Coordinator\. <span class="trigger">Trigger: Other\.<\/span>/);
    expect(planPage.text).not.toContain('/api/');
    // The plans list names it.
    expect((await get(casey, '/plans')).text).toContain(`data-plan="${planId}"`);
  });

  it('publishes a change with the form; a stale base shows both changes and re-applies the author’s edits on the newer version, listing what clashed; the diff reads in words', async () => {
    const { planId } = await createPlanByApi();
    const casey = people.coordinator;
    const opened = await get(casey, `/plans/${planId}/change`);
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('name="base" value="1"');
    expect(opened.text).toContain('Falls at night');
    // Sent without the change's own fields: three problems, each a sentence.
    const v1 = await latestContent(planId);
    const missing = await post(casey, `/plans/${planId}/change`, { base: '1', ...formFields(v1), reason: '', intent: 'publish' });
    expect(missing.status).toBe(400);
    expect(summaryOf(missing.text)).toEqual(['Say why the plan is changing.', 'Choose what triggered the change.', 'Say whether this change alters day-to-day delivery.']);

    // Casey's edit: risk r1 up to acute, a new action; meanwhile Morgan-by-API publishes version 2.
    const mine = { ...v1, risks: [{ id: 'r1', description: 'Falls at night', level: 'acute' as const }], controls: [...v1.controls, { id: 'c3', description: 'Grab rails fitted', ownerAgencyId: people.housing.agencyId }] };
    const theirs = { ...v1, goals: [{ id: 'g1', text: 'Stay safely at home with family support' }], risks: [{ id: 'r1', description: 'Falls at night', level: 'moderate' as const }], crisisTriggers: [] };
    // Published through the API, naming the home care agency by its key: stored by its id.
    const homecareKey = (await t.db.agency.findUniqueOrThrow({ where: { id: people.homecare.agencyId } })).key;
    const byKey = { ...theirs, serviceContacts: theirs.serviceContacts.map((c) => ({ ...c, agencyId: homecareKey })) };
    const v2 = await request(app).post(`/api/plans/${planId}/versions`).set(bearer(people.coordinator)).send({ baseVersion: 1, content: byKey, reason: 'Family moved in', trigger: 'risk_change', acknowledgementRequired: false });
    expect(v2.status).toBe(201);
    expect((await latestContent(planId)).serviceContacts[0]!.agencyId).toBe(people.homecare.agencyId);
    const change = { reason: 'Fall last night', trigger: 'incident', ack: 'no' };
    const stale = await post(casey, `/plans/${planId}/change`, { base: '1', ...formFields(mine), ...change, intent: 'publish' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Someone published a newer version while you were editing');
    expect(stale.text).toMatch(/What changed since version 1[\s\S]*Goal reworded: &quot;Stay safely at home after discharge&quot; → &quot;Stay safely at home with family support&quot;[\s\S]*Risk &quot;Falls at night&quot;: level lowered from high to moderate[\s\S]*Crisis trigger removed/);
    expect(stale.text).toMatch(/Your changes[\s\S]*Risk &quot;Falls at night&quot;: level raised from high to acute[\s\S]*Action added: &quot;Grab rails fitted&quot;, owned by Agency housing-\w+/);
    expect(stale.text).toContain('Re-apply my changes to version 2');
    expect(stale.text).toContain('>Fall last night</textarea>');

    const reapplied = await post(casey, `/plans/${planId}/change`, { base: '1', ...formFields(mine), ...change, intent: 'reapply' });
    expect(reapplied.status).toBe(200);
    expect(reapplied.text).toContain('name="base" value="2"');
    expect(reapplied.text).toContain('Your changes are re-applied on version 2');
    expect(reapplied.text).toContain('You changed the level of risk &quot;Falls at night&quot;, but the newer version changed it too: the newer version’s is kept.');
    expect(reapplied.text).toContain('Stay safely at home with family support');
    expect(reapplied.text).toContain('Grab rails fitted');
    expect(reapplied.text).toMatch(/<option value="moderate" selected>/);

    const merged = { ...theirs, controls: mine.controls };
    const published = await post(casey, `/plans/${planId}/change`, { base: '2', ...formFields(merged), ...change, intent: 'publish' });
    expect(published.status, published.text).toBe(303);
    expect(published.headers.location).toBe(`/plans/${planId}?done=published&version=3`);
    expect(await latestContent(planId)).toMatchObject({ goals: theirs.goals, risks: theirs.risks, crisisTriggers: [], controls: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3', description: 'Grab rails fitted' }] });
    const v3 = await t.db.planVersion.findFirstOrThrow({ where: { planId, number: 3 } });
    expect(v3).toMatchObject({ reason: 'Fall last night', trigger: 'incident', acknowledgementRequired: false });

    // The diff between any two versions, grouped by section, in words.
    const diff = await get(casey, `/plans/${planId}/diff?from=1&to=3`);
    expect(diff.status).toBe(200);
    expect(diff.text).toContain('What changed from version 1 to version 3');
    expect(diff.text).toMatch(/<h2>Goals<\/h2>[\s\S]*<span class="change-kind kind-changed">Changed<\/span> Goal reworded/);
    expect(diff.text).toMatch(/<h2>Actions<\/h2>[\s\S]*<span class="change-kind kind-added">Added<\/span> Action added: &quot;Grab rails fitted&quot;/);
    expect(diff.text).toMatch(/<strong>Version 3<\/strong>, [^<]*, by Casey Coordinator\. Trigger: Incident\./);
    const outOfRange = await get(casey, `/plans/${planId}/diff?from=1&to=9`);
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.text).toContain('This plan has versions 1 to 3: choose two of those.');
    expect((await get(casey, `/plans/${planId}/diff?from=2&to=2`)).text).toContain('These are the same version');
    // The history names each version's author, trigger and reason.
    const history = (await get(casey, `/plans/${planId}`)).text;
    expect(history).toMatch(/<strong>Version 3<\/strong> published by Casey Coordinator\. <span class="trigger">Trigger: Incident\.<\/span><br>\s*<span class="reason">Why: Fall last night<\/span>/);
    expect(history).toContain(`href="/plans/${planId}/diff?from=2&amp;to=3"`);
  });

  it('shows each version’s acknowledgements as a table; the plan-holder reminds now (once in ten minutes); a recipient acknowledges on the page', async () => {
    const { planId } = await createPlanByApi();
    const v2 = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: planContent(people, { goals: [{ id: 'g1', text: 'Stay at home' }] }), reason: 'Review', trigger: 'scheduled_review', acknowledgementRequired: true });
    expect(v2.status).toBe(201);
    await smtp.waitFor((m) => m.to.includes(people.hospital.email) && /please acknowledge version 2/.test(m.subject) && m.text.includes(planId) === false);
    const casey = people.coordinator;
    const page = await get(casey, `/plans/${planId}`);
    const table = page.text.match(/<table class="(?:stack )?acks" data-version="2"[^>]*>[\s\S]*?<\/table>/)![0];
    expect(table).toMatch(new RegExp(`data-staff="${people.hospital.id}" class="is-waiting"[^>]*>[\\s\\S]*?${people.hospital.name}[\\s\\S]*?Waiting</strong> <span class="muted">no reminder yet`));
    expect(table).toContain(people.homecare.name);
    expect(page.text).toContain('2 of 2 still to acknowledge');
    expect(page.text).toContain('>Remind now</button>');

    // Only the plan-holder reminds; Morgan (a manager in the team) is refused.
    expect((await post(people.manager, `/plans/${planId}/versions/2/remind`, {})).status).toBe(403);
    const before = smtp.messages.length;
    const reminded = await post(casey, `/plans/${planId}/versions/2/remind`, {});
    expect(reminded.status).toBe(303);
    expect(reminded.headers.location).toBe(`/plans/${planId}?done=reminded#acknowledgements`);
    const reminders = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= before && /careloop reminder: acknowledge version 2/.test(m.subject), 2);
    expect(reminders.flatMap((m) => m.to).sort()).toEqual([people.hospital.email, people.homecare.email].sort());
    expect(reminders.every((m) => /http:\/\/careloop\.test\/a\/cla_/.test(m.text) && !m.text.includes('/api/'))).toBe(true);
    const audited = await t.db.auditEvent.findFirstOrThrow({ where: { workflowId: planChangeWorkflowId(planId, 2), action: 'plan.reminders-sent', actorId: casey.id } });
    expect(audited.data).toMatchObject({ manual: true, recipients: expect.arrayContaining([people.hospital.id, people.homecare.id]) });
    const after = await get(casey, `/plans/${planId}?done=reminded`);
    expect(after.text).toContain('A reminder is on its way to everyone still to acknowledge.');
    expect(after.text).toContain('1 reminder sent');
    expect(after.text).toContain('Casey Coordinator last sent a reminder');
    // Again at once: refused in words.
    const again = await post(casey, `/plans/${planId}/versions/2/remind`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('Casey Coordinator sent a reminder less than 10 minutes ago.');
    const byApi = await request(app).post(`/api/plans/${planId}/versions/2/remind`).set(bearer(casey)).send({});
    expect(byApi.status).toBe(409);
    expect(byApi.body.error.message).toMatch(/less than 10 minutes ago/);

    // Wren reads the change signed in and acknowledges it there.
    const diff = await get(people.hospital, `/plans/${planId}/diff?from=1&to=2`);
    expect(diff.text).toContain('I have read version 2');
    const acked = await post(people.hospital, `/plans/${planId}/versions/2/acknowledge`, {});
    expect(acked.status).toBe(303);
    await expect.poll(async () => (await state(planId, 2)).recipients.find((r) => r.staff.id === people.hospital.id)?.channel).toBe('web');
    const done = (await get(casey, `/plans/${planId}`)).text;
    expect(done).toMatch(new RegExp(`data-staff="${people.hospital.id}" class="is-done"[^>]*>[\\s\\S]*?Acknowledged</span> <span class="muted">[^<]*, signed in to careloop`));
    expect(done).toContain('1 of 2 still to acknowledge');
    await request(app).post(`/api/plans/${planId}/versions/2/acknowledge`).set(bearer(people.homecare)).send({});
    expect((await env.client.workflow.getHandle(planChangeWorkflowId(planId, 2)).result()).status).toBe('acknowledged');
    expect((await get(casey, `/plans/${planId}`)).text).toContain('Everyone has acknowledged it.');
  });

  it('hands the plan over: the form’s problems in words, audited with its reason, both plan-holders emailed with a link to the page, and the new one reminds from then on', async () => {
    const { planId, participantId } = await createPlanByApi();
    expect((await get(people.hospital, `/plans/${planId}/handover`)).status).toBe(403);
    const form = await get(people.coordinator, `/plans/${planId}/handover`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`<option value="${people.manager.id}">${people.manager.name}</option>`);
    expect(form.text).not.toContain(people.outsider.name);
    const empty = await post(people.coordinator, `/plans/${planId}/handover`, { planHolderId: '', reason: '' });
    expect(empty.status).toBe(400);
    expect(summaryOf(empty.text)).toEqual(['Choose the new plan-holder from the care team.', 'Say why the plan is changing hands.']);
    expect(empty.text).toContain('<title>Error: Hand over the plan · careloop</title>');
    const outsider = await post(people.coordinator, `/plans/${planId}/handover`, { planHolderId: people.outsider.id, reason: 'x' });
    expect(summaryOf(outsider.text)).toEqual(['Choose the new plan-holder from the care team.']);

    const done = await post(people.coordinator, `/plans/${planId}/handover`, { planHolderId: people.manager.id, reason: 'Casey is on leave until March' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/plans/${planId}?done=handover`);
    expect((await t.db.carePlan.findUniqueOrThrow({ where: { id: planId } })).planHolderId).toBe(people.manager.id);
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { participantId, action: 'plan.holder-changed' } });
    expect(event).toMatchObject({ actorId: people.coordinator.id, reason: 'Casey is on leave until March', data: { from: people.coordinator.id, to: people.manager.id } });
    const [toNew] = await smtp.waitFor((m) => m.to.includes(people.manager.email) && /you now hold the plan/.test(m.subject));
    const [toOld] = await smtp.waitFor((m) => m.to.includes(people.coordinator.email) && /is now held by Morgan Manager/.test(m.subject));
    for (const m of [toNew!, toOld!]) {
      expect(m.text).toContain(`http://careloop.test/plans/${planId}`);
      expect(m.text).not.toContain('/api/');
      expect(m.text).not.toContain('on leave'); // the reason stays in careloop
    }
    const page = (await get(people.coordinator, `/plans/${planId}?done=handover`)).text;
    expect(page).toContain('The plan has a new plan-holder.');
    expect(page).toMatch(/<dd id="plan-holder">Morgan Manager, Agency county-\w+<\/dd>/);
    expect(page).toMatch(/<strong>Plan-holder changed<\/strong> from Casey Coordinator to Morgan Manager, by Casey Coordinator\.<br><span class="reason">Why: Casey is on leave until March<\/span>/);
    // The new plan-holder is in the care team by the plan; "Remind now" is theirs now.
    expect(await t.db.careTeamMember.count({ where: { participantId, memberKey: `staff:${people.manager.id}`, source: 'plan', removedAt: null } })).toBe(1);
    await request(app).post(`/api/plans/${planId}/versions`).set(bearer(people.manager)).send({ baseVersion: 1, content: planContent(people), reason: 'Check', trigger: 'other', acknowledgementRequired: true });
    expect((await post(people.coordinator, `/plans/${planId}/versions/2/remind`, {})).status).toBe(403);
    expect((await post(people.manager, `/plans/${planId}/versions/2/remind`, {})).status).toBe(303);
  });

  it('records consent with who, when and how (audited, in the history) and withholds what is not consented from people outside the care team: page, exports and the emailed link page', async () => {
    const { planId, participantId } = await createPlanByApi();
    const olly = people.outsider; // a manager at an agency not on the team
    // No consent: outside the care team nothing, word for word the answer for a plan that does not exist.
    const none = await get(olly, `/plans/${planId}`);
    expect(none.status).toBe(404);
    expect(none.text).toContain('No plan with that id.');
    expect((await get(olly, '/plans/no-such-plan')).text).toContain('No plan with that id.');
    expect((await get(olly, `/plans/${planId}/plan.csv`)).status).toBe(404);
    expect((await request(app).get(`/api/plans/${planId}`).set(bearer(olly))).status).toBe(404);

    // Only the plan-holder and coordinators in the team record it.
    expect((await get(people.hospital, `/plans/${planId}/consent`)).status).toBe(403);
    expect((await request(app).post(`/api/plans/${planId}/consent`).set(bearer(people.hospital)).send({ given: true, scope: ['goals'], how: 'phone' })).status).toBe(403);
    const noScope = await post(people.coordinator, `/plans/${planId}/consent`, { given: 'yes', how: 'phone' });
    expect(noScope.status).toBe(400);
    expect(summaryOf(noScope.text)).toEqual(['Tick at least one part of the plan the person agreed to share, or answer No.']);
    expect(noScope.text).toContain('<title>Error: Record consent · careloop</title>');
    const recorded = await post(people.coordinator, `/plans/${planId}/consent`, { given: 'yes', scope: ['goals', 'crisisTriggers'], how: 'phone', note: 'Agreed with her daughter present' });
    expect(recorded.status).toBe(303);
    expect(await t.db.consentRecord.findMany({ where: { participantId } })).toEqual([expect.objectContaining({ given: true, scope: ['goals', 'crisisTriggers'], how: 'phone', recordedById: people.coordinator.id, recordedBy: 'Casey Coordinator', note: 'Agreed with her daughter present' })]);
    expect(await t.db.auditEvent.findFirst({ where: { participantId, action: 'plan.consent-recorded' } })).toMatchObject({ actorId: people.coordinator.id, data: { given: true, scope: ['goals', 'crisisTriggers'], how: 'phone' } });
    const teamPage = (await get(people.coordinator, `/plans/${planId}`)).text;
    expect(teamPage).toContain('The person consented to share their goals and crisis triggers beyond the care team.');
    expect(teamPage).toMatch(/Recorded by Casey Coordinator on [^<]*, by phone\./);
    expect(teamPage).toMatch(/<strong>Consent recorded<\/strong> by Casey Coordinator, by phone: The person consented/);

    // Outside the team: the consented elements only, read and logged as such.
    const shared = await get(olly, `/plans/${planId}`);
    expect(shared.status).toBe(200);
    expect(shared.text).toContain('You are not in this person’s care team.');
    expect(shared.text).toContain('Stay safely at home after discharge');
    expect(shared.text).toContain('Refuses medication two days running');
    for (const withheld of ['Falls at night', 'Night-time check call', 'Medication review', 'Riverside duty line', 'Publish a change', 'id="history"', 'id="acknowledgements"', 'Why:']) expect(shared.text).not.toContain(withheld);
    expect(await t.db.accessLogEntry.count({ where: { staffId: olly.id, participantId, what: 'plan-shared', channel: 'page' } })).toBe(1);
    const json = await get(olly, `/plans/${planId}/plan.json`);
    expect(json.status).toBe(200);
    const exported = JSON.parse(json.text);
    expect(exported).toMatchObject({ goals: [{ goal: 'Stay safely at home after discharge' }], risks: [], serviceContacts: [], actions: [], crisisTriggers: [{ trigger: 'Refuses medication two days running' }], withheld: ['risks', 'serviceContacts', 'controls'] });
    expect(exported.version.reason).toBeUndefined();
    const csv = await get(olly, `/plans/${planId}/plan.csv`);
    expect(csv.text).toContain('Goal,Stay safely at home after discharge');
    expect(csv.text).toContain('Withheld,Risks,Not consented to be shared beyond the care team');
    expect(csv.text).not.toContain('Falls at night');
    // A file for people: a header in words, and the parts consented to by name, not by code.
    expect(csv.text.split('\n')[0]).toBe('Section,Item,Detail,Agency,Person,Phone,Due');
    expect(csv.text).toMatch(/^Consent,Given,Goals; Crisis triggers,/m);
    expect(csv.text).not.toMatch(/crisisTriggers|serviceContacts|hospital_discharge/);
    expect(await t.db.accessLogEntry.count({ where: { staffId: olly.id, participantId, what: 'plan-shared', channel: 'export' } })).toBe(2);
    // The care team's export holds it all.
    expect((await get(people.coordinator, `/plans/${planId}/plan.csv`)).text).toContain('Risk,Falls at night,High');
    const api = await request(app).get(`/api/plans/${planId}`).set(bearer(olly));
    expect(api.body).toMatchObject({ reader: 'shared', currentVersion: { content: { goals: [{ id: 'g1' }], risks: [], controls: [] } }, versions: [] });

    // A link holder who has left the care team: Olly was sent version 2 and then removed from the team.
    const v2 = await request(app)
      .post(`/api/plans/${planId}/versions`)
      .set(bearer(people.coordinator))
      .send({ baseVersion: 1, content: planContent(people, { risks: [{ id: 'r1', description: 'Falls at night', level: 'acute' }], crisisTriggers: ['Refuses medication two days running', 'Stops answering the door'] }), reason: 'Two falls', trigger: 'incident', acknowledgementRequired: true, recipients: [olly.id, people.hospital.id] });
    expect(v2.status).toBe(201);
    const [mail] = await smtp.waitFor((m) => m.to.includes(olly.email) && /please acknowledge version 2/.test(m.subject));
    const link = mail!.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
    const member = await t.db.careTeamMember.findFirstOrThrow({ where: { participantId, memberKey: `staff:${olly.id}`, removedAt: null } });
    expect((await request(app).post(`/api/participants/${participantId}/care-team/${member.id}/remove`).set(bearer(people.coordinator)).send({ reason: 'Olly only covered for a week' })).status).toBe(200);

    // Not signed in: the outline of what they may see, never its words, and no acknowledgement to give.
    const outline = await request(app).get(link);
    expect(outline.status).toBe(200);
    expect(outline.text).toContain('<li>1 crisis trigger added</li>');
    expect(outline.text).not.toContain('risk');
    expect(outline.text).not.toContain('Stops answering the door');
    expect(outline.text).not.toContain('I have read this change');
    expect(outline.text).toContain(`href="/signin?next=${encodeURIComponent(`/plans/${planId}/diff?from=1&to=2`)}"`);
    // Signed in: the consented changes in words, nothing else.
    const full = await (await signedIn(olly)).agent.get(link);
    expect(full.text).toContain('Crisis trigger added: &quot;Stops answering the door&quot;');
    expect(full.text).not.toContain('Falls at night');
    expect(full.text).not.toContain('Two falls');
    const diff = await get(olly, `/plans/${planId}/diff?from=1&to=2`);
    expect(diff.text).toContain('Crisis trigger added');
    expect(diff.text).not.toContain('Falls at night');
    // Someone in the team sees the whole change on the link page once signed in.
    const [wrenMail] = await smtp.waitFor((m) => m.to.includes(people.hospital.email) && /please acknowledge version 2/.test(m.subject) && m.parsed.headers.get('x-careloop-workflow') === planChangeWorkflowId(planId, 2));
    const wrenLink = wrenMail!.text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
    const wrenFull = await (await signedIn(people.hospital)).agent.get(wrenLink);
    expect(wrenFull.text).toContain('Risk &quot;Falls at night&quot;: level raised from high to acute');
    expect(wrenFull.text).toContain('<strong>Why:</strong> Two falls');

    // Consent withdrawn: nothing again, on every door.
    expect((await post(people.coordinator, `/plans/${planId}/consent`, { given: 'no', scope: ['goals'], how: 'in person' })).status).toBe(303);
    expect(await t.db.consentRecord.count({ where: { participantId } })).toBe(2);
    expect((await t.db.consentRecord.findFirstOrThrow({ where: { participantId }, orderBy: { at: 'desc' } })).scope).toEqual([]);
    expect((await get(olly, `/plans/${planId}`)).status).toBe(404);
    expect((await get(olly, `/plans/${planId}/plan.json`)).status).toBe(404);
    const gone = await request(app).get(link).set('Accept', 'text/html');
    expect(gone.status).toBe(404);
    expect(gone.text).toContain('This link is not valid.');
    expect((await get(people.coordinator, `/plans/${planId}`)).text).toContain('The person has not consented to share their plan beyond the care team: nothing is shared.');
  });
});
