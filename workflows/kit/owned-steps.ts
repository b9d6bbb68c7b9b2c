// The shared mechanic of every process: steps with one owner, a deadline, reminders before it
// and an action when it passes, all supervised by ONE timer. The supervisor sleeps until the
// next reminder or deadline of any open step (or the close), starts what fell due without
// waiting for it, and plans again. One pending wait per process, not one per step and stage,
// keeps a cached workflow small in the worker (see docs/benchmark.md) and its history short.
import { condition } from '@temporalio/workflow';
import { workflowNow } from '../clock';

export interface OwnedStep {
  /** True once the step no longer needs its owner: no reminder or overdue action starts after. */
  ended(): boolean;
  /** When the owner is next reminded (epoch ms), if at all. Each instant reminds once; one at or after the deadline never. */
  remindAt?(): number | undefined;
  /** When the step falls due (epoch ms). Each instant fires once: a new deadline (a new tier, say) fires again. */
  dueAt(): number | undefined;
  onReminder?(): Promise<unknown>;
  onOverdue(): Promise<unknown>;
}

export interface Supervision {
  /** The process has finished with its steps (every one ended, or it closed). */
  until(): boolean;
  /** The process closes at this instant (epoch ms) whatever its steps; deadlines at it fire first. */
  closesAt?: number;
  /** Runs a reminder or overdue action while supervision goes on (the context's `inFlight`). */
  inFlight(work: () => Promise<unknown>): Promise<void>;
}

/** Supervises the steps until `until()` holds or the process closes. Returns what ended it. */
export async function superviseSteps(steps: readonly OwnedStep[], s: Supervision): Promise<'ended' | 'closed'> {
  const reminded = new Map<OwnedStep, number>();
  const fellDue = new Map<OwnedStep, number>();
  const reminderOf = (step: OwnedStep) => {
    const at = step.remindAt?.();
    const due = step.dueAt();
    return at !== undefined && (due === undefined || at < due) && reminded.get(step) !== at ? at : undefined;
  };
  const deadlineOf = (step: OwnedStep) => {
    const due = step.dueAt();
    return due !== undefined && fellDue.get(step) !== due ? due : undefined;
  };
  // The next instant anything is owed: a change to any step's times or ends re-plans the wait.
  const next = () => Math.min(...steps.filter((step) => !step.ended()).flatMap((step) => [reminderOf(step) ?? Infinity, deadlineOf(step) ?? Infinity]));

  for (;;) {
    const now = workflowNow();
    for (const step of steps) {
      if (step.ended()) continue;
      const remindAt = reminderOf(step);
      if (remindAt !== undefined && remindAt <= now) {
        reminded.set(step, remindAt);
        if (step.onReminder) void s.inFlight(() => step.onReminder!());
      }
      const dueAt = deadlineOf(step);
      if (dueAt !== undefined && dueAt <= now) {
        fellDue.set(step, dueAt);
        void s.inFlight(() => step.onOverdue());
      }
    }
    if (s.until()) return 'ended';
    if (s.closesAt !== undefined && s.closesAt <= now) return 'closed';
    const planned = next();
    const wakeAt = Math.min(planned, s.closesAt ?? Infinity);
    const replan = () => s.until() || next() !== planned;
    if (wakeAt === Infinity) await condition(replan);
    else await condition(replan, Math.max(wakeAt - now, 1));
  }
}
