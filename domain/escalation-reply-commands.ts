// What a chair or responder wrote in a reply to an escalation email, as escalation steps. Pure:
// the inbound listener hands in the reply's text and acts on what comes back
// (api/escalations/reply.ts).
//
// One command per line, optionally after the escalation's number in the email ("2 resolved:
// ..."): acknowledged, response: <text>, resolved: <text>, note: <text>. The reading of the
// person's own lines (quotes, reply separators, signatures, careloop's own email pasted back) and
// its bounds are those of the sprint replies (domain/reply-commands.ts): at most MAX_TEXT_CHARS
// characters and MAX_TEXT_LINES lines are looked at, each line cut at MAX_LINE_CHARS, and a
// reply's worth of the person's own lines read. Every pattern here is anchored at the start of a
// tidied line, has no nested or overlapping repetition, and takes the rest of the line whole, so
// none backtracks more than linearly on a hostile line.
import { cleanText, GREETING, newTextLines, PLACEHOLDER, shorten, SIGN_OFF, tidy, type UnrecognisedLine } from './reply-commands';

export type { UnrecognisedLine };

export type EscalationReplyAction =
  /** Take ownership; words after the command are added as a note. */
  | { type: 'acknowledge'; note?: string }
  | { type: 'respond'; responseAction: string }
  | { type: 'resolve'; outcome: string }
  | { type: 'note'; text: string };

export interface EscalationReplyCommand {
  /** The escalations' numbers in the email (1-based), when the line started with them; without, it applies to each escalation the email listed. */
  numbers?: number[];
  action: EscalationReplyAction;
}

export interface ParsedEscalationReply {
  commands: EscalationReplyCommand[];
  unrecognised: UnrecognisedLine[];
}

/**
 * The words each command is written with, first the one careloop's emails show. The emails and
 * the docs quote these; a reply may use any of them, in any case.
 */
export const ESCALATION_REPLY_WORDS = {
  acknowledge: ['acknowledged', 'acknowledge', 'ack', 'I take ownership', 'taking ownership'],
  respond: ['response:', 'response action:', 'responded:', 'action:', 'action taken:'],
  resolve: ['resolved:', 'resolve:', 'outcome:', 'resolution:'],
  note: ['note:'],
} as const;

/** The command lines an email or an answer shows, with the number first when it listed several. */
export function escalationReplySyntax(numbered: boolean, role: 'chair' | 'responder' = 'chair'): string[] {
  const n = numbered ? '1 ' : '';
  const note = `  ${n}note: <a note for the chair and responders>`;
  if (role === 'responder') return [note];
  return [`  ${n}acknowledged`, `  ${n}response: <the response action taken>`, `  ${n}resolved: <the outcome>`, note];
}

/** How many of the person's own lines are read: a reply is a few lines. */
const MAX_LINES = 60;
const MAX_NUMBER = 99;

// careloop's escalation emails, pasted back without quote marks or a separator by some clients:
// their opening line, the reply instructions (whose example commands must never be acted on)
// and their links. The sprint emails' own lines are stopped at in newTextLines already.
const OWN_ESCALATION_EMAIL = /^(an escalation for participant|\d{1,3} escalations for participant|an escalation has been (raised|promoted) for participant|the escalation you chair for participant|you chair this tier|you are a responder|you can (also )?reply to this email|careloop escalation)/i;
const isOwnEscalationEmailText = (line: string) => OWN_ESCALATION_EMAIL.test(line) || line.includes('/a/cla_');

const NUMBER_PREFIX = /^(?:escalation\s*)?#?\s*(\d{1,3}(?:\s*(?:,|&|\band\b)\s*#?\s*\d{1,3})*)\s*[.):\-–—]?\s*(?=[a-z])/i;
const NUMBER_SEPARATOR = /\s*(?:,|&|\band\b)\s*/i;
const COMMAND_WORD = /\b(ack|acknowledged?|ownership|response|responded|action|resolved?|resolution|outcome|note)\b/i;

