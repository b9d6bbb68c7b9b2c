// What a person wrote in a reply to a careloop email, as task actions. Pure: the inbound
// listener hands in the reply's text and acts on what comes back.
//
// Only the person's own new text counts. Everything from the first reply separator on is the
// email they answered, and careloop's emails contain example commands ("1 done") that must
// never be acted on, so a separator ends the reading rather than being skipped.
//
// The text comes from anyone who can send an email, so the work done on it is bounded before
// any pattern sees it: the first MAX_TEXT_CHARS characters and MAX_TEXT_LINES lines, lines cut
// at MAX_LINE_CHARS, and no more than a reply's worth (MAX_LINES) of the person's own lines. Every pattern below is either anchored with no nested
// or overlapping repetition, or written as a loop: none backtracks more than linearly on a
// hostile line (test/domain/reply-commands.test.ts times the shapes that used to take seconds).

export type ReplyAction = { type: 'complete'; note?: string } | { type: 'not-applicable'; reason: string } | { type: 'refuse'; reason: string; managedHow: string };

export interface ReplyCommand {
  /** The task's number in the email (1-based), when the line started with one. */
  taskIndex?: number;
  action: ReplyAction;
}

export interface UnrecognisedLine {
  /** The line as written, shortened. */
  line: string;
  /** What is wrong with it, in words for the person who wrote it. */
  problem: string;
}

export interface ParsedReply {
  commands: ReplyCommand[];
  unrecognised: UnrecognisedLine[];
}

/** How many lines of new text are read; a reply is a few lines, anything longer is not commands. */
const MAX_LINES = 60;
/** Characters of a line that are read: a command with its reason fits many times over. */
export const MAX_LINE_CHARS = 1000;
/** Characters of the whole text that are looked at, quoted lines included. */
export const MAX_TEXT_CHARS = 64 * 1024;
/** Lines looked at, quoted and blank ones included: a long quoted thread ends the reading. */
export const MAX_TEXT_LINES = 1000;
const MAX_TASK_INDEX = 99;
const SHOWN_LINE_CHARS = 80;

// "On Mon, 3 Mar 2025 at 10:00, careloop <careloop@example.org> wrote:" (Gmail, Apple Mail,
// Thunderbird), often wrapped over two or three lines; and its common translations
// ("Am 03.03.2025 um 10:00 schrieb careloop <...>:"). The word comes at most 300 characters
// after the opening and the closing colon at most 200 after the word (see isWroteLine).
const WROTE_OPENING = /^(on|am|le|el|il|op)\s/i;
const WROTE_WORD = /\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b/gi;
const ORIGINAL_MESSAGE = /^-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$/i;
const OUTLOOK_RULE = /^_{8,}\s*$/;
const HEADER_FROM = /^\*?(from|de|von)\s*:\*?\s*\S/i;
const HEADER_OTHER = /^\*?(sent|date|to|cc|subject|envoyé|gesendet|objet|betreff|à|an)\s*:\*?/i;
const SIGNATURE = /^--\s*$/;
const MOBILE_SIGNATURE = /^(sent from my \S|sent from (outlook|mail|yahoo)|get outlook for )/i;
const FORWARDED = /^begin forwarded message:?\s*$/i;
export const SIGN_OFF = /^(thanks|thank you|many thanks|thanks again|cheers|regards|kind regards|best regards|warm regards|best wishes|best|all the best|sincerely|yours sincerely|ta)[\s,.!]*$/i;
export const GREETING = /^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^:]{0,40}[,.!]?$/i;
const COMMAND_WORD = /\b(done|complete|completed|applicable|n\s?\/\s?a|refused|refuse|refusal|managed)\b/i;
// careloop's own emails, pasted back without quote marks or a separator by some clients.
const OWN_EMAIL_TEXT = /^(you are the named owner of|a reminder: this task for participant|this task for participant|you can also reply to this email)/i;

const TASK_PREFIX = /^(?:task\s*)?#?\s*(\d{1,3}(?:\s*(?:,|&|\band\b)\s*#?\s*\d{1,3})*)\s*[.):\-–—]?\s*(?=[a-z])/i;
// `s`: the rest of the line is taken whole, so nothing is ever retried over a long tail.
const DONE = /^(done|completed?)\b[\s.!:,;\-–—]*(.*)$/is;
const NOT_APPLICABLE = /^(not[\s-]*applicable|n\s*\/\s*a)\b[\s.:,;\-–—]*(.*)$/is;
const REFUSED = /^(refused|refuse|refusal)\b[\s.:,;\-–—]*(.*)$/is;
// "... / managed: how", "...; managed - how", "... / managed how: ...". Searched in a tidied line
// (single spaces), so the bounded spaces match what `\s*` did; no leading `\s*`, which made
// every position of a long run of spaces a new attempt (cleanText drops the spaces instead).
const MANAGED_SPLIT = /(?:\/\s?managed(?:\s{1,2}how)?\b\s?[:=\-–—]?|[;,|]?\s?\bmanaged(?:\s{1,2}how)?\s?[:=\-–—])\s?/i;
const MANAGED_LINE = /^managed(?:\s+how)?\s*[:=\-–—]\s*(.*)$/i;
// The example syntax itself: "<why it does not apply>" is not a reason.
export const PLACEHOLDER = /^<[^<>]*>$/;

