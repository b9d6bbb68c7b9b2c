// The plan's own steps by email: an action's owner is given it, reminded and told when it is
// overdue or no longer in the plan; the plan-holder is asked for the rapid review, reminded and
// told when an agency has sent its update; an agency's contact is asked for an update on changed
// risk factors. No clinical detail: the participant's reference, what is owed and by when, the
// trigger in words, and the link; the link (or the plan's page) is the way in.
import { emailHtml, PLAIN_FOOTER, SIGNED_IN_FOOTER, type EmailAction } from './html';
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
  const agency = opts.agencyName ?? 'your agency';
  const why = opts.why ?? 'a trigger';
  /** Both parts: the text as it always was; the HTML part's paragraphs, one button and the reply help. */
  const email = (subject: string, text: string[], html: { paragraphs: string[]; label?: string; replyHelp?: readonly string[]; signedIn?: boolean }): EmailContent => {
    const action: EmailAction | undefined = html.label && opts.link ? { label: html.label, url: opts.link } : undefined;
    return {
      subject,
      text: text.join('\n'),
      html: emailHtml({ subject, greeting: hello, paragraphs: html.paragraphs, action, replyHelp: html.replyHelp, footer: !action ? PLAIN_FOOTER : html.signedIn ? SIGNED_IN_FOOTER : undefined }),
    };
  };
  const actionHow = 'The button opens the action: record that it is done, or not done and why.';
  switch (opts.kind) {
    case 'action-assigned': {
      const intro = `You own an action in the integrated plan for participant ${ref}, due by ${opts.dueBy}.`;
      return email(`careloop: an action in the plan for ${ref} is yours, due ${opts.dueBy}`, [hello, '', intro, 'Open the link to see it and record that it is done, or not done and why:', ...open, '', ...ACTION_REPLY_HELP, ''], {
        paragraphs: [intro, actionHow],
        label: 'Mark as done',
        replyHelp: ACTION_REPLY_HELP,
      });
    }
    case 'action-reminder': {
      const intro = `A reminder: an action in the integrated plan for participant ${ref} is still open, due by ${opts.dueBy}.`;
      return email(`careloop reminder: a plan action for ${ref} is due ${opts.dueBy}`, [hello, '', intro, ...open, '', ...ACTION_REPLY_HELP, ''], { paragraphs: [intro, actionHow], label: 'Mark as done', replyHelp: ACTION_REPLY_HELP });
    }
    case 'action-overdue': {
      const intro = `An action in the integrated plan for participant ${ref} passed its deadline (${opts.dueBy}) and has been escalated to the plan-holder.`;
      return email(`careloop OVERDUE: a plan action for ${ref}`, [hello, '', intro, 'Record what happened:', ...open, '', ...ACTION_REPLY_HELP, ''], { paragraphs: [intro, actionHow], label: 'Record what happened', replyHelp: ACTION_REPLY_HELP });
    }
    case 'action-cancelled': {
      const intro = `Version ${opts.version ?? ''} of the integrated plan for participant ${ref} no longer holds an action you owned (due by ${opts.dueBy}). Nothing more is needed from you for it; its link no longer works.`;
      return email(`careloop: a plan action for ${ref} is no longer needed`, [hello, '', intro, ''], { paragraphs: [intro] });
    }
    case 'review-started': {
      const intro = `After ${why}, the integrated plan for participant ${ref} needs a rapid review by ${opts.dueBy}. You hold the plan, so the review is yours.`;
      const how = 'Publish a new version with the trigger "scheduled review", or, if nothing needs to change, record "reviewed, no change" with the reason. You can ask the agencies named in the plan for an update on changed risk factors first:';
      return email(`careloop: rapid review of the plan for ${ref} after ${why}, due ${opts.dueBy}`, [hello, '', intro, how, ...open, ''], {
        paragraphs: [intro, `${how.slice(0, -1)}.`],
        label: 'Open the review',
        signedIn: true,
      });
    }
    case 'review-reminder': {
      const intro = `A reminder: the rapid review of the integrated plan for participant ${ref}, after ${why}, is due by ${opts.dueBy}.`;
      return email(`careloop reminder: rapid review of the plan for ${ref} after ${why} is due ${opts.dueBy}`, [hello, '', intro, ...open, ''], { paragraphs: [intro], label: 'Open the review', signedIn: true });
    }
    case 'review-overdue': {
      const intro = `The rapid review of the integrated plan for participant ${ref}, after ${why}, passed its deadline (${opts.dueBy}) and has been escalated to a manager.`;
      return email(`careloop OVERDUE: rapid review of the plan for ${ref} after ${why}`, [hello, '', intro, 'Finish it:', ...open, ''], { paragraphs: [intro], label: 'Finish the review', signedIn: true });
    }
    case 'update-requested': {
      const intro = `${opts.askedBy ?? 'The plan-holder'} is reviewing the integrated plan for participant ${ref} after ${why}.`;
      const ask = `Please send a brief update from ${agency} on changed risk factors and interventions by ${opts.dueBy}:`;
      return email(`careloop: an update on changed risk factors for ${ref} after ${why}, by ${opts.dueBy}`, [hello, '', intro, ask, ...open, '', ...UPDATE_REPLY_HELP, ''], {
        paragraphs: [intro, `${ask.slice(0, -1)}.`],
        label: 'Send your update',
        replyHelp: UPDATE_REPLY_HELP,
      });
    }
    case 'update-reminder': {
      const intro = `A reminder: ${opts.askedBy ?? 'the plan-holder'} still needs the update from ${agency} on changed risk factors for participant ${ref}, by ${opts.dueBy}.`;
      return email(`careloop reminder: update on changed risk factors for ${ref} after ${why}, due ${opts.dueBy}`, [hello, '', intro, ...open, '', ...UPDATE_REPLY_HELP, ''], { paragraphs: [intro], label: 'Send your update', replyHelp: UPDATE_REPLY_HELP });
    }
    case 'update-overdue': {
      const intro = `The update from ${agency} on changed risk factors for participant ${ref} passed its deadline (${opts.dueBy}) and has been escalated to the plan-holder.`;
      return email(`careloop OVERDUE: update on changed risk factors for ${ref} after ${why}`, [hello, '', intro, 'Send it now:', ...open, '', ...UPDATE_REPLY_HELP, ''], { paragraphs: [intro], label: 'Send your update now', replyHelp: UPDATE_REPLY_HELP });
    }
    case 'update-received': {
      const intro = `${opts.agencyName ?? 'An agency'} has sent its update on changed risk factors for the rapid review of the plan for participant ${ref} (due by ${opts.dueBy}).`;
      return email(`careloop: ${opts.agencyName ?? 'an agency'} sent its update for the review of the plan for ${ref}`, [hello, '', intro, 'Read it on the review page (sign in):', ...open, ''], {
        paragraphs: [intro, 'Read it on the review page (sign in).'],
        label: 'Read the update',
        signedIn: true,
      });
    }
  }
}

