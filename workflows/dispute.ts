// Inter-agency dispute resolution (seed 001, "Dispute resolution"): an interim owner carries on
// with the disputed step while the parties' representatives state positions and propose
// resolutions; the dispute is resolved when every party accepts one proposal. Each stage's
// deadline, in working days on the partnership calendar, moves it to the next stage by itself:
// 1 frontline leads, 2 service managers, 3 partnership governance, whose decision binds.
import { ApplicationFailure, defineQuery, defineUpdate, setHandler, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { addWorkingDays, workingDaysBetween } from '../domain/calendar';
import { disputeSearchStatus, type DisputeActor, type DisputeInput, type DisputeProposal, type DisputeStageNumber, type DisputeState } from '../domain/dispute';
import type { DisputeEmailKind } from '../domain/emails/dispute';
import type { StaffRef } from '../domain/sprint';
import { CareloopAgencies, CareloopStatus } from '../domain/search-attributes';
import { disputeNextAction, nextActionAttributes } from '../domain/next-action';
import { workflowNow, workflowNowIso } from './clock';
import { answerLiveState, local, processContext, reject, superviseSteps, type EventSpec } from './kit';

/** Links stay usable this long after the stage deadline they were sent for. */
const LINK_GRACE_MS = 30 * 86_400_000;

// Message names are part of the stored history: never rename them.
export const stateDisputePositionUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; statement: string }]>('stateDisputePosition');
export const proposeDisputeResolutionUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; terms: string }]>('proposeDisputeResolution');
export const acceptDisputeProposalUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; proposalId: string }]>('acceptDisputeProposal');
export const decideDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; decision: string; rationale: string }]>('decideDispute');
export const withdrawDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; reason: string }]>('withdrawDispute');
export const disputeStateQuery = defineQuery<DisputeState>('disputeState');

