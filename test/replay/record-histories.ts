// Records the event histories that test/replay/replay.test.ts replays, one per process path,
// so a change that would break a running workflow fails CI. Run after an intended change to a
// workflow's shape (see docs/releases.md: a new build is pinned, old histories stay replayable
// only where patched() keeps them so):
//   npm run record-histories                      # records what is not recorded yet
//   RECORD_OVERWRITE=1 npm run record-histories   # re-records every path
// Uses the time-skipping server and FAKE activities (test/workflows/fake-activities.ts): a
// history records what activities returned, not how, so replay needs no database or SMTP.
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { HOUR_MS, type Actor, type StaffRef } from '../../domain/sprint';
import { registerSearchAttributes } from '../../runtime/temporal';
import { testServerExecutable } from '../../runtime/temporal-binaries';
import {
  smokeWorkflow,
  planChangeWorkflow,
  acknowledgePlanVersionUpdate,
  remindPlanVersionNowUpdate,
  supersedePlanVersionSignal,
  escalationWorkflow,
  acknowledgeEscalationUpdate,
  respondEscalationUpdate,
  resolveEscalationUpdate,
  weeklyDigestWorkflow,
} from '../../workflows';
import { ESCALATION_POLICY } from '../../domain/escalation';
import { createFakeActivities } from '../workflows/fake-activities';
import { runHuddle } from './huddle-scenario';
import { coordinator, lateTaskEscalationId, runCancelledSprint, runDisputeDecided, runDisputeInterimEscalated, runDisputeResolved, runFullSprint, runPlanSteps, staff } from './scenarios';

const out = path.join(__dirname, '..', 'histories');

