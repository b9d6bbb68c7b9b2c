// The plan's own steps (seed 000, "Defined review triggers" and the rapid plan review; seed 003,
// "Negotiated Actions with timelines and responsibilities"): one workflow per plan, for as long as
// the plan lives.
// - Each action of the published version with a due date is an owned step: its owner is told,
//   reminded, and past the deadline told again while an escalation is raised to the plan-holder.
//   An action carried into a new version (same id) keeps its state; one dropped ends as cancelled.
// - An incident, hospital discharge or safeguarding concern (a version with that trigger, or a
//   post-discharge sprint for the person) starts a rapid review owned by the plan-holder, due in
//   72 hours, escalated to a manager when missed. A version with the trigger `scheduled_review`
//   ends it, or "reviewed, no change" with a reason. While it is open the plan-holder may ask each
//   agency the plan names for an update on changed risk factors: an owned step each.
// It continues as new, carrying its state, when its history grows long.
import { continueAsNew, defineQuery, defineSignal, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ProcessEmail, ProcessEvent } from '../activities';
import type { StepRevocation } from '../activities/plan-steps';
import type { PlanStepsEmailKind } from '../domain/emails/plan-steps';
import { DEFAULT_RAPID_REVIEW_MS, RAPID_REVIEW_TRIGGERS } from '../domain/plan';
import { childEscalationId } from '../domain/escalation';
import { withinDeadline } from '../domain/on-time';
import type { Actor, StaffRef } from '../domain/sprint';
import {
  CONTINUE_AS_NEW_AFTER_EVENTS,
  DEFAULT_UPDATE_WITHIN_MS,
  isOpen,
  planActionKey,
  planStepsSearchAttributes,
  planStepsWorkflowId,
  remindAtFor,
  triggersInWords,
  type AgencyUpdateRequest,
  type PlanActionSpec,
  type PlanActionState,
  type PlanStepsInput,
  type PlanStepsMessage,
  type PlanStepsState,
  type PlanVersionPublished,
  type RapidReviewState,
  type RapidReviewTrigger,
  type RapidReviewTriggered,
} from '../domain/plan-steps';
import { workflowNow, workflowNowIso } from './clock';
import { answerLiveState, endEscalationCause, local, processContext, raiseEscalation, reject, requireText, superviseSteps, type EventSpec, type OwnedStep } from './kit';

// Message names are part of the stored history: never rename them.
export interface PlanStepActionBase {
  actor: Actor;
  /** The plan-holder, a coordinator of the care team or an admin: may act on any of the plan's steps. */
  actsForPlan?: boolean;
}
export const planVersionPublishedSignal = defineSignal<[PlanVersionPublished]>('planVersionPublished');
export const rapidReviewTriggeredSignal = defineSignal<[RapidReviewTriggered]>('rapidReviewTriggered');
export const markPlanActionDoneUpdate = defineUpdate<PlanActionState, [PlanStepActionBase & { actionKey: string; note?: string }]>('markPlanActionDone');
export const markPlanActionNotDoneUpdate = defineUpdate<PlanActionState, [PlanStepActionBase & { actionKey: string; reason: string }]>('markPlanActionNotDone');
export const recordReviewNoChangeUpdate = defineUpdate<RapidReviewState, [PlanStepActionBase & { reason: string }]>('recordReviewNoChange');
export const requestAgencyUpdatesUpdate = defineUpdate<AgencyUpdateRequest[], [PlanStepActionBase & { requests: { agencyId: string; agencyName: string; to: StaffRef }[]; answerWithinMs?: number }]>('requestAgencyUpdates');
export const answerAgencyUpdateUpdate = defineUpdate<AgencyUpdateRequest, [PlanStepActionBase & { requestKey: string; text: string }]>('answerAgencyUpdate');
export const planStepsStateQuery = defineQuery<PlanStepsState>('planStepsState');

/** ApplicationFailure types the API maps to HTTP statuses (api/plans/steps-service.ts). */
export const PlanStepsRejection = {
  unknownStep: 'UnknownPlanStep',
  stepEnded: 'PlanStepEnded',
  notOwner: 'NotPlanStepOwner',
  noOpenReview: 'NoOpenRapidReview',
  alreadyAsked: 'AgencyAlreadyAsked',
} as const;

