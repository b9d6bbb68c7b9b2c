// What a person wrote in a reply to a careloop email, as task actions. Pure: the inbound
// listener hands in the reply's text and acts on what comes back.
//
// Only the person's own new text counts. Everything from the first reply separator on is the
// email they answered, and careloop's emails contain example commands ("1 done") that must
// never be acted on, so a separator ends the reading rather than being skipped.

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
const MAX_TASK_INDEX = 99;
const SHOWN_LINE_CHARS = 80;

// "On Mon, 3 Mar 2025 at 10:00, careloop <careloop@example.org> wrote:" (Gmail, Apple Mail,
// Thunderbird), often wrapped over two or three lines; and its common translations
// ("Am 03.03.2025 um 10:00 schrieb careloop <...>:").
const WROTE_LINE = /^(on|am|le|el|il|op)\s[\s\S]{0,300}?\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b[\s\S]{0,200}:\s*$/i;
const ORIGINAL_MESSAGE = /^-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$/i;
const OUTLOOK_RULE = /^_{8,}\s*$/;
const HEADER_FROM = /^\*?(from|de|von)\s*:\*?\s*\S/i;
const HEADER_OTHER = /^\*?(sent|date|to|cc|subject|envoyé|gesendet|objet|betreff|à|an)\s*:\*?/i;
const SIGNATURE = /^--\s*$/;
const MOBILE_SIGNATURE = /^(sent from my \S|sent from (outlook|mail|yahoo)|get outlook for )/i;
const FORWARDED = /^begin forwarded message:?\s*$/i;
const SIGN_OFF = /^(thanks|thank you|many thanks|thanks again|cheers|regards|kind regards|best regards|warm regards|best wishes|best|all the best|sincerely|yours sincerely|ta)[\s,.!]*$/i;
const GREETING = /^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^:]{0,40}[,.!]?$/i;
const COMMAND_WORD = /\b(done|complete|completed|applicable|n\s*\/\s*a|refused|refuse|refusal|managed)\b/i;
// careloop's own emails, pasted back without quote marks or a separator by some clients.
const OWN_EMAIL_TEXT = /^(you are the named owner of|a reminder: this task for participant|this task for participant|you can also reply to this email)/i;

const TASK_PREFIX = /^(?:task\s*)?#?\s*(\d{1,3}(?:\s*(?:,|&|\band\b)\s*#?\s*\d{1,3})*)\s*[.):\-–—]?\s*(?=[a-z])/i;
const DONE = /^(done|completed?)\b[\s.!:,;\-–—]*(.*)$/i;
const NOT_APPLICABLE = /^(not[\s-]*applicable|n\s*\/\s*a)\b[\s.:,;\-–—]*(.*)$/i;
const REFUSED = /^(refused|refuse|refusal)\b[\s.:,;\-–—]*(.*)$/i;
// "... / managed: how", "...; managed - how", "... / managed how: ..."
const MANAGED_SPLIT = /\s*(?:\/\s*managed(?:\s+how)?\b\s*[:=\-–—]?|[;,|]?\s*\bmanaged(?:\s+how)?\s*[:=\-–—])\s*/i;
const MANAGED_LINE = /^managed(?:\s+how)?\s*[:=\-–—]\s*(.*)$/i;
// The example syntax itself: "<why it does not apply>" is not a reason.
const PLACEHOLDER = /^<[^<>]*>$/;

/** The lines of the reply that the person wrote in it, before anything they were answering. */
export function newTextLines(body: string): string[] {
  const lines = body
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u200B-\u200D\u2060]/g, '')
    .replace(/[\u00A0\u2007\u202F]/g, ' ')
    .split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (startsQuotedOriginal(lines, i)) break;
    if (line.startsWith('>')) continue;
    kept.push(line);
  }
  return kept;
}

function startsQuotedOriginal(lines: string[], i: number): boolean {
  const line = lines[i]!.trim();
  if (SIGNATURE.test(line) || ORIGINAL_MESSAGE.test(line) || OUTLOOK_RULE.test(line) || FORWARDED.test(line) || MOBILE_SIGNATURE.test(line) || OWN_EMAIL_TEXT.test(line)) {
    return true;
  }
  if (/^(on|am|le|el|il|op)\s/i.test(line)) {
    let joined = line;
    for (let k = 0; k < 3; k++) {
      if (WROTE_LINE.test(joined)) return true;
      const next = lines[i + k + 1];
      if (next === undefined || next.trim() === '' || next.trim().startsWith('>')) break;
      joined += ` ${next.trim()}`;
    }
    return false;
  }
  // An Outlook-style header block: "From: ..." followed by Sent:/To:/Subject: lines.
  if (HEADER_FROM.test(line)) {
    const following = lines.slice(i + 1, i + 5).map((l) => l.trim());
    return following.some((l) => HEADER_OTHER.test(l));
  }
  return false;
}

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
function tidy(line: string): string {
  return line
    .replace(/\s+/g, ' ')
    .replace(/^(?:[-*•·+]\s+)+/, '')
    .replace(/^[*_]+(?=\S)|(?<=\S)[*_]+$/g, '')
    .trim();
}

function splitManaged(text: string): [string, string | undefined] {
  const m = MANAGED_SPLIT.exec(text);
  if (!m) return [text, undefined];
  return [text.slice(0, m.index), cleanText(text.slice(m.index + m[0].length))];
}

/** A reason as written, without the punctuation people put at its ends. */
function cleanText(text: string): string {
  return text.replace(/^[\s:;,\-–—]+|[\s;,\-–—/]+$/g, '').trim();
}

function shorten(line: string): string {
  const t = line.trim();
  return t.length > SHOWN_LINE_CHARS ? `${t.slice(0, SHOWN_LINE_CHARS - 1)}…` : t;
}
