// The dispute service: raising a dispute, reading its live state, and the parties' steps
// (positions, proposals, acceptances), governance's decision and the raiser's withdrawal, by API
// or emailed link. The workflow has the last word on state; who may see and act lives here.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import type { Caller } from '../sprints/service';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader } from '../access';
import { spendActionToken, type ActionTokenRow } from '../links/tokens';
import { DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_POSITION_TOKEN_PURPOSE } from '../../domain/tokens';
import { DISPUTE_AGREEMENT, type DisputeActor, type DisputeState } from '../../domain/dispute';
import { ZAcceptProposal, ZDecideDispute, ZProposeResolution, ZRaiseDispute, ZStatePosition, ZWithdrawDispute } from '../../domain/dispute-input';
import type { ActionChannel } from '../../domain/sprint';
import {
  acceptDisputeProposalUpdate,
  decideDisputeUpdate,
  disputeStateQuery,
  disputeWorkflow,
  proposeDisputeResolutionUpdate,
  stateDisputePositionUpdate,
  withdrawDisputeUpdate,
} from '../../workflows/dispute';

export interface DisputeServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
}

const ID_PATTERN = /^dispute-[\w.:-]{1,200}$/;

/** The working agreement in force, readable. */
export function describeDisputeAgreement() {
  return { ...DISPUTE_AGREEMENT, countingRule: 'N working days end at the close of working hours on the Nth working day after the day raised; raised outside working hours, a dispute counts from the next working day.' };
}

