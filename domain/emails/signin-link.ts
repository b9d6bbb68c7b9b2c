// The sign-in link: asked for on the sign-in page, works once, for 15 minutes.
import { emailHtml } from './html';
import type { EmailContent } from './types';

export function signinLinkEmail(opts: { name: string; link: string; minutes: number }): EmailContent {
  const subject = 'Your careloop sign-in link';
  const hello = `Hello ${opts.name},`;
  return {
    subject,
    text: `${hello}\n\nOpen this link within ${opts.minutes} minutes to sign in to careloop:\n\n${opts.link}\n\nIf you did not ask to sign in, ignore this email.\n`,
    html: emailHtml({
      subject,
      greeting: hello,
      paragraphs: [`Use the button within ${opts.minutes} minutes to sign in to careloop. It works once.`],
      action: { label: 'Sign in to careloop', url: opts.link },
      after: ['If you did not ask to sign in, ignore this email.'],
      footer: 'This email from careloop holds no clinical detail. Its button signs you in: please do not forward it.',
    }),
  };
}
