// The answer to a reply to a plan-change email: the acknowledgement recorded, or how to give one.
import type { EmailContent } from './types';

export function planAcknowledgedEmail(opts: { name: string; version: number; at: string; channel: string }): EmailContent {
  return {
    subject: 'careloop: acknowledgement recorded',
    text: `Hello ${opts.name},\n\nYour acknowledgement of version ${opts.version} of the plan is recorded (${opts.at}, by ${opts.channel}).\n`,
  };
}

export function planReplyNotUnderstoodEmail(opts: { name: string }): EmailContent {
  return {
    subject: 'careloop: nothing was recorded from your reply',
    text: `Hello ${opts.name},\n\nTo acknowledge the plan change, reply with the word "acknowledged" on the first line, or open the link in the email.\n`,
  };
}
