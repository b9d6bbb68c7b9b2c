// Inter-agency dispute resolution: an interim owner carries on with the disputed step while the
// parties' representatives state positions and propose resolutions; the dispute is resolved when
// every party accepts one proposal. Each stage's deadline, in working days on the partnership
// calendar, moves it to the next stage by itself; at stage 3 partnership governance decides, and
// that decision binds.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  patched,
} from '@temporalio/workflow';
import { acts } from './activities';
import { addWorkingDays, workingDaysBetween } from '../domain/calendar';
import { disputeSearchStatus, type DisputeActor, type DisputeInput, type DisputeProposal, type DisputeStageNumber, type DisputeState } from '../domain/dispute';
import type { StaffRef } from '../domain/sprint';
import { CareloopAgencies, CareloopParticipant, CareloopProcess, CareloopStatus } from '../domain/search-attributes';
import { workflowNow, workflowNowIso } from './clock';
import { waitUntil } from './owned-step';
import { disputeNextAction, nextActionAttributes } from '../domain/next-action';
import { ROSTER_PATCH } from './patches';


/** Links stay usable this long after the stage deadline they were sent for. */
const LINK_GRACE_MS = 30 * 86_400_000;

// Message names are part of the stored history: never rename them.
export const stateDisputePositionUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; statement: string }]>('stateDisputePosition');
export const proposeDisputeResolutionUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; terms: string }]>('proposeDisputeResolution');
export const acceptDisputeProposalUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; proposalId: string }]>('acceptDisputeProposal');
export const decideDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; decision: string; rationale: string }]>('decideDispute');
export const withdrawDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; reason: string }]>('withdrawDispute');
export const disputeStateQuery = defineQuery<DisputeState>('disputeState');

const reject = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

