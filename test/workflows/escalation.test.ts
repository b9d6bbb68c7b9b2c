// Escalation tiers on the time-skipping test server, with careloop's real activities against
// real PostgreSQL and a real SMTP listener: each tier's windows, the promotion chain, resolution
// on time and late, required fields, and escalations raised by an overdue sprint task.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  acknowledgeEscalationUpdate,
  cancelSprintUpdate,
  completeTaskUpdate,
  escalationStateQuery,
  escalationWorkflow,
  resolveEscalationUpdate,
  respondEscalationUpdate,
  sprintStateQuery,
  sprintWorkflow,
} from '../../workflows';
import { ESCALATION_POLICY, policyWith, RISK_LEVELS, type EscalationInput, type RiskLevel } from '../../domain/escalation';
import type { Actor } from '../../domain/sprint';
import { verifyAuditChain } from '../../activities/audit';
import { ESCALATION_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createParticipant, createSprintPeople, sprintInput, type SprintPeople } from '../support/sprint-fixture';

const actor = (p: { id: string; name: string }): Actor => ({ staffId: p.id, name: p.name, channel: 'api' });
const MIN = 60_000;

describe('escalation workflow (time-skipping server, real PostgreSQL and SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let worker: Worker;
  let running: Promise<void>;
  // One worker for the file: escalations raised by sprints outlive them and keep running.
  const taskQueue = `escalation-${randomUUID()}`;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  async function raise(riskLevel: RiskLevel, over: Partial<EscalationInput> = {}): Promise<WorkflowHandle<typeof escalationWorkflow>> {
    const participant = await createParticipant(t.db);
    const escalationId = `escalation-${randomUUID()}`;
    const input: EscalationInput = {
      escalationId,
      participant: { id: participant.id, localRef: participant.localRef },
      riskLevel,
      trigger: 'Two missed visits',
      description: 'Two missed home care visits this week',
      source: { process: 'manual' },
      raisedBy: people.hospital,
      agencyId: people.coordinator.agencyId,
      preferredChair: people.coordinator,
      responders: [people.hospital],
      policy: ESCALATION_POLICY,
      ...over,
    };
    return env.client.workflow.start(escalationWorkflow, { taskQueue, workflowId: escalationId, args: [input] });
  }
  const mailsFor = (workflowId: string) => smtp.messages.filter((m) => m.parsed.headers.get('x-careloop-workflow') === workflowId);
  /** Ends an escalation the way its chair would. */
  const settle = async (h: WorkflowHandle<typeof escalationWorkflow>, chair: { id: string; name: string }) => {
    await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(chair) }] });
    await h.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(chair), responseAction: 'Joint visit booked' }] });
    return h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(chair), outcome: 'Visits restored' }] });
  };
  const failureOf = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
  };

  it('gives each tier its windows, chair role and version from the policy, and notifies chair and responders', async () => {
    const expectedChair = { acute: people.manager, high: people.manager, moderate: people.coordinator, low: people.coordinator };
    for (const level of RISK_LEVELS) {
      const h = await raise(level);
      // The emails go out once the chair is found.
      const mails = await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === h.workflowId && [expectedChair[level].email, people.hospital.email].some((a) => m.to.includes(a)), 2);
      const s = await h.query(escalationStateQuery);
      const tier = ESCALATION_POLICY.tiers[level];
      expect(s).toMatchObject({ status: 'open', tier: level, policyVersion: ESCALATION_POLICY.version, chair: { id: expectedChair[level].id } });
      expect(Date.parse(s.acknowledgeDueAt) - Date.parse(s.raisedAt)).toBe(tier.acknowledgeWithinMs);
      expect(Date.parse(s.respondDueAt) - Date.parse(s.raisedAt)).toBe(tier.respondWithinMs);
      const toChair = mails.find((m) => m.to.includes(expectedChair[level].email))!;
      expect(toChair.subject).toBe(`careloop ${s.participant.localRef}: escalation at ${level} risk, you chair: Two missed visits`);
      expect(toChair.text).toMatch(/You chair it\. Take ownership by .*\n\s+http:\/\/careloop\.test\/a\/cla_[\w-]+/);
      // A responder's link only shows where it stands (a read-only page; api/escalations/link.ts).
      const toResponder = mails.find((m) => m.to.includes(people.hospital.email))!;
      expect(toResponder.subject).toBe(`careloop ${s.participant.localRef}: escalation at ${level} risk, you respond to: Two missed visits`);
      expect(toResponder.text).toMatch(/chairs it and records the response action by .*See where it stands:\n\s+http:\/\/careloop\.test\/a\/cla_/);
      const final = await settle(h, expectedChair[level]);
      expect(final.status).toBe('resolved');
      await h.result();
    }
  });

  it('promotes high to acute when the acknowledgement window passes, not before', async () => {
    const h = await raise('high');
    await env.sleep(50 * MIN); // inside the 1 h acknowledgement window
    expect((await h.query(escalationStateQuery)).tier).toBe('high');
    await env.sleep(20 * MIN);
    const s = await h.query(escalationStateQuery);
    expect(s.tier).toBe('acute');
    expect(s.tiers.map((x) => [x.tier, x.entry])).toEqual([['high', 'raised'], ['acute', 'acknowledgement-missed']]);
    // Acute counts its own windows from promotion.
    expect(Date.parse(s.acknowledgeDueAt) - Date.parse(s.tiers[1]!.enteredAt)).toBe(ESCALATION_POLICY.tiers.acute.acknowledgeWithinMs);
    const final = await settle(h, people.manager);
    expect(final.acknowledgement).toMatchObject({ onTime: true, tier: 'acute' });
    await h.result();
  });

  it('climbs low → moderate → high → acute as windows pass, keeps the history of tiers, and records a late resolution', async () => {
    const windows = Object.fromEntries(RISK_LEVELS.map((l) => [l, { acknowledgeWithinMs: MIN, respondWithinMs: 2 * MIN }]));
    const h = await raise('low', { policy: policyWith(windows) });
    const id = h.workflowId;
    // Three acknowledgement windows promote it; the top tier's passes at 4 min and its response
    // window (counted from entering acute at 3 min) at 5 min.
    await env.sleep(5 * MIN + 30_000);
    const s = await h.query(escalationStateQuery);
    expect(s.policyVersion).toBe(`${ESCALATION_POLICY.version}+custom-windows`);
    expect(s.tiers.map((x) => x.tier)).toEqual(['low', 'moderate', 'high', 'acute']);
    expect(s.tiers.slice(1).every((x) => x.entry === 'acknowledgement-missed')).toBe(true);
    expect(s.tiers.map((x) => x.chair.id)).toEqual([people.coordinator.id, people.coordinator.id, people.manager.id, people.manager.id]);
    expect(s.overdueAtTopTier).toBe(true);
    const promotedMails = mailsFor(id).filter((m) => /you chair/.test(m.subject));
    expect(promotedMails.map((m) => m.subject.match(/at (\w+) risk/)![1])).toEqual(['low', 'moderate', 'high', 'acute']);
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === id && /at acute risk, OVERDUE, act now/.test(m.subject));

    // The coordinator chaired low and moderate; at acute only the manager may act.
    expect((await failureOf(h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(people.coordinator) }] }))).type).toBe('NotEscalationChair');
    const final = await settle(h, people.manager);
    expect(final).toMatchObject({ status: 'resolved', acknowledgement: { onTime: false }, response: { onTime: false }, outcome: { onTime: false, outcome: 'Visits restored' } });
    await h.result();
    const row = await t.db.escalation.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'resolved', riskLevel: 'low', tier: 'acute', promotions: 3, acknowledgedOnTime: false, resolvedOnTime: false, chairId: people.manager.id });
    const actions = (await t.db.auditEvent.findMany({ where: { workflowId: id }, orderBy: { seq: 'asc' } })).map((e) => e.action);
    expect(actions.filter((a) => a === 'escalation.promoted')).toHaveLength(3);
    expect(actions).toEqual(expect.arrayContaining(['escalation.raised', 'escalation.window-missed', 'escalation.acknowledged', 'escalation.responded', 'escalation.resolved']));
    // The coordinator's links stopped working when the escalation left them. (Reply addresses may
    // cover other escalations too: each reply is checked against the escalation's state instead.)
    expect(await t.db.actionToken.count({ where: { workflowId: id, staffId: people.coordinator.id, revokedAt: null, purpose: { not: ESCALATION_REPLY_TOKEN_PURPOSE } } })).toBe(0);
  });

  it('resolves on time within the tier, and promotes when the response (not the acknowledgement) is missing', async () => {
    const h = await raise('moderate');
    await env.sleep(2 * 3600_000);
    await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(people.coordinator) }] });
    await env.sleep(3600_000);
    await h.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(people.coordinator), responseAction: 'Review meeting held with home care' }] });
    const final = await h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(people.coordinator), outcome: 'Extra visit added to the plan' }] });
    expect(final).toMatchObject({ status: 'resolved', tier: 'moderate', acknowledgement: { onTime: true }, response: { onTime: true, action: 'Review meeting held with home care' }, outcome: { onTime: true } });
    await h.result();
    expect(await t.db.escalation.findUniqueOrThrow({ where: { id: h.workflowId } })).toMatchObject({ acknowledgedOnTime: true, respondedOnTime: true, resolvedOnTime: true, promotions: 0 });

    const h2 = await raise('moderate');
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === h2.workflowId);
    await h2.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(people.coordinator) }] });
    await env.sleep(72.5 * 3600_000); // past the 72 h response window, inside high's 1 h acknowledgement window
    const s2 = await h2.query(escalationStateQuery);
    expect(s2).toMatchObject({ tier: 'high', status: 'open', chair: { id: people.manager.id } });
    expect(s2.tiers.map((x) => x.entry)).toEqual(['raised', 'response-missed']);
    await settle(h2, people.manager);
    await h2.result();
  });

  it('enforces the required fields and the order of the steps', async () => {
    const h = await raise('moderate');
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === h.workflowId);
    expect((await failureOf(h.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(people.coordinator), responseAction: 'Call' }] }))).type).toBe('EscalationStepOutOfOrder');
    expect((await failureOf(h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(people.hospital) }] }))).type).toBe('NotEscalationChair');
    await h.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(people.coordinator) }] });
    expect((await failureOf(h.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(people.coordinator), responseAction: '  ' }] }))).type).toBe('InvalidInput');
    expect((await failureOf(h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(people.coordinator), outcome: 'Done' }] }))).type).toBe('EscalationStepOutOfOrder');
    await h.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(people.coordinator), responseAction: 'Called the family' }] });
    expect((await failureOf(h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(people.coordinator), outcome: '' }] }))).type).toBe('InvalidInput');
    // An admin may act for the chair.
    await h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(people.manager), actsForChair: true, outcome: 'Family now visits daily' }] });
    await h.result();
    // Resolved is final: the escalation has closed, so a late step finds nothing to act on.
    await expect(h.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(people.coordinator), outcome: 'again' }] })).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    await expect(verifyAuditChain(t.db)).resolves.toMatchObject({ ok: true });
  });

  it('an overdue sprint task raises a real escalation as a child workflow, which outlives the sprint', async () => {
    const input = await sprintInput(t.db, people, new Date(await env.currentTimeMs()), { dueOffsets: { '0': MIN, '1': 60 * MIN, '2-3': 120 * MIN } } as never);
    const sprint = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] });
    const open = 'immediate-risks-reviewed';
    for (const task of input.tasks.filter((x) => x.day === '0' && x.key !== open)) {
      await sprint.executeUpdate(completeTaskUpdate, { args: [{ taskKey: task.key, actor: actor(task.owner) }] });
    }
    await env.sleep(2 * MIN);
    const state = await sprint.query(sprintStateQuery);
    const escalationId = `escalation-${input.sprintId}-${open}`;
    expect(state.escalations).toEqual([expect.objectContaining({ taskKey: open, status: 'raised', workflowId: escalationId })]);
    const child = env.client.workflow.getHandle<typeof escalationWorkflow>(escalationId);
    await smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === escalationId && m.to.includes(people.coordinator.email));
    const s = await child.query(escalationStateQuery);
    expect(s).toMatchObject({ status: 'open', tier: 'moderate', trigger: `Overdue: ${input.tasks.find((x) => x.key === open)!.title}`, chair: { id: people.coordinator.id }, source: { process: 'sprint', workflowId: input.sprintId, item: open } });
    expect(s.responders.map((r) => r.id)).toContain(people.hospital.id);

    // The sprint is cancelled; its escalation carries on until its chair resolves it. (Waiting on
    // the sprint's result first would let the server skip ahead to the escalation's deadlines.)
    await sprint.executeUpdate(cancelSprintUpdate, { args: [{ actor: actor(people.coordinator), reason: 'test done' }] });
    expect((await child.query(escalationStateQuery)).status).toBe('open');
    const final = await settle(child, people.coordinator);
    expect(final).toMatchObject({ status: 'resolved', outcome: { onTime: true }, source: { workflowId: input.sprintId } });
    expect((await sprint.result()).status).toBe('cancelled');
    await child.result();
  });
});
