// Acting on a reply to a plan-step email (api/inbound.ts hands it in): "done" or "not done: <why>"
// for an action's owner, the update itself for an agency asked about changed risk factors. Taken
// as the person the email went to, through the same service as the link and the page; the answer
// says what was recorded, or why nothing was.
import { AppError } from '../errors';
import { parsePlanActionReply, updateTextOfReply } from '../../domain/plan-steps-replies';
import { ACTION_REPLY_HELP, planStepReplyAnswerEmail, UPDATE_REPLY_HELP_LINES } from '../../domain/emails/plan-steps';
import type { EmailContent } from '../../domain/emails/types';
import { PLAN_ACTION_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import type { PlanStepsService } from './steps-service';

export interface PlanStepReplyOutcome {
  /** Who the answer goes to: the person the email went to, never the claimed sender. */
  to: string;
  answer: EmailContent;
  recorded: boolean;
}

/** Refusals a person can act on are answered by email; a link that no longer works is the sender's server's business (550). */
const ANSWERED: readonly string[] = ['INVALID_INPUT', 'CONFLICT'];

export function createPlanStepReplies(planSteps: PlanStepsService) {
  return {
    /**
     * One reply, from `from`, to a reply address whose owner `owner` RCPT found. Throws FORBIDDEN
     * when the sender is not that owner (nothing is done), and other AppErrors when the address
     * stopped working meanwhile.
     */
    async act(token: string, purpose: string, owner: { name: string; email: string }, from: string, text: string): Promise<PlanStepReplyOutcome> {
      const fromOwner = owner.email.toLowerCase() === from.trim().toLowerCase();
      const forged = () => new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      const notRecorded = (problem: string, help: readonly string[], line?: string): PlanStepReplyOutcome => ({ to: owner.email, answer: planStepReplyAnswerEmail({ name: owner.name, problem, line, help }), recorded: false });
      try {
        if (purpose === PLAN_ACTION_REPLY_TOKEN_PURPOSE) {
          const parsed = parsePlanActionReply(text);
          if ('problem' in parsed) {
            if (!fromOwner) throw forged();
            return notRecorded(parsed.problem, ACTION_REPLY_HELP, parsed.line);
          }
          const done = await planSteps.actWithActionReply(token, from, parsed.command);
          const words = done.action.status === 'done' ? 'the plan action is done.' : `the plan action was not done: ${done.action.reason ?? ''}`;
          return { to: done.staff.email, answer: planStepReplyAnswerEmail({ name: done.staff.name, participantRef: done.participantRef, recorded: words, help: [] }), recorded: true };
        }
        const said = updateTextOfReply(text);
        if (!said) {
          if (!fromOwner) throw forged();
          return notRecorded('The reply held no update careloop could read.', UPDATE_REPLY_HELP_LINES);
        }
        const sent = await planSteps.answerWithUpdateReply(token, from, said);
        return { to: sent.staff.email, answer: planStepReplyAnswerEmail({ name: sent.staff.name, participantRef: sent.participantRef, recorded: `your update from ${sent.request.agencyName} is with the plan-holder.`, help: [] }), recorded: true };
      } catch (err) {
        if (err instanceof AppError && ANSWERED.includes(err.code) && fromOwner) {
          const fields = err.details?.fields?.map((f) => f.message).join('; ');
          return notRecorded(fields ? `${err.userMessage} ${fields}.` : err.userMessage, purpose === PLAN_ACTION_REPLY_TOKEN_PURPOSE ? ACTION_REPLY_HELP : UPDATE_REPLY_HELP_LINES);
        }
        throw err;
      }
    },
  };
}

export type PlanStepReplies = ReturnType<typeof createPlanStepReplies>;