// Lines are tidied first (single spaces), so one literal space stands for any run of them.
// `s`: the rest of the line is taken whole, so nothing is ever retried over a long tail.
const ACKNOWLEDGE = /^(?:acknowledged?|ack|(?:i |i will |i['’]ll |i am |i['’]m )?(?:take|taking) ownership)\b(.*)$/is;
// The command's word, the colon (or dash) after it, and the text.
const RESPOND = /^(response(?: action)?|responded|action(?: taken)?)\b ?([:=\-–—]?)(.*)$/is;
const RESOLVE = /^(resolved?|resolution|outcome)\b ?([:=\-–—]?)(.*)$/is;
const NOTE = /^(note)\b ?([:=\-–—]?)(.*)$/is;

/** The text after a command's word and colon: required, and not the email's own placeholder. */
type TextCommand = { needs: string; example: string; make: (text: string) => EscalationReplyAction };
const TEXT_COMMANDS: [RegExp, TextCommand][] = [
  [RESPOND, { needs: 'Say what response action was taken', example: 'response: joint visit booked for tomorrow', make: (responseAction) => ({ type: 'respond', responseAction }) }],
  [RESOLVE, { needs: 'Say what the outcome was', example: 'resolved: visits back on schedule', make: (outcome) => ({ type: 'resolve', outcome }) }],
  [NOTE, { needs: 'Write the note', example: 'note: family will call on Friday', make: (text) => ({ type: 'note', text }) }],
];

/** Reads the commands in a reply to an escalation email. Lines that are neither commands nor pleasantries are reported back. */
export function parseEscalationReplyCommands(body: string): ParsedEscalationReply {
  const commands: EscalationReplyCommand[] = [];
  const unrecognised: UnrecognisedLine[] = [];
  const lines = newTextLines(body, isOwnEscalationEmailText);
  let read = 0;
  for (let i = 0; i < lines.length && read < MAX_LINES; i++) {
    const raw = lines[i]!;
    const line = tidy(raw);
    if (!line) continue;
    read++;
    if (SIGN_OFF.test(line)) break; // what follows is the person's name and title
    if (GREETING.test(line) && !COMMAND_WORD.test(line)) continue;
    const problem = (text: string) => unrecognised.push({ line: shorten(raw), problem: text });

    const prefix = NUMBER_PREFIX.exec(line);
    const rest = prefix ? line.slice(prefix[0].length) : line;
    const numbers = prefix ? [...new Set(prefix[1]!.split(NUMBER_SEPARATOR).map((n) => Number(n.replace('#', '').trim())))].sort((a, b) => a - b) : undefined;
    if (numbers?.some((n) => n < 1 || n > MAX_NUMBER)) {
      problem('There is no escalation with that number in the email.');
      continue;
    }
    const push = (action: EscalationReplyAction) => commands.push(numbers ? { numbers, action } : { action });

    const ack = ACKNOWLEDGE.exec(rest);
    if (ack) {
      const note = cleanText(ack[1]!.replace(/^[\s.!]+/, ''));
      push(note && !SIGN_OFF.test(note) && !PLACEHOLDER.test(note) ? { type: 'acknowledge', note } : { type: 'acknowledge' });
      continue;
    }
    let matched = false;
    for (const [pattern, command] of TEXT_COMMANDS) {
      const m = pattern.exec(rest);
      if (!m) continue;
      matched = true;
      const [, word, separator, after] = m as unknown as [string, string, string, string];
      const text = cleanText(after);
      if (!separator && text) problem(`Put a colon after "${word.toLowerCase()}", e.g. "${command.example}".`);
      else if (!text || PLACEHOLDER.test(text)) problem(`${command.needs} after the colon, e.g. "${command.example}".`);
      else push(command.make(text));
      break;
    }
    if (!matched) problem(prefix ? 'After the escalation number write acknowledged, response: <the response action taken>, resolved: <the outcome> or note: <text>.' : 'Not a command careloop knows.');
  }
  return { commands, unrecognised };
}
