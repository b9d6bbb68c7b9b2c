// What each kind of emailed link does: a {show, act} pair per purpose. The one /a/:token route
// (api/links/routes.ts) looks the token up once and hands the row to the handler its purpose
// names; a handler never looks the token up again.
import type { Request, Response } from 'express';
import type { AppError } from '../errors';
import type { SafeHtml } from '../html';
import type { ActionTokenRow, TokenEnding } from './tokens';

export interface LinkView {
  req: Request;
  res: Response;
  /** The token as it came in the URL, for the form's action: never stored or logged. */
  token: string;
  row: ActionTokenRow;
  csrfToken(): string;
  /** A time as people read it, in the partnership's zone. */
  when(iso: string): string;
  now: Date;
  /** For `ended`: how and when the link stopped working (used, revoked or expired). */
  ending?: TokenEnding;
  /** The name of a staff member's agency, for "by Sam Rivera (Northside Council)"; undefined when careloop does not know them. */
  agencyOf(staffId: string): Promise<string | undefined>;
}

export interface LinkAnswer {
  status?: number;
  title: string;
  body: SafeHtml;
}

export interface LinkHandler {
  /** GET: shows what the link is for and its choices; changes nothing (mail scanners prefetch links). */
  show(view: LinkView): Promise<LinkAnswer>;
  /** POST from the page: acts for the person the link was sent to, and spends the link once its work is done (an escalation's at its last step). */
  act(view: LinkView, body: unknown): Promise<LinkAnswer>;
  /**
   * GET or POST of a link already used, revoked or expired (`view.ending` says which and when):
   * what became of its item, by whom and when, and what the holder can do now, read under the
   * holder's own access; undefined when the handler cannot say, for the page in `gone`'s words
   * (api/links/ended.ts). Never sends the holder to sign in to learn what happened.
   */
  ended?(view: LinkView, gone: AppError): Promise<LinkAnswer | undefined>;
}
