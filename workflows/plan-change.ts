// Plan change control: a new plan version reaches every recipient; when it alters day-to-day
// delivery each must acknowledge it, with reminders, and missing acknowledgements escalate at
// the deadline. A newer version supersedes this one.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { acts } from './activities';
import { planChangeWorkflowId, type AckChannel, type PlanChangeInput, type PlanChangeState, type RecipientState } from '../domain/plan';
import { CareloopAgencies, CareloopOverdueCount, CareloopParticipant, CareloopProcess, CareloopStatus } from '../domain/search-attributes';
import { childEscalationId, ESCALATION_POLICY, type RiskLevel } from '../domain/escalation';
import { workflowNow, workflowNowIso } from './clock';
import { escalationWorkflow } from './escalation';
import { waitUntil } from './owned-step';
import { nextActionAttributes, planChangeNextAction } from '../domain/next-action';
import { ROSTER_PATCH } from './patches';

/** Staff not acknowledging a change to day-to-day delivery: a moderate risk, reviewed within its window. */
const MISSING_ACKNOWLEDGEMENT_RISK: RiskLevel = 'moderate';


// Message names are part of the stored history: never rename them.
export const acknowledgePlanVersionUpdate = defineUpdate<RecipientState, [{ staffId: string; channel: AckChannel }]>('acknowledgePlanVersion');
export const supersedePlanVersionSignal = defineSignal<[{ byVersion: number }]>('supersedePlanVersion');
export const planChangeStateQuery = defineQuery<PlanChangeState>('planChangeState');

