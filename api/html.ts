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
<header class="top">
  <a class="brand" href="/">careloop</a>
  ${
    opts.signedInAs
      ? html`<nav class="top-nav" aria-label="You">${myWorkLink(opts.owed ?? requestLayout.getStore()?.owed)}<form class="signout" method="post" action="/signout">
      <span>${opts.signedInAs.name}</span>
      <input type="hidden" name="_csrf" value="${opts.signedInAs.csrfToken}">
      <button type="submit">Sign out</button>
    </form></nav>`
      : ''
  }
</header>
<main${opts.wide ? html` class="wide"` : ''}>
${body}
</main>
</body>
</html>`.value;
}
