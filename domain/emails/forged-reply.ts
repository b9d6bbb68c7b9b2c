// Told to the owner of a reply address, never to the claimed sender, when a reply with it came
// from another address: nothing was changed.
import { emailHtml, PLAIN_FOOTER } from './html';
import type { EmailContent } from './types';

export function forgedReplyEmail(opts: { ownerName: string; ownerEmail: string; claimedFrom: string }): EmailContent {
  const subject = 'careloop: a reply to your email was not accepted';
  const hello = `Hello ${opts.ownerName},`;
  const what = [`careloop received a reply to an email it sent you, but from another address (${opts.claimedFrom}).`, 'Nothing was changed.'];
  const next = [`If that was you, reply again from ${opts.ownerEmail}, or open the link in the email.`, 'If it was not you, tell your coordinator: someone else may have a copy of that email.'];
  return {
    subject,
    text: [hello, '', ...what, '', ...next, ''].join('\n'),
    html: emailHtml({
      subject,
      greeting: hello,
      paragraphs: [what.join(' '), `If that was you, reply again from ${opts.ownerEmail}, or use the button in that email.`, next[1]!],
      footer: PLAIN_FOOTER,
    }),
  };
}