export function createDisputeService(deps: DisputeServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const handleOf = (id: string) => deps.temporal.workflow.getHandle<typeof disputeWorkflow>(id);
  const access = createAccess({ db: deps.db, now: deps.now });

  async function loadState(id: string): Promise<DisputeState> {
    if (!ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'No dispute with that id.');
    try {
      return await handleOf(id).query(disputeStateQuery);
    } catch (err) {
      translateTemporalError(err, 'dispute');
    }
  }

  const isParty = (c: Caller, s: DisputeState) => s.partyAgencyIds.includes(c.agencyId);
  async function viewable(c: Caller, id: string): Promise<DisputeState> {
    const state = await loadState(id);
    // Someone with no part in the dispute learns nothing from reading it.
    await access.requireProcess(
      c,
      { participantId: state.participant.id, what: 'dispute', item: id, resource: 'dispute', parties: disputeParties(state) },
      new AppError('NOT_FOUND', 'No dispute with that id.'),
    );
    return state;
  }

  const withLinks = (s: DisputeState) => ({ ...s, links: { self: `/api/disputes/${s.disputeId}` } });
  const actorOf = (c: Caller, channel: ActionChannel): DisputeActor => ({ staffId: c.staffId, name: c.name, agencyId: c.agencyId, roles: c.roles, channel });

  async function act(caller: Caller, id: string, mustBe: 'party' | 'governance' | 'any', run: () => Promise<DisputeState>) {
    const state = await loadState(id);
    if (mustBe === 'party' && !isParty(caller, state)) throw new AppError('FORBIDDEN', 'Only the agencies party to this dispute may act on it.');
    if (mustBe === 'governance' && !caller.roles.includes('admin')) throw new AppError('FORBIDDEN', 'Only partnership governance (admin) may decide a dispute.');
    // A closed dispute's workflow has ended and takes no more updates: say why, not 'not found'.
    if (state.status !== 'open') throw new AppError('CONFLICT', `This dispute is ${state.status}; nothing more can be recorded on it.`, { reason: 'DisputeClosed' });
    try {
      return withLinks(await run());
    } catch (err) {
      translateTemporalError(err, 'dispute');
    }
  }

  const service = {
    async raise(caller: Caller, body: unknown): Promise<{ disputeId: string }> {
      const input = parseInput(ZRaiseDispute, body, 'dispute');
      const invalid = (field: string, message: string) => new AppError('INVALID_INPUT', 'The dispute has invalid fields.', { fields: [{ field, message }] });
      // Only the person's care team may raise about them; raising grants nothing, and a person
      // outside the caller's care teams gets the same answer as one careloop does not know.
      const found = await access.requireParticipant(caller, { id: input.participantId, localRef: input.participantLocalRef }, 'raise');
      const participant = { id: found.id, localRef: found.localRef };
      const raiser = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { id: true, name: true, email: true, agencyId: true } });
      const select = { id: true, name: true, email: true, agencyId: true } as const;
      const interimOwner = await deps.db.staff.findFirst({ where: { id: input.interimOwnerId, active: true }, select });
      if (!interimOwner) throw invalid('interimOwnerId', 'is not an active staff member');
      const respondents = [...new Set(input.respondentAgencyIds)].filter((a) => a !== raiser.agencyId);
      if (!respondents.length) throw invalid('respondentAgencyIds', 'must name at least one agency other than your own');
      const known = await deps.db.agency.count({ where: { id: { in: respondents } } });
      if (known !== respondents.length) throw invalid('respondentAgencyIds', 'names an agency careloop does not know');
      const namedContacts = input.respondentContactIds.length ? await deps.db.staff.findMany({ where: { id: { in: input.respondentContactIds }, active: true }, select }) : [];
      if (namedContacts.length !== new Set(input.respondentContactIds).size || namedContacts.some((s) => !respondents.includes(s.agencyId))) {
        throw invalid('respondentContactIds', 'must be active staff of the agencies disputed against');
      }
      const partyAgencyIds = [raiser.agencyId, ...respondents];
      if (!partyAgencyIds.includes(interimOwner.agencyId)) throw invalid('interimOwnerId', 'must work for one of the agencies in the dispute');
      const disputeId = `dispute-${randomUUID()}`;
      await deps.temporal.workflow.start(disputeWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: disputeId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            disputeId,
            participant,
            subject: input.subject,
            description: input.description,
            outcomeSought: input.outcomeSought,
            step: input.step,
            raisedBy: raiser,
            interimOwner,
            partyAgencyIds,
            namedContacts,
            agreement: DISPUTE_AGREEMENT,
          },
        ],
      });
      return { disputeId };
    },

    async get(caller: Caller, id: string) {
      return withLinks(await viewable(caller, id));
    },

    async statePosition(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { statement } = parseInput(ZStatePosition, body, 'position');
      return act(caller, id, 'party', () => handleOf(id).executeUpdate(stateDisputePositionUpdate, { args: [{ actor: actorOf(caller, channel), statement }] }));
    },

    async propose(caller: Caller, id: string, body: unknown) {
      const { terms } = parseInput(ZProposeResolution, body, 'proposal');
      return act(caller, id, 'party', () => handleOf(id).executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: actorOf(caller, 'api'), terms }] }));
    },

    async accept(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { proposalId } = parseInput(ZAcceptProposal, body, 'acceptance');
      return act(caller, id, 'party', () => handleOf(id).executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: actorOf(caller, channel), proposalId }] }));
    },

    async decide(caller: Caller, id: string, body: unknown) {
      const { decision, rationale } = parseInput(ZDecideDispute, body, 'decision');
      return act(caller, id, 'governance', () => handleOf(id).executeUpdate(decideDisputeUpdate, { args: [{ actor: actorOf(caller, 'api'), decision, rationale }] }));
    },

    async withdraw(caller: Caller, id: string, body: unknown) {
      const { reason } = parseInput(ZWithdrawDispute, body, 'withdrawal');
      return act(caller, id, 'any', () => handleOf(id).executeUpdate(withdrawDisputeUpdate, { args: [{ actor: actorOf(caller, 'api'), reason }] }));
    },

    /** What an emailed dispute link is for, checked but not spent. */
    async inspectDisputeLink(row: ActionTokenRow) {
      const state = await loadState(row.workflowId);
      const scope = (row.scope ?? {}) as { stage?: number; proposalId?: string };
      const proposal = row.purpose === DISPUTE_ACCEPT_TOKEN_PURPOSE ? state.proposals.find((p) => p.id === scope.proposalId) : undefined;
      // A link holder reads under the same rule as everyone: the token names who they are.
      await access.requireProcess(linkReader(row.staff), { participantId: state.participant.id, what: 'dispute', item: state.disputeId, resource: 'dispute', parties: disputeParties(state) }, LINK_NOT_VALID());
      return { state, purpose: row.purpose as 'dispute-position' | 'dispute-accept', proposal };
    },

    /** Acts through an emailed link: spends it, once, and only if the step is recorded. */
    async actWithDisputeLink(row: ActionTokenRow, body: { statement?: string }) {
      const { purpose, proposal } = await service.inspectDisputeLink(row);
      const caller = linkHolder(row.staff);
      return spendActionToken(deps.db, row, now(), () =>
        purpose === DISPUTE_POSITION_TOKEN_PURPOSE
          ? service.statePosition(caller, row.workflowId, { statement: body.statement ?? '' }, 'link')
          : service.accept(caller, row.workflowId, { proposalId: proposal?.id ?? '' }, 'link'),
      );
    },
  };
  return service;
}

export type DisputeService = ReturnType<typeof createDisputeService>;

/** Who is named in a dispute: the raiser, the interim owner, named contacts; and every party agency, whose representatives at each stage may be anyone there. */
export function disputeParties(s: Pick<DisputeState, 'raisedBy' | 'interimOwner' | 'partyAgencyIds'> & { namedContacts?: { id: string }[] }) {
  return {
    staffIds: [s.raisedBy.id, s.interimOwner.id, ...(s.namedContacts ?? []).map((c) => c.id)],
    agencyIds: s.partyAgencyIds,
    agencyPartyRoles: 'everyone' as const,
  };
}