/** The answer to a reply to a plan-step email: what was recorded, or why nothing was. */
export function planStepReplyAnswerEmail(opts: { name: string; participantRef?: string; recorded?: string; problem?: string; line?: string; help: readonly string[] }): EmailContent {
  const about = opts.participantRef ? ` for participant ${opts.participantRef}` : '';
  const hello = `Hello ${opts.name},`;
  const subjectAbout = opts.participantRef ? ` about the plan for ${opts.participantRef}` : '';
  if (opts.recorded) {
    const subject = `careloop: recorded from your reply${subjectAbout}`;
    const said = `Recorded${about}: ${opts.recorded}`;
    return { subject, text: [hello, '', said, ''].join('\n'), html: emailHtml({ subject, greeting: hello, paragraphs: [said], footer: PLAIN_FOOTER }) };
  }
  const subject = `careloop: nothing was recorded from your reply${subjectAbout}`;
  const problem = opts.line ? `"${opts.line}": ${opts.problem ?? ''}` : (opts.problem ?? '');
  return {
    subject,
    text: [hello, '', `Nothing was recorded${about}.`, `  ${problem}`, '', ...opts.help, 'Or open the link in the email.', ''].join('\n'),
    html: emailHtml({
      subject,
      greeting: hello,
      paragraphs: [`Nothing was recorded${about}.`],
      items: problem.trim() ? [{ heading: 'Why', lines: [problem] }] : [],
      replyHelp: [...opts.help, 'Or use the button in the email careloop sent you.'],
      footer: PLAIN_FOOTER,
    }),
  };
}

export const UPDATE_REPLY_HELP_LINES = UPDATE_REPLY_HELP;
