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

export interface SuperviseOptions {
  /**
   * Watch the deadline from the start, beside the reminder, so a reminder that is slow to go out
   * (a relay or database down) cannot hold the overdue notice back. Without it (histories
   * recorded before the change), the deadline is watched only once the reminder has finished.
   */
  reminderBesideDeadline?: boolean;
}

export async function superviseOwnedStep(step: OwnedStep, options: SuperviseOptions = {}): Promise<OwnedStepOutcome> {
  const remindsFirst = Date.parse(step.remindAt) < Date.parse(step.dueAt);
  if (!options.reminderBesideDeadline) {
    if (remindsFirst) {
      if (await waitUntil(step.isDone, step.remindAt)) return 'done-before-reminder';
      await step.onReminder();
    }
    if (await waitUntil(step.isDone, step.dueAt)) return 'done-before-due';
    await step.onOverdue();
    return 'overdue';
  }
  let reminded = false;
  const reminder = remindsFirst
    ? waitUntil(step.isDone, step.remindAt).then(async (done) => {
        if (done) return;
        reminded = true;
        await step.onReminder();
      })
    : Promise.resolve();
  const doneBeforeDue = await waitUntil(step.isDone, step.dueAt);
  if (!doneBeforeDue) await step.onOverdue();
  await reminder;
  if (!doneBeforeDue) return 'overdue';
  return reminded || !remindsFirst ? 'done-before-due' : 'done-before-reminder';
}
