// Unit tier: dispute resolution on the time-skipping server with typed fake activities (no
// database, no SMTP): stages moving on by their deadlines, agreement, the binding decision, and
// what each party may do. The fake finds one representative per party agency per stage.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { DISPUTE_AGREEMENT, type DisputeActor, type DisputeInput } from '../../domain/dispute';
import {
  acceptDisputeProposalUpdate,
  decideDisputeUpdate,
  disputeStateQuery,
  disputeWorkflow,
  proposeDisputeResolutionUpdate,
  stateDisputePositionUpdate,
  withdrawDisputeUpdate,
} from '../../workflows';
import { staff } from '../replay/scenarios';
import { actions, timeSkippingServer, failureOf } from './unit-harness';

const HOUR = 3600_000;
const party = (id: string, agencyId: string, role: string): DisputeActor => ({ staffId: id, name: `Staff ${id}`, agencyId, roles: [role], channel: 'link' });

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
  /** Until the stage is entered, then an hour past its deadline (clear of its timer: temporalio/sdk-java#3088). */
  const pastStage = async (h: WorkflowHandle<typeof disputeWorkflow>, stage: number) => {
    let s = await h.query(disputeStateQuery);
    while (s.stages.length < stage) {
      await new Promise((r) => setTimeout(r, 50));
      s = await h.query(disputeStateQuery);
    }
    await server.env.sleep(Date.parse(s.stages[stage - 1]!.dueAt) - (await server.env.currentTimeMs()) + HOUR);
  };

  it('tells the interim owner and stage 1’s representatives; a passed deadline moves it to stage 2; resolved when every party accepts one proposal', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      await h.executeUpdate(stateDisputePositionUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), statement: 'The ward books it' }] });
      await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), terms: 'Home care books it' }] });
      await pastStage(h, 1);
      // Stage 2 is entered by the workflow task the deadline's timer wakes: wait for it to finish.
      let s = await h.query(disputeStateQuery);
      while (s.stages.length < 2) s = await new Promise((r) => setTimeout(r, 50)).then(() => h.query(disputeStateQuery));
      expect(s.stage).toBe(2);
      expect(s.stages[0]).toMatchObject({ deadlinePassed: true, endedAt: expect.any(String) });
      await h.executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: party('manager-homecare', 'homecare', 'manager'), terms: 'Joint visit, then home care' }] });
      await h.executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: party('manager-hospital', 'hospital', 'manager'), proposalId: 'p2' }] });
      const done = await h.result();
      expect(done).toMatchObject({ status: 'resolved', outcome: { status: 'resolved', stageReached: 2, proposalId: 'p2' } });
      expect(actions(log)).toEqual([
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
      ]);
      // Each event says which stage it belongs to and, for a party's, the agency that spoke.
      expect(log.events.find((e) => e.action === 'dispute.position-stated')).toMatchObject({ item: 'stage-1', data: { stage: 1, agencyId: 'homecare', channel: 'link', statement: 'The ward books it' } });
      expect(log.revocations.at(-1)).toEqual({ workflowId: h.workflowId, reason: 'resolved' });
    });
  });

  it('at stage 3 governance is told once when its deadline passes, and its decision binds', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      expect((await failureOf(h.executeUpdate(decideDisputeUpdate, { args: [{ actor: party('governance', 'county', 'admin'), decision: 'x', rationale: 'y' }] }))).type).toBe('NotAtGovernanceStage');
      await pastStage(h, 1);
      await pastStage(h, 2);
      await pastStage(h, 3);
      await expect.poll(() => log.emails.some((e) => e.kind === 'dispute-decision-overdue')).toBe(true);
      expect(log.emails.filter((e) => e.kind === 'dispute-decision-overdue').map((e) => e.to.id)).toEqual(['governance']);
      expect((await failureOf(h.executeUpdate(decideDisputeUpdate, { args: [{ actor: party('manager-hospital', 'hospital', 'manager'), decision: 'x', rationale: 'y' }] }))).type).toBe('NotGovernance');
      await h.executeUpdate(decideDisputeUpdate, { args: [{ actor: party('governance', 'county', 'admin'), decision: 'Home care arranges it', rationale: 'In the package' }] });
      const done = await h.result();
      expect(done).toMatchObject({ status: 'decided', decision: { binding: true }, outcome: { stageReached: 3 } });
      expect(actions(log).filter((a) => a.startsWith('dispute.stage'))).toEqual([
        'dispute.stage-started',
        'dispute.stage-deadline-passed',
        'dispute.stage-escalated',
        'dispute.stage-deadline-passed',
        'dispute.stage-escalated',
        'dispute.stage-deadline-passed',
      ]);
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