export async function disputeWorkflow(input: DisputeInput): Promise<DisputeState> {
  // Care does not wait for the dispute: without an interim owner it does not start.
  if (!input.interimOwner?.id) throw ApplicationFailure.create({ type: 'InterimOwnerRequired', message: 'A dispute needs an interim owner of the disputed step.', nonRetryable: true });
  if (input.partyAgencyIds.length < 2) throw ApplicationFailure.create({ type: 'InvalidInput', message: 'A dispute needs at least two agencies.', nonRetryable: true });
  const state = openDispute(input);
  const { calendar } = input.agreement;
  const ctx = processContext({ process: 'dispute', participantId: input.participant.id, item: () => `stage-${state.stage}`, data: () => ({ stage: state.stage }), searchAttributes: () => disputeSearchAttributes(input, state) });
  const { workflowId } = ctx;
  const policyOf = (stage: DisputeStageNumber) => input.agreement.stages[stage - 1]!;
  const current = () => state.stages[state.stages.length - 1];
  const isOpen = () => state.status === 'open';
  const email = (kind: DisputeEmailKind, to: StaffRef, key: string, proposal?: DisputeProposal) => {
    const stageDueAt = current()?.dueAt ?? state.startedAt;
    const tokensExpireAt = new Date(Date.parse(stageDueAt) + LINK_GRACE_MS).toISOString();
    const about = { participantRef: input.participant.localRef, subject: input.subject, stage: state.stage, stageLabel: policyOf(state.stage).label, stageDueAt };
    return { process: 'dispute', kind, idempotencyKey: ctx.key(key), to, ...about, proposal: proposal && { id: proposal.id, terms: proposal.terms, byName: proposal.by.name }, tokensExpireAt } as const;
  };
  const mustBeOpen = () => isOpen() || reject('DisputeClosed', `This dispute is ${state.status}; nothing more can be recorded on it.`);
  const mustSpeakForParty = (a: DisputeActor) => mustBeOpen() && (speaksForParty(input, state, a) || reject('NotDisputeParty', 'Only a representative of an agency party to this dispute may act on it.'));

  answerLiveState(disputeStateQuery, state);
  setHandler(
    stateDisputePositionUpdate,
    async ({ actor, statement }) => {
      state.positions.push({ stage: state.stage, agencyId: actor.agencyId, by: who(actor), statement, at: workflowNowIso(), channel: actor.channel });
      await ctx.record('dispute.position-stated', by(actor, { statement }));
      return state;
    },
    { validator: ({ actor }) => mustSpeakForParty(actor) },
  );
  setHandler(
    proposeDisputeResolutionUpdate,
    async ({ actor, terms }) => {
      const at = workflowNowIso();
      // The proposing agency accepts its own proposal; the other parties' representatives are asked.
      const proposal: DisputeProposal = { id: `p${state.proposals.length + 1}`, stage: state.stage, agencyId: actor.agencyId, by: who(actor), terms, at, acceptances: [{ agencyId: actor.agencyId, by: who(actor), at, channel: actor.channel }] };
      state.proposals.push(proposal);
      const others = (current()?.representatives ?? []).filter((r) => r.agencyId !== actor.agencyId);
      const proposed = ctx.event('dispute.resolution-proposed', { ...by(actor, { terms }), item: proposal.id });
      await ctx.notify(others.map((r) => email('dispute-proposal', r, `proposal:${proposal.id}:${r.id}`, proposal)), { events: [proposed] });
      return state;
    },
    { validator: ({ actor }) => mustSpeakForParty(actor) },
  );
  setHandler(
    acceptDisputeProposalUpdate,
    async ({ actor, proposalId }) => {
      const proposal = state.proposals.find((p) => p.id === proposalId)!;
      // An agency accepts once; a second acceptance from it changes nothing.
      if (proposal.acceptances.some((x) => x.agencyId === actor.agencyId)) return state;
      proposal.acceptances.push({ agencyId: actor.agencyId, by: who(actor), at: workflowNowIso(), channel: actor.channel });
      await ctx.record('dispute.proposal-accepted', { ...by(actor), item: proposal.id });
      if (isOpen() && agreedProposal(input, state)) state.status = 'resolved';
      return state;
    },
    {
      validator: ({ actor, proposalId }) => {
        mustSpeakForParty(actor);
        if (!state.proposals.some((p) => p.id === proposalId)) reject('UnknownProposal', `There is no proposal ${proposalId} on this dispute.`);
      },
    },
  );
  setHandler(
    decideDisputeUpdate,
    async ({ actor, decision, rationale }) => {
      Object.assign(state, { decision: { by: who(actor), decision, rationale, at: workflowNowIso(), binding: true }, status: 'decided' });
      await ctx.record('dispute.decision-recorded', { ...by(actor, { decision, binding: true }), reason: rationale });
      return state;
    },
    {
      validator: ({ actor }) => {
        mustBeOpen();
        if (!actor.roles.includes('admin')) reject('NotGovernance', 'Only partnership governance may decide a dispute.');
        if (state.stage !== 3) reject('NotAtGovernanceStage', `The dispute is at stage ${state.stage}; governance decides at stage 3.`);
      },
    },
  );
  setHandler(
    withdrawDisputeUpdate,
    async ({ actor, reason }) => {
      Object.assign(state, { withdrawal: { by: who(actor), reason, at: workflowNowIso() }, status: 'withdrawn' });
      await ctx.record('dispute.withdrawn', { ...by(actor), reason });
      return state;
    },
    {
      validator: ({ actor }) => {
        if (!isOpen()) reject('DisputeClosed', `This dispute is ${state.status}; it cannot be withdrawn.`);
        if (actor.staffId !== input.raisedBy.id) reject('NotDisputeRaiser', 'Only the person who raised a dispute may withdraw it.');
      },
    },
  );

  /** A stage: its representatives found (an agency with no one in the role keeps its earlier voice), its deadline set, each told. */
  const enterStage = async (stage: DisputeStageNumber) => {
    const policy = policyOf(stage);
    const previous = current();
    const named = stage === 1 ? [input.raisedBy, ...input.namedContacts] : [];
    const found = await local.findDisputeRepresentatives({ roles: policy.representativeRoles, governance: stage === 3, agencyIds: input.partyAgencyIds, named });
    // Agreed, decided or withdrawn while the representatives were being found: no new stage.
    if (!isOpen()) return;
    const earlier = stage === 3 ? [] : (previous?.representatives ?? []).filter((r) => !found.some((x) => x.agencyId === r.agencyId));
    const representatives = [...found, ...earlier];
    if (previous) previous.endedAt = workflowNowIso();
    state.stage = stage;
    // Counted from the workflow's clock, in working days on the partnership's calendar.
    const dueAt = addWorkingDays(workflowNowIso(), policy.workingDays, calendar);
    state.stages.push({ stage, label: policy.label, startedAt: workflowNowIso(), dueAt, representatives, deadlinePassed: false });
    ctx.publish();
    const data = { label: policy.label, dueAt, workingDays: policy.workingDays, representatives: representatives.map((r) => r.id) };
    await local.recordDispute({ workflowId, state, events: [ctx.event(stage === 1 ? 'dispute.stage-started' : 'dispute.stage-escalated', { data })] });
    await ctx.notify(representatives.map((r) => email('dispute-stage', r, `stage:${stage}:${r.id}`)));
  };
  /** A stage's deadline passed: on to the next stage; at stage 3 governance is told, once, it must still decide. */
  const deadlinePassed = async () => {
    const stage = current()!;
    stage.deadlinePassed = true;
    const passed = ctx.event('dispute.stage-deadline-passed', { data: { dueAt: stage.dueAt } });
    if (stage.stage === 3) return ctx.notify(stage.representatives.map((r) => email('dispute-decision-overdue', r, `decision-overdue:${r.id}`)), { events: [passed] });
    await local.recordEvents({ events: [passed] });
    await enterStage((stage.stage + 1) as DisputeStageNumber);
  };

  // Raised: on the record, the interim owner told, stage 1 entered; each deadline moves it on.
  ctx.publish();
  const raiser = { staffId: input.raisedBy.id, name: input.raisedBy.name, agencyId: input.raisedBy.agencyId, roles: [], channel: 'api' as const };
  const raisedData = { subject: input.subject, outcomeSought: input.outcomeSought, step: input.step, interimOwner: input.interimOwner.id, parties: input.partyAgencyIds, agreementVersion: input.agreement.version };
  const raised = ctx.event('dispute.raised', { ...by(raiser, raisedData), reason: input.description, item: 'stage-1' });
  await ctx.notify([email('dispute-interim-owner', input.interimOwner, 'interim-owner')], { events: [raised] });
  await enterStage(1);
  const stageDeadline = { ended: () => !isOpen(), dueAt: () => (current() ? Date.parse(current()!.dueAt) : undefined), onOverdue: deadlinePassed };
  await superviseSteps([stageDeadline], { until: () => !isOpen(), inFlight: ctx.inFlight });

  // Closed: the outcome on the record, its links revoked, in one write.
  await ctx.settled();
  const closedAt = workflowNowIso();
  const last = current();
  if (last) last.endedAt = closedAt;
  const agreed = state.status === 'resolved' ? agreedProposal(input, state) : undefined;
  const status = state.status as Exclude<DisputeState['status'], 'open'>;
  state.outcome = { status, stageReached: state.stage, at: closedAt, msToClose: workflowNow() - Date.parse(state.startedAt), workingDaysToClose: workingDaysBetween(state.startedAt, closedAt, calendar), ...(agreed ? { proposalId: agreed.id } : {}) };
  const decided = state.decision ? { decision: state.decision.decision, decidedBy: state.decision.by.id } : {};
  const closed = ctx.event(`dispute.${status}`, { data: { ...state.outcome, ...(agreed ? { terms: agreed.terms } : {}), ...decided } });
  await local.recordDispute({ workflowId, state, events: [closed], revoke: [{ workflowId, reason: status }] });
  ctx.publish();
  return state;
}