const actor = (s: StaffRef): Actor => ({ staffId: s.id, name: s.name, channel: 'api' });

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  await registerSearchAttributes(env.connection, 'default');
  const taskQueue = `record-${randomUUID()}`;
  const fakes = createFakeActivities();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('../../workflows'), activities: fakes.activities });
  // A committed history is the record of the code that ran then: never overwrite one. Record a
  // changed path under a new name (RECORD_OVERWRITE=1 only when deliberately re-recording all).
  const save = async (name: string, workflowId: string) => {
    if (existsSync(path.join(out, `${name}.json`)) && process.env.RECORD_OVERWRITE !== '1') {
      console.log(`kept ${name}: already recorded`);
      return;
    }
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    // protobufjs JSON (enum names, 64-bit numbers as strings), which historyFromJSON reads back.
    const json = temporal.api.history.v1.History.fromObject(history).toJSON();
    writeFileSync(path.join(out, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
    console.log(`recorded ${name}: ${history.events?.length} events`);
  };
  // RECORD_ONLY=dispute,plan records only those processes, each run from a clean server clock
  // (a long time-skip after others' open timers can stall the test server).
  const only = process.env.RECORD_ONLY?.split(',');
  const run = (kind: 'smoke' | 'sprint' | 'plan' | 'escalation' | 'dispute' | 'plan-steps' | 'huddle' | 'digest') => !only || only.includes(kind);
  try {
    await worker.runUntil(async () => {
      if (run('smoke')) {
        const smokeId = 'smoke-replay';
        await env.client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: smokeId, args: [{ label: 'replay', wait: '1 hour' }] });
        await save('smoke', smokeId);
      }

      if (run('sprint')) {
        // Every path of the sprint: actions by link, reply and API, a reminder, four overdue tasks
        // with their escalations (one told its cause ended, which then resolves itself), and the close with gaps at +72 h.
        await runFullSprint(env, taskQueue, 'sprint-replay-full');
        await save('sprint-full', 'sprint-replay-full');
        // Nobody confirms the outcome: past the grace period it resolves itself by its cause.
        await env.client.workflow.getHandle(lateTaskEscalationId('sprint-replay-full')).result();
        await save('escalation-cause-resolved', lateTaskEscalationId('sprint-replay-full'));
        await runCancelledSprint(env, taskQueue, 'sprint-replay-cancelled');
        await save('sprint-cancelled', 'sprint-replay-cancelled');
      }

      if (run('plan')) {
        // Plan change control: one acknowledgement, reminders, the escalation at the deadline,
        // then a late acknowledgement; and a version superseded by the next.
        const recipients = [staff('hospital', 'hospital'), staff('housing', 'housing')];
        const planInput = (version: number) => ({
          planId: 'plan-1',
          participant: { id: 'participant-1', localRef: 'P-1' },
          version,
          versionId: `version-${version}`,
          publishedAt: new Date().toISOString(),
          publishedBy: coordinator,
          reason: 'risk changed',
          trigger: 'safeguarding' as const,
          acknowledgementRequired: true,
          recipients,
          escalateTo: coordinator,
          reminderEveryMs: 24 * HOUR_MS,
          ackDeadlineMs: 72 * HOUR_MS,
          rapidReviewMs: 72 * HOUR_MS,
        });
        const p2 = await env.client.workflow.start(planChangeWorkflow, { taskQueue, workflowId: 'plan-replay-v2', args: [planInput(2)] });
        await p2.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'link' }] });
        await p2.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'api' }] });
        await env.sleep(73 * HOUR_MS);
        await p2.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'housing', channel: 'email-reply' }] });
        await p2.result();
        await save('plan-acknowledged', 'plan-replay-v2');
        const p3 = await env.client.workflow.start(planChangeWorkflow, { taskQueue, workflowId: 'plan-replay-v3', args: [planInput(3)] });
        await p3.signal(supersedePlanVersionSignal, { byVersion: 4 });
        await p3.result();
        await save('plan-superseded', 'plan-replay-v3');
        // "Remind now" from the plan-holder, a second one refused as too soon, then both acknowledge.
        const p4 = await env.client.workflow.start(planChangeWorkflow, { taskQueue, workflowId: 'plan-replay-v4', args: [planInput(4)] });
        await p4.executeUpdate(remindPlanVersionNowUpdate, { args: [{ by: { staffId: coordinator.id, name: coordinator.name }, channel: 'web' }] });
        await p4.executeUpdate(remindPlanVersionNowUpdate, { args: [{ by: { staffId: coordinator.id, name: coordinator.name } }] }).catch(() => undefined);
        await p4.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'hospital', channel: 'web' }] });
        await p4.executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: 'housing', channel: 'link' }] });
        await p4.result();
        await save('plan-reminded-now', 'plan-replay-v4');
      }

      if (run('digest')) {
        // The weekly digest: two people chose it; one is sent their list, the other owes nothing.
        await env.client.workflow.execute(weeklyDigestWorkflow, { taskQueue, workflowId: 'digest-replay', args: [{ timeZone: 'Europe/London' }] });
        await save('digest-weekly', 'digest-replay');
      }

      if (run('huddle')) {
        // A huddle: attendance, a decision done on time, another's follow-up missed and escalated, then done late.
        await runHuddle(env, taskQueue, 'huddle-replay');
        await save('huddle-decision-escalated', 'huddle-replay');
      }

      if (run('plan-steps')) {
        // The plan's own steps, left running as a plan's are: actions done, carried, added and
        // dropped, a rapid review with agencies' updates, missed deadlines escalated, a scheduled review.
        await runPlanSteps(env, taskQueue, 'plan-replay-steps', fakes.log.planVersions);
        await save('plan-steps-review-actions', 'plan-replay-steps');
      }

      if (run('escalation')) {
        // An escalation raised at high: the acknowledgement window passes (promoted to acute), the
        // acute windows pass too (no higher tier), then a late acknowledgement, response and outcome.
        const manager = staff('manager', 'county');
        const e = await env.client.workflow.start(escalationWorkflow, {
          taskQueue,
          workflowId: 'escalation-replay',
          args: [
            {
              escalationId: 'escalation-replay',
              participant: { id: 'participant-1', localRef: 'P-1' },
              riskLevel: 'high',
              trigger: 'two missed visits',
              description: 'Two missed visits this week',
              source: { process: 'manual' },
              raisedBy: coordinator,
              agencyId: 'county',
              preferredChair: coordinator,
              responders: [staff('hospital', 'hospital')],
              policy: ESCALATION_POLICY,
            },
          ],
        });
        // Lands clear of every timer: the test server strands a workflow task that cancels a timer
        // which fired meanwhile (temporalio/sdk-java#3088).
        await env.sleep(3 * HOUR_MS);
        await e.executeUpdate(acknowledgeEscalationUpdate, { args: [{ actor: actor(manager) }] });
        await e.executeUpdate(respondEscalationUpdate, { args: [{ actor: actor(manager), responseAction: 'Clinical review booked for today' }] });
        await e.executeUpdate(resolveEscalationUpdate, { args: [{ actor: actor(manager), outcome: 'Visits restored; risk back to moderate' }] });
        await e.result();
        await save('escalation-promoted-resolved', 'escalation-replay');
      }

      if (run('dispute')) {
        // A dispute resolved at stage 2 after a decline and a counter-proposal; one decided by
        // governance at stage 3; one whose interim owner misses a progress (escalated) and is
        // withdrawn. Only when not yet recorded: the time-skipping server now and then stalls on
        // these long working-day waits, and a stalled run should not stop the others' re-recording.
        const wanted = (name: string) => process.env.RECORD_OVERWRITE === '1' || !existsSync(path.join(out, `${name}.json`));
        if (wanted('dispute-escalated-resolved')) {
          await runDisputeResolved(env, taskQueue, 'dispute-replay-1');
          await save('dispute-escalated-resolved', 'dispute-replay-1');
        }
        if (wanted('dispute-governance-decided')) {
          await runDisputeDecided(env, taskQueue, 'dispute-replay-2');
          await save('dispute-governance-decided', 'dispute-replay-2');
        }
        if (wanted('dispute-interim-escalated')) {
          await runDisputeInterimEscalated(env, taskQueue, 'dispute-replay-3');
          await save('dispute-interim-escalated', 'dispute-replay-3');
        }
      }
    });
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
