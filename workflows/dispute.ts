// Inter-agency dispute resolution (seed 001, "Dispute resolution"): an interim owner carries on
// with the disputed step while the parties' representatives state positions and propose
// resolutions; the dispute is resolved when every party accepts one proposal. A party may
// decline a proposal (saying why) or answer it with a counter-proposal. Each stage's deadline, in
// working days on the partnership calendar, moves it to the next stage by itself: 1 frontline
// leads, 2 service managers, 3 partnership governance, whose decision binds. The interim owner's
// step is an owned step of its own: progress due every few working days, a reminder before, an
// escalation when it is missed, until the dispute closes and names who carries the step on.
import { ApplicationFailure, defineQuery, defineUpdate, setHandler, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { DisputeEmail } from '../activities/dispute';
import { addWorkingDays, workingDaysBetween } from '../domain/calendar';
import {
  DEFAULT_INTERIM_STEP,
  disputeSearchStatus,
  speaksForParty,
  type DisputeActor,
  type DisputeInput,
  type DisputeProposal,
  type DisputeStageNumber,
  type DisputeState,
} from '../domain/dispute';
import type { DisputeEmailKind } from '../domain/emails/dispute';
import { childEscalationId } from '../domain/escalation';
import type { StaffRef } from '../domain/sprint';
import { CareloopAgencies, CareloopStatus } from '../domain/search-attributes';
import { disputeNextAction, nextActionAttributes } from '../domain/next-action';
import { workflowNow, workflowNowIso } from './clock';
import { answerLiveState, endEscalationCause, local, processContext, raiseEscalation, reject, requireText, superviseSteps, type EventSpec, type OwnedStep } from './kit';

/** Links stay usable this long after the deadline they were sent for (a close revokes them first). */
const LINK_GRACE_MS = 30 * 86_400_000;
const HOUR_MS = 3_600_000;
/** The audit item of the interim owner's step. */
const INTERIM_ITEM = 'interim-step';

// Message names are part of the stored history: never rename them.
export const stateDisputePositionUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; statement: string }]>('stateDisputePosition');
export const proposeDisputeResolutionUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; terms: string; carriesOn?: StaffRef }]>('proposeDisputeResolution');
export const acceptDisputeProposalUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; proposalId: string }]>('acceptDisputeProposal');
export const declineDisputeProposalUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; proposalId: string; reason: string }]>('declineDisputeProposal');
export const counterProposeDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; proposalId: string; terms: string; reason?: string; carriesOn?: StaffRef }]>('counterProposeDisputeResolution');
export const decideDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; decision: string; rationale: string; carriesOn?: StaffRef }]>('decideDispute');
export const withdrawDisputeUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; reason: string }]>('withdrawDispute');
export const recordInterimProgressUpdate = defineUpdate<DisputeState, [{ actor: DisputeActor; note: string; done?: boolean }]>('recordDisputeInterimProgress');
export const disputeStateQuery = defineQuery<DisputeState>('disputeState');

