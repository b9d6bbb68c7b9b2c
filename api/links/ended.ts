// What a link that no longer works says (issue 17): what happened to its item, by whom and when,
// and what the holder can do now, without sending them to a sign-in they may not have. Handlers
// build their page from the record with `endedAnswer`; `linkEndedPage` is the page when a
// handler cannot say more; `unknownLinkPage` answers a token careloop does not know, and says
// nothing about anyone.
import { CHANNEL_WORDS } from '../../domain/words';
import type { AppError } from '../errors';
import { html, type SafeHtml } from '../html';
import type { LinkAnswer, LinkView } from './registry';

export interface EndedPage {
  /** 410 unless said (a GET of a link whose item has a record to read may answer 200). */
  status?: number;
  /** Says what happened, in words: the page's title and its heading. */
  title: string;
  /** Above the heading: what the item is ("Post-discharge sprint · participant P-1"). */
  context?: string;
  /** What happened: by whom and when. */
  happened: SafeHtml | string;
  /** What was recorded, when there is more to show than the sentence. */
  details?: SafeHtml;
  /** What the holder can do now. */
  todo: SafeHtml | string;
  /** The signed-in page of the item, for staff who use careloop signed in: a plain link, never needed to learn what happened. */
  signedInPage?: { href: string; what: string };
  /** The link's refusal in its purpose's words ("This link no longer works: …"), said last with when it stopped working. */
  gone?: AppError;
}

/** When the link stopped working, in a sentence: "This link was used on 3 March 2026, 10:04." */
function linkWhen(view: LinkView): string {
  const e = view.ending;
  if (!e) return '';
  return e.kind === 'used' ? `It was used on ${view.when(e.at)}.` : e.kind === 'revoked' ? `It stopped working on ${view.when(e.at)}.` : `It expired on ${view.when(e.at)}.`;
}

/** The page of a link that no longer works, from what its handler read in the record. */
export function endedAnswer(view: LinkView, p: EndedPage): LinkAnswer {
  return {
    status: p.status ?? 410,
    title: p.title,
    body: html`<section class="card link-ended">
  ${p.context ? html`<p class="muted">${p.context}</p>` : ''}
  <h1>${p.title}</h1>
  <p class="notice">${p.happened}</p>
  ${p.details ?? ''}
  <h2>What you can do now</h2>
  <p>${p.todo}</p>
  ${p.signedInPage ? html`<p>If you use careloop signed in, <a href="${p.signedInPage.href}">${p.signedInPage.what}</a> shows all of it.</p>` : ''}
  ${p.gone ? html`<p class="muted">${p.gone.userMessage} ${linkWhen(view)}</p>` : ''}
</section>`,
  };
}

/** A person as the page names them: "you", or "Sam Rivera (Northside Council)". */
export async function personWords(view: LinkView, who: { id?: string; staffId?: string; name: string } | undefined): Promise<string> {
  const id = who?.id ?? who?.staffId;
  if (!who || !id || id === 'careloop') return 'careloop';
  if (id === view.row.staff.id) return 'you';
  const agency = await view.agencyOf(id).catch(() => undefined);
  return agency ? `${who.name} (${agency})` : who.name;
}

/** "by the emailed link", "by replying to the email"…; empty for a channel without words. */
export const channelWords = (channel: string | undefined) => (channel ? (CHANNEL_WORDS[channel] ?? '') : '');

/** "Ask Casey Coordinator (County) for a new link: casey@…"; or, when the holder is that person, what they can do themselves. */
export async function askForNewLink(view: LinkView, who: { id: string; name: string; email?: string }, what = 'a new link'): Promise<SafeHtml> {
  if (who.id === view.row.staff.id) return html`You can do it signed in to careloop.`;
  const named = await personWords(view, who);
  return who.email ? html`Ask ${named} for ${what} by email: <a href="mailto:${who.email}">${who.email}</a>.` : html`Ask ${named} for ${what}.`;
}

const ENDED_TITLES = { used: 'This link has already been used', revoked: 'This link no longer works', expired: 'This link has expired' } as const;

/** The page of a link that no longer works when its handler cannot say more: which, when, and what to do. */
export function linkEndedPage(view: LinkView, gone: AppError): LinkAnswer {
  const kind = view.ending?.kind ?? 'revoked';
  const todo =
    kind === 'used'
      ? 'Nothing more is needed from this link. If something is still asked of you, the person who asked for it (named in the email) can send a new link.'
      : kind === 'expired'
        ? 'If something is still asked of you, ask the person named in the email for a new link.'
        : 'Nothing more is needed from this link. If you think something is still asked of you, ask the person named in the email.';
  return endedAnswer(view, { title: ENDED_TITLES[kind], happened: `${gone.userMessage} ${linkWhen(view)}`, todo });
}

/** A token careloop does not know (mistyped, cut short, forged, or its holder gone): says only that the link does not work. */
export function unknownLinkPage(): LinkAnswer {
  return {
    status: 404,
    title: 'This link does not work',
    body: html`<section class="card link-ended">
  <h1>This link does not work</h1>
  <p class="problem">This link is not valid. Check that the whole link was copied.</p>
  <h2>What you can do now</h2>
  <p>Open the link from the email again: some email programs break a long link over two lines, and only part of it reaches the browser.</p>
  <p>If it still does not work, ask the person named in the email for a new link.</p>
</section>`,
  };
}
