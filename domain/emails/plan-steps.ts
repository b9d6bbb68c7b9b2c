// The plan's own steps by email: an action's owner is given it, reminded and told when it is
// overdue or no longer in the plan; the plan-holder is asked for the rapid review, reminded and
// told when an agency has sent its update; an agency's contact is asked for an update on changed
// risk factors. No clinical detail: the participant's reference, what is owed and by when, the
// trigger in words, and the link; the link (or the plan's page) is the way in.
import type { EmailContent } from './types';

export type PlanStepsEmailKind =
  | 'action-assigned'
  | 'action-reminder'
  | 'action-overdue'
  | 'action-cancelled'
  | 'review-started'
  | 'review-reminder'
  | 'review-overdue'
  | 'update-requested'
  | 'update-reminder'
  | 'update-overdue'
  | 'update-received';

/** Lines only careloop's plan-step emails hold: a reply that pastes one back is read no further. */
export const PLAN_STEPS_OWN_TEXT = /^(you own an action in the integrated plan|a reminder: an action in the integrated plan|an action in the integrated plan for participant|you can also reply to this email|please send a brief update|reply to this email: your reply)/i;

export const ACTION_REPLY_HELP = ['You can also reply to this email. Write one of these on the first line:', '  done', '  not done: <why it was not done>'];
const UPDATE_REPLY_HELP = ['Or reply to this email: your reply, above the quoted email, is the update.'];

export function planStepsEmail(opts: {
  kind: PlanStepsEmailKind;
  recipientName: string;
  participantRef: string;
  /** When the step is due, as people read it. */
  dueBy: string;
  /** The trigger(s) in words: "a hospital discharge". */
  why?: string;
  /** The version that no longer carries an action; the plan-holder who asks for an update. */
  version?: number;
  askedBy?: string;
  agencyName?: string;
  /** The step's link (a token), or the plan's review page for the plan-holder. */
  link?: string;
}): EmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const open = opts.link ? [`  ${opts.link}`] : [];
  switch (opts.kind) {
    case 'action-assigned':
      return {
        subject: `careloop: an action in the plan for ${ref} is yours, due ${opts.dueBy}`,
        text: [hello, '', `You own an action in the integrated plan for participant ${ref}, due by ${opts.dueBy}.`, 'Open the link to see it and record that it is done, or not done and why:', ...open, '', ...ACTION_REPLY_HELP, ''].join('\n'),
      };
    case 'action-reminder':
      return {
        subject: `careloop reminder: a plan action for ${ref} is due ${opts.dueBy}`,
        text: [hello, '', `A reminder: an action in the integrated plan for participant ${ref} is still open, due by ${opts.dueBy}.`, ...open, '', ...ACTION_REPLY_HELP, ''].join('\n'),
      };
    case 'action-overdue':
      return {
        subject: `careloop OVERDUE: a plan action for ${ref}`,
        text: [hello, '', `An action in the integrated plan for participant ${ref} passed its deadline (${opts.dueBy}) and has been escalated to the plan-holder.`, 'Record what happened:', ...open, '', ...ACTION_REPLY_HELP, ''].join('\n'),
      };
    case 'action-cancelled':
      return {
        subject: `careloop: a plan action for ${ref} is no longer needed`,
        text: [hello, '', `Version ${opts.version ?? ''} of the integrated plan for participant ${ref} no longer holds an action you owned (due by ${opts.dueBy}). Nothing more is needed from you for it; its link no longer works.`, ''].join('\n'),
      };
    case 'review-started':
      return {
        subject: `careloop: rapid review of the plan for ${ref}, due ${opts.dueBy}`,
        text: [
          hello,
          '',
          `After ${opts.why ?? 'a trigger'}, the integrated plan for participant ${ref} needs a rapid review by ${opts.dueBy}. You hold the plan, so the review is yours.`,
          'Publish a new version with the trigger "scheduled review", or, if nothing needs to change, record "reviewed, no change" with the reason. You can ask the agencies named in the plan for an update on changed risk factors first:',
          ...open,
          '',
        ].join('\n'),
      };
    case 'review-reminder':
      return {
        subject: `careloop reminder: rapid review of the plan for ${ref} is due ${opts.dueBy}`,
        text: [hello, '', `A reminder: the rapid review of the integrated plan for participant ${ref}, after ${opts.why ?? 'a trigger'}, is due by ${opts.dueBy}.`, ...open, ''].join('\n'),
      };
    case 'review-overdue':
      return {
        subject: `careloop OVERDUE: rapid review of the plan for ${ref}`,
        text: [hello, '', `The rapid review of the integrated plan for participant ${ref}, after ${opts.why ?? 'a trigger'}, passed its deadline (${opts.dueBy}) and has been escalated to a manager.`, 'Finish it:', ...open, ''].join('\n'),
      };
    case 'update-requested':
      return {
        subject: `careloop: an update on changed risk factors for ${ref}, by ${opts.dueBy}`,
        text: [
          hello,
          '',
          `${opts.askedBy ?? 'The plan-holder'} is reviewing the integrated plan for participant ${ref} after ${opts.why ?? 'a trigger'}.`,
          `Please send a brief update from ${opts.agencyName ?? 'your agency'} on changed risk factors and interventions by ${opts.dueBy}:`,
          ...open,
          '',
          ...UPDATE_REPLY_HELP,
          '',
        ].join('\n'),
      };
    case 'update-reminder':
      return {
        subject: `careloop reminder: update on changed risk factors for ${ref} due ${opts.dueBy}`,
        text: [hello, '', `A reminder: ${opts.askedBy ?? 'the plan-holder'} still needs the update from ${opts.agencyName ?? 'your agency'} on changed risk factors for participant ${ref}, by ${opts.dueBy}.`, ...open, '', ...UPDATE_REPLY_HELP, ''].join('\n'),
      };
    case 'update-overdue':
      return {
        subject: `careloop OVERDUE: update on changed risk factors for ${ref}`,
        text: [hello, '', `The update from ${opts.agencyName ?? 'your agency'} on changed risk factors for participant ${ref} passed its deadline (${opts.dueBy}) and has been escalated to the plan-holder.`, 'Send it now:', ...open, '', ...UPDATE_REPLY_HELP, ''].join('\n'),
      };
    case 'update-received':
      return {
        subject: `careloop: ${opts.agencyName ?? 'an agency'} sent its update for the review of the plan for ${ref}`,
        text: [hello, '', `${opts.agencyName ?? 'An agency'} has sent its update on changed risk factors for the rapid review of the plan for participant ${ref} (due by ${opts.dueBy}).`, 'Read it on the review page (sign in):', ...open, ''].join('\n'),
      };
  }
}

/** The answer to a reply to a plan-step email: what was recorded, or why nothing was. */
export function planStepReplyAnswerEmail(opts: { name: string; participantRef?: string; recorded?: string; problem?: string; line?: string; help: readonly string[] }): EmailContent {
  const about = opts.participantRef ? ` for participant ${opts.participantRef}` : '';
  if (opts.recorded) {
    return { subject: 'careloop: recorded from your reply', text: [`Hello ${opts.name},`, '', `Recorded${about}: ${opts.recorded}`, ''].join('\n') };
  }
  return {
    subject: 'careloop: nothing was recorded from your reply',
    text: [`Hello ${opts.name},`, '', `Nothing was recorded${about}.`, opts.line ? `  "${opts.line}": ${opts.problem ?? ''}` : `  ${opts.problem ?? ''}`, '', ...opts.help, 'Or open the link in the email.', ''].join('\n'),
  };
}

export const UPDATE_REPLY_HELP_LINES = UPDATE_REPLY_HELP;
