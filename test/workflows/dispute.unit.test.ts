// Unit tier: dispute resolution on the time-skipping server with typed fake activities (no
// database, no SMTP): stages moving on by their deadlines, agreement, a decline and a
// counter-proposal, the binding decision naming who carries the step on, and what each party
// may do. The interim owner's step: dispute-interim.unit.test.ts. The fake finds one
// representative per party agency per stage.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { DISPUTE_AGREEMENT, type DisputeActor, type DisputeInput, type DisputeState } from '../../domain/dispute';
import {
  acceptDisputeProposalUpdate,
  counterProposeDisputeUpdate,
  decideDisputeUpdate,
  declineDisputeProposalUpdate,
  disputeStateQuery,
  disputeWorkflow,
  proposeDisputeResolutionUpdate,
  recordInterimProgressUpdate,
  stateDisputePositionUpdate,
  withdrawDisputeUpdate,
} from '../../workflows';
import { staff } from '../replay/scenarios';
import { actions, timeSkippingServer, failureOf } from './unit-harness';

const HOUR = 3600_000;
const party = (id: string, agencyId: string, role: string): DisputeActor => ({ staffId: id, name: `Staff ${id}`, agencyId, roles: [role], channel: 'link' });
const STAGE_ACTIONS = /^dispute\.(raised|stage|position|resolution|proposal|counter|decision|withdrawn|resolved|decided)/;

