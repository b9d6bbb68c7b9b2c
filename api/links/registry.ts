// What each kind of emailed link does: a {show, act} pair per purpose. The one /a/:token route
// (api/links/routes.ts) looks the token up once and hands the row to the handler its purpose
// names; a handler never looks the token up again.
import type { Request, Response } from 'express';
import type { AppError } from '../errors';
import type { SafeHtml } from '../html';
import type { ActionTokenRow } from './tokens';

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
   * GET or POST of a link already used or revoked, within its lifetime: what became of its item,
   * when the handler keeps a record worth showing (a resolved escalation's outcome); undefined
   * for the usual 410 in `gone`'s words.
   */
  ended?(view: LinkView, gone: AppError): Promise<LinkAnswer | undefined>;
}