/**
 * The text's first MAX_TEXT_LINES lines, trimmed and cut to MAX_LINE_CHARS, from its first
 * MAX_TEXT_CHARS characters. Everything else in this file reads lines from here.
 */
function boundedLines(body: string): string[] {
  const text = body
    .slice(0, MAX_TEXT_CHARS)
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/[\u200B-\u200D\u2060]/g, '')
    .replace(/[\u00A0\u2007\u202F]/g, ' ');
  const lines: string[] = [];
  for (let start = 0; start <= text.length && lines.length < MAX_TEXT_LINES; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    lines.push(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS).trimEnd() : line);
    start = end + 1;
  }
  return lines;
}

/**
 * The lines of the reply that the person wrote in it, before anything they were answering.
 * `ownEmailText` marks more lines that only careloop's own emails hold (another process's
 * email, pasted back without quote marks): reading stops there too. It must do linear work on
 * a line, like the patterns here.
 */
export function newTextLines(body: string, ownEmailText?: (line: string) => boolean): string[] {
  const lines = boundedLines(body);
  const kept: string[] = [];
  let written = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (startsQuotedOriginal(lines, i) || ownEmailText?.(line)) break;
    if (line.startsWith('>')) continue;
    kept.push(line);
    // One past what is read: a "managed:" line may follow the last command read.
    if (line && ++written > MAX_LINES) break;
  }
  return kept;
}

function startsQuotedOriginal(lines: string[], i: number): boolean {
  const line = lines[i]!;
  if (SIGNATURE.test(line) || ORIGINAL_MESSAGE.test(line) || OUTLOOK_RULE.test(line) || FORWARDED.test(line) || MOBILE_SIGNATURE.test(line) || OWN_EMAIL_TEXT.test(line)) {
    return true;
  }
  if (WROTE_OPENING.test(line)) {
    let joined = line;
    for (let k = 0; k < 3; k++) {
      if (isWroteLine(joined)) return true;
      const next = lines[i + k + 1];
      if (next === undefined || next === '' || next.startsWith('>')) break;
      joined += ` ${next}`;
    }
    return false;
  }
  // An Outlook-style header block: "From: ..." followed by Sent:/To:/Subject: lines.
  if (HEADER_FROM.test(line)) {
    return lines.slice(i + 1, i + 5).some((l) => HEADER_OTHER.test(l));
  }
  return false;
}

/** "On <at most 300 characters> wrote<at most 200 characters>:" and nothing after the colon. */
function isWroteLine(text: string): boolean {
  if (!WROTE_OPENING.test(text)) return false;
  const end = text.trimEnd();
  const colon = end.length - 1;
  if (end[colon] !== ':') return false;
  // The opening is two letters and a space: the word may start from index 3 to 303.
  WROTE_WORD.lastIndex = 3;
  for (let m = WROTE_WORD.exec(end); m && m.index <= 303; m = WROTE_WORD.exec(end)) {
    const after = m.index + m[0].length;
    if (after <= colon && colon - after <= 200) return true;
  }
  return false;
}

/** The first line of the person's own text says they acknowledge: "acknowledged", "received"... */
export function saysAcknowledged(body: string): boolean {
  const first = boundedLines(body).find((l) => l.length > 0 && !l.startsWith('>'));
  return !!first && ACKNOWLEDGED.test(first.replace(/^[^A-Za-z]+/, ''));
}
const ACKNOWLEDGED = /^(acknowledged?|ack|received|read(?: and understood)?|confirm(?:ed)?|agreed?|yes|ok|done)\b/i;

