// Patch ids of changes made to workflows that may be running: `patched(id)` is true for
// workflows that reached the change live, false when replaying a history recorded before it.
// Never rename or reuse one.

/** Workflows publish their next action, owner and due time for the huddle roster. */
export const ROSTER_PATCH = 'roster-next-action';
