// Told to the owner of a reply address, never to the claimed sender, when a reply with it came
// from another address: nothing was changed.
import type { EmailContent } from './types';

export function forgedReplyEmail(opts: { ownerName: string; ownerEmail: string; claimedFrom: string }): EmailContent {
  return {
    subject: 'careloop: a reply to your email was not accepted',
    text: [
      `Hello ${opts.ownerName},`,
      '',
      `careloop received a reply to an email it sent you, but from another address (${opts.claimedFrom}).`,
      'Nothing was changed.',
      '',
      `If that was you, reply again from ${opts.ownerEmail}, or open the link in the email.`,
      'If it was not you, tell your coordinator: someone else may have a copy of that email.',
      '',
    ].join('\n'),
  };
}
