// "On time", once: what the sprint's figures, escalation steps and reports all mean by it.
// Pure: the workflow bundle imports it.
import type { TaskState } from './sprint';

/** A step taken at `atIso` is on time when it is no later than its deadline. */
export function withinDeadline(atIso: string, dueAtIso: string): boolean {
  return Date.parse(atIso) <= Date.parse(dueAtIso);
}

/** A sprint task counts as done on time only when it was completed by its due time. */
export function isOnTime(task: Pick<TaskState, 'status' | 'endedAt' | 'dueAt'>): boolean {
  return task.status === 'completed' && !!task.endedAt && withinDeadline(task.endedAt, task.dueAt);
}
