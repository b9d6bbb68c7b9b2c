// History per sprint: what a sprint writes to Temporal's history is where the worker and the
// server spend their CPU. Two figures: the histories of sprints the bench set up (a sample,
// read back from the dev server), and the full sprint of test/replay/scenarios.ts (acted on by
// link, reply and API, four tasks overdue) run on the time-skipping server with fake activities,
// as the replay histories are recorded.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { registerSearchAttributes } from '../runtime/temporal';
import { testServerExecutable } from '../runtime/temporal-binaries';
import { createFakeActivities } from '../test/workflows/fake-activities';
import { runFullSprint } from '../test/replay/scenarios';

export interface HistoryFigures {
  /** Histories read. */
  sprints: number;
  eventsPerSprint: number;
  /** Ordinary activities scheduled (each: three events and a workflow task of its own). */
  activitiesPerSprint: number;
  /** Local activities (each: one marker event). */
  localActivitiesPerSprint: number;
}

function count(events: temporal.api.history.v1.IHistoryEvent[]) {
  return {
    events: events.length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    localActivities: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

function average(counts: ReturnType<typeof count>[]): HistoryFigures {
  const mean = (pick: (c: ReturnType<typeof count>) => number) => Math.round((counts.reduce((sum, c) => sum + pick(c), 0) / Math.max(counts.length, 1)) * 10) / 10;
  return { sprints: counts.length, eventsPerSprint: mean((c) => c.events), activitiesPerSprint: mean((c) => c.activities), localActivitiesPerSprint: mean((c) => c.localActivities) };
}

/** The histories of up to `sample` of the given sprints, as they stand (set up, waiting). */
export async function sampledHistories(client: Client, workflowIds: string[], sample = 20): Promise<HistoryFigures> {
  const step = Math.max(1, Math.floor(workflowIds.length / sample));
  const picked = workflowIds.filter((_, i) => i % step === 0).slice(0, sample);
  const counts = await Promise.all(picked.map(async (id) => count((await client.workflow.getHandle(id).fetchHistory()).events ?? [])));
  return average(counts);
}

/** The whole life of one full sprint, from start to close with gaps. */
export async function fullSprintHistory(): Promise<HistoryFigures> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  try {
    await registerSearchAttributes(env.connection, 'default');
    const taskQueue = `bench-history-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('../workflows'), activities: createFakeActivities().activities });
    const workflowId = `bench-full-sprint-${randomUUID()}`;
    await worker.runUntil(runFullSprint(env, taskQueue, workflowId));
    return average([count((await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [])]);
  } finally {
    await env.teardown();
  }
}
