// What a person reads on a server-rendered page, for tests that hold pages to words, not codes:
// the text of <main> (or the body) with tags, scripts and attribute values left out, and the
// hyphenated codes of domain/words.ts that appear in it.
import { HYPHENATED_CODES } from '../../domain/words';

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

const codePattern = new RegExp(`(?<![\\w/.#=?&-])(${HYPHENATED_CODES.map((c) => c.replace(/-/g, '\\-')).join('|')})(?![\\w-])`, 'g');

/** The codes of domain/words.ts a person would read on the page, each once. */
export function codesOnPage(page: string): string[] {
  return [...new Set([...visibleText(page).matchAll(codePattern)].map((m) => m[1]!))];
}
