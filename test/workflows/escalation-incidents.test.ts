// Escalation emails as incidents, measured at the SMTP listener: on the time-skipping server with
// careloop's real activities, real PostgreSQL and the real five-minute grouping window, a sprint
// whose tasks fall overdue together sends its coordinator one email for all of them, later changes
// go out as a digest, and responders come only from the agencies involved in each cause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { cancelSprintUpdate, completeTaskUpdate, sprintStateQuery, sprintWorkflow } from '../../workflows';
import type { Actor } from '../../domain/sprint';
import { DEFAULT_GROUP_WINDOW_MS } from '../../activities/notices';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createStaff } from '../support/app';
import { createSprintPeople, sprintInput, type SprintPeople } from '../support/sprint-fixture';

const MIN = 60_000;
const actor = (p: { id: string; name: string }): Actor => ({ staffId: p.id, name: p.name, channel: 'api' });

describe('escalation emails as incidents (time-skipping server, real PostgreSQL and SMTP, the five-minute window)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `incidents-${randomUUID()}`;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS, notices: { groupWindowMs: DEFAULT_GROUP_WINDOW_MS } } });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  it('seven tasks overdue in a sprint’s first ten minutes reach its coordinator as one email naming each; a task done late is a digest of its own; responders only at the agencies involved', async () => {
    expect(DEFAULT_GROUP_WINDOW_MS).toBe(5 * MIN);
    const tag = randomUUID().slice(0, 8);
    // A second coordinator at home care (involved: it owns the day 1 tasks) and one at an agency with no part in the sprint.
    const make = async (name: string, agencyId: string) => (await createStaff(t.db, { email: `${name.split(' ')[0]!.toLowerCase()}.${tag}@care.test`, name, roles: ['coordinator'], agencyId })).staff;
    const homecareCoordinator = await make('Hana Homecare-Lead', people.homecare.agencyId);
    const farCoordinator = await make('Fergus Faraway', people.outsider.agencyId);

    const startedAt = await env.currentTimeMs();
    // The three day 0 tasks fall overdue at 1 minute, the four day 1 tasks at 2; days 2-3 are due at 40.
    const input = await sprintInput(t.db, people, new Date(startedAt), { dueOffsets: { '0': 1 * MIN, '1': 2 * MIN, '2-3': 40 * MIN } } as never);
    const sprint = await env.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: input.sprintId, args: [input] });
    const overdue = input.tasks.filter((task) => task.day !== '2-3');
    expect(overdue).toHaveLength(7);

    const ref = input.participant.localRef;
    const to = (email: string) => smtp.messages.filter((m) => m.to.includes(email) && m.subject.startsWith(`careloop ${ref}:`));

    await env.sleep(10 * MIN);
    await expect.poll(async () => (await sprint.query(sprintStateQuery)).escalations.length).toBe(7);
    await expect.poll(() => to(people.coordinator.email).length).toBeGreaterThan(0);
    const toCoordinator = to(people.coordinator.email);
    // The measure: at most three in the first ten minutes. Measured: one.
    expect(toCoordinator.length).toBeLessThanOrEqual(3);
    expect(toCoordinator).toHaveLength(1);
    const [incident] = toCoordinator;
    // Its subject names the participant and the first two causes (in the order they were raised).
    const named = /^careloop (\S+): 7 escalations at moderate risk, you chair: Overdue: ([^;]+); Overdue: (.+) and 5 more$/.exec(incident!.subject);
    expect(named?.[1]).toBe(ref);
    expect(overdue.map((task) => task.title)).toEqual(expect.arrayContaining([named?.[2], named?.[3]]));
    for (const task of overdue) expect(incident!.text).toContain(`Overdue: ${task.title}`);
    // One link per escalation listed, one reply address for them all.
    expect(incident!.text.match(/http:\/\/careloop\.test\/a\/cla_[\w-]+/g)).toHaveLength(7);
    expect(incident!.replyTo).toMatch(/^ack\+[0-9a-f]{40}@inbound\.careloop\.test$/);
    // Nothing else reached the coordinator: the sprint no longer sends a second email per overdue task.
    expect(smtp.messages.filter((m) => m.to.includes(people.coordinator.email))).toHaveLength(1);

    // Responders: the home care coordinator for the day 1 tasks (home care owns them), nobody at an agency with no part.
    const day1 = overdue.filter((task) => task.day === '1');
    const toHomecareLead = to(homecareCoordinator.email);
    expect(toHomecareLead).toHaveLength(1);
    expect(toHomecareLead[0]!.subject).toContain(`${day1.length === 1 ? 'escalation' : `${day1.length} escalations`} at moderate risk, you respond to`);
    for (const task of day1) expect(toHomecareLead[0]!.text).toContain(`Overdue: ${task.title}`);
    for (const task of overdue.filter((x) => x.day !== '1')) expect(toHomecareLead[0]!.text).not.toContain(`Overdue: ${task.title}`);
    expect(smtp.messages.filter((m) => m.to.includes(farCoordinator.email))).toHaveLength(0);

    // A task done late, at 12 minutes, ends its escalation's cause: the chair is asked to confirm
    // the outcome in an email of its own, one window later.
    await env.sleep(2 * MIN);
    const late = overdue[0]!;
    await sprint.executeUpdate(completeTaskUpdate, { args: [{ taskKey: late.key, actor: actor(late.owner) }] });
    await env.sleep(8 * MIN);
    await expect.poll(() => to(people.coordinator.email).length).toBe(2);
    const digest = to(people.coordinator.email)[1]!;
    expect(digest.subject).toBe(`careloop ${ref}: escalation at moderate risk, cause ended, confirm the outcome: Overdue: ${late.title} (update 2)`);
    expect(digest.text).toContain(`Its cause has ended (“${late.title}” was done by ${late.owner.name}).`);
    expect(digest.text.match(/\/a\/cla_/g)).toHaveLength(1);
    // No email sends a person to the API.
    expect(smtp.messages.filter((m) => m.text.includes('/api/'))).toEqual([]);
    // No two different emails to one person read the same.
    for (const person of [people.coordinator.email, homecareCoordinator.email, people.homecare.email, people.hospital.email, people.housing.email]) {
      const subjects = smtp.messages.filter((m) => m.to.includes(person)).map((m) => m.subject);
      expect(new Set(subjects).size).toBe(subjects.length);
    }

    await sprint.executeUpdate(cancelSprintUpdate, { args: [{ actor: actor(people.coordinator), reason: 'test done' }] });
  });
});