/** Reads the commands in a reply's text. Lines that are neither commands nor pleasantries are reported back. */
export function parseReplyCommands(body: string): ParsedReply {
  const commands: ReplyCommand[] = [];
  const unrecognised: UnrecognisedLine[] = [];
  const lines = newTextLines(body);
  let read = 0;
  for (let i = 0; i < lines.length && read < MAX_LINES; i++) {
    const raw = lines[i]!;
    const line = tidy(raw);
    if (!line) continue;
    read++;
    if (SIGN_OFF.test(line)) break; // what follows is the person's name and title
    if (GREETING.test(line) && !COMMAND_WORD.test(line)) continue;

    const prefix = TASK_PREFIX.exec(line);
    const rest = prefix ? line.slice(prefix[0].length) : line;
    const indexes = prefix ? prefix[1]!.split(/\s*(?:,|&|\band\b)\s*/i).map((n) => Number(n.replace('#', '').trim())) : [undefined];
    const problem = (text: string) => unrecognised.push({ line: shorten(raw), problem: text });

    if (indexes.some((n) => n !== undefined && (n < 1 || n > MAX_TASK_INDEX))) {
      problem('There is no task with that number in the email.');
      continue;
    }

    let action: ReplyAction | undefined;
    let match: RegExpExecArray | null;
    if ((match = DONE.exec(rest))) {
      const note = match[2]!.trim();
      action = note ? { type: 'complete', note } : { type: 'complete' };
    } else if ((match = NOT_APPLICABLE.exec(rest))) {
      const reason = cleanText(match[2]!);
      if (!reason || PLACEHOLDER.test(reason)) {
        problem('Say why it does not apply, e.g. "not applicable: family drives her".');
        continue;
      }
      action = { type: 'not-applicable', reason };
    } else if ((match = REFUSED.exec(rest))) {
      let [reason, managedHow] = splitManaged(match[2]!);
      if (managedHow === undefined) {
        // "refused: ..." with "managed: ..." on the next line that has text.
        let j = i + 1;
        while (j < lines.length && !tidy(lines[j]!)) j++;
        const next = j < lines.length ? MANAGED_LINE.exec(tidy(lines[j]!)) : null;
        if (next) {
          managedHow = cleanText(next[1]!);
          i = j;
        }
      }
      reason = cleanText(reason);
      if (!reason || PLACEHOLDER.test(reason)) {
        problem('Say why the participant refused, e.g. "refused: did not want a visit / managed: daughter will call".');
        continue;
      }
      if (!managedHow || PLACEHOLDER.test(managedHow)) {
        problem('Say how the refusal was managed: add " / managed: <how it was managed>".');
        continue;
      }
      action = { type: 'refuse', reason, managedHow };
    } else if (MANAGED_LINE.test(rest)) {
      problem('"managed:" belongs after a "refused: <why>" line.');
      continue;
    } else {
      problem(prefix ? 'After the task number write done, not applicable: <why>, or refused: <why> / managed: <how>.' : 'Not a command careloop knows.');
      continue;
    }
    for (const taskIndex of indexes) commands.push(taskIndex === undefined ? { action } : { taskIndex, action });
  }
  return { commands, unrecognised };
}

/** Drops list bullets, emphasis marks and repeated spaces around a line. */
export function tidy(line: string): string {
  return withoutEmphasis(line.replace(/\s+/g, ' ').replace(/^(?:[-*•·+]\s+)+/, '')).trim();
}

const isEmphasis = (c: string | undefined) => c === '*' || c === '_';
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/**
 * `**done**` -> `done`: marks at the start that touch the text, and at the end after text. What
 * `.replace(/^[*_]+(?=\S)|(?<=\S)[*_]+$/g, '')` did, as a loop: that pattern retried its
 * lookbehind at every mark of a long run that did not reach the end, in quadratic time.
 */
function withoutEmphasis(s: string): string {
  let lead = 0;
  while (isEmphasis(s[lead])) lead++;
  // Before a space (or nothing), the last mark stays: it is what the remaining ones touch.
  const from = lead === 0 ? 0 : lead < s.length && !isSpace(s[lead]) ? lead : lead >= 2 ? lead - 1 : 0;
  let tail = s.length;
  while (tail > from && isEmphasis(s[tail - 1])) tail--;
  // A run after a space keeps its first mark, which the rest then follows.
  if (tail < s.length && (tail === 0 || isSpace(s[tail - 1]))) tail++;
  return s.slice(from, Math.min(tail, s.length));
}

function splitManaged(text: string): [string, string | undefined] {
  const m = MANAGED_SPLIT.exec(text);
  if (!m) return [text, undefined];
  return [text.slice(0, m.index), cleanText(text.slice(m.index + m[0].length))];
}

const LEADING_PUNCTUATION = /[\s:;,\-–—]/;
const TRAILING_PUNCTUATION = /[\s;,\-–—/]/;

/**
 * A reason as written, without the punctuation people put at its ends. A loop: the pattern it
 * replaces, `[\s;,\-–—/]+$`, tried again from every character of a long run such as " - - -x".
 */
export function cleanText(text: string): string {
  let start = 0;
  while (start < text.length && LEADING_PUNCTUATION.test(text[start]!)) start++;
  let end = text.length;
  while (end > start && TRAILING_PUNCTUATION.test(text[end - 1]!)) end--;
  return text.slice(start, end).trim();
}

export function shorten(line: string): string {
  const t = line.trim();
  return t.length > SHOWN_LINE_CHARS ? `${t.slice(0, SHOWN_LINE_CHARS - 1)}…` : t;
}
