// The one activity proxy the process workflows share: every side effect is idempotent, so a
// failed attempt is simply retried, backing off to once a minute, until it succeeds.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
