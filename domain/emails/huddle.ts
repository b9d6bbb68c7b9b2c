// Huddle emails: the agency's coordinators and managers are told the huddle is ready (with the
// page to open, signed in); a decision's owner is given it, reminded before its follow-up is
// due, and told when it passed and was escalated. No clinical detail and none of the words of
// the decision: the agency, the participant's reference, when follow-up is due, and the link.
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
  switch (opts.kind) {
    case 'huddle-ready': {
      const people = opts.rosterRows === 1 ? '1 person' : `${opts.rosterRows ?? 0} people`;
      return {
        subject: `careloop: the ${opts.agencyName} huddle is ready (${opts.heldAt})`,
        text: [
          hello,
          '',
          `The ${opts.agencyName} huddle starts now (${opts.heldAt}).`,
          opts.rosterProblem
            ? 'careloop could not read the open work when it prepared the roster: the huddle page links the live roster instead.'
            : `The roster as it stands is ready: ${people}, riskiest first.`,
          'Open the huddle to see the roster, tick who attended and record each decision, who owns it and when follow-up is due (sign in):',
          `  ${opts.link}`,
          '',
        ].join('\n'),
      };
    }
    case 'decision-assigned':
      return {
        subject: `careloop: a huddle decision for ${ref} is yours, follow-up due ${opts.dueBy}`,
        text: [hello, '', `At the ${opts.agencyName} huddle (${opts.heldAt}) a decision about participant ${ref} was given to you. Follow-up is due by ${opts.dueBy}.`, 'Open the link to see what was decided and record it done, or not done and why:', `  ${opts.link}`, ''].join('\n'),
      };
    case 'decision-reminder':
      return {
        subject: `careloop reminder: huddle decision for ${ref}, follow-up due ${opts.dueBy}`,
        text: [hello, '', `A reminder: the decision about participant ${ref} from the ${opts.agencyName} huddle (${opts.heldAt}) is still open. Follow-up is due by ${opts.dueBy}.`, `  ${opts.link}`, ''].join('\n'),
      };
    case 'decision-overdue':
      return {
        subject: `careloop OVERDUE: huddle decision for ${ref}`,
        text: [
          hello,
          '',
          `The follow-up of the decision about participant ${ref} from the ${opts.agencyName} huddle (${opts.heldAt}) passed its due time (${opts.dueBy}) and has been escalated to a coordinator of ${opts.agencyName}.`,
          'Record what happened:',
          `  ${opts.link}`,
          '',
        ].join('\n'),
      };
  }
}
