// The dispute service: raising a dispute, reading its live state, and the parties' steps
// (positions, proposals, acceptances, declines, counter-proposals), governance's decision, the
// raiser's withdrawal and the interim owner's progress, by API, page, emailed link or reply. The
// workflow has the last word on state; who may see and act lives here.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import type { Caller } from '../sprints/service';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader } from '../access';
import { spendActionToken, type ActionTokenRow } from '../links/tokens';
import { DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_DECISION_TOKEN_PURPOSE, DISPUTE_INTERIM_TOKEN_PURPOSE, DISPUTE_POSITION_TOKEN_PURPOSE } from '../../domain/tokens';
import { DISPUTE_AGREEMENT, speaksForParty, type DisputeActor, type DisputeAgreement, type DisputeProposal, type DisputeState } from '../../domain/dispute';
import { disputeAgreementOf } from '../../domain/working-agreement';
import { agreementInForce } from '../../record/working-agreement';
import {
  ZAcceptProposal,
  ZCounterPropose,
  ZDeclineProposal,
  ZDecideDispute,
  ZInterimProgress,
  ZProposeResolution,
  ZRaiseDispute,
  ZStatePosition,
  ZWithdrawDispute,
} from '../../domain/dispute-input';
import type { ActionChannel, StaffRef } from '../../domain/sprint';
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
} from '../../workflows/dispute';

export interface DisputeServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
}

const ID_PATTERN = /^dispute-[\w.:-]{1,200}$/;
/** People offered in one picker: a partnership's party agencies hold far fewer. */
const MAX_CHOICES = 300;

/** The kinds of emailed dispute link, by what they are for. */
export type DisputeLinkPurpose = typeof DISPUTE_POSITION_TOKEN_PURPOSE | typeof DISPUTE_ACCEPT_TOKEN_PURPOSE | typeof DISPUTE_DECISION_TOKEN_PURPOSE | typeof DISPUTE_INTERIM_TOKEN_PURPOSE;

/** What a person may do on a dispute, as the page or link shows it: the workflow checks again. */
export interface DisputeAbilities {
  /** Speaks for a party agency at this stage: position, propose, accept, decline, counter-propose. */
  party: boolean;
  /** Raised it: may withdraw. */
  raiser: boolean;
  /** Decides at stage 3 (an administrator, or a stage-3 representative by their link). */
  governance: boolean;
  /** Owns the disputed step meanwhile: records its progress. */
  interimOwner: boolean;
}

/** Who a step of the dispute is from. */
export type DisputeAction = 'position' | 'propose' | 'accept' | 'decline' | 'counter' | 'withdraw' | 'decide' | 'progress';

/** The working agreement in force (careloop's defaults when none is given), readable. */
export function describeDisputeAgreement(agreement: DisputeAgreement = DISPUTE_AGREEMENT) {
  return { ...agreement, countingRule: 'N working days end at the close of working hours on the Nth working day after the day raised; raised outside working hours, a dispute counts from the next working day.' };
}

/** The roles that have spoken for a party at any stage this dispute has reached. */
const rolesSoFar = (s: DisputeState) => s.stages.flatMap((st) => st.representativeRoles ?? []);

/** What this person may do on this dispute now. */
export function abilitiesOf(s: DisputeState, who: { staffId: string; agencyId: string; roles: readonly string[] }): DisputeAbilities {
  const open = s.status === 'open';
  const current = s.stages[s.stages.length - 1];
  return {
    party: open && speaksForParty(s, who, rolesSoFar(s)),
    raiser: open && s.raisedBy.id === who.staffId,
    governance: open && s.stage === 3 && (who.roles.includes('admin') || !!current?.representatives.some((r) => r.id === who.staffId)),
    interimOwner: open && s.interimStep?.status === 'open' && s.interimStep.owner.id === who.staffId,
  };
}

/** The proposals still waiting for an agency's answer: not its own, neither accepted nor declined by it. */
export function awaitingAnswer(s: DisputeState, agencyId: string): DisputeProposal[] {
  return s.proposals.filter((p) => p.agencyId !== agencyId && !p.acceptances.some((a) => a.agencyId === agencyId) && !p.declines?.some((d) => d.agencyId === agencyId));
}

