// Escalation tiers: raised at a risk level, chaired by the holder of the tier's chair role, who
// acknowledges (takes ownership), records the response action, then the outcome. A missed
// window promotes the escalation to the next tier up, whose chair is told.
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
import { TIER_RANK, type EscalationInput, type EscalationState, type EscalationStatus, type RiskLevel, type StepRecord, type TierRecord } from '../domain/escalation';
import type { Actor } from '../domain/sprint';
import { CareloopAgencies, CareloopEscalationTier, CareloopParticipant, CareloopProcess, CareloopStatus } from '../domain/search-attributes';
import { workflowNow, workflowNowIso } from './clock';
import { waitUntil } from './owned-step';
import { escalationNextAction, nextActionAttributes } from '../domain/next-action';
import { ROSTER_PATCH } from './patches';


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

/** ApplicationFailure types the API maps to HTTP statuses. */
export const EscalationRejection = {
  notChair: 'NotEscalationChair',
  resolved: 'EscalationResolved',
  outOfOrder: 'EscalationStepOutOfOrder',
} as const;

function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

// Tokens stay usable a while past the response deadline: a late acknowledgement still counts.
const TOKEN_GRACE_MS = 7 * 24 * 3600_000;

export async function escalationWorkflow(input: EscalationInput): Promise<EscalationState> {
  const { workflowId } = workflowInfo();
  const { tiers: policy } = input.policy;
  const raisedAt = workflowNowIso();
  let events = 0;

  const audit = (action: string, extra: { actor?: Actor; reason?: string; data?: Record<string, unknown> } = {}) => {
    events += 1;
    return acts.recordAudit({
      actor: extra.actor?.name ?? 'careloop',
      actorId: extra.actor?.staffId ?? null,
      action,
      reason: extra.reason ?? null,
      process: 'escalation',
      workflowId,
      item: state.tier,
      participantId: input.participant.id,
      data: { ...(extra.data ?? {}), ...(extra.actor ? { channel: extra.actor.channel } : {}) },
      idempotencyKey: `${workflowId}:${events}:${action}`,
      at: workflowNowIso(),
    });
  };

  // Deadlines count from the workflow's own clock when the tier is entered.
  const deadlines = (level: RiskLevel) => {
    const now = workflowNow();
    return { acknowledgeDueAt: new Date(now + policy[level].acknowledgeWithinMs).toISOString(), respondDueAt: new Date(now + policy[level].respondWithinMs).toISOString() };
  };
  const firstDeadlines = deadlines(input.riskLevel);
  // Until the chair is found (the first activity), the preferred chair stands in and no step is taken.
  const provisional = input.preferredChair ?? input.raisedBy ?? input.responders[0]!;
  const first = { chair: provisional, responders: input.responders };
  const state: EscalationState = {
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
    chair: first.chair,
    responders: first.responders,
    ...firstDeadlines,
    overdueAtTopTier: false,
    tiers: [{ tier: input.riskLevel, chair: first.chair, enteredAt: workflowNowIso(), ...firstDeadlines, entry: 'raised' }],
  };
  const currentTier = (): TierRecord => state.tiers[state.tiers.length - 1]!;

  const publish = () =>
    upsertSearchAttributes([
      { key: CareloopProcess, value: 'escalation' },
      { key: CareloopParticipant, value: input.participant.id },
      { key: CareloopStatus, value: state.status },
      { key: CareloopAgencies, value: [...new Set([input.agencyId, state.chair.agencyId])] },
      { key: CareloopEscalationTier, value: TIER_RANK[state.tier] },
      // Escalations recorded before the huddle roster publish no next action.
      ...(patched(ROSTER_PATCH) ? nextActionAttributes(escalationNextAction(state)) : []),
    ]);
  const saveRecord = () => acts.recordEscalation({ workflowId, state });

  const notifyTier = async (promoted: boolean) => {
    const tier = currentTier();
    const common = {
      workflowId,
      participantRef: input.participant.localRef,
      riskLevel: tier.tier,
      tierLabel: policy[tier.tier].label,
      promoted,
      acknowledgeDueAt: tier.acknowledgeDueAt,
      respondDueAt: tier.respondDueAt,
      tokensExpireAt: new Date(Date.parse(tier.respondDueAt) + TOKEN_GRACE_MS).toISOString(),
    };
    const n = state.tiers.length;
    await Promise.all([
      acts.sendEscalationEmail({ ...common, kind: 'escalation-chair', idempotencyKey: `${workflowId}:tier${n}:chair:${tier.chair.id}`, to: tier.chair }),
      ...state.responders.map((r) => acts.sendEscalationEmail({ ...common, kind: 'escalation-responder', idempotencyKey: `${workflowId}:tier${n}:responder:${r.id}`, to: r })),
    ]);
  };

  // True while the chair of a tier is being found: steps wait for the new chair.
  let promoting = true;
  const assertChair = (a: EscalationActionBase) => {
    if (promoting) reject(EscalationRejection.outOfOrder, 'This escalation is finding the chair of its tier right now; try again in a moment.');
    if (state.status === 'resolved') reject(EscalationRejection.resolved, 'This escalation has been resolved; it can no longer change.');
    if (!a.actsForChair && a.actor.staffId !== state.chair.id) reject(EscalationRejection.notChair, `${state.chair.name} chairs this escalation at the ${state.tier} tier; only they may act on it.`);
  };
  const step = (actor: Actor, dueAt: string): StepRecord => ({ at: workflowNowIso(), by: actor, onTime: workflowNow() <= Date.parse(dueAt), tier: state.tier });

  setHandler(escalationStateQuery, () => state);
  setHandler(
    acknowledgeEscalationUpdate,
    async (a) => {
      state.acknowledgement = step(a.actor, state.acknowledgeDueAt);
      state.status = 'acknowledged';
      await audit('escalation.acknowledged', { actor: a.actor, data: { onTime: state.acknowledgement.onTime, dueAt: state.acknowledgeDueAt } });
      await saveRecord();
      publish();
      return state;
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
    async (a) => {
      state.response = { ...step(a.actor, state.respondDueAt), action: a.responseAction.trim() };
      state.status = 'responded';
      await audit('escalation.responded', { actor: a.actor, reason: state.response.action, data: { onTime: state.response.onTime, dueAt: state.respondDueAt } });
      await saveRecord();
      publish();
      return state;
    },
    {
      validator: (a) => {
        assertChair(a);
        if (!a.responseAction?.trim()) reject('InvalidInput', 'Record the response action taken.');
        if (state.status === 'open') reject(EscalationRejection.outOfOrder, 'The chair must acknowledge the escalation before recording the response.');
        if (state.status === 'responded') reject(EscalationRejection.outOfOrder, 'A response action is already recorded; record the outcome to resolve it.');
      },
    },
  );
  setHandler(
    resolveEscalationUpdate,
    async (a) => {
      // The outcome is on time when recorded within the response window of the tier in force.
      state.outcome = { ...step(a.actor, state.respondDueAt), outcome: a.outcome.trim() };
      state.status = 'resolved';
      state.resolvedAt = state.outcome.at;
      currentTier().leftAt = state.outcome.at;
      await audit('escalation.resolved', { actor: a.actor, reason: state.outcome.outcome, data: { onTime: state.outcome.onTime, tier: state.tier, promotions: state.tiers.length - 1 } });
      return state;
    },
    {
      validator: (a) => {
        assertChair(a);
        if (!a.outcome?.trim()) reject('InvalidInput', 'Record the outcome.');
        if (state.status !== 'responded') reject(EscalationRejection.outOfOrder, 'Record the response action before the outcome.');
      },
    },
  );

  publish();
  const found = await acts.findEscalationPeople({ tier: policy[input.riskLevel], agencyId: input.agencyId, preferredChair: input.preferredChair, named: input.responders });
  Object.assign(state, { chair: found.chair, responders: found.responders });
  currentTier().chair = found.chair;
  promoting = false;
  // The roster names the chair found, not the stand-in.
  if (patched(ROSTER_PATCH)) publish();
  await audit('escalation.raised', {
    actor: input.raisedBy ? { staffId: input.raisedBy.id, name: input.raisedBy.name, channel: 'api' } : undefined,
    reason: input.trigger,
    data: { riskLevel: input.riskLevel, policyVersion: input.policy.version, source: input.source, chair: state.chair.id, acknowledgeDueAt: state.acknowledgeDueAt, respondDueAt: state.respondDueAt },
  });
  await saveRecord();
  await notifyTier(false);

  /** A missed window: up one tier with a new chair, or at the top, a loud notice and no more deadlines. */
  const missed = async (what: 'acknowledgement' | 'response') => {
    const from = currentTier();
    const next = policy[from.tier].next;
    if (!next) {
      state.overdueAtTopTier = true;
      await audit('escalation.window-missed', { reason: `${what} window of the ${from.tier} tier passed; there is no higher tier`, data: { tier: from.tier, what } });
      await acts.sendEscalationEmail({
        kind: 'escalation-top-tier-overdue',
        workflowId,
        idempotencyKey: `${workflowId}:tier${state.tiers.length}:top-overdue:${what}`,
        to: from.chair,
        participantRef: input.participant.localRef,
        riskLevel: from.tier,
        tierLabel: policy[from.tier].label,
        promoted: false,
        acknowledgeDueAt: from.acknowledgeDueAt,
        respondDueAt: from.respondDueAt,
        tokensExpireAt: new Date(Date.parse(from.respondDueAt) + TOKEN_GRACE_MS).toISOString(),
      });
      await saveRecord();
      publish();
      return false;
    }
    promoting = true;
    const people = await acts.findEscalationPeople({ tier: policy[next], agencyId: input.agencyId, preferredChair: input.preferredChair, named: input.responders });
    promoting = false;
    const at = workflowNowIso();
    from.leftAt = at;
    const d = deadlines(next);
    state.tiers.push({ tier: next, chair: people.chair, enteredAt: at, ...d, entry: what === 'acknowledgement' ? 'acknowledgement-missed' : 'response-missed' });
    Object.assign(state, { tier: next, chair: people.chair, responders: people.responders, ...d, status: 'open' as EscalationStatus, acknowledgement: undefined });
    // The previous chair's links stop working: the new chair owns it now.
    await acts.revokeActionTokens({ workflowId, staffId: from.chair.id, reason: 'promoted' });
    await audit('escalation.promoted', { reason: `${what} window of the ${from.tier} tier passed`, data: { from: from.tier, to: next, chair: people.chair.id, acknowledgeDueAt: d.acknowledgeDueAt, respondDueAt: d.respondDueAt } });
    await saveRecord();
    publish();
    await notifyTier(true);
    return true;
  };

  while (state.status !== 'resolved') {
    if (state.status === 'open') {
      if (await waitUntil(() => state.status !== 'open', state.acknowledgeDueAt)) continue;
      if (!(await missed('acknowledgement'))) await condition(() => state.status !== 'open');
    } else if (state.status === 'acknowledged') {
      if (await waitUntil(() => state.status !== 'acknowledged', state.respondDueAt)) continue;
      if (!(await missed('response'))) await condition(() => state.status !== 'acknowledged');
    } else {
      await condition(() => state.status === 'resolved');
    }
  }

  await condition(allHandlersFinished);
  await acts.revokeActionTokens({ workflowId, reason: 'resolved' });
  await saveRecord();
  publish();
  return state;
}
