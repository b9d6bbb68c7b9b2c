// The activity proxies every process shares. Every side effect is idempotent (keyed on the
// workflow id), so a failed attempt is simply retried, backing off to once a minute, until it
// succeeds.
//
// All of careloop's steps are local activities: short database transactions, and emails to
// the SMTP relay, each run by the worker that runs the workflow and leaving one marker in the
// history instead of three events and a workflow task of their own. That is most of why a sprint's
// history is a third of what it was (docs/benchmark.md). Exactly once still holds: a local
// activity is retried like any other, and every write and email is keyed.
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

const retry = { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 };

/** Writes to the record, and reads of who holds a role. */
export const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/** Emails (with their links, notification rows and audit events): SMTP may be slower than the database. */
export const notifying = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
