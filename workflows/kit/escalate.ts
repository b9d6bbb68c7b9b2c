// Raising an escalation from another process: a child workflow that outlives its parent, with
// an id derived from the parent and item (a retried workflow task finds the first, never starts
// a second), and telling it when its cause has ended so it stops climbing the tiers.
import { defineSignal, getExternalWorkflowHandle, patched, startChild } from '@temporalio/workflow';
import { ESCALATION_POLICY, type EscalationInput } from '../../domain/escalation';
import type { escalationWorkflow } from '../escalation';
import { local } from './activities';

/**
 * Marks escalations raised under the working agreement in force (read by a local activity)
 * rather than the policy compiled into the build. Histories recorded before it replay as they ran.
 */
export const AGREEMENT_POLICY_PATCH = 'escalation-policy-from-working-agreement';

/** Sent by the raising process when what caused the escalation has ended (the task got done, say). */
export const escalationCauseResolvedSignal = defineSignal<[{ reason: string }]>('escalationCauseResolved');

/**
 * Starts the escalation workflow under the working agreement in force at this moment: the policy
 * is read once, recorded in this workflow's history, and carried in the escalation's input, so the
 * escalation keeps it whatever the agreement becomes. Its id comes from `childEscalationId`
 * of the raising process's business id (from its input: replay of a recorded history runs under
 * another workflow id) and item. ABANDON: the escalation lives on after its parent closes.
 */
export async function raiseEscalation(request: Omit<EscalationInput, 'policy'>): Promise<void> {
  const policy = patched(AGREEMENT_POLICY_PATCH) ? await local.escalationPolicyInForce() : ESCALATION_POLICY;
  await startChild<typeof escalationWorkflow>('escalationWorkflow', {
    workflowId: request.escalationId,
    parentClosePolicy: 'ABANDON',
    args: [{ ...request, policy }],
  });
}

/** Tells a raised escalation its cause has ended. One already closed has nothing left to stop. */
export async function endEscalationCause(workflowId: string, reason: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(escalationCauseResolvedSignal, { reason });
  } catch {
    // The escalation was resolved and closed before its cause ended: nothing to tell it.
  }
}
