// Inter-agency disputes through the JSON API and emailed links, on the time-skipping Temporal
// server with careloop's worker, real PostgreSQL and a real SMTP listener: resolved at stage 1 by
// link, escalated by its own deadlines to stage 2 and to a binding stage-3 decision naming who
// carries the step on, declined and counter-proposed, the interim owner's progress, and withdrawn.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { disputeStateQuery, disputeWorkflow } from '../../workflows';
import { DISPUTE_AGREEMENT, type DisputeState } from '../../domain/dispute';
import type { StaffRef } from '../../domain/sprint';
import { CareloopAgencies, CareloopParticipant, CareloopProcess, CareloopStatus } from '../../domain/search-attributes';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import type { SprintPeople } from '../support/sprint-fixture';
import { createParticipant } from '../support/sprint-fixture';
import { createStaff } from '../support/app';
import { csrfFrom } from '../support/html';
import { startRealStack, type RealStack } from '../support/stack';

type Person = StaffRef & { token: string };
const bearer = (p: { token: string }) => ({ Authorization: `Bearer ${p.token}` });

describe('inter-agency disputes (real Temporal, PostgreSQL, SMTP)', () => {
  let stack: RealStack;
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let hospitalManager: Person;
  let homecareManager: Person;
  let governance: Person;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'disputes' });
    ({ env, t, smtp, people, app } = stack);
    const make = async (name: string, roles: ('manager' | 'admin')[], agencyId: string): Promise<Person> => {
      const { staff, token } = await createStaff(t.db, { email: `${name.toLowerCase().replace(' ', '.')}.${Date.now()}@care.test`, name, roles, agencyId });
      return { id: staff.id, name: staff.name, email: staff.email, agencyId: staff.agencyId, token };
    };
    hospitalManager = await make('Hana Manager', ['manager'], people.hospital.agencyId);
    homecareManager = await make('Hugo Manager', ['manager'], people.homecare.agencyId);
    governance = await make('Gale Governance', ['admin'], people.coordinator.agencyId);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The hospital disputes home care's responsibility for the first visit; home care carries it meanwhile. */
  async function raise(over: Record<string, unknown> = {}) {
    const participant = await createParticipant(t.db, [people.hospital.agencyId, people.homecare.agencyId]);
    const res = await request(app)
      .post('/api/disputes')
      .set(bearer(people.hospital))
      .send({
        participantId: participant.id,
        subject: 'Who arranges the first home visit',
        description: 'Home care says the ward should arrange the first visit; the ward says it is home care.',
        outcomeSought: 'Home care arranges and confirms the first visit.',
        step: 'First visit confirmed',
        interimOwnerId: people.homecare.id,
        respondentAgencyIds: [people.homecare.agencyId],
        ...over,
      });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.disputeId as string;
  }
  const state = (id: string) => env.client.workflow.getHandle(id).query(disputeStateQuery);
  async function until(id: string, holds: (s: DisputeState) => boolean): Promise<DisputeState> {
    for (let i = 0; i < 200; i += 1) {
      const s = await state(id);
      if (holds(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`dispute ${id} never reached the expected state: ${JSON.stringify(await state(id))}`);
  }
  /** Lets the test server's clock run just past the current stage's deadline. */
  async function passDeadline(id: string, stage: number) {
    const s = await until(id, (x) => x.stages.length === stage);
    await env.sleep(Date.parse(s.stages[stage - 1]!.dueAt) - (await env.currentTimeMs()) + 60_000);
    return until(id, (x) => x.stages.length === stage + 1 || x.status !== 'open');
  }
  /**
   * The interim owner records the step done, so no missed progress raises an escalation while the
   * test server's clock runs through the stages: one left behind, resolving itself after its
   * dispute has closed, would hold the clock of a later test.
   */
  const stepDone = async (id: string) => {
    await until(id, (s) => s.stages.length === 1);
    const res = await request(app).post(`/api/disputes/${id}/progress`).set(bearer(people.homecare)).send({ note: 'First visit took place.', done: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.interimStep).toMatchObject({ status: 'done', progress: [{ note: 'First visit took place.', done: true, channel: 'api' }] });
  };
  const mailTo = async (id: string, to: string, subject: RegExp) =>
    (await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && m.to.includes(to) && subject.test(m.subject)))[0]!;
  const linkIn = (text: string) => text.match(/http:\/\/careloop\.test(\/a\/cla_[\w-]+)/)![1]!;
  const audit = (id: string) => t.db.auditEvent.findMany({ where: { workflowId: id, process: 'dispute' }, orderBy: { seq: 'asc' } });

  it('is resolved at stage 1 when every party accepts one proposal, through the API and emailed links', async () => {
    const id = await raise();
    const s1 = await until(id, (s) => s.stages.length === 1);
    expect(s1).toMatchObject({ status: 'open', stage: 1, interimOwner: { id: people.homecare.id }, partyAgencyIds: [people.hospital.agencyId, people.homecare.agencyId], agreementVersion: 'working-agreement-1' });
    expect(s1.stages[0]!.representatives.map((r) => r.id).sort()).toEqual([people.hospital.id, people.homecare.id].sort());
    // Two working days, ending at 17:00 London time.
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(s1.stages[0]!.dueAt))).toBe('17:00');
    await mailTo(id, people.homecare.email, /interim owner/);

    // Home care states its position by link: GET shows and changes nothing, POST records.
    const stageMail = await mailTo(id, people.homecare.email, /stage 1/);
    const agent = request.agent(app);
    const desk = await agent.get(linkIn(stageMail.text));
    expect(desk.status).toBe(200);
    expect(desk.text).toContain('Who arranges the first home visit');
    // Each step is a page of its own on the same link.
    const view = await agent.get(`${linkIn(stageMail.text)}?do=position`);
    expect(view.text).toContain('Your agency’s position');
    expect((await state(id)).positions).toHaveLength(0);
    const empty = await agent.post(linkIn(stageMail.text)).type('form').send({ _csrf: csrfFrom(view.text), action: 'position', statement: '  ' });
    expect(empty.status).toBe(400);
    const stated = await agent.post(linkIn(stageMail.text)).type('form').send({ _csrf: csrfFrom(view.text), action: 'position', statement: 'The ward books first visits under the discharge protocol.' });
    expect(stated.status).toBe(200);
    // The party's link carries every party step until the dispute closes: it is not spent.
    const again = await agent.get(linkIn(stageMail.text)).set('Accept', 'text/html');
    expect(again.status).toBe(200);
    expect(again.text).toContain('The ward books first visits under the discharge protocol.');

    const pos = await request(app).post(`/api/disputes/${id}/positions`).set(bearer(people.hospital)).send({ statement: 'Home care holds the package and books visits.' });
    expect(pos.status).toBe(200);
    expect(pos.body.positions.map((p: { channel: string; agencyId: string }) => [p.agencyId, p.channel])).toEqual([
      [people.homecare.agencyId, 'link'],
      [people.hospital.agencyId, 'api'],
    ]);

    const proposed = await request(app).post(`/api/disputes/${id}/proposals`).set(bearer(people.hospital)).send({ terms: 'Home care books the first visit; the ward sends the summary by noon.' });
    expect(proposed.status).toBe(200);
    expect(proposed.body.proposals[0]).toMatchObject({ id: 'p1', acceptances: [{ agencyId: people.hospital.agencyId }] });
    expect((await request(app).post(`/api/disputes/${id}/accept`).set(bearer(people.homecare)).send({ proposalId: 'p9' })).status).toBe(404);

    // Home care accepts by the link in the proposal email.
    const proposalMail = await mailTo(id, people.homecare.email, /resolution is proposed/);
    expect((await agent.get(linkIn(proposalMail.text))).text).toContain('ward sends the summary by noon');
    const acceptView = await agent.get(`${linkIn(proposalMail.text)}?do=accept&proposal=p1`);
    expect(acceptView.text).toContain('Accept for my agency');
    const accepted = await agent.post(linkIn(proposalMail.text)).type('form').send({ _csrf: csrfFrom(acceptView.text), action: 'accept', proposalId: 'p1' });
    expect(accepted.status).toBe(200);
    expect(accepted.text).toContain('the dispute is resolved');

    const result = await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    expect(result.status).toBe('resolved');
    expect(result.outcome).toMatchObject({ status: 'resolved', stageReached: 1, proposalId: 'p1', workingDaysToClose: 0 });
    expect(await t.db.dispute.findUnique({ where: { id } })).toMatchObject({ status: 'resolved', stage: 1, proposalId: 'p1', interimOwnerId: people.homecare.id, workingDaysToClose: 0, agreementVersion: 'working-agreement-1' });
    expect(result.outcome!.msToClose).toBeGreaterThanOrEqual(0);
    const actions = (await audit(id)).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('dispute.'))).toEqual(['dispute.raised', 'dispute.stage-started', 'dispute.position-stated', 'dispute.position-stated', 'dispute.resolution-proposed', 'dispute.proposal-accepted', 'dispute.resolved']);
    const closing = (await audit(id)).find((e) => e.action === 'dispute.resolved')!;
    expect(closing.data).toMatchObject({ stageReached: 1, proposalId: 'p1', terms: 'Home care books the first visit; the ward sends the summary by noon.' });
    // Closed: nothing more is recorded.
    expect((await request(app).post(`/api/disputes/${id}/positions`).set(bearer(people.hospital)).send({ statement: 'late' })).status).toBe(409);
  });

  it('moves to the service managers when stage 1 passes its deadline, and is resolved there', async () => {
    const id = await raise();
    await stepDone(id);
    const s2 = await passDeadline(id, 1);
    expect(s2).toMatchObject({ stage: 2, status: 'open' });
    expect(s2.stages[0]!.deadlinePassed).toBe(true);
    expect(s2.stages[1]!.representatives.map((r) => r.id).sort()).toEqual([hospitalManager.id, homecareManager.id].sort());
    // Five working days after the escalation, at the close of the day.
    expect(Date.parse(s2.stages[1]!.dueAt) - Date.parse(s2.stages[1]!.startedAt)).toBeGreaterThanOrEqual(5 * 86_400_000);
    await mailTo(id, homecareManager.email, /stage 2, service managers/);

    const proposed = await request(app).post(`/api/disputes/${id}/proposals`).set(bearer(homecareManager)).send({ terms: 'Joint visit on day 1, then home care leads.' });
    expect(proposed.status).toBe(200);
    const accepted = await request(app).post(`/api/disputes/${id}/accept`).set(bearer(hospitalManager)).send({ proposalId: 'p1' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('resolved');

    const result = await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    expect(result.outcome).toMatchObject({ status: 'resolved', stageReached: 2 });
    expect(result.outcome!.workingDaysToClose).toBeGreaterThanOrEqual(2);
    const actions = (await audit(id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['dispute.stage-deadline-passed', 'dispute.stage-escalated', 'dispute.proposal-accepted', 'dispute.resolved']));
  });

  it('reaches partnership governance at stage 3, whose decision binds', async () => {
    const id = await raise();
    // Governance decides only at stage 3, and only governance decides.
    expect((await request(app).post(`/api/disputes/${id}/decide`).set(bearer(governance)).send({ decision: 'early', rationale: 'too soon' })).status).toBe(409);
    await stepDone(id);
    await passDeadline(id, 1);
    const s3 = await passDeadline(id, 2);
    expect(s3).toMatchObject({ stage: 3, status: 'open' });
    expect(s3.stages[2]!.representatives.map((r) => r.id)).toEqual([governance.id]);
    await mailTo(id, governance.email, /stage 3, partnership governance decision/);

    expect((await request(app).post(`/api/disputes/${id}/decide`).set(bearer(hospitalManager)).send({ decision: 'x', rationale: 'y' })).status).toBe(403);
    const missing = await request(app).post(`/api/disputes/${id}/decide`).set(bearer(governance)).send({ decision: 'Home care arranges the first visit.' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['rationale']);
    const stranger = await request(app).post(`/api/disputes/${id}/decide`).set(bearer(governance)).send({ decision: 'x', rationale: 'y', carriesOnId: people.outsider.id });
    expect(stranger.body.error.fields).toEqual([{ field: 'carriesOnId', message: 'must be an active staff member of one of the agencies in the dispute' }]);
    const decided = await request(app)
      .post(`/api/disputes/${id}/decide`)
      .set(bearer(governance))
      .send({ decision: 'Home care arranges the first visit.', rationale: 'The package of care includes it.', carriesOnId: homecareManager.id });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'decided', decision: { by: { id: governance.id }, binding: true, carriesOn: { id: homecareManager.id } } });

    const result = await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    expect(result.outcome).toMatchObject({ status: 'decided', stageReached: 3, carriesOn: { id: homecareManager.id } });
    // The interim owner and the person who carries the step on are told.
    expect((await mailTo(id, people.homecare.email, /dispute decided/)).text).toContain(`${homecareManager.name} carries "First visit confirmed" on from here; you no longer hold it as interim owner.`);
    expect((await mailTo(id, homecareManager.email, /dispute decided/)).text).toContain('You carry "First visit confirmed" on from here.');
    const row = await t.db.dispute.findUnique({ where: { id } });
    expect(row).toMatchObject({ status: 'decided', stage: 3, proposalId: null });
    expect(row!.secondsToClose).toBe(Math.round(result.outcome!.msToClose / 1000));
    expect(row!.stages).toHaveLength(3);
    const events = await audit(id);
    expect(events.filter((e) => e.action === 'dispute.stage-escalated')).toHaveLength(2);
    expect(events.find((e) => e.action === 'dispute.decision-recorded')).toMatchObject({ actorId: governance.id, reason: 'The package of care includes it.' });
    expect(events.find((e) => e.action === 'dispute.decided')!.data).toMatchObject({ stageReached: 3, decision: 'Home care arranges the first visit.', decidedBy: governance.id });
  });

  it('declines with a reason and counter-proposes through the API; only the interim owner records progress; the list names it', async () => {
    const id = await raise();
    await until(id, (s) => s.stages.length === 1);
    const api = (path: string, who: Person | SprintPeople['hospital'], body: object) => request(app).post(`/api/disputes/${id}/${path}`).set(bearer(who)).send(body);
    expect((await api('proposals', people.hospital, { terms: 'Home care books the first visit.' })).status).toBe(200);
    expect((await api('decline', people.hospital, { proposalId: 'p1', reason: 'x' })).status).toBe(409);
    expect((await api('decline', people.homecare, { proposalId: 'p1' })).body.error.fields).toEqual([{ field: 'reason', message: 'is required: why your agency declines it' }]);
    expect((await api('decline', people.homecare, { proposalId: 'p7', reason: 'x' })).status).toBe(404);
    const declined = await api('decline', people.homecare, { proposalId: 'p1', reason: 'Visits are not in our package.' });
    expect(declined.status).toBe(200);
    expect(declined.body.proposals[0].declines).toEqual([expect.objectContaining({ agencyId: people.homecare.agencyId, reason: 'Visits are not in our package.', channel: 'api' })]);
    // The proposer hears of it, with a link that carries every party step.
    const told = await mailTo(id, people.hospital.email, /proposal p1 was declined/);
    expect(told.text).toMatch(/declined proposal p1/);
    expect(linkIn(told.text)).toBeTruthy();

    const countered = await api('counter', people.homecare, { proposalId: 'p1', terms: 'A joint visit on day 1, then home care.', carriesOnId: homecareManager.id });
    expect(countered.status).toBe(200);
    expect(countered.body.proposals[1]).toMatchObject({ id: 'p2', answers: 'p1', carriesOn: { id: homecareManager.id } });
    expect((await mailTo(id, people.hospital.email, /counter-proposal is proposed/)).text).toContain('answering p1');

    expect((await api('progress', people.hospital, { note: 'not mine' })).status).toBe(403);
    const progress = await api('progress', people.homecare, { note: 'Visit booked for Tuesday.' });
    expect(progress.status).toBe(200);
    expect(progress.body.interimStep.progress).toEqual([expect.objectContaining({ note: 'Visit booked for Tuesday.', channel: 'api' })]);

    const listed = await request(app).get('/api/disputes').set(bearer(people.homecare));
    expect(listed.body.disputes.find((d: { id: string }) => d.id === id)).toMatchObject({ status: 'open', stage: 1, role: 'interim-owner', subject: 'Who arranges the first home visit', links: { page: `/disputes/${id}` } });
    expect((await request(app).get('/api/disputes').set(bearer(people.outsider))).body.disputes.map((d: { id: string }) => d.id)).not.toContain(id);

    const accepted = await api('accept', people.hospital, { proposalId: 'p2' });
    expect(accepted.body.status).toBe('resolved');
    const result = await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    expect(result.outcome).toMatchObject({ status: 'resolved', proposalId: 'p2', carriesOn: { id: homecareManager.id } });
    expect((await audit(id)).map((e) => e.action)).toEqual(expect.arrayContaining(['dispute.proposal-declined', 'dispute.counter-proposed', 'dispute.interim-progress', 'dispute.resolved']));
  });

  it('can be withdrawn by the raiser, and by no one else', async () => {
    const id = await raise();
    await until(id, (s) => s.stages.length === 1);
    expect((await request(app).post(`/api/disputes/${id}/withdraw`).set(bearer(people.homecare)).send({ reason: 'not mine to withdraw' })).status).toBe(403);
    const withdrawn = await request(app).post(`/api/disputes/${id}/withdraw`).set(bearer(people.hospital)).send({ reason: 'Agreed informally at the huddle.' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawal: { by: { id: people.hospital.id } } });
    const result = await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result();
    expect(result.outcome).toMatchObject({ status: 'withdrawn', stageReached: 1 });
    // Managers' lists come from visibility: the process, participant, status and agencies are searchable.
    const attrs = (await env.client.workflow.getHandle(id).describe()).typedSearchAttributes;
    expect([attrs.get(CareloopProcess), attrs.get(CareloopStatus), attrs.get(CareloopParticipant)]).toEqual(['dispute', 'withdrawn', result.participant.id]);
    expect(attrs.get(CareloopAgencies)).toEqual([people.hospital.agencyId, people.homecare.agencyId]);
    expect((await audit(id)).map((e) => e.action)).toContain('dispute.withdrawn');
    // Its links stop working once it has closed: opened, one shows the outcome; used, it is refused.
    const stageMail = await mailTo(id, people.homecare.email, /stage 1/);
    const closedView = await request(app).get(linkIn(stageMail.text)).set('Accept', 'text/html');
    expect(closedView.status).toBe(200);
    expect(closedView.text).toContain('This link no longer records anything');
    expect(closedView.text).toContain('Agreed informally at the huddle.');
  });

  it('refuses a dispute without an interim owner, and bad fields one by one', async () => {
    const participant = await createParticipant(t.db, [people.hospital.agencyId, people.homecare.agencyId]);
    const base = { participantId: participant.id, subject: 's', description: 'd', outcomeSought: 'o', step: 'First visit confirmed', respondentAgencyIds: [people.homecare.agencyId] };
    const noOwner = await request(app).post('/api/disputes').set(bearer(people.hospital)).send(base);
    expect(noOwner.status).toBe(400);
    expect(noOwner.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['interimOwnerId']);
    const strangerOwner = await request(app).post('/api/disputes').set(bearer(people.hospital)).send({ ...base, interimOwnerId: people.outsider.id });
    expect(strangerOwner.status).toBe(400);
    expect(strangerOwner.body.error.fields).toEqual([{ field: 'interimOwnerId', message: 'must work for one of the agencies in the dispute' }]);
    const ownAgency = await request(app).post('/api/disputes').set(bearer(people.hospital)).send({ ...base, interimOwnerId: people.hospital.id, respondentAgencyIds: [people.hospital.agencyId] });
    expect(ownAgency.body.error.fields).toEqual([{ field: 'respondentAgencyIds', message: 'must name at least one agency other than your own' }]);
    expect((await request(app).post('/api/disputes').send({ ...base, interimOwnerId: people.homecare.id })).status).toBe(401);

    // The workflow itself will not start a dispute without one, whoever starts it.
    const direct = env.client.workflow.execute(disputeWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: `dispute-direct-${participant.id}`,
      args: [
        {
          disputeId: `dispute-direct-${participant.id}`,
          participant: { id: participant.id, localRef: participant.localRef },
          subject: 's',
          description: 'd',
          outcomeSought: 'o',
          step: 'x',
          raisedBy: people.hospital,
          interimOwner: undefined as unknown as StaffRef,
          partyAgencyIds: [people.hospital.agencyId, people.homecare.agencyId],
          namedContacts: [],
          agreement: DISPUTE_AGREEMENT,
        },
      ],
    });
    await expect(direct).rejects.toMatchObject({ cause: { type: 'InterimOwnerRequired' } });
  });

  it('lets no one outside the parties act on or read a dispute', async () => {
    const id = await raise();
    await until(id, (s) => s.stages.length === 1);
    const outsider = people.outsider;
    expect((await request(app).post(`/api/disputes/${id}/positions`).set(bearer(outsider)).send({ statement: 'I have a view' })).status).toBe(403);
    expect((await request(app).post(`/api/disputes/${id}/proposals`).set(bearer(outsider)).send({ terms: 'mine' })).status).toBe(403);
    expect((await request(app).post(`/api/disputes/${id}/accept`).set(bearer(outsider)).send({ proposalId: 'p1' })).status).toBe(403);
    expect((await request(app).get(`/api/disputes/${id}`).set(bearer(outsider))).status).toBe(404);
    expect((await request(app).get(`/api/disputes/${id}`).set(bearer(people.homecare))).status).toBe(200);
    expect((await request(app).get('/api/disputes/dispute-nope').set(bearer(people.hospital))).status).toBe(404);
    expect((await request(app).post(`/api/disputes/${id}/positions`).set(bearer(people.hospital)).send({})).body.error.fields).toEqual([{ field: 'statement', message: "is required: your agency's position" }]);
    const policy = await request(app).get('/api/policy/disputes').set(bearer(outsider));
    expect(policy.body).toMatchObject({ version: 'working-agreement-1', stages: [{ stage: 1, workingDays: 2 }, { stage: 2, workingDays: 5 }, { stage: 3, workingDays: 10, binding: true }] });
    // Ended through its own message, never terminated (a terminate can lock the test clock).
    await request(app).post(`/api/disputes/${id}/withdraw`).set(bearer(people.hospital)).send({ reason: 'test over' });
    expect((await env.client.workflow.getHandle<typeof disputeWorkflow>(id).result()).status).toBe('withdrawn');
  });
});
