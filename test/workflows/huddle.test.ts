// A huddle on the time-skipping test server with careloop's real activities against real
// PostgreSQL and a real SMTP listener: a decision's owner is given it, reminded before follow-up
// is due, and when follow-up is missed told again while an escalation is raised in the huddle's
// agency (its chair the coordinator who recorded the decision); recorded late, the escalation is
// told its cause ended. The test server has no visibility: the huddle goes ahead without its
// roster, and says so.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { addHuddleDecisionUpdate, endHuddleDecisionUpdate, finishHuddleUpdate, huddleStateQuery, huddleWorkflow, recordHuddleAttendanceUpdate } from '../../workflows';
import { childEscalationId } from '../../domain/escalation';
import { verifyAuditChain } from '../../activities/audit';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { startRealStack, type RealStack } from '../support/stack';
import { createParticipant, type SprintPeople } from '../support/sprint-fixture';

const HOUR = 3600_000;
const by = (p: { id: string; name: string }) => ({ staffId: p.id, name: p.name, channel: 'web' as const });

describe('huddle workflow (time-skipping server, real PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let taskQueue: string;
  let stack: RealStack;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'huddle-ts' });
    ({ env, t, smtp, people, taskQueue } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const mailsTo = (email: string, workflowId: string) => smtp.messages.filter((m) => m.to.includes(email) && m.parsed.headers.get('x-careloop-workflow') === workflowId);

  it('escalates a missed decision follow-up in the agency, and tells the escalation its cause ended when it is done late', async () => {
    const huddleId = `huddle-county-${randomUUID().slice(0, 8)}`;
    const person = await createParticipant(t.db, [people.coordinator.agencyId]);
    const h = await env.client.workflow.start(huddleWorkflow, { taskQueue, workflowId: huddleId, args: [{ agencyId: people.coordinator.agencyId, huddleId, notesOpenForMs: 2 * HOUR }] });
    await expect.poll(async () => (await h.query(huddleStateQuery)).status, { timeout: 20_000 }).toBe('open');

    // Prepared without its roster (no visibility here), and said so to the coordinator and manager.
    const row = await t.db.huddle.findUniqueOrThrow({ where: { id: huddleId }, include: { attendance: true } });
    expect(row.rosterProblem).toMatch(/could not read the open work/);
    expect(row.attendance.map((a) => a.staffId).sort()).toEqual([people.coordinator.id, people.manager.id].sort());
    const [ready] = await smtp.waitFor((m) => m.to.includes(people.coordinator.email) && m.parsed.headers.get('x-careloop-workflow') === huddleId);
    expect(ready!.text).toContain('careloop could not read the open work when it prepared the roster');
    expect(ready!.text).toContain(`http://careloop.test/huddles/${huddleId}`);

    await h.executeUpdate(recordHuddleAttendanceUpdate, { args: [{ actor: by(people.coordinator), attendees: [people.coordinator, people.homecare] }] });
    const dueAt = new Date((await env.currentTimeMs()) + 6 * HOUR).toISOString();
    const d = await h.executeUpdate(addHuddleDecisionUpdate, {
      args: [{ actor: by(people.coordinator), participant: { id: person.id, localRef: person.localRef }, text: 'Call the landlord', owner: people.homecare, dueAt, decider: people.coordinator }],
    });
    const [assigned] = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && m.subject.startsWith('careloop: a huddle decision'));
    expect(assigned!.subject).toContain(person.localRef);
    expect(assigned!.text).toMatch(/http:\/\/careloop\.test\/a\/cla_[\w-]+/);
    await h.executeUpdate(finishHuddleUpdate, { args: [{ actor: by(people.coordinator) }] });

    // Reminded halfway (3 h before follow-up is due); an hour clear of every timer (temporalio/sdk-java#3088).
    await env.sleep(4 * HOUR);
    expect(mailsTo(people.homecare.email, huddleId).map((m) => m.subject)).toContainEqual(expect.stringMatching(/^careloop reminder: huddle decision for /));
    expect(await t.db.escalation.count({ where: { sourceWorkflowId: huddleId } })).toBe(0);

    // Follow-up missed: the owner is told, and an escalation is raised about the person in the huddle's agency.
    await env.sleep(3 * HOUR);
    const escalationId = childEscalationId(huddleId, d.key);
    const overdue = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && m.subject.startsWith('careloop OVERDUE: huddle decision'));
    expect(overdue[0]!.text).toContain(`has been escalated to a coordinator of`);
    await expect.poll(() => t.db.escalation.findUnique({ where: { id: escalationId } }), { timeout: 20_000 }).toMatchObject({
      participantId: person.id,
      sourceProcess: 'huddle',
      sourceWorkflowId: huddleId,
      sourceItem: 'decision-1',
      riskLevel: 'moderate',
      chairId: people.coordinator.id,
      status: 'open',
    });
    const decision = await t.db.huddleDecision.findUniqueOrThrow({ where: { id: `${huddleId}:decision-1` } });
    expect(decision).toMatchObject({ status: 'open', wasOverdue: true, escalationId });
    expect((await h.query(huddleStateQuery)).status).toBe('following-up');

    // Done late, for the owner: the escalation hears its cause ended, and the huddle closes.
    const late = await h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(people.coordinator), decisionKey: 'decision-1', outcome: 'done', note: 'Landlord agreed to wait', actsForHuddle: true }] });
    expect(late).toMatchObject({ status: 'done', onTime: false });
    expect(await h.result()).toMatchObject({ status: 'closed' });
    await expect.poll(async () => (await t.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).causeResolvedAt, { timeout: 20_000 }).not.toBeNull();
    expect(await t.db.huddleDecision.findUniqueOrThrow({ where: { id: `${huddleId}:decision-1` } })).toMatchObject({ status: 'done', onTime: false, wasOverdue: true, endedById: people.coordinator.id, channel: 'web' });
    expect(await t.db.huddle.findUniqueOrThrow({ where: { id: huddleId } })).toMatchObject({ status: 'closed' });
    // The decision's link no longer works once it is recorded.
    expect(await t.db.actionToken.count({ where: { workflowId: huddleId, purpose: 'huddle-decision', usedAt: null, revokedAt: null } })).toBe(0);

    const events = await t.db.auditEvent.findMany({ where: { workflowId: huddleId }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.action).filter((a) => a.startsWith('huddle.') || a === 'escalation.raised')).toEqual([
      'huddle.started',
      'huddle.prepared',
      'huddle.attendance-recorded',
      'huddle.decision-recorded',
      'huddle.notes-closed',
      'huddle.decision-reminder-sent',
      'huddle.decision-overdue',
      'escalation.raised',
      'huddle.decision-done',
      'huddle.closed',
    ]);
    expect(events.find((e) => e.action === 'huddle.decision-overdue')?.participantId).toBe(person.id);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    await env.client.workflow.getHandle(escalationId).terminate('test over');
  });
});
