// Unit tier: the interim owner's step on the time-skipping server with typed fake activities:
// reminded before progress is due, told and escalated when it is missed (an escalation of its
// own, as a child workflow), the escalation told its cause ended once progress is recorded, the
// next progress due later, and no more reminders once the step is done. One test in the file: the
// escalation it raises outlives the test's worker, and would hold the clock of a next one.
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { DISPUTE_AGREEMENT, type DisputeActor, type DisputeInput, type DisputeState } from '../../domain/dispute';
import { childEscalationId } from '../../domain/escalation';
import { disputeStateQuery, disputeWorkflow, escalationStateQuery, escalationWorkflow, recordInterimProgressUpdate, withdrawDisputeUpdate } from '../../workflows';
import { staff } from '../replay/scenarios';
import { actions, timeSkippingServer, failureOf } from './unit-harness';

const HOUR = 3600_000;
const party = (id: string, agencyId: string, role: string): DisputeActor => ({ staffId: id, name: `Staff ${id}`, agencyId, roles: [role], channel: 'link' });

describe('the interim owner’s step (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  const input: DisputeInput = {
    disputeId: 'dispute-unit-interim',
    participant: { id: 'participant-1', localRef: 'P-1' },
    subject: 'Who arranges the first visit',
    description: 'Ward and home care each say the other',
    outcomeSought: 'Home care arranges it',
    step: 'First visit confirmed',
    raisedBy: staff('hospital', 'hospital'),
    interimOwner: staff('homecare', 'homecare'),
    partyAgencyIds: ['hospital', 'homecare'],
    namedContacts: [],
    agreement: DISPUTE_AGREEMENT,
  };
  const raise = (taskQueue: string) => server.env.client.workflow.start(disputeWorkflow, { taskQueue, workflowId: input.disputeId, args: [input] });
  const until = async (h: WorkflowHandle<typeof disputeWorkflow>, holds: (s: DisputeState) => boolean) => {
    for (let i = 0; i < 200; i += 1) {
      const s = await h.query(disputeStateQuery);
      if (holds(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never reached: ${JSON.stringify(await h.query(disputeStateQuery))}`);
  };

  it('the interim owner is reminded before progress is due, a missed progress escalates, and progress ends the escalation and moves the next one due', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue);
      let s = await until(h, (x) => x.stages.length === 1);
      const step = s.interimStep!;
      expect(step).toMatchObject({ owner: { id: 'homecare' }, status: 'open', overdue: false, progress: [] });
      // Two working days, at the close of the day; reminded four hours before.
      expect(Date.parse(step.remindAt!)).toBe(Date.parse(step.dueAt) - 4 * HOUR);
      expect(log.emails.find((e) => e.kind === 'dispute-interim-owner')).toMatchObject({ to: { id: 'homecare' }, interimDueAt: step.dueAt, step: 'First visit confirmed' });

      // Only the interim owner records its progress.
      expect((await failureOf(h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), note: 'x' }] }))).type).toBe('NotInterimOwner');
      expect((await failureOf(h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), note: ' ' }] }))).type).toBe('InvalidInput');

      // Just past the reminder: reminded once, nothing escalated.
      await server.env.sleep(Date.parse(step.remindAt!) - (await server.env.currentTimeMs()) + HOUR);
      await expect.poll(() => log.emails.filter((e) => e.kind === 'dispute-interim-reminder').length).toBe(1);
      expect(log.events.some((e) => e.action === 'dispute.interim-overdue')).toBe(false);

      // Past the due time with no progress: the owner is told and an escalation is raised.
      await server.env.sleep(Date.parse(step.dueAt) - (await server.env.currentTimeMs()) + 30 * 60_000);
      s = await until(h, (x) => x.interimStep!.escalations.length === 1);
      expect(s.interimStep).toMatchObject({ overdue: true, escalations: [{ id: childEscalationId(h.workflowId, 'interim-1'), missedDueAt: step.dueAt }] });
      await expect.poll(() => log.emails.filter((e) => e.kind === 'dispute-interim-overdue').map((e) => e.to.id)).toEqual(['homecare']);
      expect(log.events.find((e) => e.action === 'escalation.raised')).toMatchObject({ item: 'interim-step', data: { escalationId: childEscalationId(h.workflowId, 'interim-1') } });
      const escalation = server.env.client.workflow.getHandle(childEscalationId(h.workflowId, 'interim-1'));
      expect(await escalation.query(escalationStateQuery)).toMatchObject({ riskLevel: 'moderate', source: { process: 'dispute', item: 'interim-1' }, responders: [{ id: 'homecare' }], trigger: 'No progress on the disputed step: First visit confirmed' });

      // Progress: the escalation is told its cause ended, the next progress is due later.
      s = await h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), note: 'Visit booked for Tuesday' }] });
      expect(s.interimStep).toMatchObject({ overdue: false, progress: [{ note: 'Visit booked for Tuesday', by: { id: 'homecare' } }], escalations: [{ endedAt: expect.any(String) }] });
      expect(Date.parse(s.interimStep!.dueAt)).toBeGreaterThan(Date.parse(step.dueAt));
      await expect.poll(async () => (await escalation.query(escalationStateQuery)).causeResolvedAt).toBeTruthy();
      expect((await escalation.query(escalationStateQuery)).causeResolvedReason).toContain('recorded progress on “First visit confirmed”');

      // Done: no more reminders; the dispute goes on about who carries it on.
      s = await h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), note: 'First visit took place', done: true }] });
      expect(s.interimStep).toMatchObject({ status: 'done' });
      expect((await failureOf(h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: party('homecare', 'homecare', 'staff'), note: 'again' }] }))).type).toBe('InterimStepEnded');
      const reminders = log.emails.filter((e) => e.kind === 'dispute-interim-reminder').length;
      await server.env.sleep(3 * 24 * HOUR);
      expect(log.emails.filter((e) => e.kind === 'dispute-interim-reminder').length).toBe(reminders);
      expect(actions(log).filter((a) => a.startsWith('dispute.interim'))).toEqual(['dispute.interim-reminder-sent', 'dispute.interim-overdue', 'dispute.interim-progress', 'dispute.interim-step-done']);
      await h.executeUpdate(withdrawDisputeUpdate, { args: [{ actor: party('hospital', 'hospital', 'staff'), reason: 'Sorted' }] });
      expect((await h.result()).outcome).toMatchObject({ status: 'withdrawn', carriesOn: { id: 'homecare' } });
      // Told its cause ended, the escalation resolves itself after the grace period (awaiting
      // its result moves the test server's clock there).
      expect(await server.env.client.workflow.getHandle<typeof escalationWorkflow>(childEscalationId(h.workflowId, 'interim-1')).result()).toMatchObject({ status: 'resolved', resolvedBy: 'cause' });
    });
  });
});
