// Escalation tiers (seed 001, "Escalation tiers"): raised at a risk level, chaired by the holder
// of the tier's chair role, who acknowledges (takes ownership) within the tier's window, records
// the response action within its response window, then the outcome. A missed window promotes
// the escalation to the next tier up, whose chair is told; at the top tier the chair is told it
// is overdue. When the raising process says the cause has ended, promotions stop and the chair
// only confirms the outcome; if nobody does within the grace period, it resolves itself.
import { defineQuery, defineSignal, defineUpdate, setHandler, sleep } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { EscalationNotice, NoticeKind, ProcessEvent, TokenRevocation } from '../activities';
import { CAUSE_GRACE_MS, TIER_RANK, type EscalationInput, type EscalationState, type RiskLevel, type StepRecord, type TierRecord } from '../domain/escalation';
import { TOKEN_EXPIRY } from '../domain/tokens';
import type { Actor, StaffRef } from '../domain/sprint';
import { withinDeadline } from '../domain/on-time';
import { CareloopAgencies, CareloopEscalationTier, CareloopStatus } from '../domain/search-attributes';
import { escalationNextAction, nextActionAttributes } from '../domain/next-action';
import { workflowNow, workflowNowIso } from './clock';
import { answerLiveState, escalationCauseResolvedSignal, local, notifying, processContext, reject, requireText, superviseSteps } from './kit';

export { escalationCauseResolvedSignal };

// Message names are part of the stored history: never rename them.
export interface EscalationActionBase {
  actor: Actor;
  /** An admin may act for the chair. */
  actsForChair?: boolean;
}
export const acknowledgeEscalationUpdate = defineUpdate<EscalationState, [EscalationActionBase]>('acknowledgeEscalation');
export const respondEscalationUpdate = defineUpdate<EscalationState, [EscalationActionBase & { responseAction: string }]>('respondEscalation');
export const resolveEscalationUpdate = defineUpdate<EscalationState, [EscalationActionBase & { outcome: string }]>('resolveEscalation');
export const escalationStateQuery = defineQuery<EscalationState>('escalationState');
/** A chair's or responder's note (by page, link or reply); a signal: the API checked who may write it. */
export const addEscalationNoteSignal = defineSignal<[{ actor: Actor; text: string }]>('addEscalationNote');

/** ApplicationFailure types the API maps to HTTP statuses. */
export const EscalationRejection = {
  notChair: 'NotEscalationChair',
  resolved: 'EscalationResolved',
  outOfOrder: 'EscalationStepOutOfOrder',
} as const;

