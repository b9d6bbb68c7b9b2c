// What a party's representative or the interim owner wrote in a reply to a dispute email, as
// dispute steps. Pure: the inbound listener hands in the reply's text and api/disputes/reply.ts
// acts on what comes back.
//
// One command per line: position: <text>, propose: <text>, accept [p2], decline [p2]: <why>,
// counter [p2]: <terms>; for the interim owner progress: <text> and done[: <text>]. The reading
// of the person's own lines (quotes, separators, signatures, careloop's own email pasted back)
// and its bounds are the sprint replies' (domain/reply-commands.ts). Every pattern is anchored
// at the start of a tidied line, has no nested or overlapping repetition and takes the rest of
// the line whole, so none backtracks more than linearly on a hostile line.
import { cleanText, GREETING, newTextLines, PLACEHOLDER, shorten, SIGN_OFF, tidy, type UnrecognisedLine } from './reply-commands';
import { DISPUTE_OWN_TEXT } from './emails/dispute';

export type DisputeReplyCommand =
  | { type: 'position'; statement: string }
  | { type: 'propose'; terms: string }
  | { type: 'accept'; proposalId?: string }
  | { type: 'decline'; proposalId?: string; reason: string }
  | { type: 'counter'; proposalId?: string; terms: string }
  | { type: 'progress'; note: string; done: boolean };

export interface ParsedDisputeReply {
  commands: DisputeReplyCommand[];
  unrecognised: UnrecognisedLine[];
}

/** How many of the person's own lines are read: a reply is a few lines. */
const MAX_LINES = 60;
/** What "done" alone records as the interim owner's note. */
export const DONE_WITHOUT_WORDS = 'The step is done.';

const isOwnText = (line: string) => DISPUTE_OWN_TEXT.test(line) || line.includes('/a/cla_');
const COMMAND_WORD = /\b(position|propos\w*|accept\w*|agree\w*|declin\w*|reject\w*|counter\w*|progress|update|done)\b/i;

// Lines are tidied first (single spaces), so one literal space stands for any run of them.
// The command's word, an optional proposal number, the colon (or dash) after it, and the text.
const SEP = '([:=\\-–—]?)';
const TEXT_COMMAND = (words: string, numbered: boolean) => new RegExp(`^(${words})\\b${numbered ? '(?: ?(p\\d{1,4})\\b)?' : '()'} ?${SEP}(.*)$`, 'is');
const POSITION = TEXT_COMMAND('position|our position', false);
const PROPOSE = TEXT_COMMAND('propose|proposal|we propose', false);
const DECLINE = TEXT_COMMAND('declined?|we decline|rejected?', true);
const COUNTER = TEXT_COMMAND('counter-proposal|counter proposal|counterproposal|counter-propose|counter', true);
const PROGRESS = TEXT_COMMAND('progress|update', false);
const DONE = TEXT_COMMAND('done|step done|completed?', false);
const ACCEPT = /^(accepted|accept|agreed|agree|we accept)\b(?: ?(p\d{1,4})\b)?(.*)$/is;

type TextCommand = { pattern: RegExp; needs: string; example: string; make: (text: string, proposalId?: string) => DisputeReplyCommand; optionalText?: boolean };
const TEXT_COMMANDS: TextCommand[] = [
  { pattern: POSITION, needs: 'Write your agency’s position', example: 'position: the ward books first visits', make: (statement) => ({ type: 'position', statement }) },
  { pattern: PROPOSE, needs: 'Write the resolution you propose', example: 'propose: home care books it, the ward sends the summary', make: (terms) => ({ type: 'propose', terms }) },
  { pattern: DECLINE, needs: 'Say why your agency declines it', example: 'decline: the package does not include visits', make: (reason, proposalId) => ({ type: 'decline', reason, ...(proposalId ? { proposalId } : {}) }) },
  { pattern: COUNTER, needs: 'Write what your agency proposes instead', example: 'counter: a joint visit on day 1, then home care', make: (terms, proposalId) => ({ type: 'counter', terms, ...(proposalId ? { proposalId } : {}) }) },
  { pattern: PROGRESS, needs: 'Say how the step stands', example: 'progress: visit booked for Tuesday', make: (note) => ({ type: 'progress', note, done: false }) },
  { pattern: DONE, needs: '', example: 'done: the first visit took place', make: (note) => ({ type: 'progress', note: note || DONE_WITHOUT_WORDS, done: true }), optionalText: true },
];

/** Reads the commands in a reply to a dispute email. Lines that are neither commands nor pleasantries are reported back. */
export function parseDisputeReply(body: string): ParsedDisputeReply {
  const commands: DisputeReplyCommand[] = [];
  const unrecognised: UnrecognisedLine[] = [];
  const lines = newTextLines(body, isOwnText);
  let read = 0;
  for (let i = 0; i < lines.length && read < MAX_LINES; i++) {
    const raw = lines[i]!;
    const line = tidy(raw);
    if (!line) continue;
    read++;
    if (SIGN_OFF.test(line)) break; // what follows is the person's name and title
    if (GREETING.test(line) && !COMMAND_WORD.test(line)) continue;
    const problem = (text: string) => unrecognised.push({ line: shorten(raw), problem: text });

    const accept = ACCEPT.exec(line);
    if (accept) {
      const proposalId = accept[2]?.toLowerCase();
      commands.push(proposalId ? { type: 'accept', proposalId } : { type: 'accept' });
      continue;
    }
    let matched = false;
    for (const command of TEXT_COMMANDS) {
      const m = command.pattern.exec(line);
      if (!m) continue;
      matched = true;
      const [, word, number, separator, after] = m as unknown as [string, string, string | undefined, string, string];
      const text = cleanText(after);
      if (!separator && text) problem(`Put a colon after "${word.toLowerCase()}${number ? ` ${number.toLowerCase()}` : ''}", e.g. "${command.example}".`);
      else if (PLACEHOLDER.test(text) || (!text && !command.optionalText)) problem(`${command.needs} after the colon, e.g. "${command.example}".`);
      else commands.push(command.make(text, number?.toLowerCase() || undefined));
      break;
    }
    if (!matched) problem('Not a command careloop knows.');
  }
  return { commands, unrecognised };
}
