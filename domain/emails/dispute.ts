// Dispute emails: the interim owner, each stage's representatives, proposals, and the
// overdue governance decision.
import type { EmailContent } from './types';

export type DisputeEmailKind = 'dispute-interim-owner' | 'dispute-stage' | 'dispute-proposal' | 'dispute-decision-overdue';

/** Dispute emails name the participant's reference, the subject, the stage and its deadline; the link is the way in. */
export function disputeEmail(opts: {
  kind: DisputeEmailKind;
  recipientName: string;
  participantRef: string;
  subject: string;
  stage: number;
  stageLabel: string;
  dueBy: string;
  proposal?: { id: string; byName: string };
  link?: string;
}): EmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const about = `the dispute "${opts.subject}" about participant ${ref}`;
  switch (opts.kind) {
    case 'dispute-interim-owner':
      return {
        subject: `careloop dispute: you are the interim owner of a step for ${ref}`,
        text: [hello, '', `You are the interim owner of the disputed step in ${about}. Care does not wait for the dispute: carry on with the step until it is resolved.`, ''].join('\n'),
      };
    case 'dispute-stage':
      return {
        subject: `careloop dispute (stage ${opts.stage}, ${opts.stageLabel.toLowerCase()}) for ${ref}`,
        text: [hello, '', `You represent your agency at stage ${opts.stage} (${opts.stageLabel.toLowerCase()}) of ${about}.`, opts.stage === 3 ? `Record the partnership's binding decision by ${opts.dueBy}.` : `State your agency's position, and agree a resolution by ${opts.dueBy}:`, ...(opts.link ? [`  ${opts.link}`] : []), ''].join('\n'),
      };
    case 'dispute-proposal':
      return {
        subject: `careloop dispute: a resolution is proposed for ${ref}`,
        text: [hello, '', `${opts.proposal?.byName ?? 'A party'} has proposed a resolution (${opts.proposal?.id ?? ''}) to ${about}. Read it and accept it for your agency:`, ...(opts.link ? [`  ${opts.link}`] : []), ''].join('\n'),
      };
    case 'dispute-decision-overdue':
      return {
        subject: `careloop dispute OVERDUE: governance decision for ${ref}`,
        text: [hello, '', `Stage 3 of ${about} passed its deadline (${opts.dueBy}) without a decision. Record the binding decision now.`, ''].join('\n'),
      };
  }
}
