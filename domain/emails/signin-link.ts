// The sign-in link: asked for on the sign-in page, works once, for 15 minutes.
import type { EmailContent } from './types';

export function signinLinkEmail(opts: { name: string; link: string; minutes: number }): EmailContent {
  return {
    subject: 'Your careloop sign-in link',
    text: `Hello ${opts.name},\n\nOpen this link within ${opts.minutes} minutes to sign in to careloop:\n\n${opts.link}\n\nIf you did not ask to sign in, ignore this email.\n`,
  };
}
