// Plan change control (seed 001, "Plan change control"): a new version of the integrated plan
// reaches every recipient. When it alters day-to-day delivery each must acknowledge it, reminded
// on a schedule until the deadline; the acknowledgements still missing then escalate. A newer
// version supersedes this one.
import { defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { planChangeWorkflowId, type AckChannel, type PlanChangeInput, type PlanChangeState, type RecipientState } from '../domain/plan';
import type { PlanEmailKind } from '../domain/emails/plan';
import type { StaffRef } from '../domain/sprint';
import { CareloopAgencies, CareloopOverdueCount, CareloopStatus } from '../domain/search-attributes';
import { childEscalationId, type RiskLevel } from '../domain/escalation';
import { nextActionAttributes, planChangeNextAction } from '../domain/next-action';
import { workflowNow, workflowNowIso } from './clock';
import { answerLiveState, endEscalationCause, local, processContext, raiseEscalation, reject, requireText, superviseSteps } from './kit';

/** Staff not acknowledging a change to day-to-day delivery: a moderate risk, reviewed within its window. */
const MISSING_ACKNOWLEDGEMENT_RISK: RiskLevel = 'moderate';

// Message names are part of the stored history: never rename them.
export const acknowledgePlanVersionUpdate = defineUpdate<RecipientState, [{ staffId: string; channel: AckChannel }]>('acknowledgePlanVersion');
export const supersedePlanVersionSignal = defineSignal<[{ byVersion: number }]>('supersedePlanVersion');
export const planChangeStateQuery = defineQuery<PlanChangeState>('planChangeState');
/** The plan-holder's "Remind now": one reminder to everyone still to acknowledge, outside the schedule. */
export const remindPlanVersionNowUpdate = defineUpdate<{ remindedAt: string; recipients: StaffRef[] }, [{ by: { staffId: string; name: string }; channel?: 'web' | 'api' }]>('remindPlanVersionNow');

/** "Remind now" at most this often, so a double click or an impatient morning does not flood anyone. */
export const REMIND_NOW_MIN_GAP_MS = 10 * 60_000;

export async function planChangeWorkflow(input: PlanChangeInput): Promise<PlanChangeState> {
  // Timers count from the workflow's own clock, not the API's: the two can differ.
  const startMs = workflowNow();
  const state = openPlanChange(input, startMs);
  const ctx = processContext({ process: 'plan-change', participantId: input.participant.id, item: () => `v${input.version}`, searchAttributes: () => planSearchAttributes(input, state) });
  const { workflowId } = ctx;
  const pending = () => state.recipients.filter((r) => !r.acknowledgedAt);
  const isOpen = () => state.status === 'awaiting-acknowledgements';
  const tokensExpireAt = new Date(startMs + Math.max(input.ackDeadlineMs * 2, 30 * 86_400_000)).toISOString();
  const email = (kind: PlanEmailKind, to: StaffRef, key: string, missing?: string[]) =>
    ({ process: 'plan-change', kind, idempotencyKey: ctx.key(key), to, participantRef: input.participant.localRef, planId: input.planId, version: input.version, trigger: input.trigger, tokensExpireAt, ackDeadlineAt: state.ackDeadlineAt, missing }) as const;
  // The escalation of missing acknowledgements is told when none is missing any more, or the version is superseded.
  const endCause = (reason: string) => state.escalations.forEach((e) => e.workflowId && void ctx.inFlight(() => endEscalationCause(e.workflowId!, reason)));

  answerLiveState(planChangeStateQuery, state);
  setHandler(supersedePlanVersionSignal, ({ byVersion }) => {
    if (byVersion <= input.version || !(isOpen() || state.status === 'no-acknowledgement-required')) return;
    Object.assign(state, { status: 'superseded', supersededBy: byVersion });
    endCause(`superseded by version ${byVersion}`);
  });
  setHandler(
    acknowledgePlanVersionUpdate,
    async ({ staffId, channel }) => {
      await ctx.afterStart();
      const recipient = state.recipients.find((r) => r.staff.id === staffId)!;
      // A second acknowledgement changes nothing: the first time and channel stand.
      if (recipient.acknowledgedAt) return recipient;
      Object.assign(recipient, { acknowledgedAt: workflowNowIso(), channel });
      const acknowledged = ctx.event('plan.acknowledged', { actor: { staffId, name: recipient.staff.name, channel } });
      await local.recordPlanAcknowledgement({ versionId: input.versionId, staffId, acknowledgedAt: recipient.acknowledgedAt!, channel, workflowId, events: [acknowledged] });
      if (pending().length === 0 && isOpen()) {
        state.status = 'acknowledged';
        endCause('every recipient acknowledged');
      }
      // The roster's next owner moves on to the next recipient still to acknowledge.
      ctx.publish();
      return recipient;
    },
    {
      validator: ({ staffId }) => {
        const recipient = state.recipients.find((r) => r.staff.id === staffId);
        if (!recipient) reject('NotRecipient', `This version was not sent to you for acknowledgement.`);
        if (state.status === 'superseded' && !recipient.acknowledgedAt) reject('Superseded', `Version ${input.version} has been superseded by version ${state.supersededBy}; acknowledge that one instead.`);
        if (!input.acknowledgementRequired) reject('NoAcknowledgementRequired', 'This version does not need acknowledging.');
      },
    },
  );

  // Remind now: added after histories were first recorded; a history without it never calls it.
  let manualRound = 0;
  setHandler(
    remindPlanVersionNowUpdate,
    async ({ by, channel }) => {
      await ctx.afterStart();
      manualRound += 1;
      const to = pending();
      to.forEach((r) => (r.remindersSent += 1));
      const remindedAt = workflowNowIso();
      (state.manualReminders ??= []).push({ at: remindedAt, by: { id: by.staffId, name: by.name }, recipients: to.map((r) => r.staff.id) });
      const reminded = ctx.event('plan.reminders-sent', { actor: { ...by, channel: channel ?? 'web' }, reason: 'Remind now', data: { manual: true, recipients: to.map((r) => r.staff.id) } });
      await ctx.notify(to.map((r) => email('plan-ack-reminder', r.staff, `remind-now:${manualRound}:${r.staff.id}`)), { events: [reminded] });
      ctx.publish();
      return { remindedAt, recipients: to.map((r) => r.staff) };
    },
    {
      validator: ({ by }) => {
        requireText(by?.staffId, 'Say who is sending the reminder.');
        if (!input.acknowledgementRequired) reject('NoAcknowledgementRequired', 'This version does not need acknowledging, so there is nobody to remind.');
        if (state.status === 'superseded') reject('Superseded', `Version ${input.version} has been superseded by version ${state.supersededBy}: remind people about that one instead.`);
        if (!isOpen() || pending().length === 0) reject('NothingToRemind', 'Everyone has acknowledged this version: there is nobody to remind.');
        const last = state.manualReminders?.[state.manualReminders.length - 1];
        if (last && workflowNow() - Date.parse(last.at) < REMIND_NOW_MIN_GAP_MS) reject('RemindedRecently', `${last.by.name} sent a reminder less than ${REMIND_NOW_MIN_GAP_MS / 60_000} minutes ago. Give people time to read it before reminding them again.`);
      },
    },
  );

  // Published: every recipient is told, asked to acknowledge when delivery changes.
  ctx.publish();
  const published = { trigger: input.trigger, acknowledgementRequired: input.acknowledgementRequired, recipients: input.recipients.length };
  const started = ctx.event('plan-change.started', { actor: { staffId: input.publishedBy.id, name: input.publishedBy.name }, reason: input.reason, data: published });
  await ctx.notify(state.recipients.map((r) => email(input.acknowledgementRequired ? 'plan-ack-request' : 'plan-published', r.staff, `notify:${r.staff.id}`)), { events: [started] });
  ctx.begun();

  if (input.acknowledgementRequired) {
    // Reminders on the schedule until the deadline, then the missing ones escalate. After that
    // the version waits for acknowledgements (or a newer version) without more noise.
    let round = 0;
    const remind = () => {
      round += 1;
      const to = pending();
      to.forEach((r) => (r.remindersSent += 1));
      const reminded = ctx.event('plan.reminders-sent', { data: { round, recipients: to.map((r) => r.staff.id) } });
      return ctx.notify(to.map((r) => email('plan-ack-reminder', r.staff, `reminder:${r.staff.id}:${round}`)), { events: [reminded] });
    };
    const escalateMissing = async () => {
      const missing = pending();
      missing.forEach((r) => (r.escalated = true));
      const id = childEscalationId(planChangeWorkflowId(input.planId, input.version), 'acknowledgements-missing');
      state.escalations.push({ raisedAt: workflowNowIso(), missing: missing.map((r) => r.staff.id), status: 'raised', workflowId: id });
      const description = `${missing.length} acknowledgement(s) of plan version ${input.version} missing at the deadline`;
      const escalation = raiseEscalation({
        escalationId: id,
        participant: input.participant,
        riskLevel: MISSING_ACKNOWLEDGEMENT_RISK,
        trigger: `Plan version ${input.version} not acknowledged`,
        description,
        source: { process: 'plan-change', workflowId, item: `v${input.version}` },
        agencyId: input.escalateTo.agencyId,
        involvedAgencyIds: [...new Set([input.escalateTo.agencyId, ...missing.map((r) => r.staff.agencyId)])],
        preferredChair: input.escalateTo,
        responders: missing.map((r) => r.staff),
      });
      const raised = ctx.event('escalation.raised', { reason: `${missing.length} acknowledgement(s) missing at the deadline`, data: { missing: missing.map((r) => r.staff.id) } });
      await Promise.all([escalation, ctx.notify([email('plan-ack-escalation', input.escalateTo, 'escalation', missing.map((r) => r.staff.name))], { events: [raised] })]);
      ctx.publish();
    };
    const acknowledgements = {
      ended: () => !isOpen(),
      remindAt: () => startMs + (round + 1) * input.reminderEveryMs,
      dueAt: () => startMs + input.ackDeadlineMs,
      onReminder: remind,
      onOverdue: escalateMissing,
    };
    await superviseSteps([acknowledgements], { until: () => !isOpen(), inFlight: ctx.inFlight });
  }

  // Closed: its links stop working as the end is recorded.
  await ctx.settled();
  const superseded = state.status === 'superseded';
  const closing = superseded
    ? [ctx.event('plan-change.superseded', { data: { by: state.supersededBy } })]
    : input.acknowledgementRequired
      ? [ctx.event('plan-change.acknowledged', { data: { recipients: state.recipients.length } })]
      : [];
  await local.recordEvents({ events: closing, revoke: [{ workflowId, reason: superseded ? 'superseded' : 'closed' }] });
  state.completedAt = workflowNowIso();
  ctx.publish();
  return state;
}

function openPlanChange(input: PlanChangeInput, startMs: number): PlanChangeState {
  return {
    planId: input.planId,
    version: input.version,
    status: input.acknowledgementRequired ? 'awaiting-acknowledgements' : 'no-acknowledgement-required',
    trigger: input.trigger,
    reason: input.reason,
    publishedAt: input.publishedAt,
    startedAt: new Date(startMs).toISOString(),
    ackDeadlineAt: input.acknowledgementRequired ? new Date(startMs + input.ackDeadlineMs).toISOString() : undefined,
    rapidReviewDueAt: input.rapidReviewMs ? new Date(startMs + input.rapidReviewMs).toISOString() : undefined,
    recipients: input.recipients.map((staff) => ({ staff, remindersSent: 0, escalated: false })),
    escalations: [],
  };
}

function planSearchAttributes(input: PlanChangeInput, state: PlanChangeState): SearchAttributeUpdatePair[] {
  const agencies = new Set([...input.recipients.map((r) => r.agencyId), input.publishedBy.agencyId, input.escalateTo.agencyId]);
  return [
    { key: CareloopStatus, value: state.status },
    { key: CareloopAgencies, value: [...agencies] },
    { key: CareloopOverdueCount, value: state.recipients.filter((r) => !r.acknowledgedAt && r.escalated).length },
    ...nextActionAttributes(planChangeNextAction(state)),
  ];
}
