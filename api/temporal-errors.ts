// Temporal's answers, translated into the API's one error type.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError, type AppErrorCode } from './errors';

const REJECTION_CODES: Record<string, AppErrorCode> = {
  UnknownTask: 'NOT_FOUND',
  TaskAlreadyEnded: 'CONFLICT',
  SprintClosed: 'CONFLICT',
  NotTaskOwner: 'FORBIDDEN',
  SameOwner: 'CONFLICT',
  InvalidInput: 'INVALID_INPUT',
  NotRecipient: 'FORBIDDEN',
  Superseded: 'CONFLICT',
  NoAcknowledgementRequired: 'CONFLICT',
  NotEscalationChair: 'FORBIDDEN',
  EscalationResolved: 'CONFLICT',
  EscalationStepOutOfOrder: 'CONFLICT',
  NotDisputeParty: 'FORBIDDEN',
  NotDisputeRaiser: 'FORBIDDEN',
  NotGovernance: 'FORBIDDEN',
  NotAtGovernanceStage: 'CONFLICT',
  DisputeClosed: 'CONFLICT',
  UnknownProposal: 'NOT_FOUND',
  OwnProposal: 'CONFLICT',
  ProposalAlreadyAccepted: 'CONFLICT',
  NotInterimOwner: 'FORBIDDEN',
  InterimStepEnded: 'CONFLICT',
};

/** Rethrows a Temporal error as an AppError where it means something to the caller. */
export function translateTemporalError(err: unknown, what: string): never {
  if (err instanceof WorkflowNotFoundError) throw new AppError('NOT_FOUND', `No ${what} with that id.`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = REJECTION_CODES[err.cause.type ?? ''];
    if (code) throw new AppError(code, err.cause.message, { reason: err.cause.type });
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) throw new AppError('CONFLICT', `That ${what} already exists.`);
  throw err;
}
