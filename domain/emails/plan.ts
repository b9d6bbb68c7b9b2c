// Plan change control's emails: a new version, a request to acknowledge it, reminders, and
// the escalation of missing acknowledgements.
import type { EmailContent } from './types';

export type PlanEmailKind = 'plan-published' | 'plan-ack-request' | 'plan-ack-reminder' | 'plan-ack-escalation';

const TRIGGER_WORDS: Record<string, string> = {
  incident: 'an incident',
  hospital_discharge: 'a hospital discharge',
  safeguarding: 'a safeguarding concern',
  risk_change: 'a change in risk',
  scheduled_review: 'a scheduled review',
  other: 'another reason',
};

/** Plan emails say which plan and version and why it matters to the reader, not what it holds. */
export function planEmail(opts: {
  kind: PlanEmailKind;
  recipientName: string;
  participantRef: string;
  version: number;
  trigger: string;
  link?: string;
  ackDeadline?: string;
  missing?: string[];
}): EmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const why = TRIGGER_WORDS[opts.trigger] ?? 'a change';
  const replyHelp = ['You can also reply to this email with the word: acknowledged'];
  switch (opts.kind) {
    case 'plan-published':
      return {
        subject: `careloop: plan for ${ref} updated to version ${opts.version}`,
        text: [hello, '', `The integrated plan for participant ${ref} has a new version (${opts.version}), after ${why}.`, 'Read what changed:', `  ${opts.link}`, ''].join('\n'),
      };
    case 'plan-ack-request':
      return {
        subject: `careloop: please acknowledge version ${opts.version} of the plan for ${ref}`,
        text: [hello, '', `The integrated plan for participant ${ref} has changed after ${why}, in a way that alters day-to-day delivery.`, `Please read what changed and acknowledge it${opts.ackDeadline ? ` by ${opts.ackDeadline}` : ''}:`, `  ${opts.link}`, '', ...replyHelp, ''].join('\n'),
      };
    case 'plan-ack-reminder':
      return {
        subject: `careloop reminder: acknowledge version ${opts.version} of the plan for ${ref}`,
        text: [hello, '', `A reminder: version ${opts.version} of the plan for participant ${ref} still needs your acknowledgement${opts.ackDeadline ? ` (by ${opts.ackDeadline})` : ''}.`, `  ${opts.link}`, '', ...replyHelp, ''].join('\n'),
      };
    case 'plan-ack-escalation':
      return {
        subject: `careloop ESCALATION: acknowledgements missing for the plan for ${ref} (version ${opts.version})`,
        text: [hello, '', `The deadline has passed and these people have not acknowledged version ${opts.version} of the plan for participant ${ref}:`, '', ...(opts.missing ?? []).map((m) => `  - ${m}`), ''].join('\n'),
      };
  }
}

/**
 * A plan handed to a new plan-holder: the new holder and the one before are both told, with a
 * link to the plan's page (signed in). The reason stays in careloop: it may hold clinical detail.
 */
export function planHandoverEmail(opts: { role: 'new' | 'previous'; recipientName: string; participantRef: string; previousName: string; newName: string; byName: string; link: string }): EmailContent {
  const hello = `Hello ${opts.recipientName},`;
  const by = opts.byName === opts.previousName ? `${opts.previousName} handed it over` : `${opts.byName} handed it over from ${opts.previousName}`;
  return opts.role === 'new'
    ? {
        subject: `careloop: you now hold the plan for ${opts.participantRef}`,
        text: [
          hello,
          '',
          `You are now the plan-holder of the integrated plan for participant ${opts.participantRef}: ${by}.`,
          'You keep the plan up to date, publish its changes and see that they are acknowledged.',
          'The plan, the reason for the handover and who still has to acknowledge its latest change:',
          `  ${opts.link}`,
          '',
        ].join('\n'),
      }
    : {
        subject: `careloop: the plan for ${opts.participantRef} is now held by ${opts.newName}`,
        text: [hello, '', `The integrated plan for participant ${opts.participantRef} is now held by ${opts.newName}: ${by}.`, 'The plan and the reason for the handover:', `  ${opts.link}`, ''].join('\n'),
      };
}
