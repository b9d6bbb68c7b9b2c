// The shared mechanic of every process: a step with one owner, a reminder before its deadline,
// and an escalation when the deadline passes with the step still open.
import { condition } from '@temporalio/workflow';
import { workflowNow } from './clock';

/**
 * Waits until `done()` holds or the instant `untilIso` passes (a durable timer).
 * Returns true when `done()` held first.
 */
export async function waitUntil(done: () => boolean, untilIso: string): Promise<boolean> {
  const remaining = Date.parse(untilIso) - workflowNow();
  if (remaining <= 0) return done();
  return condition(done, remaining);
}

export interface OwnedStep {
  remindAt: string;
  dueAt: string;
  isDone(): boolean;
  /** Runs once, at remindAt, if the step is still open. */
  onReminder(): Promise<void>;
  /** Runs once, at dueAt, if the step is still open. */
  onOverdue(): Promise<void>;
}

export type OwnedStepOutcome = 'done-before-reminder' | 'done-before-due' | 'overdue';

export async function superviseOwnedStep(step: OwnedStep): Promise<OwnedStepOutcome> {
  if (Date.parse(step.remindAt) < Date.parse(step.dueAt)) {
    if (await waitUntil(step.isDone, step.remindAt)) return 'done-before-reminder';
    await step.onReminder();
  }
  if (await waitUntil(step.isDone, step.dueAt)) return 'done-before-due';
  await step.onOverdue();
  return 'overdue';
}