export async function disputeWorkflow(input: DisputeInput): Promise<DisputeState> {
  const { workflowId } = workflowInfo();
  // Care does not wait for the dispute: without an interim owner it does not start.
  if (!input.interimOwner?.id) throw ApplicationFailure.create({ type: 'InterimOwnerRequired', message: 'A dispute needs an interim owner of the disputed step.', nonRetryable: true });
  if (input.partyAgencyIds.length < 2) throw ApplicationFailure.create({ type: 'InvalidInput', message: 'A dispute needs at least two agencies.', nonRetryable: true });

  const startedAt = workflowNowIso();
  const calendar = input.agreement.calendar;
  const state: DisputeState = {
    disputeId: input.disputeId,
    participant: input.participant,
    subject: input.subject,
    description: input.description,
    outcomeSought: input.outcomeSought,
    step: input.step,
    raisedBy: input.raisedBy,
    interimOwner: input.interimOwner,
    partyAgencyIds: input.partyAgencyIds,
    agreementVersion: input.agreement.version,
    status: 'open',
    stage: 1,
    startedAt,
    stages: [],
    positions: [],
    proposals: [],
  };
  const policyOf = (stage: DisputeStageNumber) => input.agreement.stages[stage - 1]!;
  const current = () => state.stages[state.stages.length - 1];
  const isOpen = () => state.status === 'open';
  const who = (a: DisputeActor) => ({ id: a.staffId, name: a.name });

  let events = 0;
  const audit = (action: string, extra: { actor?: DisputeActor; reason?: string; item?: string; data?: Record<string, unknown> } = {}) => {
    events += 1;
    return acts.recordAudit({
      actor: extra.actor?.name ?? 'careloop',
      actorId: extra.actor?.staffId ?? null,
      action,
      reason: extra.reason ?? null,
      process: 'dispute',
      workflowId,
      item: extra.item ?? `stage-${state.stage}`,
      participantId: input.participant.id,
      data: { stage: state.stage, ...(extra.actor ? { channel: extra.actor.channel, agencyId: extra.actor.agencyId } : {}), ...extra.data },
      idempotencyKey: `${workflowId}:${events}:${action}`,
      at: workflowNowIso(),
    });
  };
  const publish = () =>
    upsertSearchAttributes([
      { key: CareloopProcess, value: 'dispute' },
      { key: CareloopParticipant, value: input.participant.id },
      { key: CareloopStatus, value: disputeSearchStatus(state) },
      { key: CareloopAgencies, value: input.partyAgencyIds },
      // Disputes recorded before the huddle roster publish no next action.
      ...(patched(ROSTER_PATCH) ? nextActionAttributes(disputeNextAction(state)) : []),
    ]);
  const email = (kind: 'dispute-interim-owner' | 'dispute-stage' | 'dispute-proposal' | 'dispute-decision-overdue', to: StaffRef, key: string, proposal?: DisputeProposal) =>
    acts.sendDisputeEmail({
      kind,
      workflowId,
      idempotencyKey: `${workflowId}:${key}`,
      to,
      participantRef: input.participant.localRef,
      subject: input.subject,
      stage: state.stage,
      stageLabel: policyOf(state.stage).label,
      stageDueAt: current()?.dueAt ?? startedAt,
      proposal: proposal ? { id: proposal.id, terms: proposal.terms, byName: proposal.by.name } : undefined,
      tokensExpireAt: new Date(Date.parse(current()?.dueAt ?? startedAt) + LINK_GRACE_MS).toISOString(),
    });

  /** A party's voice at the current stage: its representative, or anyone of it holding the stage's role. */
  const speaksForParty = (a: DisputeActor) => {
    if (!input.partyAgencyIds.includes(a.agencyId)) return false;
    if (current()?.representatives.some((r) => r.id === a.staffId) || a.staffId === input.raisedBy.id) return true;
    // The roles of every stage reached so far (a frontline lead keeps a voice at stage 2), even
    // in the moment between the start and the first stage's representatives being found.
    const roles = new Set<string>(input.agreement.stages.filter((p) => p.stage <= state.stage).flatMap((p) => p.representativeRoles));
    return a.roles.some((r) => roles.has(r));
  };
  const mustSpeakForParty = (a: DisputeActor) => {
    if (!isOpen()) throw reject('DisputeClosed', `This dispute is ${state.status}; nothing more can be recorded on it.`);
    if (!speaksForParty(a)) throw reject('NotDisputeParty', 'Only a representative of an agency party to this dispute may act on it.');
  };
  const agreedProposal = () => state.proposals.find((p) => input.partyAgencyIds.every((agency) => p.acceptances.some((x) => x.agencyId === agency)));

  setHandler(disputeStateQuery, () => state);

  setHandler(
    stateDisputePositionUpdate,
    async ({ actor, statement }) => {
      const position = { stage: state.stage, agencyId: actor.agencyId, by: who(actor), statement, at: workflowNowIso(), channel: actor.channel };
      state.positions.push(position);
      await audit('dispute.position-stated', { actor, item: `stage-${position.stage}`, data: { statement } });
      return state;
    },
    { validator: ({ actor }) => mustSpeakForParty(actor) },
  );

  setHandler(
    proposeDisputeResolutionUpdate,
    async ({ actor, terms }) => {
      const at = workflowNowIso();
      // The proposing agency accepts its own proposal.
      const proposal: DisputeProposal = { id: `p${state.proposals.length + 1}`, stage: state.stage, agencyId: actor.agencyId, by: who(actor), terms, at, acceptances: [{ agencyId: actor.agencyId, by: who(actor), at, channel: actor.channel }] };
      state.proposals.push(proposal);
      await audit('dispute.resolution-proposed', { actor, item: proposal.id, data: { terms } });
      const others = (current()?.representatives ?? []).filter((r) => r.agencyId !== actor.agencyId);
      await Promise.all(others.map((r) => email('dispute-proposal', r, `proposal:${proposal.id}:${r.id}`, proposal)));
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
      await audit('dispute.proposal-accepted', { actor, item: proposal.id });
      if (isOpen() && agreedProposal()) state.status = 'resolved';
      return state;
    },
    {
      validator: ({ actor, proposalId }) => {
        mustSpeakForParty(actor);
        if (!state.proposals.some((p) => p.id === proposalId)) throw reject('UnknownProposal', `There is no proposal ${proposalId} on this dispute.`);
      },
    },
  );

  setHandler(
    decideDisputeUpdate,
    async ({ actor, decision, rationale }) => {
      state.decision = { by: who(actor), decision, rationale, at: workflowNowIso(), binding: true };
      state.status = 'decided';
      await audit('dispute.decision-recorded', { actor, reason: rationale, data: { decision, binding: true } });
      return state;
    },
    {
      validator: ({ actor }) => {
        if (!isOpen()) throw reject('DisputeClosed', `This dispute is ${state.status}; nothing more can be recorded on it.`);
        if (!actor.roles.includes('admin')) throw reject('NotGovernance', 'Only partnership governance may decide a dispute.');
        if (state.stage !== 3) throw reject('NotAtGovernanceStage', `The dispute is at stage ${state.stage}; governance decides at stage 3.`);
      },
    },
  );

  setHandler(
    withdrawDisputeUpdate,
    async ({ actor, reason }) => {
      state.withdrawal = { by: who(actor), reason, at: workflowNowIso() };
      state.status = 'withdrawn';
      await audit('dispute.withdrawn', { actor, reason });
      return state;
    },
    {
      validator: ({ actor }) => {
        if (!isOpen()) throw reject('DisputeClosed', `This dispute is ${state.status}; it cannot be withdrawn.`);
        if (actor.staffId !== input.raisedBy.id) throw reject('NotDisputeRaiser', 'Only the person who raised a dispute may withdraw it.');
      },
    },
  );

  publish();
  await audit('dispute.raised', {
    actor: { staffId: input.raisedBy.id, name: input.raisedBy.name, agencyId: input.raisedBy.agencyId, roles: [], channel: 'api' },
    reason: input.description,
    item: 'stage-1',
    data: { subject: input.subject, outcomeSought: input.outcomeSought, step: input.step, interimOwner: input.interimOwner.id, parties: input.partyAgencyIds, agreementVersion: input.agreement.version },
  });
  await email('dispute-interim-owner', input.interimOwner, 'interim-owner');

  for (const stage of [1, 2, 3] as const) {
    if (!isOpen()) break;
    const policy = policyOf(stage);
    const previous = current();
    const found = await acts.findDisputeRepresentatives({
      roles: policy.representativeRoles,
      governance: stage === 3,
      agencyIds: input.partyAgencyIds,
      named: stage === 1 ? [input.raisedBy, ...input.namedContacts] : [],
    });
    // Agreed, decided or withdrawn while the representatives were being found: no new stage.
    if (!isOpen()) break;
    // An agency with no one in the stage's role keeps its voice from the stage before.
    const representatives = [...found];
    if (stage !== 3) {
      for (const r of previous?.representatives ?? []) if (!representatives.some((x) => x.agencyId === r.agencyId)) representatives.push(r);
    }
    if (previous) previous.endedAt = workflowNowIso();
    state.stage = stage;
    // Counted from the workflow's clock, in working days on the partnership's calendar.
    const dueAt = addWorkingDays(workflowNowIso(), policy.workingDays, calendar);
    state.stages.push({ stage, label: policy.label, startedAt: workflowNowIso(), dueAt, representatives, deadlinePassed: false });
    publish();
    await acts.recordDispute({ workflowId, state });
    await audit(stage === 1 ? 'dispute.stage-started' : 'dispute.stage-escalated', { item: `stage-${stage}`, data: { label: policy.label, dueAt, workingDays: policy.workingDays, representatives: representatives.map((r) => r.id) } });
    await Promise.all(representatives.map((r) => email('dispute-stage', r, `stage:${stage}:${r.id}`)));

    if (await waitUntil(() => !isOpen(), dueAt)) break;
    current()!.deadlinePassed = true;
    await audit('dispute.stage-deadline-passed', { item: `stage-${stage}`, data: { dueAt } });
    if (stage === 3) {
      // Governance must still decide: say so once, then wait for the decision (or a withdrawal).
      await Promise.all(representatives.map((r) => email('dispute-decision-overdue', r, `decision-overdue:${r.id}`)));
      await condition(() => !isOpen());
    }
  }

  await condition(allHandlersFinished);
  const closedAt = workflowNowIso();
  const last = current();
  if (last) last.endedAt = closedAt;
  const agreed = agreedProposal();
  state.outcome = {
    status: state.status as Exclude<DisputeState['status'], 'open'>,
    stageReached: state.stage,
    at: closedAt,
    msToClose: workflowNow() - Date.parse(startedAt),
    workingDaysToClose: workingDaysBetween(startedAt, closedAt, calendar),
    ...(state.status === 'resolved' && agreed ? { proposalId: agreed.id } : {}),
  };
  await acts.revokeActionTokens({ workflowId, reason: state.status });
  await acts.recordDispute({ workflowId, state });
  await audit(`dispute.${state.status}`, {
    item: `stage-${state.stage}`,
    data: { ...state.outcome, ...(agreed && state.status === 'resolved' ? { terms: agreed.terms } : {}), ...(state.decision ? { decision: state.decision.decision, decidedBy: state.decision.by.id } : {}) },
  });
  publish();
  return state;
}
