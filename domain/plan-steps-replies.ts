// What a person wrote in a reply to a plan-step email (domain/emails/plan-steps.ts): for an
// action, "done" (with a note) or "not done: <why>" on the first line; for an update on changed
// risk factors, their own text is the update. Only the person's own new text counts: reading
// stops at the email they answered (domain/reply-commands.ts finds it, with the same bounds).
import { cleanText, GREETING, newTextLines, PLACEHOLDER, shorten, SIGN_OFF, tidy } from './reply-commands';
import { PLAN_STEPS_OWN_TEXT } from './emails/plan-steps';

export type PlanActionReply = { type: 'done'; note?: string } | { type: 'not-done'; reason: string };

/** At most this much of a reply is kept as an agency's update: a brief update fits many times over. */
export const MAX_UPDATE_CHARS = 4000;

const DONE = /^(done|completed?)\b[\s.!:,;\-–—]*(.*)$/is;
const NOT_DONE = /^(not[\s-]*done|not[\s-]*completed?|could not (?:be )?do(?:ne)?)\b[\s.!:,;\-–—]*(.*)$/is;
const isOwnText = (line: string) => PLAN_STEPS_OWN_TEXT.test(line);

/** The person's own lines, without greetings before and sign-off after. */
function ownLines(body: string): string[] {
  const lines = newTextLines(body, isOwnText);
  const out: string[] = [];
  for (const raw of lines) {
    const line = tidy(raw);
    if (!out.length && (!line || GREETING.test(line))) continue;
    if (SIGN_OFF.test(line)) break;
    out.push(raw.trim());
  }
  while (out.length && !out[out.length - 1]) out.pop();
  return out;
}

/** The first line read as "done" or "not done: <why>", or what is wrong with it in words. */
export function parsePlanActionReply(body: string): { command: PlanActionReply } | { problem: string; line?: string } {
  const first = ownLines(body).find((l) => tidy(l));
  if (!first) return { problem: 'The reply held no words careloop could read.' };
  const line = tidy(first);
  let m: RegExpExecArray | null;
  if ((m = NOT_DONE.exec(line))) {
    const reason = cleanText(m[2]!);
    if (!reason || PLACEHOLDER.test(reason)) return { problem: 'Say why it was not done, e.g. "not done: the person was in hospital".', line: shorten(first) };
    return { command: { type: 'not-done', reason } };
  }
  if ((m = DONE.exec(line))) {
    const note = cleanText(m[2]!);
    return { command: note ? { type: 'done', note } : { type: 'done' } };
  }
  return { problem: 'Write "done", or "not done: <why>", on the first line.', line: shorten(first) };
}

/** An agency's update as written in the reply: the person's own text, greetings and sign-off left out. */
export function updateTextOfReply(body: string): string {
  const text = ownLines(body).join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return text.length > MAX_UPDATE_CHARS ? `${text.slice(0, MAX_UPDATE_CHARS - 1)}…` : text;
}
