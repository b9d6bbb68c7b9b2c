// Escalation emails: one email to a person lists every escalation about one participant that
// waited together (activities/notices.ts), each with what happened, the cause by name, the tier in
// words, its deadlines and its own link; a chair's link leads through the steps, a responder's
// only shows where it stands. One reply address covers them all. No clinical detail: the cause's
// name, the participant's reference, deadlines and links.
import { emailHtml, type EmailItem } from './html';
import type { EmailContent } from './types';

export type DigestLineKind = 'raised' | 'promoted' | 'top-tier-overdue' | 'cause-resolved';

export interface DigestLine {
  kind: DigestLineKind;
  role: 'chair' | 'responder';
  cause: string;
  riskLevel: string;
  tierLabel: string;
  chairName: string;
  acknowledgeBy: string;
  respondBy: string;
  causeReason?: string;
  graceEndsAt?: string;
  link?: string;
}

const MAX_SUBJECT_CAUSES = 2;
/** Risk levels from least to most urgent: a subject names the most urgent listed. */
const RANK = ['low', 'moderate', 'high', 'acute'];

/** What happened, as the line's heading and as the subject's verb. */
function headline(l: DigestLine): { heading: string; subject: string } {
  const tier = `${l.riskLevel} risk (${l.tierLabel.toLowerCase()})`;
  switch (l.kind) {
    case 'raised':
      return { heading: `Raised at ${tier}.`, subject: l.role === 'chair' ? 'you chair' : 'you respond to' };
    case 'promoted':
      return { heading: `Moved up to ${tier} after a missed window.`, subject: l.role === 'chair' ? 'moved up, you chair' : 'moved up' };
    case 'top-tier-overdue':
      return { heading: `Overdue at ${tier}, and there is no higher tier: act now.`, subject: 'OVERDUE, act now' };
    case 'cause-resolved':
      return { heading: `Its cause has ended${l.causeReason ? ` (${l.causeReason})` : ''}.`, subject: 'cause ended, confirm the outcome' };
  }
}

function lineText(l: DigestLine, n: number, numbered: boolean): string[] {
  const { heading } = headline(l);
  const out = [`${numbered ? `${n}. ` : ''}${l.cause}`, `   ${heading}`];
  if (l.kind === 'cause-resolved') {
    out.push(`   Confirm the outcome${l.graceEndsAt ? ` by ${l.graceEndsAt}; after that careloop records it as resolved by its cause` : ''}:`);
  } else if (l.role === 'chair') {
    out.push(`   You chair it. Take ownership by ${l.acknowledgeBy}; record the response action by ${l.respondBy}:`);
  } else {
    out.push(`   ${l.chairName} chairs it and records the response action by ${l.respondBy}. See where it stands:`);
  }
  if (l.link) out.push(`   ${l.link}`);
  return out;
}

/** The same line as the HTML part's item: what happened, what is asked by when, and one button. */
function lineItem(l: DigestLine, n: number, numbered: boolean): EmailItem {
  const { heading } = headline(l);
  let ask: string;
  let label: string;
  if (l.kind === 'cause-resolved') {
    ask = `Confirm the outcome${l.graceEndsAt ? ` by ${l.graceEndsAt}; after that careloop records it as resolved by its cause` : ''}.`;
    label = 'Confirm the outcome';
  } else if (l.role === 'chair') {
    ask = `You chair it. Take ownership by ${l.acknowledgeBy}; record the response action by ${l.respondBy}.`;
    label = 'Take ownership';
  } else {
    ask = `${l.chairName} chairs it and records the response action by ${l.respondBy}.`;
    label = 'See where it stands';
  }
  return { heading: `${numbered ? `${n}. ` : ''}${l.cause}`, urgent: l.kind === 'top-tier-overdue', lines: [heading, ask], ...(l.link ? { action: { label, url: l.link } } : {}) };
}

/** The subject names the participant's reference and the causes; `update` keeps a person's emails about one participant apart. */
export function escalationDigestEmail(opts: { recipientName: string; participantRef: string; update: number; lines: DigestLine[] }): EmailContent {
  const { lines } = opts;
  const numbered = lines.length > 1;
  const urgent = lines.some((l) => l.kind === 'top-tier-overdue');
  const chairs = lines.some((l) => l.role === 'chair');
  const verb = lines.length === 1 ? headline(lines[0]!).subject : urgent ? 'OVERDUE, act now' : chairs ? 'you chair' : 'you respond to';
  const causes = lines.slice(0, MAX_SUBJECT_CAUSES).map((l) => l.cause);
  const more = lines.length > MAX_SUBJECT_CAUSES ? ` and ${lines.length - MAX_SUBJECT_CAUSES} more` : '';
  const highest = RANK.filter((level) => lines.some((l) => l.riskLevel === level)).at(-1) ?? lines[0]!.riskLevel;
  const count = `${lines.length === 1 ? 'escalation' : `${lines.length} escalations`} at ${highest} risk`;
  const subject = `careloop ${opts.participantRef}: ${count}, ${verb}: ${causes.join('; ')}${more}${opts.update > 1 ? ` (update ${opts.update})` : ''}`;

  const intro = lines.length === 1 ? `An escalation for participant ${opts.participantRef}:` : `${lines.length} escalations for participant ${opts.participantRef}, in one email:`;
  const replyHelp = chairs
    ? [
        'You can also reply to this email, one command per line' + (numbered ? ', with the number first to pick one (without a number it applies to each you chair):' : ':'),
        `  ${numbered ? '1 ' : ''}acknowledged`,
        `  ${numbered ? '1 ' : ''}response: <the response action taken>`,
        `  ${numbered ? '1 ' : ''}resolved: <the outcome>`,
        `  ${numbered ? '1 ' : ''}note: <a note for the chair and responders>`,
      ]
    : ['You can reply to this email to add a note for the chair and responders' + (numbered ? ' (number first to pick one):' : ':'), `  ${numbered ? '1 ' : ''}note: <your note>`];
  const text = [`Hello ${opts.recipientName},`, '', intro, '', ...lines.flatMap((l, i) => [...lineText(l, i + 1, numbered), '']), ...replyHelp, ''].join('\n');
  const html = emailHtml({ subject, greeting: `Hello ${opts.recipientName},`, paragraphs: [intro], items: lines.map((l, i) => lineItem(l, i + 1, numbered)), replyHelp });
  return { subject, text, html };
}
