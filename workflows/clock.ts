// Inside a workflow, Date is Temporal's deterministic clock: it reads the time of the current
// workflow task from history, the same on every replay. This is the one place workflows read it.
export function workflowNow(): number {
  // eslint-disable-next-line no-restricted-properties -- the one sanctioned read of the workflow clock
  return Date.now();
}

export function workflowNowIso(): string {
  return new Date(workflowNow()).toISOString();
}
