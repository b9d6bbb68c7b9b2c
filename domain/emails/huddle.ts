// Huddle emails: the agency's coordinators and managers are told the huddle is ready (with the
// page to open, signed in); a decision's owner is given it, reminded before its follow-up is
// due, and told when it passed and was escalated. No clinical detail and none of the words of
// the decision: the agency, the participant's reference, when follow-up is due, and the link.
import { emailHtml, SIGNED_IN_FOOTER } from './html';
import type { EmailContent } from './types';

export type HuddleEmailKind = 'huddle-ready' | 'decision-assigned' | 'decision-reminder' | 'decision-overdue';

export function huddleEmail(opts: {
  kind: HuddleEmailKind;
  recipientName: string;
  agencyName: string;
  /** When the huddle started, as people read it. */
  heldAt: string;
  /** People on the roster, for the huddle-ready email. */
  rosterRows?: number;
  rosterProblem?: boolean;
  participantRef?: string;
  /** When follow-up is due, as people read it. */
  dueBy?: string;
  /** The huddle's page (signed in), or the decision's link. */
  link: string;
}): EmailContent {
  const hello = `Hello ${opts.recipientName},`;
  const ref = opts.participantRef ?? '';
  const email = (subject: string, text: string[], paragraphs: string[], label: string, footer?: string): EmailContent => ({
    subject,
    text: text.join('\n'),
    html: emailHtml({ subject, greeting: hello, paragraphs, action: { label, url: opts.link }, footer }),
  });
  const decisionHow = 'The button opens the decision: see what was decided and record it done, or not done and why.';
  switch (opts.kind) {
    case 'huddle-ready': {
      const people = opts.rosterRows === 1 ? '1 person' : `${opts.rosterRows ?? 0} people`;
      const intro = `The ${opts.agencyName} huddle starts now (${opts.heldAt}).`;
      const roster = opts.rosterProblem
        ? 'careloop could not read the open work when it prepared the roster: the huddle page links the live roster instead.'
        : `The roster as it stands is ready: ${people}, riskiest first.`;
      const how = 'Open the huddle to see the roster, tick who attended and record each decision, who owns it and when follow-up is due (sign in):';
      return email(`careloop: the ${opts.agencyName} huddle is ready (${opts.heldAt})`, [hello, '', intro, roster, how, `  ${opts.link}`, ''], [intro, roster, `${how.slice(0, -1)}.`], 'Open the huddle', SIGNED_IN_FOOTER);
    }
    case 'decision-assigned': {
      const intro = `At the ${opts.agencyName} huddle (${opts.heldAt}) a decision about participant ${ref} was given to you. Follow-up is due by ${opts.dueBy}.`;
      return email(
        `careloop: a huddle decision for ${ref} is yours, follow-up due ${opts.dueBy}`,
        [hello, '', intro, 'Open the link to see what was decided and record it done, or not done and why:', `  ${opts.link}`, ''],
        [intro, decisionHow],
        'Mark as done',
      );
    }
    case 'decision-reminder': {
      const intro = `A reminder: the decision about participant ${ref} from the ${opts.agencyName} huddle (${opts.heldAt}) is still open. Follow-up is due by ${opts.dueBy}.`;
      return email(`careloop reminder: huddle decision for ${ref}, follow-up due ${opts.dueBy}`, [hello, '', intro, `  ${opts.link}`, ''], [intro, decisionHow], 'Mark as done');
    }
    case 'decision-overdue': {
      const intro = `The follow-up of the decision about participant ${ref} from the ${opts.agencyName} huddle (${opts.heldAt}) passed its due time (${opts.dueBy}) and has been escalated to a coordinator of ${opts.agencyName}.`;
      return email(`careloop OVERDUE: huddle decision for ${ref}`, [hello, '', intro, 'Record what happened:', `  ${opts.link}`, ''], [intro, decisionHow], 'Record what happened');
    }
  }
}