describe('dispute workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  let n = 0;
  const input = (over: Partial<DisputeInput> = {}): DisputeInput => {
    n += 1;
    return {
      disputeId: `dispute-unit-${n}`,
      participant: { id: 'participant-1', localRef: 'P-1' },
      subject: 'Who arranges the first visit',
      description: 'Ward and home care each say the other',
      outcomeSought: 'Home care arranges it',
      step: 'First visit confirmed',
      raisedBy: staff('hospital', 'hospital'),
      interimOwner: staff('homecare', 'homecare'),
      partyAgencyIds: ['hospital', 'homecare'],
      namedContacts: [],
      agreement: DISPUTE_AGREEMENT,
      ...over,
    };
  };
  const raise = (taskQueue: string, over: Partial<DisputeInput> = {}) => {
    const i = input(over);
    return server.env.client.workflow.start(disputeWorkflow, { taskQueue, workflowId: i.disputeId, args: [i] });
  };
  /** Polls the live state until it holds: a timer's workflow task finishes after the clock moves. */
  const until = async (h: WorkflowHandle<typeof disputeWorkflow>, holds: (s: DisputeState) => boolean) => {
    for (let i = 0; i < 200; i += 1) {
      const s = await h.query(disputeStateQuery);
      if (holds(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never reached: ${JSON.stringify(await h.query(disputeStateQuery))}`);
  };
  /**
   * The interim owner records the step done at once, so no missed progress raises an escalation
   * while the stages run (dispute-interim.unit.test.ts covers that): an escalation's worker goes
   * with its test, and one left behind holds the test server's clock for the next test.
   */
  const stepDoneEarly = (h: WorkflowHandle<typeof disputeWorkflow>) => h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), note: 'First visit took place', done: true }] });
  /** Until the stage is entered, then an hour past its deadline (clear of its timer: temporalio/sdk-java#3088). */
  const pastStage = async (h: WorkflowHandle<typeof disputeWorkflow>, stage: number) => {
    const s = await until(h, (x) => x.stages.length >= stage);
    await server.env.sleep(Date.parse(s.stages[stage - 1]!.dueAt) - (await server.env.currentTimeMs()) + HOUR);
  };

  it('tells the interim owner and stage 1’s representatives; a passed deadline moves it to stage 2; resolved when every party accepts one proposal', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      await stepDoneEarly(h);
      await h.executeUpdate(stateDisputePositionUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), statement: 'The ward books it' }] });
      await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), terms: 'Home care books it' }] });
      await pastStage(h, 1);
      const s = await until(h, (x) => x.stages.length >= 2);
      expect(s.stage).toBe(2);
      expect(s.stages[0]).toMatchObject({ deadlinePassed: true, endedAt: expect.any(String), workingDays: 2 });
      await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: party('manager-homecare', 'homecare', 'manager'), terms: 'Joint visit, then home care' }] });
      await h.executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: party('manager-hospital', 'hospital', 'manager'), proposalId: 'p2' }] });
      const done = await h.result();
      // Nobody else named: the interim owner carries the step on.
      expect(done).toMatchObject({ status: 'resolved', outcome: { status: 'resolved', stageReached: 2, proposalId: 'p2', carriesOn: { id: 'homecare' } } });
      expect(actions(log).filter((a) => STAGE_ACTIONS.test(a))).toEqual([
        'dispute.raised',
        'dispute.stage-started',
        'dispute.position-stated',
        'dispute.resolution-proposed',
        'dispute.stage-deadline-passed',
        'dispute.stage-escalated',
        'dispute.resolution-proposed',
        'dispute.proposal-accepted',
        'dispute.resolved',
      ]);
      expect(log.emails.map((e) => [e.kind, e.to.id])).toEqual([
        ['dispute-interim-owner', 'homecare'],
        ['dispute-stage', 'staff-hospital'],
        ['dispute-stage', 'staff-homecare'],
        ['dispute-proposal', 'staff-homecare'],
        ['dispute-stage', 'manager-hospital'],
        ['dispute-stage', 'manager-homecare'],
        ['dispute-proposal', 'manager-hospital'],
        ['dispute-closed', 'homecare'],
      ]);
      // Each event says which stage it belongs to and, for a party's, the agency that spoke.
      expect(log.events.find((e) => e.action === 'dispute.position-stated')).toMatchObject({ item: 'stage-1', data: { stage: 1, agencyId: 'homecare', channel: 'link', statement: 'The ward books it' } });
      expect(log.revocations.at(-1)).toEqual({ workflowId: h.workflowId, reason: 'resolved' });
    });
  });

  it('a declined proposal keeps its reason and tells its proposer; a counter-proposal answers it; the agreed one names who carries the step on', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      await until(h, (s) => s.stages.length === 1);
      const hospital = party('hospital', 'hospital', 'staff');
      const homecare = party('homecare', 'homecare', 'staff');
      await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: hospital, terms: 'Home care books it' }] });
      // Its own proposal: neither declined nor countered by the agency that made it.
      expect((await failureOf(h.executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: hospital, proposalId: 'p1', reason: 'x' }] }))).type).toBe('OwnProposal');
      expect((await failureOf(h.executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: homecare, proposalId: 'p1', reason: '  ' }] }))).type).toBe('InvalidInput');
      let s = await h.executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: homecare, proposalId: 'p1', reason: 'Visits are not in our package' }] });
      expect(s.proposals[0]!.declines).toEqual([expect.objectContaining({ agencyId: 'homecare', reason: 'Visits are not in our package', channel: 'link' })]);
      await expect.poll(() => log.emails.filter((e) => e.kind === 'dispute-declined').map((e) => e.to.id).sort()).toEqual(['hospital', 'staff-hospital']);
      // A second decline changes nothing: the first reason stands.
      s = await h.executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: homecare, proposalId: 'p1', reason: 'again' }] });
      expect(s.proposals[0]!.declines).toHaveLength(1);

      const carrier = staff('homecare-lead', 'homecare');
      s = await h.executeUpdate(counterProposeDisputeUpdate, { args: [{ actor: homecare, proposalId: 'p1', terms: 'Joint visit on day 1, then home care', carriesOn: carrier }] });
      expect(s.proposals[1]).toMatchObject({ id: 'p2', answers: 'p1', agencyId: 'homecare', carriesOn: { id: 'homecare-lead' }, acceptances: [{ agencyId: 'homecare' }] });
      // Already declined, so the counter-proposal adds no second decline.
      expect(s.proposals[0]!.declines).toHaveLength(1);
      await expect.poll(() => log.emails.some((e) => e.kind === 'dispute-proposal' && e.proposal?.answers === 'p1' && e.to.id === 'staff-hospital')).toBe(true);

      // The hospital accepts p2: resolved, and the person it names carries the step on.
      s = await h.executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: hospital, proposalId: 'p2' }] });
      expect(s.status).toBe('resolved');
      const done = await h.result();
      expect(done.outcome).toMatchObject({ status: 'resolved', proposalId: 'p2', carriesOn: { id: 'homecare-lead' } });
      expect(done.interimStep).toMatchObject({ status: 'closed', endedAt: done.outcome!.at });
      expect(actions(log).filter((a) => STAGE_ACTIONS.test(a))).toEqual([
        'dispute.raised',
        'dispute.stage-started',
        'dispute.resolution-proposed',
        'dispute.proposal-declined',
        'dispute.counter-proposed',
        'dispute.proposal-accepted',
        'dispute.resolved',
      ]);
      expect(log.events.find((e) => e.action === 'dispute.resolved')!.data).toMatchObject({ carriesOn: 'homecare-lead', proposalId: 'p2' });
      // The interim owner is told who carries the step on, and so is that person.
      expect(log.emails.filter((e) => e.kind === 'dispute-closed').map((e) => [e.to.id, e.process === 'dispute' ? e.closed?.carriesOn.id : undefined])).toEqual([
        ['homecare', 'homecare-lead'],
        ['homecare-lead', 'homecare-lead'],
      ]);
    });
  });

  it('a counter-proposal declines the proposal it answers; an agency that accepted may not decline', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue, { partyAgencyIds: ['hospital', 'homecare', 'housing'] });
      await until(h, (s) => s.stages.length === 1);
      await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), terms: 'Home care books it' }] });
      await h.executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: party('housing', 'housing', 'staff'), proposalId: 'p1' }] });
      expect((await failureOf(h.executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: party('housing', 'housing', 'staff'), proposalId: 'p1', reason: 'changed our mind' }] }))).type).toBe('ProposalAlreadyAccepted');
      expect((await failureOf(h.executeUpdate(counterProposeDisputeUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), proposalId: 'p9', terms: 'x' }] }))).type).toBe('UnknownProposal');
      const s = await h.executeUpdate(counterProposeDisputeUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), proposalId: 'p1', terms: 'The ward books it' }] });
      expect(s.proposals[0]!.declines).toEqual([expect.objectContaining({ agencyId: 'homecare', reason: 'Answered with counter-proposal p2' })]);
      expect(log.events.filter((e) => e.action === 'dispute.proposal-declined').map((e) => e.item)).toEqual(['p1']);
      await h.executeUpdate(withdrawDisputeUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), reason: 'Agreed on the phone' }] });
      expect((await h.result()).outcome).toMatchObject({ status: 'withdrawn', carriesOn: { id: 'homecare' } });
    });
  });

  it('at stage 3 governance is told once when its deadline passes, and its decision binds and names who carries the step on', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      expect((await failureOf(h.executeUpdate(decideDisputeUpdate, { args: [{ actor: party('governance', 'county', 'admin'), decision: 'x', rationale: 'y' }] }))).type).toBe('NotAtGovernanceStage');
      await stepDoneEarly(h);
      await pastStage(h, 1);
      await pastStage(h, 2);
      await pastStage(h, 3);
      await expect.poll(() => log.emails.some((e) => e.kind === 'dispute-decision-overdue')).toBe(true);
      expect(log.emails.filter((e) => e.kind === 'dispute-decision-overdue').map((e) => e.to.id)).toEqual(['governance']);
      expect((await failureOf(h.executeUpdate(decideDisputeUpdate, { args: [{ actor: party('manager-hospital', 'hospital', 'manager'), decision: 'x', rationale: 'y' }] }))).type).toBe('NotGovernance');
      // The stage-3 representative decides by link, where the admin role is never carried.
      const byLink = { ...party('governance', 'county', 'staff'), roles: [] };
      await h.executeUpdate(decideDisputeUpdate, { args: [{ actor: byLink, decision: 'Home care arranges it', rationale: 'In the package', carriesOn: staff('hospital', 'hospital') }] });
      const done = await h.result();
      expect(done).toMatchObject({ status: 'decided', decision: { binding: true, carriesOn: { id: 'hospital' } }, outcome: { stageReached: 3, carriesOn: { id: 'hospital' } } });
      expect(actions(log).filter((a) => a.startsWith('dispute.stage'))).toEqual([
        'dispute.stage-started',
        'dispute.stage-deadline-passed',
        'dispute.stage-escalated',
        'dispute.stage-deadline-passed',
        'dispute.stage-escalated',
        'dispute.stage-deadline-passed',
      ]);
      expect(log.emails.filter((e) => e.kind === 'dispute-closed').map((e) => e.to.id)).toEqual(['homecare', 'hospital']);
      expect(done.interimStep).toMatchObject({ status: 'done', escalations: [] });
      expect(log.calls).not.toContain('findEscalationPeople');
    });
  });

  it('only a party may speak, only the raiser may withdraw; without an interim owner it does not start', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      expect((await failureOf(h.executeUpdate(stateDisputePositionUpdate, { args: [{ actor: party('outsider', 'housing', 'staff'), statement: 'x' }] }))).type).toBe('NotDisputeParty');
      expect((await failureOf(h.executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), proposalId: 'p9' }] }))).type).toBe('UnknownProposal');
      expect((await failureOf(h.executeUpdate(withdrawDisputeUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), reason: 'x' }] }))).type).toBe('NotDisputeRaiser');
      await h.executeUpdate(withdrawDisputeUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), reason: 'Agreed on the phone' }] });
      expect((await h.result()).status).toBe('withdrawn');
      expect(actions(log).at(-1)).toBe('dispute.withdrawn');

      const noOwner = await raise(taskQueue, { interimOwner: { id: '', name: '', email: '', agencyId: '' } });
      await expect(noOwner.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
  });
});
