// The interim owner's step on the time-skipping test server with careloop's real activities,
// real PostgreSQL and a real SMTP listener: the interim owner's first email, the reminder before
// progress is due and the overdue notice, each with their progress link and reply address; the
// escalation a missed progress raises, chaired and recorded like any other; progress telling it
// its cause ended; the close naming who carries the step on. One test: the escalation outlives
// its dispute, and would hold the test server's clock for a next one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { disputeStateQuery, disputeWorkflow, escalationWorkflow, recordInterimProgressUpdate, withdrawDisputeUpdate } from '../../workflows';
import { DISPUTE_AGREEMENT, type DisputeActor } from '../../domain/dispute';
import { childEscalationId } from '../../domain/escalation';
import { DISPUTE_INTERIM_TOKEN_PURPOSE, DISPUTE_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import type { TestDatabase } from '../support/db';
import type { SmtpCapture } from '../support/smtp';
import { startRealStack, type RealStack } from '../support/stack';
import { createParticipant, type SprintPeople } from '../support/sprint-fixture';

const HOUR = 3_600_000;

describe('the interim owner’s step (time-skipping server, real activities, PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let taskQueue: string;
  let stack: RealStack;

  beforeAll(async () => {
    stack = await startRealStack({ name: 'dispute-interim' });
    ({ env, t, smtp, people, taskQueue } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('reminds the interim owner, escalates a missed progress, ends the escalation on progress, and tells them who carries the step on', async () => {
    const participant = await createParticipant(t.db, [people.hospital.agencyId, people.homecare.agencyId]);
    const disputeId = `dispute-${randomUUID()}`;
    const h = await env.client.workflow.start(disputeWorkflow, {
      taskQueue,
      workflowId: disputeId,
      args: [
        {
          disputeId,
          participant: { id: participant.id, localRef: participant.localRef },
          subject: 'Who arranges the first home visit',
          description: 'Each says the other.',
          outcomeSought: 'Home care arranges it.',
          step: 'First visit confirmed',
          raisedBy: people.coordinator,
          interimOwner: people.homecare,
          partyAgencyIds: [people.coordinator.agencyId, people.homecare.agencyId],
          namedContacts: [],
          agreement: DISPUTE_AGREEMENT,
        },
      ],
    });
    const mails = (subject: RegExp) => smtp.messages.filter((m) => m.parsed.headers.get('x-careloop-workflow') === disputeId && m.to.includes(people.homecare.email) && subject.test(m.subject));
    let s = await h.query(disputeStateQuery);
    while (!s.stages.length) s = await new Promise((r) => setTimeout(r, 50)).then(() => h.query(disputeStateQuery));
    const step = s.interimStep!;

    // The first email: the step is theirs, with the progress link and reply address.
    const [first] = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && /you are the interim owner/.test(m.subject));
    expect(first!.text).toMatch(/Record how the step stands by .+, and then every few working days/);
    expect(first!.text).toMatch(/http:\/\/careloop\.test\/a\/cla_[\w-]+/);
    expect(first!.text).toContain(`Signed in, the dispute's page: http://careloop.test/disputes/${disputeId}`);
    expect(first!.replyTo).toMatch(/^ack\+[0-9a-f]{40}@/);
    const tokens = await t.db.actionToken.findMany({ where: { workflowId: disputeId, staffId: people.homecare.id, purpose: { in: [DISPUTE_INTERIM_TOKEN_PURPOSE, DISPUTE_REPLY_TOKEN_PURPOSE] } }, select: { purpose: true, scope: true } });
    // (Home care's staff member also represents their agency at stage 1: that email has a party's address.)
    expect(tokens.filter((x) => (x.scope as { role?: string }).role !== 'party').map((x) => [x.purpose, x.scope]).sort()).toEqual([
      [DISPUTE_INTERIM_TOKEN_PURPOSE, { disputeId }],
      [DISPUTE_REPLY_TOKEN_PURPOSE, { disputeId, role: 'interim' }],
    ]);

    // Past the reminder: one reminder, nothing escalated.
    await env.sleep(Date.parse(step.remindAt!) - (await env.currentTimeMs()) + HOUR);
    await smtp.waitFor((m) => m.to.includes(people.homecare.email) && /careloop reminder: progress on the disputed step/.test(m.subject));
    expect(mails(/reminder/)).toHaveLength(1);
    expect(await t.db.escalation.count({ where: { sourceWorkflowId: disputeId } })).toBe(0);

    // Past the due time: the overdue notice, and an escalation recorded like any other.
    await env.sleep(Date.parse(step.dueAt) - (await env.currentTimeMs()) + 30 * 60_000);
    const [overdue] = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && /careloop OVERDUE: progress on the disputed step/.test(m.subject));
    expect(overdue!.text).toContain('it has been escalated');
    const escalationId = childEscalationId(disputeId, 'interim-1');
    await expect.poll(() => t.db.escalation.findUnique({ where: { id: escalationId }, select: { sourceProcess: true, sourceItem: true, riskLevel: true, chairId: true, responderIds: true } }), { timeout: 20_000 }).toMatchObject({
      sourceProcess: 'dispute',
      sourceItem: 'interim-1',
      riskLevel: 'moderate',
      // The raiser, a coordinator, chairs; the interim owner responds.
      chairId: people.coordinator.id,
      responderIds: [people.homecare.id],
    });
    const audit = await t.db.auditEvent.findMany({ where: { workflowId: disputeId, action: { startsWith: 'dispute.interim' } }, orderBy: { seq: 'asc' }, select: { action: true } });
    expect(audit.map((e) => e.action)).toEqual(['dispute.interim-reminder-sent', 'dispute.interim-overdue']);

    // Progress: the escalation is told its cause ended.
    const owner: DisputeActor = { staffId: people.homecare.id, name: people.homecare.name, agencyId: people.homecare.agencyId, roles: ['staff'], channel: 'link' };
    s = await h.executeUpdate(recordInterimProgressUpdate, { args: [{ actor: owner, note: 'Visit booked for Tuesday.' }] });
    expect(Date.parse(s.interimStep!.dueAt)).toBeGreaterThan(Date.parse(step.dueAt));
    await expect.poll(async () => (await t.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).causeResolvedAt, { timeout: 20_000 }).not.toBeNull();

    // Withdrawn: the interim owner keeps the step and is told so.
    await h.executeUpdate(withdrawDisputeUpdate, { args: [{ actor: { staffId: people.coordinator.id, name: people.coordinator.name, agencyId: people.coordinator.agencyId, roles: ['coordinator'], channel: 'api' }, reason: 'Agreed at the huddle.' }] });
    expect((await h.result()).outcome).toMatchObject({ status: 'withdrawn', carriesOn: { id: people.homecare.id } });
    const [closed] = await smtp.waitFor((m) => m.to.includes(people.homecare.email) && /careloop dispute withdrawn/.test(m.subject));
    expect(closed!.text).toContain('You carry "First visit confirmed" on from here.');
    // The escalation resolves itself after its grace period (awaiting it moves the test clock there).
    expect(await env.client.workflow.getHandle<typeof escalationWorkflow>(escalationId).result()).toMatchObject({ status: 'resolved', resolvedBy: 'cause' });
  });
});