export async function escalationWorkflow(input: EscalationInput): Promise<EscalationState> {
  const { tiers: policy } = input.policy;
  // Once the cause has ended, the chair has this long to confirm the outcome; then careloop records it.
  const graceMs = input.policy.causeGraceMs ?? CAUSE_GRACE_MS;
  const state = openEscalation(input);
  const ctx = processContext({ process: 'escalation', participantId: input.participant.id, item: () => state.tier, searchAttributes: () => escalationSearchAttributes(state) });
  const { workflowId } = ctx;
  const currentTier = (): TierRecord => state.tiers[state.tiers.length - 1]!;
  /** The reporting row with the change's audit events and the links it ends, in one write. */
  const save = (events: ProcessEvent[] = [], revoke: TokenRevocation[] = []) => local.recordEscalation({ workflowId, state, events, revoke });
  const findPeople = (level: RiskLevel) => local.findEscalationPeople({ tier: policy[level], agencyId: input.agencyId, responderAgencyIds: input.involvedAgencyIds, preferredChair: input.preferredChair, named: input.responders });
  /**
   * Tells people about a step: a notice each, held with the step's audit events in one write, and
   * grouped with their other notices about the participant (activities/notices.ts). The email
   * goes out when its batch is due: this workflow sleeps until then and asks for it (another
   * escalation in the batch may have sent it already).
   */
  const announce = async (kind: NoticeKind, people: { to: StaffRef; role: 'chair' | 'responder' }[], events: ProcessEvent[] = []) => {
    const tier = currentTier();
    const tokensExpireAt = TOKEN_EXPIRY.escalation(tier.respondDueAt);
    // Urgent news waits less: a tenth of the tier's acknowledgement window (the grouping window caps it), nothing at all past the top tier.
    const holdAtMostMs = kind === 'top-tier-overdue' ? 0 : kind === 'cause-resolved' ? graceMs / 10 : policy[tier.tier].acknowledgeWithinMs / 10;
    const notices: EscalationNotice[] = people.map(({ to, role }) => ({
      key: ctx.key(`tier${state.tiers.length}`, kind, role, to.id),
      escalationId: workflowId,
      participant: input.participant,
      to,
      role,
      kind,
      cause: input.trigger,
      tier: tier.tier,
      tierLabel: policy[tier.tier].label,
      chairName: state.chair.name,
      acknowledgeDueAt: tier.acknowledgeDueAt,
      respondDueAt: tier.respondDueAt,
      causeReason: state.causeResolvedReason,
      graceEndsAt: state.causeGraceEndsAt,
      tokensExpireAt,
      holdAtMostMs,
    }));
    const { batches } = await local.holdEscalationNotices({ notices, now: workflowNow(), events });
    for (const batch of batches) {
      void ctx.inFlight(async () => {
        const wait = Date.parse(batch.sendAt) - workflowNow();
        if (wait > 0) await sleep(wait);
        await notifying.sendNoticeBatch({ batchId: batch.id, workflowId });
      });
    }
  };
  const tellTier = (kind: 'raised' | 'promoted', events: ProcessEvent[] = []) =>
    announce(kind, [{ to: state.chair, role: 'chair' }, ...state.responders.map((to) => ({ to, role: 'responder' as const }))], events);

  // True while the chair of a tier is being found: steps wait for the new chair.
  let promoting = true;
  const assertChair = (a: EscalationActionBase) => {
    if (promoting) reject(EscalationRejection.outOfOrder, 'This escalation is finding the chair of its tier right now; try again in a moment.');
    if (state.status === 'resolved') reject(EscalationRejection.resolved, 'This escalation has been resolved; it can no longer change.');
    if (!a.actsForChair && a.actor.staffId !== state.chair.id) reject(EscalationRejection.notChair, `${state.chair.name} chairs this escalation at the ${state.tier} tier; only they may act on it.`);
  };
  const step = (actor: Actor, dueAt: string): StepRecord => {
    const at = workflowNowIso();
    return { at, by: actor, onTime: withinDeadline(at, dueAt), tier: state.tier };
  };
  const saved = async (action: string, actor: Actor | undefined, reason: string | undefined, data: Record<string, unknown>) => {
    await save([ctx.event(action, { actor, reason, data })]);
    ctx.publish();
    return state;
  };

  answerLiveState(escalationStateQuery, state);
  setHandler(
    acknowledgeEscalationUpdate,
    (a) => {
      Object.assign(state, { acknowledgement: step(a.actor, state.acknowledgeDueAt), status: 'acknowledged' });
      return saved('escalation.acknowledged', a.actor, undefined, { onTime: state.acknowledgement!.onTime, dueAt: state.acknowledgeDueAt });
    },
    {
      validator: (a) => {
        assertChair(a);
        if (state.status !== 'open') reject(EscalationRejection.outOfOrder, `${state.acknowledgement?.by.name ?? 'The chair'} has already acknowledged this escalation.`);
      },
    },
  );
  setHandler(
    respondEscalationUpdate,
    (a) => {
      Object.assign(state, { response: { ...step(a.actor, state.respondDueAt), action: a.responseAction.trim() }, status: 'responded' });
      return saved('escalation.responded', a.actor, state.response!.action, { onTime: state.response!.onTime, dueAt: state.respondDueAt });
    },
    {
      validator: (a) => {
        assertChair(a);
        requireText(a.responseAction, 'Record the response action taken.');
        if (state.status === 'open') reject(EscalationRejection.outOfOrder, 'The chair must acknowledge the escalation before recording the response.');
        if (state.status === 'responded') reject(EscalationRejection.outOfOrder, 'A response action is already recorded; record the outcome to resolve it.');
      },
    },
  );
  /** Resolved by the chair, or by careloop once the cause has ended and nobody confirmed the outcome in time. */
  const resolve = (actor: Actor, text: string, resolvedBy: 'chair' | 'cause') => {
    // The outcome is on time when recorded within the response window of the tier in force.
    const outcome = { ...step(actor, state.respondDueAt), outcome: text.trim() };
    Object.assign(state, { outcome, status: 'resolved', resolvedAt: outcome.at, resolvedBy });
    currentTier().leftAt = outcome.at;
    // careloop's own resolution is an event without a person (actor "careloop", no staff id).
    return saved('escalation.resolved', resolvedBy === 'chair' ? actor : undefined, outcome.outcome, { onTime: outcome.onTime, tier: state.tier, promotions: state.tiers.length - 1, resolvedBy });
  };
  setHandler(resolveEscalationUpdate, (a) => resolve(a.actor, a.outcome, 'chair'), {
    validator: (a) => {
      assertChair(a);
      requireText(a.outcome, 'Record the outcome.');
      // Once the cause has ended the chair only confirms the outcome: no acknowledgement or response first.
      if (state.status !== 'responded' && !state.causeResolvedAt) reject(EscalationRejection.outOfOrder, 'Record the response action before the outcome.');
    },
  });
  setHandler(addEscalationNoteSignal, (a) => {
    const text = a.text?.trim();
    // A note reaching a resolved escalation is dropped: the API refuses those before sending.
    if (!text || state.status === 'resolved') return;
    state.notes.push({ at: workflowNowIso(), by: a.actor, text: text.slice(0, 2000) });
    ctx.publish();
    void ctx.inFlight(() => save([ctx.event('escalation.note-added', { actor: a.actor, reason: text.slice(0, 2000) })]));
  });
  // Once the cause has ended, the chair has a grace period to confirm the outcome; then careloop records it.
  setHandler(escalationCauseResolvedSignal, ({ reason }) => {
    if (state.status === 'resolved' || state.causeResolvedAt) return;
    const at = workflowNow();
    Object.assign(state, { causeResolvedAt: new Date(at).toISOString(), causeResolvedReason: reason, causeGraceEndsAt: new Date(at + graceMs).toISOString() });
    ctx.publish();
    // The chair is asked only to confirm the outcome (by page, link or reply).
    const event = ctx.event('escalation.cause-resolved', { reason });
    void ctx.inFlight(async () => {
      await save();
      await announce('cause-resolved', [{ to: state.chair, role: 'chair' }], [event]);
    });
  });

  // Raised: the tier's chair is found, the escalation goes on the record, chair and responders are told.
  ctx.publish();
  const found = await findPeople(input.riskLevel);
  Object.assign(state, { chair: found.chair, responders: found.responders });
  currentTier().chair = found.chair;
  promoting = false;
  ctx.publish();
  const raisedBy = input.raisedBy && { staffId: input.raisedBy.id, name: input.raisedBy.name, channel: 'api' };
  const raisedData = { riskLevel: input.riskLevel, policyVersion: input.policy.version, source: input.source, chair: state.chair.id, acknowledgeDueAt: state.acknowledgeDueAt, respondDueAt: state.respondDueAt };
  await save();
  await tellTier('raised', [ctx.event('escalation.raised', { actor: raisedBy, reason: input.trigger, data: raisedData })]);

  /** A missed window: up one tier with a new chair, or at the top, a loud notice and no more deadlines. */
  const missed = async (what: 'acknowledgement' | 'response') => {
    const from = currentTier();
    const next = policy[from.tier].next;
    if (!next) {
      state.overdueAtTopTier = true;
      const event = ctx.event('escalation.window-missed', { reason: `${what} window of the ${from.tier} tier passed; there is no higher tier`, data: { tier: from.tier, what } });
      await save();
      await announce('top-tier-overdue', [{ to: from.chair, role: 'chair' }], [event]);
      return ctx.publish();
    }
    promoting = true;
    const people = await findPeople(next);
    promoting = false;
    from.leftAt = workflowNowIso();
    const due = tierDeadlines(input, next);
    state.tiers.push({ tier: next, chair: people.chair, enteredAt: from.leftAt, ...due, entry: what === 'acknowledgement' ? 'acknowledgement-missed' : 'response-missed' });
    Object.assign(state, { tier: next, chair: people.chair, responders: people.responders, ...due, status: 'open', acknowledgement: undefined });
    // The previous chair's links stop working as the promotion is recorded: the new chair owns it now.
    const promoted = ctx.event('escalation.promoted', { reason: `${what} window of the ${from.tier} tier passed`, data: { from: from.tier, to: next, chair: people.chair.id, ...due } });
    await save([], [{ workflowId, staffId: from.chair.id, reason: 'promoted' }]);
    ctx.publish();
    await tellTier('promoted', [promoted]);
  };
  // One deadline at a time: acknowledge while open, respond once acknowledged.
  const closed = () => state.status === 'resolved' || !!state.causeResolvedAt;
  const careloop: Actor = { staffId: 'careloop', name: 'careloop', channel: 'api' };
  const windows = [
    { ended: closed, dueAt: () => (state.status === 'open' ? Date.parse(state.acknowledgeDueAt) : undefined), onOverdue: () => missed('acknowledgement') },
    { ended: closed, dueAt: () => (state.status === 'acknowledged' ? Date.parse(state.respondDueAt) : undefined), onOverdue: () => missed('response') },
    {
      ended: () => state.status === 'resolved',
      dueAt: () => (state.causeGraceEndsAt ? Date.parse(state.causeGraceEndsAt) : undefined),
      onOverdue: async () => {
        if (state.status !== 'resolved') await resolve(careloop, `Cause resolved: ${state.causeResolvedReason ?? 'the raising process ended it'}`, 'cause');
      },
    },
  ];
  await superviseSteps(windows, { until: () => state.status === 'resolved', inFlight: ctx.inFlight });

  await ctx.settled();
  await save([], [{ workflowId, reason: 'resolved' }]);
  ctx.publish();
  return state;
}

