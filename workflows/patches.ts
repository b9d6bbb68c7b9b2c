// Patch ids of changes made to workflows that may be running: `patched(id)` is true for
// workflows that reached the change live, false when replaying a history recorded before it.
// Never rename or reuse one.

/** Workflows publish their next action, owner and due time for the huddle roster. */
export const ROSTER_PATCH = 'roster-next-action';

/**
 * Sprints supervise their tasks from one loop on one timer, woken at the next reminder, deadline
 * or the close: a slow reminder no longer holds an overdue notice back, a deadline that falls due
 * with the close (day 2-3's, or any when no worker ran across both) escalates before it, and a
 * closed or cancelled sprint starts no reminder, overdue notice or note.
 */
export const DEADLINES_BEFORE_CLOSE_PATCH = 'sprint-deadlines-before-close';

/**
 * A task's end writes its audit event and revokes its action links at the same time (both
 * idempotent activities), so the update answers after one activity round instead of two.
 */
export const TASK_END_WRITES_TOGETHER_PATCH = 'task-end-writes-together';
