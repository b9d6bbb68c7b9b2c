// The answer to a reply to a plan-change email: the acknowledgement recorded, or how to give one.
import { formatInstant } from '../format';
import { emailHtml, PLAIN_FOOTER } from './html';
import type { EmailContent } from './types';
import { CHANNEL_WORDS } from '../words';


/** `at` an instant (ISO), `channel` how it was given (a code, said here in words). */
export function planAcknowledgedEmail(opts: { name: string; version: number; at: string; channel: string; participantRef?: string; timeZone?: string }): EmailContent {
  const when = Number.isNaN(Date.parse(opts.at)) ? opts.at : formatInstant(opts.at, opts.timeZone ?? 'UTC');
  const how = CHANNEL_WORDS[opts.channel] ?? 'by email';
  const plan = opts.participantRef ? `the plan for participant ${opts.participantRef}` : 'the plan';
  const subject = `careloop: acknowledgement of ${opts.participantRef ? `the plan for ${opts.participantRef}` : 'the plan'} recorded`;
  const said = `Your acknowledgement of version ${opts.version} of ${plan} is recorded (${when}, ${how}).`;
  return {
    subject,
    text: `Hello ${opts.name},\n\n${said}\n`,
    html: emailHtml({ subject, greeting: `Hello ${opts.name},`, paragraphs: [said, 'Nothing more is needed from you for this version.'], footer: PLAIN_FOOTER }),
  };
}

export function planReplyNotUnderstoodEmail(opts: { name: string; participantRef?: string }): EmailContent {
  const subject = `careloop: nothing was recorded from your reply${opts.participantRef ? ` about the plan for ${opts.participantRef}` : ''}`;
  const how = 'To acknowledge the plan change, reply with the word "acknowledged" on the first line, or open the link in the email.';
  return {
    subject,
    text: `Hello ${opts.name},\n\n${how}\n`,
    html: emailHtml({
      subject,
      greeting: `Hello ${opts.name},`,
      paragraphs: ['careloop did not find the word "acknowledged" in your reply, so nothing was recorded.'],
      replyHelp: ['To acknowledge the plan change, reply with this word on the first line:', '  acknowledged', 'Or use the button in the email careloop sent you.'],
      footer: PLAIN_FOOTER,
    }),
  };
}