/** What one change writes and sends: its reporting rows, audit events, links ended and emails. */
interface Change {
  actions: PlanActionState[];
  review: boolean;
  events: ProcessEvent[];
  revokeSteps: StepRevocation[];
  emails: ProcessEmail[];
}

const isoAt = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export async function planStepsWorkflow(input: PlanStepsInput): Promise<PlanStepsState> {
  const state: PlanStepsState = input.carried?.state ?? { planId: input.planId, participant: { id: input.participantId, localRef: '' }, version: 0, actions: [], reviews: 0, agencies: [] };
  const inbox: PlanStepsMessage[] = input.carried ? [...input.carried.pending] : [{ kind: 'version', version: input.version, rapidReviewWithinMs: input.rapidReviewWithinMs }];
  const generation = input.carried?.generation ?? 0;
  const ctx = processContext({ process: 'plan-steps', participantId: input.participantId, searchAttributes: () => planStepsSearchAttributes(state) });
  const { workflowId } = ctx;
  // Escalation ids come from the plan's business id: replay of a recorded history runs under another workflow id.
  const businessId = planStepsWorkflowId(input.planId);
  const holder = () => state.planHolder!;
  /** An audit event; a run continued as new numbers its events afresh, so its keys carry the generation. */
  const ev = (action: string, spec: EventSpec): ProcessEvent => {
    const e = ctx.event(action, spec);
    return generation ? { ...e, idempotencyKey: `${e.idempotencyKey}:g${generation}` } : e;
  };
  const change = (): Change => ({ actions: [], review: false, events: [], revokeSteps: [], emails: [] });
  const email = (kind: PlanStepsEmailKind, to: StaffRef, step: string, dueAt: string, key: string, extra: Partial<Extract<ProcessEmail, { process: 'plan-steps' }>> = {}): ProcessEmail => ({
    process: 'plan-steps',
    kind,
    idempotencyKey: ctx.key(step, key),
    to,
    participantRef: state.participant.localRef,
    planId: input.planId,
    step,
    dueAt,
    ...extra,
  });
  const reviewWhy = (r: RapidReviewState) => triggersInWords(r.triggers.map((t) => t.trigger));
  /** The change's rows, events and ended links in one write; then its emails. */
  const commit = async (c: Change) => {
    await local.recordPlanSteps({
      workflowId,
      planId: input.planId,
      participantId: input.participantId,
      holderAgencyId: state.planHolder?.agencyId ?? '',
      actions: c.actions.length ? c.actions : undefined,
      review: c.review ? state.review : undefined,
      events: c.events,
      revokeSteps: c.revokeSteps,
    });
    if (c.emails.length) await ctx.notify(c.emails);
    refreshSteps();
    ctx.publish();
  };
  /** A raised escalation is told when its step ends: it stops climbing the tiers. */
  const endCause = (escalationId: string | undefined, reason: string) => {
    if (escalationId) void ctx.inFlight(() => endEscalationCause(escalationId, reason));
  };
  const openReview = () => (state.review && isOpen(state.review) ? state.review : undefined);

  // -------------------------------------------------------------------------------------------
  // The plan's actions

  /**
   * A due day already past when careloop starts watching it (written into the plan late, or a plan
   * older than careloop's tracking) shows as overdue at once but raises no escalation: the
   * plan-holder who wrote it knows. Only a deadline missed under careloop's watch escalates.
   */
  const bornOverdue = (dueAt: string) => Date.parse(dueAt) <= workflowNow();

  const startAction = (spec: PlanActionSpec, version: number, c: Change) => {
    const nowMs = workflowNow();
    const a: PlanActionState = { ...spec, key: planActionKey(spec.controlId, version), fromVersion: version, inVersion: version, status: 'open', startedAt: isoAt(nowMs)!, remindAt: isoAt(remindAtFor(nowMs, Date.parse(spec.dueAt))), reminded: false, overdue: bornOverdue(spec.dueAt) };
    c.actions.push(a);
    c.events.push(ev('plan-action.started', { item: a.key, data: { controlId: a.controlId, owner: a.owner.id, dueAt: a.dueAt } }));
    c.emails.push(email('action-assigned', a.owner, a.key, a.dueAt, `assigned:${a.owner.id}:v${version}`, { dueDate: a.dueDate }));
    return a;
  };

  /** An action a new version carries on: it keeps its state; while open, a new owner or due day applies. */
  const carryAction = (a: PlanActionState, spec: PlanActionSpec, version: number, c: Change) => {
    Object.assign(a, { inVersion: version, description: spec.description });
    c.actions.push(a);
    if (!isOpen(a)) return;
    if (a.owner.id !== spec.owner.id) {
      const previous = a.owner;
      Object.assign(a, { owner: spec.owner, ownerAgencyId: spec.ownerAgencyId, reminded: false });
      c.revokeSteps.push({ step: a.key, staffId: previous.id, reason: 'reassigned' });
      c.events.push(ev('plan-action.reassigned', { item: a.key, reason: `version ${version} of the plan names another owner`, data: { from: previous.id, to: spec.owner.id } }));
      c.emails.push(email('action-assigned', a.owner, a.key, a.dueAt, `assigned:${a.owner.id}:v${version}`, { dueDate: a.dueDate }));
    }
    // A new due day moves the deadline; one already missed stays missed (its escalation runs on).
    if (a.dueAt !== spec.dueAt && !a.overdue) {
      Object.assign(a, { dueAt: spec.dueAt, dueDate: spec.dueDate, remindAt: isoAt(remindAtFor(workflowNow(), Date.parse(spec.dueAt))), reminded: false, overdue: bornOverdue(spec.dueAt) });
      c.events.push(ev('plan-action.rescheduled', { item: a.key, data: { dueAt: a.dueAt } }));
    }
  };

  const endAction = (a: PlanActionState, status: 'done' | 'not-done' | 'cancelled', end: { by?: Actor; note?: string; reason?: string }, c: Change) => {
    const endedAt = workflowNowIso();
    Object.assign(a, { status, endedAt, endedBy: end.by, note: end.note, reason: end.reason, onTime: status === 'done' && withinDeadline(endedAt, a.dueAt) });
    c.actions.push(a);
    c.revokeSteps.push({ step: a.key, reason: `action-${status}` });
    const by = end.by ? ` by ${end.by.name}` : '';
    const words = status === 'done' ? `was done${by}` : status === 'not-done' ? `was recorded as not done${by}: ${end.reason ?? ''}` : `left the plan (${end.reason ?? ''})`;
    endCause(a.escalationId, `the plan action “${a.description}” ${words}`);
    c.events.push(ev(`plan-action.${status}`, { item: a.key, actor: end.by, reason: end.reason ?? end.note, data: { onTime: a.onTime, wasOverdue: a.overdue } }));
  };

  const remindAction = async (a: PlanActionState) => {
    a.reminded = true;
    const c = change();
    c.actions.push(a);
    c.events.push(ev('plan-action.reminder-sent', { item: a.key, data: { to: a.owner.id } }));
    c.emails.push(email('action-reminder', a.owner, a.key, a.dueAt, `reminder:${a.owner.id}:${a.dueAt}`, { dueDate: a.dueDate }));
    await commit(c);
  };

  const actionOverdue = async (a: PlanActionState) => {
    a.overdue = true;
    const id = childEscalationId(businessId, a.key);
    a.escalationId = id;
    const reason = `The plan action “${a.description}” (owner ${a.owner.name}) passed its due day without being recorded as done`;
    const escalation = raiseEscalation({
      escalationId: id,
      participant: state.participant,
      riskLevel: 'moderate',
      trigger: 'Plan action overdue',
      description: reason,
      source: { process: 'plan-steps', workflowId, item: a.key },
      agencyId: holder().agencyId,
      involvedAgencyIds: [...new Set([holder().agencyId, a.owner.agencyId])],
      preferredChair: holder(),
      responders: [a.owner],
    });
    const c = change();
    c.actions.push(a);
    c.events.push(ev('plan-action.overdue', { item: a.key, data: { owner: a.owner.id } }), ev('escalation.raised', { item: a.key, reason, data: { escalationId: id } }));
    c.emails.push(email('action-overdue', a.owner, a.key, a.dueAt, `overdue:${a.owner.id}`, { dueDate: a.dueDate }));
    await Promise.all([escalation, commit(c)]);
  };

  // -------------------------------------------------------------------------------------------
  // The rapid review and the updates it asks for

  const startReview = (trigger: RapidReviewTrigger, withinMs: number, c: Change) => {
    // A sprint's trigger counts once, however often it is sent.
    if (trigger.sprintId && state.review?.triggers.some((t) => t.sprintId === trigger.sprintId)) return;
    const open = openReview();
    if (open) {
      // Already under review: the earlier deadline stands, the new trigger is on record.
      open.triggers.push(trigger);
      c.review = true;
      c.events.push(ev('rapid-review.trigger-added', { item: open.key, data: { trigger: trigger.trigger, version: trigger.version, sprintId: trigger.sprintId } }));
      return;
    }
    if (!state.planHolder) return;
    state.reviews += 1;
    const startMs = workflowNow();
    const dueMs = startMs + withinMs;
    const r: RapidReviewState = { key: `review-${state.reviews}`, number: state.reviews, owner: holder(), triggers: [trigger], startedAt: isoAt(startMs)!, dueAt: isoAt(dueMs)!, remindAt: isoAt(remindAtFor(startMs, dueMs)), status: 'open', reminded: false, overdue: false, requests: [] };
    state.review = r;
    c.review = true;
    c.events.push(ev('rapid-review.started', { item: r.key, data: { trigger: trigger.trigger, version: trigger.version, sprintId: trigger.sprintId, dueAt: r.dueAt, owner: r.owner.id } }));
    c.emails.push(email('review-started', r.owner, r.key, r.dueAt, 'started', { why: reviewWhy(r) }));
  };

  const endRequest = (q: AgencyUpdateRequest, c: Change, why: string) => {
    Object.assign(q, { status: 'cancelled', endedAt: workflowNowIso(), endedReason: why });
    c.revokeSteps.push({ step: q.key, reason: 'review-ended' });
    c.events.push(ev('agency-update.cancelled', { item: q.key, reason: why }));
    endCause(q.escalationId, `the update from ${q.agencyName} is no longer needed: ${why.toLowerCase()}`);
  };

  const endReview = (status: 'reviewed' | 'no-change', end: { by?: Actor; reason: string; byVersion?: number }, c: Change) => {
    const r = state.review!;
    const endedAt = workflowNowIso();
    Object.assign(r, { status, endedAt, endedBy: end.by, reason: end.reason, byVersion: end.byVersion, onTime: withinDeadline(endedAt, r.dueAt) });
    for (const q of r.requests.filter(isOpen)) endRequest(q, c, 'The rapid review ended before it was sent');
    c.review = true;
    c.revokeSteps.push({ step: r.key, reason: 'review-ended' });
    const words = status === 'reviewed' ? `version ${end.byVersion} of the plan was published as the scheduled review` : `${end.by?.name ?? 'the plan-holder'} recorded it as reviewed with no change`;
    endCause(r.escalationId, `the rapid review ended: ${words}`);
    c.events.push(ev(status === 'reviewed' ? 'rapid-review.reviewed' : 'rapid-review.no-change', { item: r.key, actor: end.by, reason: end.reason, data: { byVersion: end.byVersion, onTime: r.onTime, wasOverdue: r.overdue } }));
  };

  const remindReview = async (r: RapidReviewState) => {
    r.reminded = true;
    const c = change();
    c.review = true;
    c.events.push(ev('rapid-review.reminder-sent', { item: r.key, data: { to: r.owner.id } }));
    c.emails.push(email('review-reminder', r.owner, r.key, r.dueAt, 'reminder', { why: reviewWhy(r) }));
    await commit(c);
  };

  const reviewOverdue = async (r: RapidReviewState) => {
    r.overdue = true;
    const id = childEscalationId(businessId, r.key);
    r.escalationId = id;
    const reason = `The rapid review of the plan, after ${reviewWhy(r)}, passed its deadline with the plan neither reviewed nor recorded as needing no change`;
    // Owned by the plan-holder, so it climbs to a manager: a high-risk escalation (same-day huddle).
    const escalation = raiseEscalation({
      escalationId: id,
      participant: state.participant,
      riskLevel: 'high',
      trigger: 'Rapid plan review overdue',
      description: reason,
      source: { process: 'plan-steps', workflowId, item: r.key },
      agencyId: r.owner.agencyId,
      involvedAgencyIds: [r.owner.agencyId],
      preferredChair: r.owner,
      responders: [r.owner],
    });
    const c = change();
    c.review = true;
    c.events.push(ev('rapid-review.overdue', { item: r.key }), ev('escalation.raised', { item: r.key, reason, data: { escalationId: id } }));
    c.emails.push(email('review-overdue', r.owner, r.key, r.dueAt, 'overdue', { why: reviewWhy(r) }));
    await Promise.all([escalation, commit(c)]);
  };

  const remindRequest = async (r: RapidReviewState, q: AgencyUpdateRequest) => {
    q.reminded = true;
    const c = change();
    c.review = true;
    c.events.push(ev('agency-update.reminder-sent', { item: q.key, data: { to: q.to.id } }));
    c.emails.push(email('update-reminder', q.to, q.key, q.dueAt, 'reminder', { agencyName: q.agencyName, askedBy: q.askedBy.name, why: reviewWhy(r) }));
    await commit(c);
  };

  const requestOverdue = async (r: RapidReviewState, q: AgencyUpdateRequest) => {
    q.overdue = true;
    const id = childEscalationId(businessId, q.key);
    q.escalationId = id;
    const reason = `${q.agencyName} has not sent its update on changed risk factors for the rapid review of the plan (asked of ${q.to.name})`;
    const escalation = raiseEscalation({
      escalationId: id,
      participant: state.participant,
      riskLevel: 'moderate',
      trigger: `Update from ${q.agencyName} overdue`,
      description: reason,
      source: { process: 'plan-steps', workflowId, item: q.key },
      agencyId: r.owner.agencyId,
      involvedAgencyIds: [...new Set([r.owner.agencyId, q.to.agencyId])],
      preferredChair: r.owner,
      responders: [q.to],
    });
    const c = change();
    c.review = true;
    c.events.push(ev('agency-update.overdue', { item: q.key }), ev('escalation.raised', { item: q.key, reason, data: { escalationId: id } }));
    c.emails.push(email('update-overdue', q.to, q.key, q.dueAt, 'overdue', { agencyName: q.agencyName, askedBy: q.askedBy.name, why: reviewWhy(r) }));
    await Promise.all([escalation, commit(c)]);
  };

  // -------------------------------------------------------------------------------------------
  // Owned steps: every open action, the open review and its open requests, on one timer. A
  // step's own flags say what has fired, so supervision may start again after any change.

  const stepOf = new Map<string, OwnedStep>();
  const steps: OwnedStep[] = [];
  const owned = <T extends { status: string; reminded: boolean; overdue: boolean; remindAt?: string; dueAt: string }>(key: string, item: T, onReminder: () => Promise<unknown>, onOverdue: () => Promise<unknown>): OwnedStep => {
    let step = stepOf.get(key);
    if (!step) {
      step = {
        ended: () => !isOpen(item),
        remindAt: () => (item.reminded || !item.remindAt ? undefined : Date.parse(item.remindAt)),
        dueAt: () => (item.overdue ? undefined : Date.parse(item.dueAt)),
        onReminder,
        onOverdue,
      };
      stepOf.set(key, step);
    }
    return step;
  };
  function refreshSteps() {
    const open: OwnedStep[] = state.actions.filter(isOpen).map((a) => owned(a.key, a, () => remindAction(a), () => actionOverdue(a)));
    const r = openReview();
    if (r) {
      open.push(owned(r.key, r, () => remindReview(r), () => reviewOverdue(r)));
      for (const q of r.requests.filter(isOpen)) open.push(owned(q.key, q, () => remindRequest(r, q), () => requestOverdue(r, q)));
    }
    steps.splice(0, steps.length, ...open);
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  answerLiveState(planStepsStateQuery, state);
  setHandler(planVersionPublishedSignal, (m) => void inbox.push({ kind: 'version', ...m }));
  setHandler(rapidReviewTriggeredSignal, (m) => void inbox.push({ kind: 'trigger', ...m }));

  const actionOf = (key: string) => state.actions.find((a) => a.key === key && a.removedInVersion === undefined) ?? reject(PlanStepsRejection.unknownStep, 'This plan has no such action.');
  const canActOnAction = (m: PlanStepActionBase & { actionKey: string }) => {
    const a = actionOf(m.actionKey);
    if (!isOpen(a)) reject(PlanStepsRejection.stepEnded, `“${a.description}” has already been recorded as ${a.status === 'done' ? 'done' : a.status === 'not-done' ? 'not done' : 'cancelled'}${a.endedBy ? ` by ${a.endedBy.name}` : ''}.`);
    if (!m.actsForPlan && m.actor.staffId !== a.owner.id) reject(PlanStepsRejection.notOwner, `“${a.description}” is ${a.owner.name}'s; only they, the plan-holder or a coordinator of the care team may record it.`);
    return a;
  };
  const onAction = async (m: PlanStepActionBase & { actionKey: string }, status: 'done' | 'not-done', end: { note?: string; reason?: string }) => {
    const a = actionOf(m.actionKey);
    const c = change();
    endAction(a, status, { by: m.actor, ...end }, c);
    await commit(c);
    return a;
  };
  setHandler(markPlanActionDoneUpdate, (m) => onAction(m, 'done', { note: m.note?.trim() || undefined }), { validator: (m) => void canActOnAction(m) });
  setHandler(markPlanActionNotDoneUpdate, (m) => onAction(m, 'not-done', { reason: m.reason.trim() }), {
    validator: (m) => {
      canActOnAction(m);
      requireText(m.reason, 'Say why the action was not done.');
    },
  });

  const canActOnReview = (m: PlanStepActionBase) => {
    const r = openReview() ?? reject(PlanStepsRejection.noOpenReview, state.review ? 'The rapid review of this plan has already ended.' : 'There is no rapid review of this plan open.');
    if (!m.actsForPlan && m.actor.staffId !== r.owner.id) reject(PlanStepsRejection.notOwner, `The rapid review is ${r.owner.name}'s, as plan-holder; only they or a coordinator of the care team may record it.`);
    return r;
  };
  setHandler(
    recordReviewNoChangeUpdate,
    async (m) => {
      const c = change();
      endReview('no-change', { by: m.actor, reason: m.reason.trim() }, c);
      await commit(c);
      return state.review!;
    },
    {
      validator: (m) => {
        canActOnReview(m);
        requireText(m.reason, 'Say why the plan needs no change.');
      },
    },
  );
  setHandler(
    requestAgencyUpdatesUpdate,
    async (m) => {
      const r = openReview()!;
      const c = change();
      const askedAt = workflowNow();
      const dueMs = askedAt + (m.answerWithinMs ?? DEFAULT_UPDATE_WITHIN_MS);
      const asked: AgencyUpdateRequest[] = [];
      for (const want of m.requests) {
        const k = r.requests.filter((q) => q.agencyId === want.agencyId).length + 1;
        const q: AgencyUpdateRequest = {
          key: `${r.key}-update-${want.agencyId}-${k}`,
          agencyId: want.agencyId,
          agencyName: want.agencyName,
          to: want.to,
          askedAt: isoAt(askedAt)!,
          askedBy: m.actor,
          dueAt: isoAt(dueMs)!,
          remindAt: isoAt(remindAtFor(askedAt, dueMs)),
          status: 'open',
          reminded: false,
          overdue: false,
        };
        r.requests.push(q);
        asked.push(q);
        c.events.push(ev('agency-update.requested', { item: q.key, actor: m.actor, data: { agencyId: q.agencyId, to: q.to.id, dueAt: q.dueAt } }));
        c.emails.push(email('update-requested', q.to, q.key, q.dueAt, 'requested', { agencyName: q.agencyName, askedBy: m.actor.name, why: reviewWhy(r) }));
      }
      c.review = true;
      await commit(c);
      return asked;
    },
    {
      validator: (m) => {
        const r = canActOnReview(m);
        if (!m.requests?.length) reject('InvalidInput', 'Choose at least one agency to ask for an update.');
        for (const want of m.requests) {
          if (r.requests.some((q) => q.agencyId === want.agencyId && isOpen(q))) reject(PlanStepsRejection.alreadyAsked, `${want.agencyName} has already been asked for an update and has not sent it yet.`);
        }
      },
    },
  );
  const requestOf = (key: string) => state.review?.requests.find((q) => q.key === key) ?? reject(PlanStepsRejection.unknownStep, 'This plan has no such update request.');
  setHandler(
    answerAgencyUpdateUpdate,
    async (m) => {
      const r = state.review!;
      const q = requestOf(m.requestKey);
      const at = workflowNowIso();
      Object.assign(q, { status: 'answered', answer: { at, by: m.actor, text: m.text.trim(), onTime: withinDeadline(at, q.dueAt) } });
      const c = change();
      c.review = true;
      c.revokeSteps.push({ step: q.key, reason: 'answered' });
      endCause(q.escalationId, `${q.agencyName} sent its update`);
      c.events.push(ev('agency-update.answered', { item: q.key, actor: m.actor, data: { onTime: q.answer!.onTime, text: q.answer!.text } }));
      c.emails.push(email('update-received', r.owner, q.key, r.dueAt, `received:${r.owner.id}`, { agencyName: q.agencyName }));
      await commit(c);
      return q;
    },
    {
      validator: (m) => {
        const q = requestOf(m.requestKey);
        if (q.status === 'answered') reject(PlanStepsRejection.stepEnded, `${q.answer?.by.name ?? 'Someone'} has already sent the update from ${q.agencyName}.`);
        if (q.status === 'cancelled') reject(PlanStepsRejection.stepEnded, 'The rapid review has ended, so this update is no longer needed.');
        if (!m.actsForPlan && m.actor.staffId !== q.to.id) reject(PlanStepsRejection.notOwner, `This update was asked of ${q.to.name}.`);
        requireText(m.text, 'Write the update on changed risk factors.');
      },
    },
  );

  // -------------------------------------------------------------------------------------------
  // A version, or a trigger from outside the plan, applied in the order they came.

  async function applyVersion(m: PlanVersionPublished) {
    if (m.version <= state.version) return;
    const v = await local.resolvePlanVersion({ planId: input.planId, version: m.version });
    Object.assign(state, { version: v.version, planHolder: v.planHolder, agencies: v.agencies });
    state.participant.localRef = v.participantRef;
    const c = change();
    const byControl = new Map(state.actions.filter((a) => a.removedInVersion === undefined).map((a) => [a.controlId, a]));
    const next: PlanActionState[] = [];
    for (const spec of v.actions) {
      const carried = byControl.get(spec.controlId);
      byControl.delete(spec.controlId);
      if (carried) {
        carryAction(carried, spec, v.version, c);
        next.push(carried);
      } else {
        next.push(startAction(spec, v.version, c));
      }
    }
    // Dropped from the plan (or left without a due day): open ones end as cancelled, and stay on show until the next version.
    for (const gone of byControl.values()) {
      gone.removedInVersion = v.version;
      next.push(gone);
      if (!isOpen(gone)) {
        c.actions.push(gone);
        continue;
      }
      endAction(gone, 'cancelled', { reason: `not in version ${v.version} of the plan with a due day` }, c);
      c.emails.push(email('action-cancelled', gone.owner, gone.key, gone.dueAt, `cancelled:${gone.owner.id}`, { dueDate: gone.dueDate, version: v.version }));
    }
    state.actions = next;
    const at = workflowNowIso();
    if (RAPID_REVIEW_TRIGGERS.includes(v.trigger)) {
      startReview({ trigger: v.trigger, at, version: v.version }, m.rapidReviewWithinMs ?? DEFAULT_RAPID_REVIEW_MS, c);
    } else if (v.trigger === 'scheduled_review' && openReview()) {
      endReview('reviewed', { by: { staffId: v.publishedBy.staffId, name: v.publishedBy.name, channel: 'api' }, reason: v.reason, byVersion: v.version }, c);
    }
    await commit(c);
  }

  async function applyTrigger(m: RapidReviewTriggered) {
    const c = change();
    startReview({ trigger: m.trigger, at: workflowNowIso(), sprintId: m.sprintId }, m.reviewWithinMs, c);
    if (c.events.length) await commit(c);
  }

  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.continueAfterEvents ?? CONTINUE_AS_NEW_AFTER_EVENTS);

  ctx.publish();
  refreshSteps();
  for (;;) {
    await superviseSteps(steps, { until: () => inbox.length > 0 || historyFull(), inFlight: ctx.inFlight });
    while (inbox.length) {
      const m = inbox.shift()!;
      if (m.kind === 'version') await applyVersion(m);
      else await applyTrigger(m);
    }
    if (historyFull()) {
      // Whatever handlers and reminders started finish first; messages that come meanwhile travel on.
      await ctx.settled();
      await continueAsNew<typeof planStepsWorkflow>({ ...input, carried: { state, pending: inbox, generation: generation + 1 } });
    }
  }
}
