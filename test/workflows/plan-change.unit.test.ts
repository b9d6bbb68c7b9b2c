// Unit tier: plan change control on the time-skipping server with typed fake activities (no
// database, no SMTP): who is asked, reminded and escalated, when, and what is refused.
import { describe, expect, it } from 'vitest';
import type { PlanChangeInput } from '../../domain/plan';
import { childEscalationId, type EscalationState } from '../../domain/escalation';
import { acknowledgePlanVersionUpdate, planChangeStateQuery, planChangeWorkflow, remindPlanVersionNowUpdate, supersedePlanVersionSignal } from '../../workflows';
import { coordinator, staff } from '../replay/scenarios';
import { actions, timeSkippingServer, failureOf } from './unit-harness';

const HOUR = 3600_000;

describe('plan change workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  let n = 0;
  const publish = async (taskQueue: string, over: Partial<PlanChangeInput> = {}) => {
    n += 1;
    const input: PlanChangeInput = {
      planId: `plan-unit-${n}`,
      participant: { id: 'participant-1', localRef: 'P-1' },
      version: 2,
      versionId: `version-${n}`,
      publishedAt: new Date(await server.env.currentTimeMs()).toISOString(),
      publishedBy: coordinator,
      reason: 'risk changed',
      trigger: 'safeguarding',
      acknowledgementRequired: true,
      recipients: [staff('hospital', 'hospital'), staff('housing', 'housing')],
      escalateTo: coordinator,
      reminderEveryMs: 24 * HOUR,
      ackDeadlineMs: 72 * HOUR,
      rapidReviewMs: 72 * HOUR,
      ...over,
    };
    return server.env.client.workflow.start(planChangeWorkflow, { taskQueue, workflowId: `plan-${input.planId}-v2`, args: [input] });
  };

  it('a newer version supersedes it, an older one does not; its links end as it closes', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await publish(taskQueue);
      await h.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'link' }] });
      await h.signal(supersedePlanVersionSignal, { byVersion: 1 }); // older: ignored
      expect((await h.query(planChangeStateQuery)).status).toBe('awaiting-acknowledgements');
      await h.signal(supersedePlanVersionSignal, { byVersion: 3 });
      const s = await h.result();
      expect(s).toMatchObject({ status: 'superseded', supersededBy: 3 });
      expect(actions(log)).toEqual(['plan-change.started', 'plan.acknowledged', 'plan-change.superseded']);
      expect(log.revocations.at(-1)).toEqual({ workflowId: h.workflowId, reason: 'superseded' });
    });
  });

  it('refuses an acknowledgement from someone it was not sent to, or of a version that needs none', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await publish(taskQueue, { acknowledgementRequired: false, rapidReviewMs: undefined });
      const s = await h.result();
      expect(s.status).toBe('no-acknowledgement-required');
      expect(log.emails.map((e) => e.kind)).toEqual(['plan-published', 'plan-published']);
      expect(actions(log)).toEqual(['plan-change.started']);
      const open = await publish(taskQueue);
      expect((await failureOf(open.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'stranger', channel: 'api' }] }))).type).toBe('NotRecipient');
      await open.signal(supersedePlanVersionSignal, { byVersion: 3 });
      await open.result();
    });
  });
  it('reminds now, for the plan-holder: those still to acknowledge only, audited as theirs, then not again for ten minutes', async () => {
    await server.run(async ({ env, taskQueue, log }) => {
      const h = await publish(taskQueue);
      await h.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'link' }] });
      const by = { staffId: coordinator.id, name: coordinator.name };
      const first = await h.executeUpdate(remindPlanVersionNowUpdate, { args: [{ by }] });
      expect(first.recipients.map((r) => r.id)).toEqual(['housing']);
      expect(log.emails.filter((e) => e.kind === 'plan-ack-reminder').map((e) => e.to.id)).toEqual(['housing']);
      const reminded = log.events.find((e) => e.action === 'plan.reminders-sent');
      expect(reminded).toMatchObject({ actorId: coordinator.id, reason: 'Remind now', data: { manual: true, recipients: ['housing'], channel: 'web' } });
      const s = await h.query(planChangeStateQuery);
      expect(s.recipients.find((r) => r.staff.id === 'housing')!.remindersSent).toBe(1);
      expect(s.manualReminders).toEqual([{ at: first.remindedAt, by: { id: coordinator.id, name: coordinator.name }, recipients: ['housing'] }]);
      expect((await failureOf(h.executeUpdate(remindPlanVersionNowUpdate, { args: [{ by }] }))).type).toBe('RemindedRecently');
      await env.sleep('11m');
      await h.executeUpdate(remindPlanVersionNowUpdate, { args: [{ by, channel: 'api' }] });
      // Each "Remind now" its own email, not deduplicated against the last one.
      expect(new Set(log.emails.filter((e) => e.kind === 'plan-ack-reminder').map((e) => e.idempotencyKey)).size).toBe(2);
      await h.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'housing', channel: 'link' }] });
      expect((await h.result()).status).toBe('acknowledged');
    });
  });

  // Last: its escalation stays open, and an open workflow can hold this server's clock.
  it('asks every recipient, reminds those still to acknowledge each day, escalates the missing ones at the deadline, and tells the escalation when the last one acknowledges', async () => {
    await server.run(async ({ env, taskQueue, log }) => {
      const h = await publish(taskQueue);
      await h.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'link' }] });
      // A second acknowledgement changes nothing: the first time and channel stand.
      expect(await h.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'api' }] })).toMatchObject({ channel: 'link' });
      await env.sleep(73 * HOUR);
      await expect.poll(() => log.emails.some((e) => e.kind === 'plan-ack-escalation')).toBe(true);
      const s = await h.query(planChangeStateQuery);
      expect(s.recipients.find((r) => r.staff.id === 'housing')).toMatchObject({ remindersSent: 2, escalated: true });
      expect(s.recipients.find((r) => r.staff.id === 'hospital')).toMatchObject({ remindersSent: 0, escalated: false });
      const planEmails = log.emails.filter((e) => e.process === 'plan-change').map((e) => [e.kind, e.to.id]);
      expect(planEmails).toEqual([
        ['plan-ack-request', 'hospital'],
        ['plan-ack-request', 'housing'],
        ['plan-ack-reminder', 'housing'],
        ['plan-ack-reminder', 'housing'],
        ['plan-ack-escalation', 'coordinator'],
      ]);
      const escalationId = childEscalationId(`plan-${s.planId}-v2`, 'acknowledgements-missing');
      expect(s.escalations).toEqual([expect.objectContaining({ missing: ['housing'], status: 'raised', workflowId: escalationId })]);

      await h.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'housing', channel: 'email-reply' }] });
      const done = await h.result();
      expect(done.status).toBe('acknowledged');
      expect(actions(log).filter((a) => !a.startsWith('escalation.r'))).toEqual(
        expect.arrayContaining(['plan-change.started', 'plan.acknowledged', 'plan.reminders-sent', 'plan.acknowledged', 'plan-change.acknowledged', 'escalation.cause-resolved']),
      );
      expect(log.revocations.at(-1)).toEqual({ workflowId: h.workflowId, reason: 'closed' });
      // Nobody confirms the outcome: past the grace period the escalation resolves itself by its cause.
      const e = (await env.client.workflow.getHandle(escalationId).result()) as EscalationState;
      expect(e).toMatchObject({ status: 'resolved', resolvedBy: 'cause', causeResolvedReason: 'every recipient acknowledged', outcome: { outcome: 'Cause resolved: every recipient acknowledged' } });
    });
  });
});