/** A tier's deadlines count from the workflow's own clock as the tier is entered. */
function tierDeadlines(input: EscalationInput, level: RiskLevel) {
  const now = workflowNow();
  const tier = input.policy.tiers[level];
  return { acknowledgeDueAt: new Date(now + tier.acknowledgeWithinMs).toISOString(), respondDueAt: new Date(now + tier.respondWithinMs).toISOString() };
}

function openEscalation(input: EscalationInput): EscalationState {
  const due = tierDeadlines(input, input.riskLevel);
  const raisedAt = workflowNowIso();
  // Until the chair is found (the first local activity), the preferred chair stands in and no step is taken.
  const chair = input.preferredChair ?? input.raisedBy ?? input.responders[0]!;
  return {
    escalationId: input.escalationId,
    policyVersion: input.policy.version,
    participant: input.participant,
    riskLevel: input.riskLevel,
    trigger: input.trigger,
    description: input.description,
    source: input.source,
    raisedBy: input.raisedBy,
    raisedAt,
    agencyId: input.agencyId,
    status: 'open',
    tier: input.riskLevel,
    chair,
    responders: input.responders,
    ...due,
    overdueAtTopTier: false,
    notes: [],
    tiers: [{ tier: input.riskLevel, chair, enteredAt: raisedAt, ...due, entry: 'raised' }],
  };
}

function escalationSearchAttributes(state: EscalationState): SearchAttributeUpdatePair[] {
  return [
    { key: CareloopStatus, value: state.status },
    { key: CareloopAgencies, value: [...new Set([state.agencyId, state.chair.agencyId])] },
    { key: CareloopEscalationTier, value: TIER_RANK[state.tier] },
    ...nextActionAttributes(escalationNextAction(state)),
  ];
}