export async function disputeWorkflow(input: DisputeInput): Promise<DisputeState> {
  // Care does not wait for the dispute: without an interim owner it does not start.
  if (!input.interimOwner?.id) throw ApplicationFailure.create({ type: 'InterimOwnerRequired', message: 'A dispute needs an interim owner of the disputed step.', nonRetryable: true });
  if (input.partyAgencyIds.length < 2) throw ApplicationFailure.create({ type: 'InvalidInput', message: 'A dispute needs at least two agencies.', nonRetryable: true });
  const policy = agreementOf(input);
  const state = openDispute(input, policy);
  const interim = state.interimStep!;
  const ctx = processContext({ process: 'dispute', participantId: input.participant.id, item: () => `stage-${state.stage}`, data: () => ({ stage: state.stage }), searchAttributes: () => disputeSearchAttributes(input, state) });
  const { workflowId } = ctx;
  const current = () => state.stages[state.stages.length - 1];
  const isOpen = () => state.status === 'open';
  const email = (kind: DisputeEmailKind, to: StaffRef, key: string, extra: Pick<Partial<DisputeEmail>, 'proposal' | 'declinedBy' | 'closed'> = {}): DisputeEmail => {
    const stageDueAt = current()?.dueAt ?? state.startedAt;
    const interimDueAt = interim.status === 'open' ? interim.dueAt : undefined;
    const tokensExpireAt = new Date(Math.max(Date.parse(stageDueAt), Date.parse(interimDueAt ?? stageDueAt)) + LINK_GRACE_MS).toISOString();
    const about = { participantRef: input.participant.localRef, subject: input.subject, step: input.step, stage: state.stage, stageLabel: policy.stage(state.stage).label, stageDueAt, interimDueAt };
    return { process: 'dispute', kind, idempotencyKey: ctx.key(key), to, ...about, ...extra, tokensExpireAt };
  };
  const mustBeOpen = () => isOpen() || reject('DisputeClosed', `This dispute is ${state.status}; nothing more can be recorded on it.`);
  const mustSpeakForParty = (a: DisputeActor) => mustBeOpen() && (mayActForParty(policy, state, a) || reject('NotDisputeParty', 'Only a representative of an agency party to this dispute may act on it.'));
  const proposalOf = (id: string) => state.proposals.find((p) => p.id === id) ?? reject('UnknownProposal', `There is no proposal ${id} on this dispute.`);
  const mustNotHaveAccepted = (p: DisputeProposal, a: DisputeActor) => {
    if (p.agencyId === a.agencyId) reject('OwnProposal', `Your agency made proposal ${p.id}; it stands accepted by your agency. Make a new proposal instead.`);
    if (p.acceptances.some((x) => x.agencyId === a.agencyId)) reject('ProposalAlreadyAccepted', `Your agency has already accepted proposal ${p.id}.`);
  };
  /** Governance: an administrator, or a stage-3 representative (who may act by their emailed link). */
  const isGovernance = (a: DisputeActor) => a.roles.includes('admin') || (state.stage === 3 && !!current()?.representatives.some((r) => r.id === a.staffId));
  const others = (agencyId: string) => (current()?.representatives ?? []).filter((r) => r.agencyId !== agencyId);

  const addProposal = (actor: DisputeActor, terms: string, extra: { answers?: string; carriesOn?: StaffRef }): DisputeProposal => {
    const at = workflowNowIso();
    // The proposing agency accepts its own proposal; the other parties' representatives are asked.
    const proposal: DisputeProposal = {
      id: `p${state.proposals.length + 1}`,
      stage: state.stage,
      agencyId: actor.agencyId,
      by: who(actor),
      terms,
      at,
      acceptances: [{ agencyId: actor.agencyId, by: who(actor), at, channel: actor.channel }],
      declines: [],
      ...(extra.answers ? { answers: extra.answers } : {}),
      ...(extra.carriesOn ? { carriesOn: extra.carriesOn } : {}),
    };
    state.proposals.push(proposal);
    return proposal;
  };
  const declineOf = (p: DisputeProposal, agencyId: string) => p.declines?.find((d) => d.agencyId === agencyId);
  const decline = (p: DisputeProposal, actor: DisputeActor, reason: string) => {
    p.declines = [...(p.declines ?? []), { agencyId: actor.agencyId, by: who(actor), at: workflowNowIso(), channel: actor.channel, reason }];
  };
  /** Who hears that a proposal was declined: its proposer (when careloop knows their address) and their agency's representatives now. */
  const proposerSide = (p: DisputeProposal): StaffRef[] => {
    const known = [input.raisedBy, input.interimOwner, ...input.namedContacts, ...state.stages.flatMap((s) => s.representatives)];
    const people = [...known.filter((k) => k.id === p.by.id).slice(0, 1), ...(current()?.representatives ?? []).filter((r) => r.agencyId === p.agencyId)];
    return [...new Map(people.map((x) => [x.id, x])).values()];
  };

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
    async ({ actor, terms, carriesOn }) => {
      const proposal = addProposal(actor, terms, { carriesOn });
      const proposed = ctx.event('dispute.resolution-proposed', { ...by(actor, { terms, ...(carriesOn ? { carriesOn: carriesOn.id } : {}) }), item: proposal.id });
      await ctx.notify(others(actor.agencyId).map((r) => email('dispute-proposal', r, `proposal:${proposal.id}:${r.id}`, { proposal: emailProposal(proposal) })), { events: [proposed] });
      return state;
    },
    { validator: ({ actor }) => mustSpeakForParty(actor) },
  );
  setHandler(
    acceptDisputeProposalUpdate,
    async ({ actor, proposalId }) => {
      const proposal = proposalOf(proposalId);
      // An agency accepts once; a second acceptance from it changes nothing. One that declined
      // before may still accept: its decline stays on the record.
      if (proposal.acceptances.some((x) => x.agencyId === actor.agencyId)) return state;
      proposal.acceptances.push({ agencyId: actor.agencyId, by: who(actor), at: workflowNowIso(), channel: actor.channel });
      await ctx.record('dispute.proposal-accepted', { ...by(actor), item: proposal.id });
      if (isOpen() && agreedProposal(input, state)) state.status = 'resolved';
      return state;
    },
    {
      validator: ({ actor, proposalId }) => {
        mustSpeakForParty(actor);
        proposalOf(proposalId);
      },
    },
  );
  setHandler(
    declineDisputeProposalUpdate,
    async ({ actor, proposalId, reason }) => {
      const proposal = proposalOf(proposalId);
      // A second decline from the same agency changes nothing: its first reason stands.
      if (declineOf(proposal, actor.agencyId)) return state;
      decline(proposal, actor, reason);
      const declined = ctx.event('dispute.proposal-declined', { ...by(actor), reason, item: proposal.id });
      const told = proposerSide(proposal).map((r) => email('dispute-declined', r, `declined:${proposal.id}:${actor.agencyId}:${r.id}`, { proposal: emailProposal(proposal), declinedBy: actor.name }));
      await ctx.notify(told, { events: [declined] });
      return state;
    },
    {
      validator: ({ actor, proposalId, reason }) => {
        mustSpeakForParty(actor);
        mustNotHaveAccepted(proposalOf(proposalId), actor);
        requireText(reason, 'Say why your agency declines the proposal.');
      },
    },
  );
  setHandler(
    counterProposeDisputeUpdate,
    async ({ actor, proposalId, terms, reason, carriesOn }) => {
      const answered = proposalOf(proposalId);
      const counter = addProposal(actor, terms, { answers: answered.id, carriesOn });
      const events: ReturnType<typeof ctx.event>[] = [];
      // Answering a proposal declines it, unless the agency already had.
      if (!declineOf(answered, actor.agencyId)) {
        const why = reason?.trim() || `Answered with counter-proposal ${counter.id}`;
        decline(answered, actor, why);
        events.push(ctx.event('dispute.proposal-declined', { ...by(actor, { counterProposal: counter.id }), reason: why, item: answered.id }));
      }
      events.push(ctx.event('dispute.counter-proposed', { ...by(actor, { terms, answers: answered.id, ...(carriesOn ? { carriesOn: carriesOn.id } : {}) }), item: counter.id }));
      await ctx.notify(others(actor.agencyId).map((r) => email('dispute-proposal', r, `proposal:${counter.id}:${r.id}`, { proposal: emailProposal(counter) })), { events });
      return state;
    },
    {
      validator: ({ actor, proposalId, terms }) => {
        mustSpeakForParty(actor);
        mustNotHaveAccepted(proposalOf(proposalId), actor);
        requireText(terms, 'Say what your agency proposes instead.');
      },
    },
  );
  setHandler(
    decideDisputeUpdate,
    async ({ actor, decision, rationale, carriesOn }) => {
      Object.assign(state, { decision: { by: who(actor), decision, rationale, at: workflowNowIso(), binding: true, ...(carriesOn ? { carriesOn } : {}) }, status: 'decided' });
      await ctx.record('dispute.decision-recorded', { ...by(actor, { decision, binding: true, ...(carriesOn ? { carriesOn: carriesOn.id } : {}) }), reason: rationale });
      return state;
    },
    {
      validator: ({ actor }) => {
        mustBeOpen();
        if (!isGovernance(actor)) reject('NotGovernance', 'Only partnership governance may decide a dispute.');
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

  // ---------------------------------------------------------------------------------------------
  // The interim owner's step: progress by its due time moves the next one on; a miss escalates.

  /** Tells each escalation a missed progress raised that its cause has ended. */
  const endInterimEscalations = (reason: string) => {
    for (const e of interim.escalations.filter((x) => !x.endedAt)) {
      e.endedAt = workflowNowIso();
      void ctx.inFlight(() => endEscalationCause(e.id, reason));
    }
  };
  setHandler(
    recordInterimProgressUpdate,
    async ({ actor, note, done }) => {
      const at = workflowNowIso();
      interim.progress.push({ at, by: who(actor), note, channel: actor.channel, ...(done ? { done: true } : {}) });
      if (done) Object.assign(interim, { status: 'done', endedAt: at, overdue: false });
      else Object.assign(interim, { ...progressDue(at, policy), overdue: false });
      ctx.publish();
      await ctx.record(done ? 'dispute.interim-step-done' : 'dispute.interim-progress', { ...by(actor, done ? {} : { nextDueAt: interim.dueAt }), reason: note, item: INTERIM_ITEM });
      endInterimEscalations(done ? `${actor.name} recorded “${input.step}” as done` : `${actor.name} recorded progress on “${input.step}”`);
      return state;
    },
    {
      validator: ({ actor, note }) => {
        mustBeOpen();
        if (interim.status !== 'open') reject('InterimStepEnded', `“${input.step}” has already been recorded as done.`);
        if (actor.staffId !== interim.owner.id) reject('NotInterimOwner', `${interim.owner.name} is the interim owner of “${input.step}”; only they record its progress.`);
        requireText(note, 'Say how the step stands.');
      },
    },
  );
  const remindInterim = () => {
    const reminded = ctx.event('dispute.interim-reminder-sent', { item: INTERIM_ITEM, data: { to: interim.owner.id, dueAt: interim.dueAt } });
    return ctx.notify([email('dispute-interim-reminder', interim.owner, `interim-reminder:${interim.dueAt}`)], { events: [reminded] });
  };
  const interimOverdue = async () => {
    interim.overdue = true;
    ctx.publish();
    const item = `interim-${interim.escalations.length + 1}`;
    // From the input, not workflowInfo(): replay of a recorded history runs under another id.
    const id = childEscalationId(input.disputeId, item);
    interim.escalations.push({ id, raisedAt: workflowNowIso(), missedDueAt: interim.dueAt });
    const reason = `${interim.owner.name}, interim owner of “${input.step}” while the dispute “${input.subject}” runs, recorded no progress by the time it was due`;
    const escalation = raiseEscalation({
      escalationId: id,
      participant: input.participant,
      riskLevel: policy.interim.riskLevel,
      trigger: `No progress on the disputed step: ${input.step}`,
      description: reason,
      source: { process: 'dispute', workflowId, item },
      agencyId: interim.owner.agencyId,
      involvedAgencyIds: [...new Set([interim.owner.agencyId, input.raisedBy.agencyId])],
      // Chaired by the raiser when they are a coordinator, else by one at the interim owner's agency.
      preferredChair: input.raisedBy,
      responders: [interim.owner],
    });
    const events = [ctx.event('dispute.interim-overdue', { item: INTERIM_ITEM, data: { dueAt: interim.dueAt, owner: interim.owner.id } }), ctx.event('escalation.raised', { item: INTERIM_ITEM, reason, data: { escalationId: id, workflowId: id } })];
    await Promise.all([escalation, ctx.notify([email('dispute-interim-overdue', interim.owner, `interim-overdue:${interim.dueAt}`)], { events })]);
  };
  const interimStep: OwnedStep = {
    ended: () => !isOpen() || interim.status !== 'open',
    remindAt: () => (interim.remindAt ? Date.parse(interim.remindAt) : undefined),
    dueAt: () => Date.parse(interim.dueAt),
    onReminder: remindInterim,
    onOverdue: interimOverdue,
  };

  // ---------------------------------------------------------------------------------------------
  // The stages.

  /** A stage: its representatives found (an agency with no one in the role keeps its earlier voice), its deadline set, each told. */
  const enterStage = async (stage: DisputeStageNumber) => {
    const stagePolicy = policy.stage(stage);
    const previous = current();
    const named = stage === 1 ? [input.raisedBy, ...input.namedContacts] : [];
    const found = await local.findDisputeRepresentatives({ roles: stagePolicy.representativeRoles, governance: stage === 3, agencyIds: input.partyAgencyIds, named });
    // Agreed, decided or withdrawn while the representatives were being found: no new stage.
    if (!isOpen()) return;
    const earlier = stage === 3 ? [] : (previous?.representatives ?? []).filter((r) => !found.some((x) => x.agencyId === r.agencyId));
    const representatives = [...found, ...earlier];
    if (previous) previous.endedAt = workflowNowIso();
    state.stage = stage;
    // Counted from the workflow's clock, in working days on the partnership's calendar.
    const dueAt = addWorkingDays(workflowNowIso(), stagePolicy.workingDays, policy.calendar);
    state.stages.push({ stage, label: stagePolicy.label, startedAt: workflowNowIso(), dueAt, workingDays: stagePolicy.workingDays, representativeRoles: stagePolicy.representativeRoles, representatives, deadlinePassed: false });
    ctx.publish();
    const data = { label: stagePolicy.label, dueAt, workingDays: stagePolicy.workingDays, representatives: representatives.map((r) => r.id) };
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

  // Raised: on the record, the interim owner told, stage 1 entered; each deadline moves it on,
  // and the interim owner's step runs beside the stages until the close.
  ctx.publish();
  const raiser = { staffId: input.raisedBy.id, name: input.raisedBy.name, agencyId: input.raisedBy.agencyId, roles: [], channel: 'api' as const };
  const raisedData = { subject: input.subject, outcomeSought: input.outcomeSought, step: input.step, interimOwner: input.interimOwner.id, interimDueAt: interim.dueAt, parties: input.partyAgencyIds, agreementVersion: policy.version };
  const raised = ctx.event('dispute.raised', { ...by(raiser, raisedData), reason: input.description, item: 'stage-1' });
  await ctx.notify([email('dispute-interim-owner', input.interimOwner, 'interim-owner')], { events: [raised] });
  await enterStage(1);
  const stageDeadline: OwnedStep = { ended: () => !isOpen(), dueAt: () => (current() ? Date.parse(current()!.dueAt) : undefined), onOverdue: deadlinePassed };
  await superviseSteps([stageDeadline, interimStep], { until: () => !isOpen(), inFlight: ctx.inFlight });

  // Closed: the outcome on the record with who carries the step on, its links revoked, in one
  // write; escalations of a missed progress told their cause ended; the interim owner (and the
  // person who carries the step on) told.
  await ctx.settled();
  const closedAt = workflowNowIso();
  const last = current();
  if (last) last.endedAt = closedAt;
  const agreed = state.status === 'resolved' ? agreedProposal(input, state) : undefined;
  const status = state.status as Exclude<DisputeState['status'], 'open'>;
  const carriesOn = state.decision?.carriesOn ?? agreed?.carriesOn ?? input.interimOwner;
  if (interim.status === 'open') Object.assign(interim, { status: 'closed', endedAt: closedAt });
  const ending = interim.escalations.filter((e) => !e.endedAt);
  for (const e of ending) e.endedAt = closedAt;
  await Promise.all(ending.map((e) => endEscalationCause(e.id, `the dispute “${input.subject}” was ${status}; ${carriesOn.name} carries “${input.step}” on`)));
  const outcome = {
    status,
    stageReached: state.stage,
    at: closedAt,
    msToClose: workflowNow() - Date.parse(state.startedAt),
    workingDaysToClose: workingDaysBetween(state.startedAt, closedAt, policy.calendar),
    ...(agreed ? { proposalId: agreed.id } : {}),
  };
  state.outcome = { ...outcome, carriesOn };
  const decided = state.decision ? { decision: state.decision.decision, decidedBy: state.decision.by.id } : {};
  const closed = ctx.event(`dispute.${status}`, { data: { ...outcome, carriesOn: carriesOn.id, ...(agreed ? { terms: agreed.terms } : {}), ...decided } });
  await local.recordDispute({ workflowId, state, events: [closed], revoke: [{ workflowId, reason: status }] });
  const told = [...new Map([input.interimOwner, carriesOn].map((p) => [p.id, p])).values()];
  await ctx.notify(told.map((p) => email('dispute-closed', p, `closed:${p.id}`, { closed: { status, carriesOn: { id: carriesOn.id, name: carriesOn.name } } })));
  ctx.publish();
  return state;
}

// A dispute runs for weeks: under Worker Versioning it moves to each new current build, and a
// change that must reach it is branched on patched() (docs/releases.md); the others stay pinned.
// A function, not a plain object: on an unversioned worker (tests, WORKER_VERSIONING=false) it
// names no behaviour, which such a worker would refuse.
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), disputeWorkflow);

/**
 * The working agreement a dispute runs under: its stages, calendar and interim-step rules, read
 * from its input here and nowhere else (not exported: every function this module exports is a
 * workflow type).
 */
function agreementOf(input: DisputeInput) {
  const a = input.agreement;
  return {
    version: a.version,
    stages: a.stages,
    stage: (n: DisputeStageNumber) => a.stages[n - 1]!,
    calendar: a.calendar,
    interim: a.interimStep ?? DEFAULT_INTERIM_STEP,
  };
}
type Agreement = ReturnType<typeof agreementOf>;

/** When the interim owner's next progress is due, counted from `fromIso`, and its reminder (none if it would be at once). */
function progressDue(fromIso: string, policy: Agreement): { dueAt: string; remindAt?: string } {
  const dueAt = addWorkingDays(fromIso, policy.interim.progressEveryWorkingDays, policy.calendar);
  const remindMs = Date.parse(dueAt) - policy.interim.remindHoursBefore * HOUR_MS;
  return remindMs > Date.parse(fromIso) ? { dueAt, remindAt: new Date(remindMs).toISOString() } : { dueAt };
}

const who = (a: DisputeActor) => ({ id: a.staffId, name: a.name });

const emailProposal = (p: DisputeProposal) => ({ id: p.id, terms: p.terms, byName: p.by.name, ...(p.answers ? { answers: p.answers } : {}) });

/** An event by a party's representative: the channel they used and the agency they speak for. */
function by(a: DisputeActor, data: Record<string, unknown> = {}): EventSpec {
  return { actor: { staffId: a.staffId, name: a.name, channel: a.channel }, data: { agencyId: a.agencyId, ...data } };
}

/** A party's voice at the current stage (domain/dispute.ts), with the roles of every stage reached so far. */
function mayActForParty(policy: Agreement, state: DisputeState, a: DisputeActor): boolean {
  // Even in the moment between the start and the first stage's representatives being found.
  const roles = policy.stages.filter((p) => p.stage <= state.stage).flatMap((p) => p.representativeRoles);
  return speaksForParty(state, a, roles);
}

/** The proposal every party has accepted, if there is one. */
function agreedProposal(input: DisputeInput, state: DisputeState): DisputeProposal | undefined {
  return state.proposals.find((p) => input.partyAgencyIds.every((agency) => p.acceptances.some((x) => x.agencyId === agency)));
}

function openDispute(input: DisputeInput, policy: Agreement): DisputeState {
  const { disputeId, participant, subject, description, outcomeSought, step, raisedBy, interimOwner, partyAgencyIds } = input;
  const startedAt = workflowNowIso();
  return {
    disputeId,
    participant,
    subject,
    description,
    outcomeSought,
    step,
    raisedBy,
    interimOwner,
    partyAgencyIds,
    agreementVersion: policy.version,
    status: 'open',
    stage: 1,
    startedAt,
    stages: [],
    positions: [],
    proposals: [],
    calendar: policy.calendar,
    interimStep: { owner: interimOwner, status: 'open', ...progressDue(startedAt, policy), progress: [], overdue: false, escalations: [] },
  };
}

function disputeSearchAttributes(input: DisputeInput, state: DisputeState): SearchAttributeUpdatePair[] {
  return [
    { key: CareloopStatus, value: disputeSearchStatus(state) },
    { key: CareloopAgencies, value: input.partyAgencyIds },
    ...nextActionAttributes(disputeNextAction(state)),
  ];
}
