// The patterns for a process's messages. Updates change state and answer with it; each has a
// validator that rejects a request that cannot apply (before anything is written to history)
// with a typed, non-retryable ApplicationFailure the API maps to an HTTP status. One query
// answers the live state; query handlers change nothing.
import { ApplicationFailure, setHandler, type QueryDefinition } from '@temporalio/workflow';

/** Rejects an update (in its validator) or fails the workflow (at its start) with a typed failure. */
export function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** A required free-text field: present and not blank. */
export function requireText(value: string | undefined, message: string): void {
  if (!value?.trim()) reject('InvalidInput', message);
}

/** The one query of a process: the state object it keeps current, as it is now. */
export function answerLiveState<S>(query: QueryDefinition<S>, state: S): void {
  setHandler(query, () => state);
}
