// Server-rendered pages: a small layout and an escaping template tag, so every interpolated
// value is HTML-escaped unless it is already-built markup.
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
      ? html`<form class="signout" method="post" action="/signout">
      <span>${opts.signedInAs.name}</span>
      <input type="hidden" name="_csrf" value="${opts.signedInAs.csrfToken}">
      <button type="submit">Sign out</button>
    </form>`
      : ''
  }
</header>
<main${opts.wide ? html` class="wide"` : ''}>
${body}
</main>
</body>
</html>`.value;
}
