// Patch ids of changes made to workflows that may be running: `patched(id)` is true for
// workflows that reached the change live, false when replaying a history recorded before it.
// Never rename or reuse one.

/** Workflows publish their next action, owner and due time for the huddle roster. */
export const ROSTER_PATCH = 'roster-next-action';

/**
 * Sprints watch each deadline beside its reminder (a slow reminder no longer holds the overdue
 * notice back), start no reminder or overdue notice once closed or cancelled, and at the close
 * raise every deadline that has passed before closing, so a deadline that falls due together
 * with the close (no worker running across both) still escalates.
 */
export const DEADLINES_BEFORE_CLOSE_PATCH = 'sprint-deadlines-before-close';

/**
 * A task's end writes its audit event and revokes its action links at the same time (both
 * idempotent activities), so the update answers after one activity round instead of two.
 */
export const TASK_END_WRITES_TOGETHER_PATCH = 'task-end-writes-together';
