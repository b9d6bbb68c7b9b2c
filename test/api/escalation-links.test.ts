// An escalation worked by its emailed links alone, on the real app with real PostgreSQL, the
// time-skipping Temporal server, careloop's worker and a real SMTP listener: a chair with no API
// token takes it from raise to resolved through the chair's link (each step its own form, the
// link spent only by the outcome), confirms the outcome in one click once the cause has ended,
// and a responder's link shows where it stands without what was written, and cannot act.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ESCALATION_TOKEN_PURPOSE, ESCALATION_VIEW_TOKEN_PURPOSE } from '../../domain/tokens';
import type { StaffRef } from '../../domain/sprint';
import { planSprint, resolveTiming } from '../../domain/sprint-input';
import { sprintWorkflowId } from '../../domain/sprint';
import { hashToken } from '../../runtime/secrets';
import { escalationStateQuery, sprintWorkflow, cancelSprintUpdate } from '../../workflows';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { createAgency, createStaff } from '../support/app';
import { createParticipant, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { csrfFrom } from '../support/html';
import { startRealStack, type RealStack } from '../support/stack';

const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });

/** The text a rendered textarea holds, as a browser would submit it. */
function textareaValue(page: string, name: string): string {
  const m = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(page);
  if (!m) throw new Error(`no textarea ${name} on the page`);
  return m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('an escalation by its emailed links alone (real Temporal, PostgreSQL and SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  /** An agency of its own: its first coordinator chairs moderate escalations and has no API token. */
  let chair: StaffRef;
  let responder: StaffRef;
  let manager: StaffRef;
  let raiser: StaffRef & { token: string };

  beforeAll(async () => {
    stack = await startRealStack({ name: 'escalation-links' });
    ({ env, t, smtp, people, app } = stack);
    const tag = randomUUID().slice(0, 8);
    const agency = await createAgency(t.db, `links-${tag}`);
    // Created in this order: the longest-serving coordinator chairs, the next responds.
    const tokenless = async (email: string, name: string, roles: ('coordinator' | 'manager')[]) => {
      const s = await t.db.staff.create({ data: { email: `${email}.${tag}@care.test`, name, roles, agencyId: agency.id } });
      return { id: s.id, name: s.name, email: s.email, agencyId: s.agencyId };
    };
    chair = await tokenless('cleo', 'Cleo Chair', ['coordinator']);
    responder = await tokenless('remy', 'Remy Responder', ['coordinator']);
    manager = await tokenless('mara', 'Mara Manager', ['manager']);
    const made = await createStaff(t.db, { email: `sam.${tag}@care.test`, name: 'Sam Support', roles: ['staff'], agencyId: agency.id });
    raiser = { id: made.staff.id, name: made.staff.name, email: made.staff.email, agencyId: made.staff.agencyId, token: made.token };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Raised through the API by a member of the chair's agency, who does not chair it. */
  async function raise(over: Record<string, unknown> = {}) {
    const participant = await createParticipant(t.db, [chair.agencyId]);
    const res = await request(app)
      .post('/api/escalations')
      .set(bearer(raiser))
      .send({ participantLocalRef: participant.localRef, riskLevel: 'moderate', trigger: 'Two missed home care visits', description: 'Carer did not attend on Tuesday or Wednesday', ...over });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.escalationId as string, localRef: participant.localRef };
  }

  /**
   * The link an email to `to` carries for this escalation: an email may list several escalations,
   * each with its own link, so each link is matched to its token's escalation by hash. The
   * newest such link that still works, other than `besides`.
   */
  async function emailedLink(escalationId: string, to: StaffRef, purpose: typeof ESCALATION_TOKEN_PURPOSE | typeof ESCALATION_VIEW_TOKEN_PURPOSE, opts: { besides?: string } = {}): Promise<{ path: string; mail: string }> {
    let found: { path: string; mail: string } | undefined;
    await expect
      .poll(
        async () => {
          const links = smtp.messages.filter((m) => m.to.includes(to.email)).flatMap((m) => [...m.text.matchAll(/http:\/\/careloop\.test(\/a\/([\w-]+))/g)].map((l) => ({ path: l[1]!, token: l[2]!, mail: m.text })));
          const byHash = new Map(links.filter((l) => l.path !== opts.besides).map((l) => [hashToken(l.token), l]));
          const row = await t.db.actionToken.findFirst({ where: { tokenHash: { in: [...byHash.keys()] }, workflowId: escalationId, purpose, usedAt: null, revokedAt: null }, orderBy: { createdAt: 'desc' } });
          found = row ? byHash.get(row.tokenHash) : undefined;
          return found;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBeDefined();
    return found!;
  }

  const stateOf = (id: string) => env.client.workflow.getHandle(id).query(escalationStateQuery);
  const tokenRowOf = (path: string) => t.db.actionToken.findUniqueOrThrow({ where: { tokenHash: hashToken(path.slice('/a/'.length)) } });

  it('takes a moderate escalation from raise to resolved by the chair’s link alone, each step its own form, the link spent by the outcome', async () => {
    expect((await t.db.staff.findUniqueOrThrow({ where: { id: chair.id } })).apiTokenHash).toBeNull();
    const { id, localRef } = await raise();
    const { path: link, mail } = await emailedLink(id, chair, ESCALATION_TOKEN_PURPOSE);
    expect(mail).not.toContain('/api/');
    const agent = request.agent(app);

    // GET shows the escalation and its one next step, and changes nothing (mail scanners open links).
    const first = await agent.get(link);
    expect(first.status).toBe(200);
    for (const words of [localRef, 'Two missed home care visits', 'Moderate risk</span> Review within 24-72 hours', 'Cleo Chair (you)', 'Waiting for you to take ownership', 'Take ownership by', 'Record the response by', 'Carer did not attend on Tuesday or Wednesday', 'I take ownership']) expect(first.text).toContain(words);
    expect(first.text).not.toMatch(/>\s*(open|acknowledged|responded|resolved)\s*</);
    expect((await agent.get(link)).status).toBe(200);
    expect((await stateOf(id)).status).toBe('open');

    // Without the page's CSRF field nothing happens.
    expect((await agent.post(link).type('form').send({ action: 'acknowledge' })).status).toBe(403);
    expect((await stateOf(id)).status).toBe('open');

    // Step 1: take ownership. The link stays usable, and the answer leads to the next step.
    const acked = await agent.post(link).type('form').send({ _csrf: csrfFrom(first.text), action: 'acknowledge' });
    expect(acked.status).toBe(200);
    expect(acked.text).toContain('You have taken ownership');
    expect(acked.text).toContain(`href="${link}?step=respond#next-step"`);
    expect(acked.text).toContain('Record the response action');
    expect(await stateOf(id)).toMatchObject({ status: 'acknowledged', acknowledgement: { by: { staffId: chair.id, channel: 'link' }, onTime: true } });
    expect((await tokenRowOf(link)).usedAt).toBeNull();
    // A second click is answered from the record, not with an error.
    const again = await agent.post(link).type('form').send({ _csrf: csrfFrom(first.text), action: 'acknowledge' });
    expect(again.status).toBe(200);
    expect(again.text).toContain('Already acknowledged by Cleo Chair');

    // Step 2: the response action, required; a refusal keeps what was typed beside its message.
    const second = await agent.get(link);
    expect(second.text).toContain('Record the response action');
    expect(second.text).toContain('name="responseAction"');
    expect(second.text).not.toContain('I take ownership');
    const empty = await agent.post(link).type('form').send({ _csrf: csrfFrom(second.text), action: 'respond', responseAction: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('There is a problem');
    expect(empty.text).toContain('<a href="#responseAction">Enter the response action</a>');
    expect(empty.text).toMatch(/id="responseAction-error">Enter the response action</);
    const long = 'Called the agency. '.repeat(120);
    const tooLong = await agent.post(link).type('form').send({ _csrf: csrfFrom(second.text), action: 'respond', responseAction: long });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('The response action must be 2000 characters or fewer');
    expect(textareaValue(tooLong.text, 'responseAction')).toBe(long);
    expect((await stateOf(id)).status).toBe('acknowledged');
    const responded = await agent.post(link).type('form').send({ _csrf: csrfFrom(second.text), action: 'respond', responseAction: 'Joint visit with home care booked for tomorrow 10:00' });
    expect(responded.status).toBe(200);
    expect(responded.text).toContain('Response action recorded');
    expect(responded.text).toContain('Record the outcome');
    expect(await stateOf(id)).toMatchObject({ status: 'responded', response: { action: 'Joint visit with home care booked for tomorrow 10:00', by: { staffId: chair.id, channel: 'link' } } });
    expect((await tokenRowOf(link)).usedAt).toBeNull();

    // Step 3: the outcome, required; it resolves the escalation and spends the link.
    const third = await agent.get(link);
    expect(third.text).toContain('Record the outcome and resolve');
    expect(third.text).toContain('Joint visit with home care booked for tomorrow 10:00');
    const noOutcome = await agent.post(link).type('form').send({ _csrf: csrfFrom(third.text), action: 'resolve', outcome: '' });
    expect(noOutcome.status).toBe(400);
    expect(noOutcome.text).toContain('<a href="#outcome">Enter the outcome</a>');
    expect((await tokenRowOf(link)).usedAt).toBeNull();
    const resolved = await agent.post(link).type('form').send({ _csrf: csrfFrom(third.text), action: 'resolve', outcome: 'Visits back on schedule; family reassured' });
    expect(resolved.status).toBe(200);
    expect(resolved.text).toContain('Escalation resolved');
    expect(resolved.text).toContain('This link has now been used');
    expect(await stateOf(id)).toMatchObject({ status: 'resolved', resolvedBy: 'chair', outcome: { outcome: 'Visits back on schedule; family reassured', by: { staffId: chair.id, channel: 'link' } } });
    expect((await tokenRowOf(link)).usedAt).not.toBeNull();
    await env.client.workflow.getHandle(id).result();
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'resolved', resolvedBy: 'chair', responseAction: 'Joint visit with home care booked for tomorrow 10:00', outcome: 'Visits back on schedule; family reassured' });

    // Spent: a further POST is a 410 in words; a GET shows what was recorded, by whom and when.
    const spent = await agent.post(link).type('form').send({ _csrf: csrfFrom(third.text), action: 'resolve', outcome: 'again' });
    expect(spent.status).toBe(410);
    expect(spent.text).toContain('This link has already been used.');
    expect(spent.text).toContain('The escalation is already resolved.');
    const record = await agent.get(link);
    expect(record.status).toBe(200);
    for (const words of ['Resolved: Cleo Chair recorded the outcome', 'Outcome recorded by Cleo Chair', 'Visits back on schedule; family reassured', 'by the emailed link', 'on time']) expect(record.text).toContain(words);
    expect(record.text).not.toContain('<textarea');
    expect((await stateOf(id)).outcome?.outcome).toBe('Visits back on schedule; family reassured');
  });

  it('gives a responder a read-only link: where it stands and who did what, none of the words written, and no way to act', async () => {
    const { id, localRef } = await raise({ description: 'Neighbour reports a fall on the stairs' });
    const chairLink = (await emailedLink(id, chair, ESCALATION_TOKEN_PURPOSE)).path;
    const { path: view, mail } = await emailedLink(id, responder, ESCALATION_VIEW_TOKEN_PURPOSE);
    expect(mail).not.toContain('/api/');
    const chairAgent = request.agent(app);
    const ack = await chairAgent.get(chairLink);
    await chairAgent.post(chairLink).type('form').send({ _csrf: csrfFrom(ack.text), action: 'acknowledge' });
    const respond = await chairAgent.get(chairLink);
    await chairAgent.post(chairLink).type('form').send({ _csrf: csrfFrom(respond.text), action: 'respond', responseAction: 'GP home visit arranged for the fall' });

    const agent = request.agent(app);
    const page = await agent.get(view);
    expect(page.status).toBe(200);
    for (const words of [localRef, 'Two missed home care visits', 'Moderate risk', 'Cleo Chair', 'Waiting for the outcome', 'Ownership taken by Cleo Chair', 'Response action recorded by Cleo Chair', 'on time', 'changes nothing']) expect(page.text).toContain(words);
    expect(page.text).not.toContain('Neighbour reports a fall');
    expect(page.text).not.toContain('GP home visit');
    expect(page.text).not.toContain('<form');
    expect(page.text).not.toContain('/api/');

    // A POST with a valid CSRF pair (from another careloop form) is still refused, in words.
    const signin = await agent.get('/signin');
    const tried = await agent.post(view).type('form').send({ _csrf: csrfFrom(signin.text), action: 'acknowledge' });
    expect(tried.status).toBe(400);
    expect(tried.text).toContain('This link only shows the escalation');
    expect((await stateOf(id)).status).toBe('responded');
    expect((await tokenRowOf(view)).usedAt).toBeNull();

    // Never spent by reading; it stops working once the escalation is resolved.
    expect((await agent.get(view)).status).toBe(200);
    const close = await chairAgent.get(chairLink);
    expect((await chairAgent.post(chairLink).type('form').send({ _csrf: csrfFrom(close.text), action: 'resolve', outcome: 'Seen by GP; no injury' })).status).toBe(200);
    await env.client.workflow.getHandle(id).result();
    const after = await agent.get(view).set('Accept', 'text/html');
    expect(after.status).toBe(410);
    expect(after.text).toContain('This link no longer works: the escalation has been resolved.');
    expect(after.text).not.toContain('Seen by GP');
  });

  it('stops the old chair’s link when the escalation moves up to another chair; the new chair’s link works', async () => {
    const { id } = await raise({ timing: { moderate: { acknowledgeWithin: 'PT1M', respondWithin: 'PT2M' } } });
    const { path: old } = await emailedLink(id, chair, ESCALATION_TOKEN_PURPOSE);
    const agent = request.agent(app);
    const before = await agent.get(old);
    expect(before.text).toContain('I take ownership');

    await env.sleep('90 seconds');
    await expect.poll(async () => (await stateOf(id)).tier, { timeout: 30_000 }).toBe('high');
    expect((await stateOf(id)).chair.id).toBe(manager.id);

    const gone = await agent.get(old).set('Accept', 'text/html');
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('This link no longer works: the escalation has moved to another chair or been resolved.');
    const tried = await agent.post(old).type('form').send({ _csrf: csrfFrom(before.text), action: 'acknowledge' });
    expect(tried.status).toBe(410);
    expect((await stateOf(id)).status).toBe('open');

    const { path: fresh } = await emailedLink(id, manager, ESCALATION_TOKEN_PURPOSE);
    const page = await request(app).get(fresh);
    expect(page.status).toBe(200);
    expect(page.text).toContain('High risk</span> Same-day multi-agency huddle');
    expect(page.text).toContain('moved up from moderate risk');
    expect(page.text).toContain('Moved up to high risk: nobody took ownership in time. Mara Manager chairs.');
    expect(page.text).toContain('I take ownership');
  });

  it('asks only to confirm the outcome, in one click, once the cause has ended (an overdue sprint task done late)', async () => {
    const participant = await createParticipant(t.db, [chair.agencyId, ...new Set(Object.values(ownersByDay(people)).map((o) => o.agencyId))]);
    const timing = resolveTiming({ dueOffsets: { '0': 60_000, '1': 3600_000, '2-3': 7200_000 }, reminderLead: 30_000 });
    if ('problem' in timing) throw new Error(timing.problem.message);
    const dischargeAt = new Date(await env.currentTimeMs());
    const input = planSprint({
      sprintId: sprintWorkflowId(participant.id, dischargeAt),
      participant: { id: participant.id, localRef: participant.localRef, displayName: participant.displayName },
      coordinator: chair,
      requestedBy: chair,
      dischargeAt,
      owners: ownersByDay(people),
      timing,
    });
    const sprint = await env.client.workflow.start(sprintWorkflow, { taskQueue: stack.taskQueue, workflowId: input.sprintId, args: [input] });
    await env.sleep('2 minutes');
    const id = `escalation-${input.sprintId}-medication-reconciled`;
    await expect.poll(async () => (await stateOf(id).catch(() => undefined))?.status, { timeout: 30_000 }).toBe('open');
    const { path: link } = await emailedLink(id, chair, ESCALATION_TOKEN_PURPOSE);

    // The owner does the task, late: the sprint tells the escalation its cause has ended.
    const done = await request(app).post(`/api/sprints/${input.sprintId}/tasks/medication-reconciled/complete`).set(bearer(people.hospital)).send({ note: 'Reconciled with the GP list' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    await expect.poll(async () => (await stateOf(id)).causeResolvedAt, { timeout: 30_000 }).toBeDefined();
    const { causeResolvedReason } = await stateOf(id);

    // The chair is told, with a link of its own; the first email's link leads to the same step.
    const { path: confirmLink } = await emailedLink(id, chair, ESCALATION_TOKEN_PURPOSE, { besides: link });
    const agent = request.agent(app);
    expect((await agent.get(link)).text).toContain('Confirm the outcome');
    const page = await agent.get(confirmLink);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Its cause has ended');
    expect(page.text).toContain('Confirm the outcome');
    expect(page.text).not.toContain('I take ownership');
    expect(textareaValue(page.text, 'outcome')).toBe(`Cause resolved: ${causeResolvedReason}`);
    // One click: the form as it came, straight from open to resolved.
    const confirmed = await agent.post(confirmLink).type('form').send({ _csrf: csrfFrom(page.text), action: 'resolve', outcome: textareaValue(page.text, 'outcome') });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Escalation resolved');
    expect(await stateOf(id)).toMatchObject({ status: 'resolved', resolvedBy: 'chair', outcome: { outcome: `Cause resolved: ${causeResolvedReason}`, by: { staffId: chair.id, channel: 'link' } } });
    expect((await tokenRowOf(confirmLink)).usedAt).not.toBeNull();

    await sprint.executeUpdate(cancelSprintUpdate, { args: [{ actor: { staffId: chair.id, name: chair.name, channel: 'api' }, reason: 'test done' }] });
    await sprint.result();
  });
});
