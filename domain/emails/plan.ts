// Plan change control's emails: a new version, a request to acknowledge it, reminders, and
// the escalation of missing acknowledgements.
import { emailHtml, PLAIN_FOOTER, SIGNED_IN_FOOTER } from './html';
import type { EmailContent } from './types';
import { PLAN_TRIGGER_PHRASE_WORDS } from '../words';

export type PlanEmailKind = 'plan-published' | 'plan-ack-request' | 'plan-ack-reminder' | 'plan-ack-escalation';

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
  const why = (PLAN_TRIGGER_PHRASE_WORDS as Record<string, string>)[opts.trigger] ?? 'a change';
  const replyHelp = ['You can also reply to this email with the word: acknowledged'];
  const replyHelpHtml = ['You can also reply to this email with this word on the first line:', '  acknowledged'];
  const button = (label: string) => (opts.link ? { action: { label, url: opts.link } } : {});
  switch (opts.kind) {
    case 'plan-published': {
      const subject = `careloop: plan for ${ref} updated to version ${opts.version} after ${why}`;
      const intro = `The integrated plan for participant ${ref} has a new version (${opts.version}), after ${why}.`;
      return {
        subject,
        text: [hello, '', intro, 'Read what changed:', `  ${opts.link}`, ''].join('\n'),
        html: emailHtml({ subject, greeting: hello, paragraphs: [intro, 'Nothing is asked of you: the button shows what changed.'], ...button('Read what changed') }),
      };
    }
    case 'plan-ack-request': {
      const subject = `careloop: please acknowledge version ${opts.version} of the plan for ${ref}, changed after ${why}`;
      const intro = `The integrated plan for participant ${ref} has changed after ${why}, in a way that alters day-to-day delivery.`;
      const ask = `Please read what changed and acknowledge it${opts.ackDeadline ? ` by ${opts.ackDeadline}` : ''}:`;
      return {
        subject,
        text: [hello, '', intro, ask, `  ${opts.link}`, '', ...replyHelp, ''].join('\n'),
        html: emailHtml({ subject, greeting: hello, paragraphs: [intro, `${ask.slice(0, -1)}. The button opens the change; say there that you have read it.`], ...button('Acknowledge the change'), replyHelp: replyHelpHtml }),
      };
    }
    case 'plan-ack-reminder': {
      const subject = `careloop reminder: acknowledge version ${opts.version} of the plan for ${ref}, changed after ${why}`;
      const intro = `A reminder: version ${opts.version} of the plan for participant ${ref} still needs your acknowledgement${opts.ackDeadline ? ` (by ${opts.ackDeadline})` : ''}.`;
      return {
        subject,
        text: [hello, '', intro, `  ${opts.link}`, '', ...replyHelp, ''].join('\n'),
        html: emailHtml({ subject, greeting: hello, paragraphs: [intro], ...button('Acknowledge the change'), replyHelp: replyHelpHtml }),
      };
    }
    case 'plan-ack-escalation': {
      const subject = `careloop ESCALATION: acknowledgements missing for the plan for ${ref} (version ${opts.version})`;
      const intro = `The deadline has passed and these people have not acknowledged version ${opts.version} of the plan for participant ${ref}:`;
      return {
        subject,
        text: [hello, '', intro, '', ...(opts.missing ?? []).map((m) => `  - ${m}`), ''].join('\n'),
        html: emailHtml({ subject, greeting: hello, paragraphs: [intro], items: [{ heading: 'Still to acknowledge', lines: opts.missing ?? [] }], footer: PLAIN_FOOTER }),
      };
    }
  }
}

/**
 * A plan handed to a new plan-holder: the new holder and the one before are both told, with a
 * link to the plan's page (signed in). The reason stays in careloop: it may hold clinical detail.
 */
export function planHandoverEmail(opts: { role: 'new' | 'previous'; recipientName: string; participantRef: string; previousName: string; newName: string; byName: string; link: string }): EmailContent {
  const hello = `Hello ${opts.recipientName},`;
  const by = opts.byName === opts.previousName ? `${opts.previousName} handed it over` : `${opts.byName} handed it over from ${opts.previousName}`;
  if (opts.role === 'new') {
    const subject = `careloop: you now hold the plan for ${opts.participantRef}`;
    const intro = `You are now the plan-holder of the integrated plan for participant ${opts.participantRef}: ${by}.`;
    const duty = 'You keep the plan up to date, publish its changes and see that they are acknowledged.';
    return {
      subject,
      text: [hello, '', intro, duty, 'The plan, the reason for the handover and who still has to acknowledge its latest change:', `  ${opts.link}`, ''].join('\n'),
      html: emailHtml({
        subject,
        greeting: hello,
        paragraphs: [intro, duty, 'The plan’s page shows the reason for the handover and who still has to acknowledge its latest change (sign in).'],
        action: { label: 'Open the plan', url: opts.link },
        footer: SIGNED_IN_FOOTER,
      }),
    };
  }
  const subject = `careloop: the plan for ${opts.participantRef} is now held by ${opts.newName}`;
  const intro = `The integrated plan for participant ${opts.participantRef} is now held by ${opts.newName}: ${by}.`;
  return {
    subject,
    text: [hello, '', intro, 'The plan and the reason for the handover:', `  ${opts.link}`, ''].join('\n'),
    html: emailHtml({
      subject,
      greeting: hello,
      paragraphs: [intro, 'The plan’s page shows the reason for the handover (sign in).'],
      action: { label: 'Open the plan', url: opts.link },
      footer: SIGNED_IN_FOOTER,
    }),
  };
}
