// Unit tier: the escalation's tiers on the time-skipping server with typed fake activities (no
// database, no SMTP). The fake finds a manager to chair the manager-chaired tiers, else the
// preferred chair.
import { describe, expect, it } from 'vitest';
import { ESCALATION_POLICY, type EscalationInput, type RiskLevel } from '../../domain/escalation';
import type { Actor } from '../../domain/sprint';
import { escalationNextAction } from '../../domain/next-action';
import { acknowledgeEscalationUpdate, escalationCauseResolvedSignal, escalationStateQuery, escalationWorkflow, resolveEscalationUpdate, respondEscalationUpdate } from '../../workflows';
import { coordinator, staff } from '../replay/scenarios';
import { actions, timeSkippingServer, failureOf } from './unit-harness';

const HOUR = 3600_000;
const as = (id: string): Actor => ({ staffId: id, name: `Staff ${id}`, channel: 'api' });

describe('escalation workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  let n = 0;
  const raise = async (taskQueue: string, riskLevel: RiskLevel, policy = ESCALATION_POLICY) => {
    n += 1;
    const input: EscalationInput = {
      escalationId: `escalation-unit-${n}`,
      participant: { id: 'participant-1', localRef: 'P-1' },
      riskLevel,
      trigger: 'missed visits',
      description: 'Two missed visits',
      source: { process: 'manual' },
      raisedBy: coordinator,
      agencyId: 'county',
      preferredChair: coordinator,
      responders: [staff('hospital', 'hospital')],
      policy,
    };
    return server.env.client.workflow.start(escalationWorkflow, { taskQueue, workflowId: input.escalationId, args: [input] });
  };

  it('chair acknowledges, responds and resolves within the tier: on time, recorded with each step, links revoked at the end', async () => {
    await server.run(async ({ taskQueue, log }) => {
      const h = await raise(taskQueue, 'moderate');
      await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: as('coordinator') }] });
      await h.executeUpdate(respondEscalationUpdate, { args: [{ actor: as('coordinator'), responseAction: 'Called the family' }] });
      await h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('coordinator'), outcome: 'Visits restored' }] });
      const s = await h.result();
      expect(s).toMatchObject({ status: 'resolved', tier: 'moderate', acknowledgement: { onTime: true }, response: { onTime: true, action: 'Called the family' }, outcome: { onTime: true } });
      expect(actions(log)).toEqual(['escalation.raised', 'escalation.acknowledged', 'escalation.responded', 'escalation.resolved']);
      // Chair and responder are told through held notices (grouped per person), each batch sent once.
      expect(log.notices.map((n) => [n.kind, n.role, n.to.id, n.cause])).toEqual([
        ['raised', 'chair', 'coordinator', 'missed visits'],
        ['raised', 'responder', 'hospital', 'missed visits'],
      ]);
      // A moderate notice may wait a tenth of the 24 h acknowledgement window (the grouping window caps it).
      expect(log.notices[0]!.holdAtMostMs).toBe(2.4 * HOUR);
      expect(log.batchesSent).toHaveLength(2);
      expect(log.emails).toEqual([]);
      expect(log.revocations).toEqual([{ workflowId: h.workflowId, reason: 'resolved' }]);
      // Every record write carried its events: no write of an event alone.
      expect(log.calls.filter((c) => c === 'recordEvents')).toHaveLength(0);
    });
  });

  it('refuses steps out of order, from anyone but the chair, and without the required text', async () => {
    await server.run(async ({ taskQueue }) => {
      const h = await raise(taskQueue, 'moderate');
      expect((await failureOf(h.executeUpdate(respondEscalationUpdate, { args: [{ actor: as('coordinator'), responseAction: 'Call' }] }))).type).toBe('EscalationStepOutOfOrder');
      expect((await failureOf(h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: as('hospital') }] }))).type).toBe('NotEscalationChair');
      await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: as('coordinator') }] });
      expect((await failureOf(h.executeUpdate(respondEscalationUpdate, { args: [{ actor: as('coordinator'), responseAction: ' ' }] }))).type).toBe('InvalidInput');
      expect((await failureOf(h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('coordinator'), outcome: 'Done' }] }))).type).toBe('EscalationStepOutOfOrder');
      await h.executeUpdate(respondEscalationUpdate, { args: [{ actor: as('coordinator'), responseAction: 'Called' }] });
      await h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('manager'), actsForChair: true, outcome: 'Settled' }] });
      expect((await h.result()).outcome?.by.staffId).toBe('manager');
    });
  });

  it('a missed window promotes to the next tier with its chair (the old chair’s links end); at the top tier the chair is told it is overdue', async () => {
    await server.run(async ({ env, taskQueue, log }) => {
      const h = await raise(taskQueue, 'high');
      await env.sleep(1.5 * HOUR); // past high's 1 h acknowledgement window, and acute's 15 min
      await expect.poll(async () => (await h.query(escalationStateQuery)).overdueAtTopTier).toBe(true);
      await expect.poll(() => log.notices.length).toBe(5);
      const s = await h.query(escalationStateQuery);
      expect(s).toMatchObject({ tier: 'acute', overdueAtTopTier: true, chair: { id: 'manager' } });
      expect(s.tiers.map((t) => t.entry)).toEqual(['raised', 'acknowledgement-missed']);
      expect(actions(log)).toEqual(['escalation.raised', 'escalation.promoted', 'escalation.window-missed']);
      expect(log.revocations).toEqual([{ workflowId: h.workflowId, staffId: 'manager', reason: 'promoted' }]);
      expect(log.notices.map((n) => [n.kind, n.role, n.tier])).toEqual([
        ['raised', 'chair', 'high'],
        ['raised', 'responder', 'high'],
        ['promoted', 'chair', 'acute'],
        ['promoted', 'responder', 'acute'],
        ['top-tier-overdue', 'chair', 'acute'],
      ]);
      // Past the top tier nothing waits.
      expect(log.notices.at(-1)!.holdAtMostMs).toBe(0);
      await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: as('manager') }] });
      await h.executeUpdate(respondEscalationUpdate, { args: [{ actor: as('manager'), responseAction: 'Review booked' }] });
      await h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('manager'), outcome: 'Risk back to moderate' }] });
      expect(await h.result()).toMatchObject({ status: 'resolved', acknowledgement: { onTime: false }, response: { onTime: true } });
    });
  });

  it('when its cause has ended it records so once, stops promoting past its window, and the chair confirms the outcome with one update', async () => {
    await server.run(async ({ env, taskQueue, log }) => {
      const h = await raise(taskQueue, 'moderate', { ...ESCALATION_POLICY, causeGraceMs: 48 * HOUR });
      await h.signal(escalationCauseResolvedSignal, { reason: 'task done' });
      await h.signal(escalationCauseResolvedSignal, { reason: 'task done again' });
      await env.sleep(30 * HOUR); // past moderate's 24 h acknowledgement window (no promotion), inside the 48 h grace
      const s = await h.query(escalationStateQuery);
      expect(s).toMatchObject({ tier: 'moderate', status: 'open', causeResolvedReason: 'task done' });
      expect(s.tiers).toHaveLength(1);
      expect(Date.parse(s.causeGraceEndsAt!) - Date.parse(s.causeResolvedAt!)).toBe(48 * HOUR);
      expect(escalationNextAction(s)).toEqual({ action: 'Confirm the outcome of the moderate escalation', ownerId: 'coordinator', dueAt: s.causeGraceEndsAt });
      expect(actions(log)).toEqual(['escalation.raised', 'escalation.cause-resolved']);
      // Only the chair, and only with an outcome; no acknowledgement or response first.
      expect((await failureOf(h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('hospital'), outcome: 'Fine' }] }))).type).toBe('NotEscalationChair');
      expect((await failureOf(h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('coordinator'), outcome: ' ' }] }))).type).toBe('InvalidInput');
      await h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: as('coordinator'), outcome: 'Nothing more needed' }] });
      const done = await h.result();
      expect(done).toMatchObject({ status: 'resolved', resolvedBy: 'chair', tier: 'moderate', outcome: { outcome: 'Nothing more needed', by: { staffId: 'coordinator' } } });
      expect(done.acknowledgement).toBeUndefined();
      expect(actions(log)).toEqual(['escalation.raised', 'escalation.cause-resolved', 'escalation.resolved']);
      expect(log.revocations).toEqual([{ workflowId: h.workflowId, reason: 'resolved' }]);
    });
  });

  it('when nobody confirms the outcome within the grace period, it resolves itself by its cause, recorded by careloop', async () => {
    await server.run(async ({ env, taskQueue, log }) => {
      const h = await raise(taskQueue, 'high', { ...ESCALATION_POLICY, causeGraceMs: 6 * HOUR });
      await expect.poll(async () => (await h.query(escalationStateQuery)).chair.id).toBe('manager');
      await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: as('manager') }] });
      await h.signal(escalationCauseResolvedSignal, { reason: 'task immediate-risks-reviewed ended as completed' });
      await env.sleep(7 * HOUR); // past high's 4 h response window and the 6 h grace period
      const s = await h.result();
      expect(s).toMatchObject({
        status: 'resolved',
        resolvedBy: 'cause',
        tier: 'high',
        outcome: { outcome: 'Cause resolved: task immediate-risks-reviewed ended as completed', by: { staffId: 'careloop', name: 'careloop' } },
      });
      expect(s.tiers).toHaveLength(1);
      const after = Date.parse(s.resolvedAt!) - Date.parse(s.causeResolvedAt!);
      expect(after).toBeGreaterThanOrEqual(6 * HOUR);
      expect(after).toBeLessThan(6 * HOUR + 60_000);
      expect(actions(log)).toEqual(['escalation.raised', 'escalation.acknowledged', 'escalation.cause-resolved', 'escalation.resolved']);
      expect(log.events.at(-1)).toMatchObject({ actor: 'careloop', actorId: null, reason: 'Cause resolved: task immediate-risks-reviewed ended as completed', data: { resolvedBy: 'cause' } });
      // The chair is asked to confirm the outcome once the cause has ended.
      expect(log.notices.map((n) => [n.kind, n.role])).toEqual([
        ['raised', 'chair'],
        ['raised', 'responder'],
        ['cause-resolved', 'chair'],
      ]);
      expect(log.notices.at(-1)).toMatchObject({ causeReason: 'task immediate-risks-reviewed ended as completed', graceEndsAt: s.causeGraceEndsAt });
    });
  });
});
