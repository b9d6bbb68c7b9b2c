// Server-rendered pages: a small layout and an escaping template tag, so every interpolated
// value is HTML-escaped unless it is already-built markup.
import { AsyncLocalStorage } from 'node:async_hooks';
import escapeHtml from 'escape-html';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = string | number | boolean | null | undefined | SafeHtml | Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export interface PageOptions {
  title: string;
  signedInAs?: { name: string; email: string; csrfToken: string };
  /** Tables of many columns (the dashboard) get the whole width of the screen. */
  wide?: boolean;
  /**
   * How many things the signed-in person owes now, for the header's "My work" link. Pages leave
   * it out: the signed-in middleware counts once per request (api/people/my-work.ts) and the
   * layout reads that count; a page that knows better (the home page) passes its own.
   */
  owed?: number;
}

/** What the layout knows about the request it renders for: set once per request by the app. */
const requestLayout = new AsyncLocalStorage<{ owed?: number }>();

/** Runs the rest of a request with what its pages' header shows (the count of what the person owes). */
export function withLayout<T>(values: { owed?: number }, run: () => T): T {
  return requestLayout.run(values, run);
}

/** The header's way home: "My work", with the count of what the person owes when there is one. */
function myWorkLink(owed: number | undefined): SafeHtml {
  if (owed === undefined) return html`<a class="my-work-link" href="/">My work</a>`;
  return html`<a class="my-work-link" href="/">My work <span class="owed-count${owed ? ' has-owed' : ''}">${owed}</span><span class="visually-hidden"> ${owed === 1 ? 'thing' : 'things'} you owe</span></a>`;
}

/** HTML text (as our markup holds it) back to plain words: tags dropped, entities read, spaces collapsed. */
function textOf(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|nbsp);/gi, (_m, e: string) => {
      const k = e.toLowerCase();
      if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
      if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
      return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' } as Record<string, string>)[k] ?? '';
    })
    .replace(/\s+/g, ' ')
    .trim();
}

const spanOf = (attrs: string, name: 'colspan' | 'rowspan'): number => {
  const m = new RegExp(`\\s${name}\\s*=\\s*["']?(\\d+)`, 'i').exec(attrs);
  return m ? Math.max(1, Number(m[1])) : 1;
};
const addAttr = (tag: string, attr: string): string => tag.replace(/\s*(\/?)>$/, ` ${attr}$1>`);
// A cell's opening tag (not <thead>/<tbody>/<tfoot>): <td ...> or <th ...>.
const CELL = /<(td|th)(\s[^>]*)?>/gi;

/**
 * Tables that stack on a phone: in every <table> with a <thead>, each body cell (<td>, or <th
 * scope="row">) gets its column's heading as `data-label`, which the stylesheet prints before the
 * cell when the table turns into one block per row (careloop.css, `table:has(> thead)`). Cells
 * that already have a data-label keep it; a cell spanning columns with different headings gets
 * none; a table with nested tables, row spans or several heading rows is left as it is. Nothing
 * else in the markup changes. (Chromium keeps a block-displayed table's semantics and axe finds
 * nothing missing, so no ARIA table roles are added.)
 */
export function labelTableCells(markup: string): string {
  return markup.replace(/<table(\s[^>]*)?>([\s\S]*?)<\/table>/gi, (whole, attrs: string | undefined, inner: string) => {
    if (/<table[\s>]/i.test(inner)) return whole;
    const head = /<thead(\s[^>]*)?>([\s\S]*?)<\/thead>/i.exec(inner);
    if (!head) return whole;
    const headRows = head[2]!.match(/<tr[\s>]/gi) ?? [];
    if (headRows.length !== 1 || /\srowspan\s*=/i.test(inner)) return whole;

    // Each column's heading, a heading spanning columns naming each of them.
    const headings: string[] = [];
    const headHtml = head[2]!;
    const thPattern = /<th(\s[^>]*)?>([\s\S]*?)<\/th>/gi;
    for (let m = thPattern.exec(headHtml); m; m = thPattern.exec(headHtml)) {
      const label = textOf(m[2]!);
      for (let i = 0; i < spanOf(m[1] ?? '', 'colspan'); i++) headings.push(label);
    }

    const labelled = inner.replace(/<tbody(\s[^>]*)?>([\s\S]*?)<\/tbody>/gi, (body) =>
      body.replace(/(<tr(?:\s[^>]*)?>)([\s\S]*?)(?=<tr[\s>]|<\/tbody>)/gi, (_r, tr: string, row: string) => {
        let col = 0;
        return (
          tr +
          row.replace(CELL, (cell, _name: string, cellAttrs = '') => {
            const span = spanOf(cellAttrs, 'colspan');
            const covered = headings.slice(col, col + span);
            col += span;
            const label = covered[0];
            if (/\sdata-label\s*=/i.test(cellAttrs) || !label || covered.length !== span || covered.some((c) => c !== label)) return cell;
            return addAttr(cell, `data-label="${escapeHtml(label)}"`);
          })
        );
      }),
    );
    return `<table${attrs ?? ''}>${labelled}</table>`;
  });
}

export function page(opts: PageOptions, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · careloop</title>
<link rel="stylesheet" href="/static/careloop.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="top">
  ${opts.signedInAs ? html`<a class="brand" href="/">careloop</a>` : html`<span class="brand">careloop</span>`}
  ${
    opts.signedInAs
      ? html`<nav class="top-nav" aria-label="Your account">${myWorkLink(opts.owed ?? requestLayout.getStore()?.owed)}<form class="signout" method="post" action="/signout">
      <span class="signed-in-name">${opts.signedInAs.name}</span>
      <input type="hidden" name="_csrf" value="${opts.signedInAs.csrfToken}">
      <button type="submit">Sign out</button>
    </form></nav>`
      : ''
  }
</header>
<main id="main" tabindex="-1"${opts.wide ? html` class="wide"` : ''}>
${new SafeHtml(labelTableCells(body.value))}
</main>
</body>
</html>`.value;
}
