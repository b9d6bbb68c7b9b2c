// Raising an escalation from another process: a child workflow that outlives its parent, with
// an id derived from the parent and item (a retried workflow task finds the first, never starts
// a second), and telling it when its cause has ended so it stops climbing the tiers.
import { defineSignal, getExternalWorkflowHandle, startChild } from '@temporalio/workflow';
import { ESCALATION_POLICY, type EscalationInput } from '../../domain/escalation';
import type { escalationWorkflow } from '../escalation';

/** Sent by the raising process when what caused the escalation has ended (the task got done, say). */
export const escalationCauseResolvedSignal = defineSignal<[{ reason: string }]>('escalationCauseResolved');

/**
 * Starts the escalation workflow under the policy in force. Its id comes from `childEscalationId`
 * of the raising process's business id (from its input: replay of a recorded history runs under
 * another workflow id) and item. ABANDON: the escalation lives on after its parent closes.
 */
export async function raiseEscalation(request: Omit<EscalationInput, 'policy'>): Promise<void> {
  await startChild<typeof escalationWorkflow>('escalationWorkflow', {
    workflowId: request.escalationId,
    parentClosePolicy: 'ABANDON',
    args: [{ ...request, policy: ESCALATION_POLICY }],
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
