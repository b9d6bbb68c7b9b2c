// The HTML part every careloop email carries beside its plain text: one shared layout so each
// template says only what it holds. A person acts with one button per action (a link styled as a
// button); no long address is shown as text (the plain-text part has the addresses). Inline
// styles only, no images or anything fetched from elsewhere, readable at phone width, colours
// that pass WCAG AA contrast. Every value is escaped here: templates pass plain words.

export interface EmailAction {
  /** What the button does, as a person reads it: "Mark as done". */
  label: string;
  url: string;
}

export interface EmailItem {
  heading: string;
  /** Overdue: the item is marked in red (its heading says so in words too). */
  urgent?: boolean;
  lines?: readonly string[];
  action?: EmailAction;
}

export interface EmailHtmlInput {
  /** The email's subject: the document's title. */
  subject: string;
  /**
   * The first line, as in the plain-text part: a reply that pastes the email back without quote
   * marks is read up to careloop's own words after it (domain/reply-commands.ts), so the HTML
   * part starts as the text part does, with no heading or banner before them.
   */
  greeting: string;
  paragraphs?: readonly string[];
  items?: readonly EmailItem[];
  /** Paragraphs after the items. */
  after?: readonly string[];
  /** An action of the whole email, after the items: "Sign in to careloop". */
  action?: EmailAction;
  /** A page to open signed in, as a short link after the button: "the dispute’s page". */
  pageLink?: { label: string; url: string; note?: string };
  /** How to reply instead: the first line introduces, lines starting with spaces are commands. */
  replyHelp?: readonly string[];
  footer?: string;
}

/** GOV.UK's palette: each pair passes 4.5:1 (the button's 5.9:1, the small grey text 7:1). */
const C = { text: '#0b0c0c', muted: '#505a5f', page: '#f3f2f1', card: '#ffffff', rule: '#b1b4b6', accent: '#1d70b8', urgent: '#d4351c', button: '#00703c', buttonEdge: '#002d18', buttonText: '#ffffff' };
const FONT = 'Arial, Helvetica, sans-serif';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** careloop's own links only: an absolute http(s) address or a path. Anything else gets no button. */
function safeUrl(url: string): string | undefined {
  return /^(https?:\/\/[^\s"<>]+|\/[^\s"<>/][^\s"<>]*)$/i.test(url) ? url : undefined;
}

export function buttonHtml(action: EmailAction): string {
  const url = safeUrl(action.url);
  if (!url) return '';
  const style = [
    'display:inline-block',
    `background-color:${C.button}`,
    `color:${C.buttonText}`,
    `font-family:${FONT}`,
    'font-size:17px',
    'font-weight:bold',
    'line-height:1.3',
    'text-decoration:none',
    'padding:10px 18px',
    'border-radius:4px',
    `border-bottom:3px solid ${C.buttonEdge}`,
  ].join(';');
  return `<p style="margin:12px 0 4px"><a href="${escapeHtml(url)}" style="${style}">${escapeHtml(action.label)}</a></p>`;
}

function pageLinkHtml(link: { label: string; url: string; note?: string }): string {
  const url = safeUrl(link.url);
  if (!url) return '';
  return `<p style="margin:16px 0 12px"><a href="${escapeHtml(url)}" style="color:${C.accent};text-decoration:underline">${escapeHtml(link.label)}</a>${link.note ? ` ${escapeHtml(link.note)}` : ''}</p>`;
}

const para = (text: string, style = 'margin:0 0 12px') => `<p style="${style}">${escapeHtml(text)}</p>`;

function itemHtml(item: EmailItem): string {
  const lines = (item.lines ?? []).filter((l) => l.trim() !== '').map((l) => para(l, 'margin:0 0 4px'));
  return [
    `<div style="margin:16px 0;padding:4px 0 4px ${item.urgent ? 10 : 12}px;border-left:${item.urgent ? 6 : 4}px solid ${item.urgent ? C.urgent : C.accent}">`,
    `<h2 style="margin:0 0 6px;font-size:18px;line-height:1.3;font-family:${FONT};color:${C.text}">${escapeHtml(item.heading)}</h2>`,
    ...lines,
    item.action ? buttonHtml(item.action) : '',
    '</div>',
  ].join('');
}

function replyHelpHtml(lines: readonly string[]): string {
  const out: string[] = [];
  let commands: string[] = [];
  const flush = () => {
    if (!commands.length) return;
    out.push(`<ul style="margin:0 0 8px;padding-left:20px">${commands.join('')}</ul>`);
    commands = [];
  };
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) {
      commands.push(`<li style="margin:0 0 4px"><code style="font-family:Consolas, 'Courier New', monospace;font-size:15px;overflow-wrap:anywhere">${escapeHtml(line.trim())}</code></li>`);
    } else {
      flush();
      out.push(para(line, 'margin:0 0 8px'));
    }
  }
  flush();
  return `<div style="margin:24px 0 0;padding:12px 16px;background-color:${C.page};color:${C.text}">${out.join('')}</div>`;
}

export const DEFAULT_FOOTER = 'This email from careloop holds no clinical detail. Its buttons work for you alone: please do not forward it.';
/** For an email whose button opens a page people sign in to, rather than a link of its own. */
export const SIGNED_IN_FOOTER = 'This email from careloop holds no clinical detail. The button opens a careloop page: sign in to see it.';
/** For an email with nothing to act on. */
export const PLAIN_FOOTER = 'This email from careloop holds no clinical detail.';

/** The whole HTML document of one email. */
export function emailHtml(input: EmailHtmlInput): string {
  const body = [
    para(input.greeting),
    ...(input.paragraphs ?? []).map((p) => para(p)),
    ...(input.items ?? []).map(itemHtml),
    ...(input.after ?? []).map((p) => para(p)),
    input.action ? buttonHtml(input.action) : '',
    input.pageLink ? pageLinkHtml(input.pageLink) : '',
    input.replyHelp?.length ? replyHelpHtml(input.replyHelp) : '',
    `<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid ${C.rule};font-size:14px;color:${C.muted}">${escapeHtml(input.footer ?? DEFAULT_FOOTER)}</p>`,
  ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${escapeHtml(input.subject)}</title>`,
    '</head>',
    `<body style="margin:0;padding:0;background-color:${C.page}">`,
    `<div style="max-width:600px;margin:0 auto;padding:20px 16px;background-color:${C.card};color:${C.text};font-family:${FONT};font-size:16px;line-height:1.5;overflow-wrap:break-word;word-wrap:break-word">`,
    body,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
