// What a workflow reads of the working agreement: the escalation policy in force when it raises
// an escalation. A local activity, so the answer is recorded in the raising workflow's history and
// a replay gets the same policy back, however the agreement has changed since.
import type { EscalationPolicy } from '../domain/escalation';
import { escalationPolicyOf } from '../domain/working-agreement';
import { agreementInForce } from '../record/working-agreement';
import type { ActivityDeps } from './index';

export function createWorkingAgreementActivities(deps: ActivityDeps) {
  return {
    /** The escalation tiers of the version in force, as the escalation workflow's input carries them. */
    async escalationPolicyInForce(): Promise<EscalationPolicy> {
      return escalationPolicyOf(await agreementInForce(deps.db, deps.now?.() ?? new Date()));
    },
  };
}