export function createDisputeService(deps: DisputeServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const handleOf = (id: string) => deps.temporal.workflow.getHandle<typeof disputeWorkflow>(id);
  const access = createAccess({ db: deps.db, now: deps.now });
  const select = { id: true, name: true, email: true, agencyId: true } as const;

  async function loadState(id: string): Promise<DisputeState> {
    if (!ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'No dispute with that id.');
    try {
      return await handleOf(id).query(disputeStateQuery);
    } catch (err) {
      translateTemporalError(err, 'dispute');
    }
  }

  const isParty = (c: Caller, s: DisputeState) => s.partyAgencyIds.includes(c.agencyId);
  /** An administrator; or, by their emailed link, a stage-3 representative (governance holds the admin role, which a link never carries). */
  const isGovernance = (c: Caller, s: DisputeState) => c.roles.includes('admin') || (s.stage === 3 && !!s.stages[s.stages.length - 1]?.representatives.some((r) => r.id === c.staffId));
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

  const withLinks = (s: DisputeState) => ({ ...s, links: { self: `/api/disputes/${s.disputeId}`, page: `/disputes/${s.disputeId}` } });
  const actorOf = (c: Caller, channel: ActionChannel): DisputeActor => ({ staffId: c.staffId, name: c.name, agencyId: c.agencyId, roles: c.roles, channel });
  const invalid = (field: string, message: string, what = 'request') => new AppError('INVALID_INPUT', `The ${what} has invalid fields.`, { fields: [{ field, message }] });

  async function act(caller: Caller, id: string, mustBe: 'party' | 'governance' | 'any', run: (state: DisputeState) => Promise<DisputeState>) {
    const state = await loadState(id);
    if (mustBe === 'party' && !isParty(caller, state)) throw new AppError('FORBIDDEN', 'Only the agencies party to this dispute may act on it.');
    if (mustBe === 'governance' && !isGovernance(caller, state)) throw new AppError('FORBIDDEN', 'Only partnership governance (admin) may decide a dispute.');
    // A closed dispute's workflow has ended and takes no more updates: say why, not 'not found'.
    if (state.status !== 'open') throw new AppError('CONFLICT', `This dispute is ${state.status}; nothing more can be recorded on it.`, { reason: 'DisputeClosed' });
    try {
      return withLinks(await run(state));
    } catch (err) {
      translateTemporalError(err, 'dispute');
    }
  }

  /** The proposal named, or a 404 in words; refused in words when the caller's agency already answered it its own way. */
  function proposalFor(state: DisputeState, proposalId: string, caller: Caller, answer: 'decline' | 'counter'): DisputeProposal {
    const p = state.proposals.find((x) => x.id === proposalId);
    if (!p) throw new AppError('NOT_FOUND', `There is no proposal ${proposalId} on this dispute.`);
    if (p.agencyId === caller.agencyId) throw new AppError('CONFLICT', `Your agency made proposal ${p.id}; ${answer === 'decline' ? 'it cannot decline it' : 'make a new proposal instead of answering it'}.`);
    const accepted = p.acceptances.find((a) => a.agencyId === caller.agencyId);
    if (accepted) throw new AppError('CONFLICT', `Your agency has already accepted proposal ${p.id} (${accepted.by.name}).`);
    return p;
  }

  /** Who carries the step on, named by id: an active staff member of a party agency. */
  async function carrierOf(state: DisputeState, id: string | undefined, what: string): Promise<StaffRef | undefined> {
    if (!id) return undefined;
    const found = await deps.db.staff.findFirst({ where: { id, active: true, agencyId: { in: state.partyAgencyIds } }, select });
    if (!found) throw invalid('carriesOnId', 'must be an active staff member of one of the agencies in the dispute', what);
    return found;
  }

  const service = {
    /** The dispute part of the working agreement in force now: what a dispute raised now keeps. */
    async agreementInForce(): Promise<DisputeAgreement> {
      return disputeAgreementOf(await agreementInForce(deps.db, now()), now().toISOString());
    },

    async raise(caller: Caller, body: unknown): Promise<{ disputeId: string }> {
      const input = parseInput(ZRaiseDispute, body, 'dispute');
      const bad = (field: string, message: string) => invalid(field, message, 'dispute');
      // Only the person's care team may raise about them; raising grants nothing, and a person
      // outside the caller's care teams gets the same answer as one careloop does not know.
      const found = await access.requireParticipant(caller, { id: input.participantId, localRef: input.participantLocalRef }, 'raise');
      const participant = { id: found.id, localRef: found.localRef };
      const raiser = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select });
      const interimOwner = await deps.db.staff.findFirst({ where: { id: input.interimOwnerId, active: true }, select });
      if (!interimOwner) throw bad('interimOwnerId', 'is not an active staff member');
      const respondents = [...new Set(input.respondentAgencyIds)].filter((a) => a !== raiser.agencyId);
      if (!respondents.length) throw bad('respondentAgencyIds', 'must name at least one agency other than your own');
      const known = await deps.db.agency.count({ where: { id: { in: respondents } } });
      if (known !== respondents.length) throw bad('respondentAgencyIds', 'names an agency careloop does not know');
      const namedContacts = input.respondentContactIds.length ? await deps.db.staff.findMany({ where: { id: { in: input.respondentContactIds }, active: true }, select }) : [];
      if (namedContacts.length !== new Set(input.respondentContactIds).size || namedContacts.some((s) => !respondents.includes(s.agencyId))) {
        throw bad('respondentContactIds', 'must be active staff of the agencies disputed against');
      }
      const partyAgencyIds = [raiser.agencyId, ...respondents];
      if (!partyAgencyIds.includes(interimOwner.agencyId)) throw bad('interimOwnerId', 'must work for one of the agencies in the dispute');
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
            agreement: await service.agreementInForce(),
          },
        ],
      });
      return { disputeId };
    },

    /**
     * What the raise form offers for a person in the caller's care teams: the care team's people
     * (named members, and the active staff of its agencies) to pick the interim owner from, and
     * the agencies to dispute with, the care team's first. A person outside the caller's care
     * teams is "not found", as everywhere.
     */
    async raiseChoices(caller: Caller, participantLocalRef: string) {
      const participant = await access.requireParticipant(caller, { localRef: participantLocalRef }, 'raise', { log: 'care-team' });
      const members = await deps.db.careTeamMember.findMany({ where: { participantId: participant.id, removedAt: null }, select: { agencyId: true, staffId: true } });
      const teamAgencyIds = [...new Set(members.flatMap((m) => (m.agencyId ? [m.agencyId] : [])))];
      const namedIds = [...new Set(members.flatMap((m) => (m.staffId ? [m.staffId] : [])))];
      const [people, agencies] = await Promise.all([
        deps.db.staff.findMany({
          where: { active: true, OR: [{ agencyId: { in: teamAgencyIds } }, { id: { in: namedIds } }] },
          select: { id: true, name: true, agencyId: true, agency: { select: { name: true } } },
          orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
          take: MAX_CHOICES,
        }),
        deps.db.agency.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' }, take: MAX_CHOICES }),
      ]);
      const inTeam = new Set([...teamAgencyIds, ...people.map((p) => p.agencyId)]);
      return {
        participant,
        people: people.map((p) => ({ id: p.id, name: p.name, agencyId: p.agencyId, agencyName: p.agency.name })),
        agencies: agencies.filter((a) => a.id !== caller.agencyId).map((a) => ({ ...a, inCareTeam: inTeam.has(a.id) })).sort((a, b) => Number(b.inCareTeam) - Number(a.inCareTeam)),
      };
    },

    async get(caller: Caller, id: string) {
      return withLinks(await viewable(caller, id));
    },

    /** A dispute for its page: the state, what the caller may do, and the agencies' names. */
    async view(caller: Caller, id: string) {
      const state = await viewable(caller, id);
      return { state, may: abilitiesOf(state, caller), agencies: await service.agencyNames(state) };
    },

    /** The party agencies' names, and any other agency a person in the dispute works for. */
    async agencyNames(state: DisputeState): Promise<Map<string, string>> {
      const ids = new Set([...state.partyAgencyIds, state.interimOwner.agencyId, state.raisedBy.agencyId, ...state.stages.flatMap((s) => s.representatives.map((r) => r.agencyId))]);
      const rows = await deps.db.agency.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
      return new Map(rows.map((a) => [a.id, a.name]));
    },

    /** Who may be named to carry the step on: the active staff of the party agencies. */
    async carryOnChoices(state: DisputeState) {
      const rows = await deps.db.staff.findMany({
        where: { active: true, agencyId: { in: state.partyAgencyIds } },
        select: { id: true, name: true, agencyId: true, agency: { select: { name: true } } },
        orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
        take: MAX_CHOICES,
      });
      return rows.map((r) => ({ id: r.id, name: r.name, agencyId: r.agencyId, agencyName: r.agency.name }));
    },

    async statePosition(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { statement } = parseInput(ZStatePosition, body, 'position');
      return act(caller, id, 'party', () => handleOf(id).executeUpdate(stateDisputePositionUpdate, { args: [{ actor: actorOf(caller, channel), statement }] }));
    },

    async propose(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { terms, carriesOnId } = parseInput(ZProposeResolution, body, 'proposal');
      return act(caller, id, 'party', async (state) => {
        const carriesOn = await carrierOf(state, carriesOnId, 'proposal');
        return handleOf(id).executeUpdate(proposeDisputeResolutionUpdate, { args: [{ actor: actorOf(caller, channel), terms, ...(carriesOn ? { carriesOn } : {}) }] });
      });
    },

    async accept(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { proposalId } = parseInput(ZAcceptProposal, body, 'acceptance');
      return act(caller, id, 'party', () => handleOf(id).executeUpdate(acceptDisputeProposalUpdate, { args: [{ actor: actorOf(caller, channel), proposalId }] }));
    },

    async decline(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { proposalId, reason } = parseInput(ZDeclineProposal, body, 'decline');
      return act(caller, id, 'party', async (state) => {
        proposalFor(state, proposalId, caller, 'decline');
        return handleOf(id).executeUpdate(declineDisputeProposalUpdate, { args: [{ actor: actorOf(caller, channel), proposalId, reason }] });
      });
    },

    async counterPropose(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { proposalId, terms, reason, carriesOnId } = parseInput(ZCounterPropose, body, 'counter-proposal');
      return act(caller, id, 'party', async (state) => {
        proposalFor(state, proposalId, caller, 'counter');
        const carriesOn = await carrierOf(state, carriesOnId, 'counter-proposal');
        return handleOf(id).executeUpdate(counterProposeDisputeUpdate, { args: [{ actor: actorOf(caller, channel), proposalId, terms, ...(reason ? { reason } : {}), ...(carriesOn ? { carriesOn } : {}) }] });
      });
    },

    async decide(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { decision, rationale, carriesOnId } = parseInput(ZDecideDispute, body, 'decision');
      return act(caller, id, 'governance', async (state) => {
        const carriesOn = await carrierOf(state, carriesOnId, 'decision');
        return handleOf(id).executeUpdate(decideDisputeUpdate, { args: [{ actor: actorOf(caller, channel), decision, rationale, ...(carriesOn ? { carriesOn } : {}) }] });
      });
    },

    async withdraw(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { reason } = parseInput(ZWithdrawDispute, body, 'withdrawal');
      return act(caller, id, 'any', () => handleOf(id).executeUpdate(withdrawDisputeUpdate, { args: [{ actor: actorOf(caller, channel), reason }] }));
    },

    /** The interim owner's progress on the disputed step (`done` when the step is finished). */
    async recordProgress(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { note, done } = parseInput(ZInterimProgress, body, 'progress');
      return act(caller, id, 'any', async (state) => {
        const step = state.interimStep;
        if (step && step.owner.id !== caller.staffId) throw new AppError('FORBIDDEN', `${step.owner.name} is the interim owner of “${state.step}”; only they record its progress.`);
        if (step && step.status !== 'open') throw new AppError('CONFLICT', `“${state.step}” has already been recorded as done.`);
        return handleOf(id).executeUpdate(recordInterimProgressUpdate, { args: [{ actor: actorOf(caller, channel), note, done }] });
      });
    },

    /** One party action by name, as the pages, links and replies take them. */
    async takeAction(caller: Caller, id: string, action: DisputeAction, body: Record<string, unknown>, channel: ActionChannel) {
      switch (action) {
        case 'position':
          return service.statePosition(caller, id, { statement: body.statement }, channel);
        case 'propose':
          return service.propose(caller, id, { terms: body.terms, carriesOnId: body.carriesOnId }, channel);
        case 'accept':
          return service.accept(caller, id, { proposalId: body.proposalId }, channel);
        case 'decline':
          return service.decline(caller, id, { proposalId: body.proposalId, reason: body.reason }, channel);
        case 'counter':
          return service.counterPropose(caller, id, { proposalId: body.proposalId, terms: body.terms, reason: body.reason, carriesOnId: body.carriesOnId }, channel);
        case 'withdraw':
          return service.withdraw(caller, id, { reason: body.reason }, channel);
        case 'decide':
          return service.decide(caller, id, { decision: body.decision, rationale: body.rationale, carriesOnId: body.carriesOnId }, channel);
        case 'progress':
          return service.recordProgress(caller, id, { note: body.note, done: body.done }, channel);
      }
    },

    /** What an emailed dispute link is for, checked but not spent: the state, the proposal it names, what its holder may do. */
    async inspectDisputeLink(row: ActionTokenRow) {
      const state = await loadState(row.workflowId);
      const scope = (row.scope ?? {}) as { stage?: number; proposalId?: string };
      const proposal = row.purpose === DISPUTE_ACCEPT_TOKEN_PURPOSE ? state.proposals.find((p) => p.id === scope.proposalId) : undefined;
      const holder = linkHolder(row.staff);
      // A link holder reads under the same rule as everyone: the token names who they are.
      await access.requireProcess(linkReader(row.staff), { participantId: state.participant.id, what: 'dispute', item: state.disputeId, resource: 'dispute', parties: disputeParties(state) }, LINK_NOT_VALID());
      const purpose = row.purpose as DisputeLinkPurpose;
      const may = abilitiesOf(state, holder);
      // A link does what its email was for: a party's links the party's steps, governance's the
      // decision, the interim owner's the progress. Never another's.
      const allowed: DisputeAbilities =
        purpose === DISPUTE_DECISION_TOKEN_PURPOSE
          ? { party: false, raiser: false, interimOwner: false, governance: may.governance }
          : purpose === DISPUTE_INTERIM_TOKEN_PURPOSE
            ? { party: false, raiser: false, governance: false, interimOwner: may.interimOwner }
            : { party: may.party, raiser: false, governance: false, interimOwner: false };
      return { state, purpose, proposal, may: allowed, agencies: await service.agencyNames(state) };
    },

    /**
     * Acts through an emailed link, as the person it was sent to. A party's and the interim
     * owner's links carry every step of theirs and are never spent (the close revokes them);
     * governance's is spent by the decision, once, and only if it is recorded.
     */
    async actWithDisputeLink(row: ActionTokenRow, action: DisputeAction, body: Record<string, unknown>) {
      const { purpose, may } = await service.inspectDisputeLink(row);
      const caller = linkHolder(row.staff);
      const fits =
        purpose === DISPUTE_DECISION_TOKEN_PURPOSE ? action === 'decide' : purpose === DISPUTE_INTERIM_TOKEN_PURPOSE ? action === 'progress' : ['position', 'propose', 'accept', 'decline', 'counter'].includes(action);
      if (!fits) throw new AppError('FORBIDDEN', 'This link cannot do that: use the buttons on its page.');
      if (action === 'decide') {
        if (!may.governance) throw new AppError('FORBIDDEN', 'Only partnership governance may decide this dispute, and only at stage 3.');
        // Missing words are refused before the link is claimed.
        parseInput(ZDecideDispute, { decision: body.decision, rationale: body.rationale, carriesOnId: body.carriesOnId }, 'decision');
        return spendActionToken(deps.db, row, now(), () => service.takeAction(caller, row.workflowId, 'decide', body, 'link'));
      }
      return service.takeAction(caller, row.workflowId, action, body, 'link');
    },

    /** The live state behind a link or reply address whose row was already checked. */
    loadState,
  };
  return service;
}

export type DisputeService = ReturnType<typeof createDisputeService>;

/**
 * Who is named in a dispute: the raiser, the interim owner, named contacts and every stage's
 * representatives (governance too); and every party agency, whose representatives at each stage
 * may be anyone there.
 */
export function disputeParties(s: Pick<DisputeState, 'raisedBy' | 'interimOwner' | 'partyAgencyIds'> & { namedContacts?: { id: string }[]; stages?: DisputeState['stages'] }) {
  return {
    staffIds: [s.raisedBy.id, s.interimOwner.id, ...(s.namedContacts ?? []).map((c) => c.id), ...(s.stages ?? []).flatMap((st) => st.representatives.map((r) => r.id))],
    agencyIds: s.partyAgencyIds,
    agencyPartyRoles: 'everyone' as const,
  };
}
