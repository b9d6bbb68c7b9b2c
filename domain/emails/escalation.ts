// Escalation emails: the chair of a tier, its responders, and the notice at the top tier.
import type { EmailContent } from './types';

export type EscalationEmailKind = 'escalation-chair' | 'escalation-responder' | 'escalation-top-tier-overdue';

/** Escalation emails name the participant's reference, the tier and its deadlines; the link is the way in. */
export function escalationEmail(opts: {
  kind: EscalationEmailKind;
  recipientName: string;
  participantRef: string;
  tierLabel: string;
  riskLevel: string;
  promoted: boolean;
  link?: string;
  acknowledgeBy: string;
  respondBy: string;
}): EmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const what = `${opts.promoted ? 'An escalation has been promoted' : 'An escalation has been raised'} for participant ${ref}: ${opts.riskLevel} risk, ${opts.tierLabel.toLowerCase()}.`;
  switch (opts.kind) {
    case 'escalation-chair':
      return {
        subject: `careloop ESCALATION (${opts.riskLevel}): you chair the ${opts.tierLabel.toLowerCase()} for ${ref}`,
        text: [hello, '', what, `You chair this tier. Acknowledge that you take ownership by ${opts.acknowledgeBy}, and record the response action by ${opts.respondBy}:`, `  ${opts.link}`, ''].join('\n'),
      };
    case 'escalation-responder':
      return {
        subject: `careloop ESCALATION (${opts.riskLevel}) for ${ref}`,
        text: [hello, '', what, `You are a responder. The chair must record the response action by ${opts.respondBy}. See where it stands:`, `  ${opts.link}`, ''].join('\n'),
      };
    case 'escalation-top-tier-overdue':
      return {
        subject: `careloop ESCALATION OVERDUE (${opts.riskLevel}) for ${ref}`,
        text: [hello, '', `The escalation you chair for participant ${ref} has passed its ${opts.tierLabel.toLowerCase()} window, and there is no higher tier. Act now:`, ...(opts.link ? [`  ${opts.link}`] : []), ''].join('\n'),
      };
  }
}
