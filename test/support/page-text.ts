// What a person reads on a server-rendered page, for tests that hold pages to words, not codes:
// the text of <main> (or the body) with tags, scripts and attribute values left out, and the
// raw codes that appear in it (the one list of them, which the browser tests' lookAt uses too).
import { HYPHENATED_CODES } from '../../domain/words';
import { PLAN_TRIGGERS } from '../../domain/plan';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };

/** The page's readable text, plus its <title> (people read that too). */
export function visibleText(page: string): string {
  const title = /<title>([\s\S]*?)<\/title>/.exec(page)?.[1] ?? '';
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(page)?.[1] ?? page;
  const text = main
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (e) => ENTITIES[e] ?? e);
  return `${title} ${text}`.replace(/\s+/g, ' ');
}

/** Codes people must never read: the hyphenated statuses and reasons, and plan triggers' codes. */
export const RAW_CODES: readonly string[] = [...HYPHENATED_CODES, ...PLAN_TRIGGERS.filter((t) => t.includes('_'))];
const codePattern = new RegExp(`(?<![\\w/.#=?&-])(${RAW_CODES.map((c) => c.replace(/[-_]/g, (x) => `\\${x}`)).join('|')})(?![\\w-])`, 'g');

/** The raw codes in a text a person reads (page text, an email, a CSV), each once. */
export function rawCodesIn(text: string): string[] {
  return [...new Set([...text.matchAll(codePattern)].map((m) => m[1]!))];
}

/** The raw codes a person would read on a server-rendered page, each once. */
export function codesOnPage(page: string): string[] {
  return rawCodesIn(visibleText(page));
}