export async function planChangeWorkflow(input: PlanChangeInput): Promise<PlanChangeState> {
  const { workflowId } = workflowInfo();
  // Timers count from the workflow's own clock, not the API's: the two can differ.
  const startMs = workflowNow();
  const state: PlanChangeState = {
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
  let events = 0;
  const audit = (action: string, extra: { actorId?: string; actor?: string; reason?: string; item?: string; data?: Record<string, unknown> } = {}) => {
    events += 1;
    return acts.recordAudit({
      actor: extra.actor ?? 'careloop',
      actorId: extra.actorId ?? null,
      action,
      reason: extra.reason ?? null,
      process: 'plan-change',
      workflowId,
      item: extra.item ?? `v${input.version}`,
      participantId: input.participant.id,
      data: extra.data ?? {},
      idempotencyKey: `${workflowId}:${events}:${action}`,
      at: workflowNowIso(),
    });
  };
  const pending = () => state.recipients.filter((r) => !r.acknowledgedAt);
  const publish = () => {
    // Versions recorded before the huddle roster publish no next action or overdue count, and
    // list only the recipients' agencies (not the publisher's and plan-holder's).
    const roster = patched(ROSTER_PATCH);
    const agencies = new Set(input.recipients.map((r) => r.agencyId));
    if (roster) [input.publishedBy.agencyId, input.escalateTo.agencyId].forEach((a) => agencies.add(a));
    upsertSearchAttributes([
      { key: CareloopProcess, value: 'plan-change' },
      { key: CareloopParticipant, value: input.participant.id },
      { key: CareloopStatus, value: state.status },
      { key: CareloopAgencies, value: [...agencies] },
      ...(roster ? [{ key: CareloopOverdueCount, value: pending().filter((r) => r.escalated).length }, ...nextActionAttributes(planChangeNextAction(state))] : []),
    ]);
  };
  const isOpen = () => state.status === 'awaiting-acknowledgements';

  setHandler(planChangeStateQuery, () => state);
  setHandler(supersedePlanVersionSignal, ({ byVersion }) => {
    if (byVersion > input.version && (isOpen() || state.status === 'no-acknowledgement-required')) {
      state.status = 'superseded';
      state.supersededBy = byVersion;
    }
  });
  setHandler(
    acknowledgePlanVersionUpdate,
    async ({ staffId, channel }) => {
      const recipient = state.recipients.find((r) => r.staff.id === staffId)!;
      // A second acknowledgement changes nothing: the first time and channel stand.
      if (recipient.acknowledgedAt) return recipient;
      recipient.acknowledgedAt = workflowNowIso();
      recipient.channel = channel;
      await acts.recordPlanAcknowledgement({ versionId: input.versionId, staffId, acknowledgedAt: recipient.acknowledgedAt, channel, workflowId });
      await audit('plan.acknowledged', { actorId: staffId, actor: recipient.staff.name, data: { channel } });
      if (pending().length === 0 && isOpen()) state.status = 'acknowledged';
      // The roster's next owner moves on to the next recipient still to acknowledge.
      if (patched(ROSTER_PATCH)) publish();
      return recipient;
    },
    {
      validator: ({ staffId }) => {
        const recipient = state.recipients.find((r) => r.staff.id === staffId);
        if (!recipient) throw ApplicationFailure.create({ type: 'NotRecipient', message: `This version was not sent to you for acknowledgement.`, nonRetryable: true });
        if (state.status === 'superseded' && !recipient.acknowledgedAt) {
          throw ApplicationFailure.create({ type: 'Superseded', message: `Version ${input.version} has been superseded by version ${state.supersededBy}; acknowledge that one instead.`, nonRetryable: true });
        }
        if (!input.acknowledgementRequired) throw ApplicationFailure.create({ type: 'NoAcknowledgementRequired', message: 'This version does not need acknowledging.', nonRetryable: true });
      },
    },
  );

  publish();
  await audit('plan-change.started', { actorId: input.publishedBy.id, actor: input.publishedBy.name, reason: input.reason, data: { trigger: input.trigger, acknowledgementRequired: input.acknowledgementRequired, recipients: input.recipients.length } });
  const email = (kind: 'plan-published' | 'plan-ack-request' | 'plan-ack-reminder' | 'plan-ack-escalation', to: PlanChangeInput['recipients'][number], key: string, missing?: string[]) =>
    acts.sendPlanEmail({
      kind,
      workflowId,
      idempotencyKey: `${workflowId}:${key}`,
      to,
      participantRef: input.participant.localRef,
      planId: input.planId,
      version: input.version,
      trigger: input.trigger,
      tokensExpireAt: new Date(startMs + Math.max(input.ackDeadlineMs * 2, 30 * 86_400_000)).toISOString(),
      ackDeadlineAt: state.ackDeadlineAt,
      missing,
    });
  await Promise.all(state.recipients.map((r) => email(input.acknowledgementRequired ? 'plan-ack-request' : 'plan-published', r.staff, `notify:${r.staff.id}`)));

  if (input.acknowledgementRequired) {
    // Reminders on the schedule until the deadline, then the missing ones escalate. After that
    // the version keeps waiting for acknowledgements (or a newer version) without more noise.
    const deadline = startMs + input.ackDeadlineMs;
    let round = 0;
    while (isOpen()) {
      round += 1;
      const next = Math.min(startMs + round * input.reminderEveryMs, deadline);
      if (await waitUntil(() => !isOpen(), new Date(next).toISOString())) break;
      if (next >= deadline) break;
      for (const r of pending()) {
        r.remindersSent += 1;
        await email('plan-ack-reminder', r.staff, `reminder:${r.staff.id}:${round}`);
      }
      await audit('plan.reminders-sent', { data: { round, recipients: pending().map((r) => r.staff.id) } });
    }
    if (isOpen() && workflowNow() >= deadline) {
      const missing = pending();
      missing.forEach((r) => (r.escalated = true));
      // Versions published before escalations ran as a workflow keep the recorded placeholder.
      if (patched('escalation-child-workflow')) {
        // From the input, not workflowInfo(): replay of a recorded history runs under another id.
        const childId = childEscalationId(planChangeWorkflowId(input.planId, input.version), 'acknowledgements-missing');
        state.escalations.push({ raisedAt: workflowNowIso(), missing: missing.map((r) => r.staff.id), status: 'raised', workflowId: childId });
        // A deterministic id: a retried workflow task cannot raise a second escalation.
        await startChild(escalationWorkflow, {
          workflowId: childId,
          parentClosePolicy: 'ABANDON',
          args: [
            {
              escalationId: childId,
              participant: input.participant,
              riskLevel: MISSING_ACKNOWLEDGEMENT_RISK,
              trigger: 'plan-acknowledgements-missing',
              description: `${missing.length} acknowledgement(s) of plan version ${input.version} missing at the deadline`,
              source: { process: 'plan-change', workflowId, item: `v${input.version}` },
              agencyId: input.escalateTo.agencyId,
              preferredChair: input.escalateTo,
              responders: missing.map((r) => r.staff),
              policy: ESCALATION_POLICY,
            },
          ],
        });
      } else {
        state.escalations.push({ raisedAt: workflowNowIso(), missing: missing.map((r) => r.staff.id), status: 'recorded' });
      }
      await email('plan-ack-escalation', input.escalateTo, 'escalation', missing.map((r) => r.staff.name));
      await audit('escalation.raised', { reason: `${missing.length} acknowledgement(s) missing at the deadline`, data: { missing: missing.map((r) => r.staff.id) } });
      if (patched(ROSTER_PATCH)) publish();
      await condition(() => !isOpen());
    }
  }

  await condition(allHandlersFinished);
  if (state.status === 'superseded') {
    await acts.revokeActionTokens({ workflowId, reason: 'superseded' });
    await audit('plan-change.superseded', { data: { by: state.supersededBy } });
  } else {
    await acts.revokeActionTokens({ workflowId, reason: 'closed' });
    if (input.acknowledgementRequired) await audit('plan-change.acknowledged', { data: { recipients: state.recipients.length } });
  }
  state.completedAt = workflowNowIso();
  publish();
  return state;
}