// A dispute runs for weeks: under Worker Versioning it moves to each new current build, and a
// change that must reach it is branched on patched() (docs/releases.md); the others stay pinned.
// A function, not a plain object: on an unversioned worker (tests, WORKER_VERSIONING=false) it
// names no behaviour, which such a worker would refuse.
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), disputeWorkflow);

const who = (a: DisputeActor) => ({ id: a.staffId, name: a.name });

/** An event by a party's representative: the channel they used and the agency they speak for. */
function by(a: DisputeActor, data: Record<string, unknown> = {}): EventSpec {
  return { actor: { staffId: a.staffId, name: a.name, channel: a.channel }, data: { agencyId: a.agencyId, ...data } };
}

/** A party's voice at the current stage: its representative, or anyone of it holding the stage's role. */
function speaksForParty(input: DisputeInput, state: DisputeState, a: DisputeActor): boolean {
  if (!input.partyAgencyIds.includes(a.agencyId)) return false;
  const current = state.stages[state.stages.length - 1];
  if (current?.representatives.some((r) => r.id === a.staffId) || a.staffId === input.raisedBy.id) return true;
  // The roles of every stage reached so far (a frontline lead keeps a voice at stage 2), even
  // in the moment between the start and the first stage's representatives being found.
  const roles = new Set<string>(input.agreement.stages.filter((p) => p.stage <= state.stage).flatMap((p) => p.representativeRoles));
  return a.roles.some((r) => roles.has(r));
}

/** The proposal every party has accepted, if there is one. */
function agreedProposal(input: DisputeInput, state: DisputeState): DisputeProposal | undefined {
  return state.proposals.find((p) => input.partyAgencyIds.every((agency) => p.acceptances.some((x) => x.agencyId === agency)));
}

function openDispute(input: DisputeInput): DisputeState {
  const { disputeId, participant, subject, description, outcomeSought, step, raisedBy, interimOwner, partyAgencyIds } = input;
  return { disputeId, participant, subject, description, outcomeSought, step, raisedBy, interimOwner, partyAgencyIds, agreementVersion: input.agreement.version, status: 'open', stage: 1, startedAt: workflowNowIso(), stages: [], positions: [], proposals: [] };
}

function disputeSearchAttributes(input: DisputeInput, state: DisputeState): SearchAttributeUpdatePair[] {
  return [
    { key: CareloopStatus, value: disputeSearchStatus(state) },
    { key: CareloopAgencies, value: input.partyAgencyIds },
    ...nextActionAttributes(disputeNextAction(state)),
  ];
}
