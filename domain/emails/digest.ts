// The weekly digest: one email, each Monday, to a person who chose it on their home page ("My
// work"), listing what they owe, overdue first, each with its link (a fresh one where the step
// has an emailed link of its own) or its page. No clinical detail: what kind of step it is, the
// participant's reference, when it is due, and the way in; never the words of a plan's action,
// a huddle's decision or what triggered an escalation.
import { emailHtml, type EmailItem } from './html';
import type { EmailContent } from './types';

export interface DigestItem {
  /** What it is, in words that hold no clinical detail: "Sprint task “Medication reconciled”". */
  words: string;
  participantRef?: string;
  /** When it is due, as people read it; absent when nothing is due by a time. */
  dueBy?: string;
  overdue: boolean;
  /** Where it is done: an action link (works without signing in) or a careloop page (sign in). */
  link?: { url: string; signIn: boolean };
}

export function digestEmail(opts: {
  recipientName: string;
  items: DigestItem[];
  /** The time zone the due times are written in. */
  timeZone: string;
  /** The home page, where the person stops the digest. */
  homeUrl: string;
}): EmailContent {
  const overdue = opts.items.filter((i) => i.overdue).length;
  const count = `${opts.items.length} open${overdue ? `, ${overdue} overdue` : ''}`;
  const lines = opts.items.flatMap((i, n) => [
    `${n + 1}. ${i.overdue ? 'OVERDUE: ' : ''}${i.words}${i.participantRef ? ` (participant ${i.participantRef})` : ''}`,
    `   ${i.dueBy ? `${i.overdue ? 'Was due' : 'Due'} ${i.dueBy}` : 'No due time'}`,
    ...(i.link ? [`   ${i.link.signIn ? 'Open it (sign in):' : 'Open it:'} ${i.link.url}`] : []),
    '',
  ]);
  const subject = `careloop: your week's open items (${count})`;
  const items: EmailItem[] = opts.items.map((i, n) => ({
    heading: `${n + 1}. ${i.overdue ? 'OVERDUE: ' : ''}${i.words}`,
    urgent: i.overdue,
    lines: [
      ...(i.participantRef ? [`Participant ${i.participantRef}.`] : []),
      i.dueBy ? `${i.overdue ? 'Was due' : 'Due'} ${i.dueBy}.` : 'No due time.',
      ...(i.link?.signIn ? ['Its page is in careloop: sign in to open it.'] : []),
    ],
    ...(i.link ? { action: { label: i.link.signIn ? 'Open its page' : 'Open it', url: i.link.url } } : {}),
  }));
  const html = emailHtml({
    subject,
    greeting: `Hello ${opts.recipientName},`,
    paragraphs: [`This is your weekly list of what you owe in careloop, overdue first (${count}). Times are ${opts.timeZone}.`],
    items,
    after: ['Each button works as the one in the item’s own email did.', 'You chose this weekly email on your home page, where you can stop it ("Stop the weekly email").'],
    pageLink: { label: 'Your home page', url: opts.homeUrl, note: '(sign in)' },
    footer: 'This email from careloop holds no clinical detail. Its buttons work for you alone: please do not forward it.',
  });
  return {
    subject,
    html,
    text: [
      `Hello ${opts.recipientName},`,
      '',
      `This is your weekly list of what you owe in careloop, overdue first (${count}). Times are ${opts.timeZone}.`,
      '',
      ...lines,
      'Each link works as the one in the item’s own email did; links marked "sign in" open a careloop page.',
      `You chose this weekly email on your home page. To stop it, open ${opts.homeUrl} and choose "Stop the weekly email".`,
      '',
      'This email from careloop holds no clinical detail. Its links work for you alone: please do not forward it.',
    ].join('\n'),
  };
}
