// A minimal end-to-end check of the stack: a durable timer, then one activity that writes
// an audit event. Used by the smoke tests and by operators to prove a deployment works.
import { defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';

const { recordAudit } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '30 seconds' },
});

export interface SmokeInput {
  label: string;
  wait: Duration;
}

export interface SmokeResult {
  label: string;
  auditSeq: number;
}

export const smokeStatusQuery = defineQuery<'waiting' | 'recording' | 'done'>('smokeStatus');

export async function smokeWorkflow(input: SmokeInput): Promise<SmokeResult> {
  let status: 'waiting' | 'recording' | 'done' = 'waiting';
  setHandler(smokeStatusQuery, () => status);
  await sleep(input.wait);
  status = 'recording';
  const { workflowId } = workflowInfo();
  const event = await recordAudit({
    actor: 'workflow',
    action: 'smoke.completed',
    process: 'smoke',
    workflowId,
    data: { label: input.label },
    idempotencyKey: `${workflowId}:smoke.completed`,
  });
  status = 'done';
  return { label: input.label, auditSeq: event.seq };
}
