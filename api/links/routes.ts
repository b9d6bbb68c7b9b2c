// Emailed action links: one GET and one POST /a/:token for every kind of link. The token is
// looked up once (api/links/tokens.ts); its purpose picks the handler from the registry; one
// rate limit (api/rate-limits.ts: failures per address, uses per link) and one CSRF check cover
// them all. GET shows and changes nothing; only the POST from that page acts, and spends the link.
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { formatInstant } from '../../domain/format';
import { DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_POSITION_TOKEN_PURPOSE, ESCALATION_TOKEN_PURPOSE, ESCALATION_VIEW_TOKEN_PURPOSE, PLAN_TOKEN_PURPOSE, TASK_TOKEN_PURPOSE, type LinkPurpose } from '../../domain/tokens';
import { PLAN_ACTION_TOKEN_PURPOSE, PLAN_REVIEW_TOKEN_PURPOSE, PLAN_UPDATE_TOKEN_PURPOSE } from '../../domain/tokens';
import { HUDDLE_DECISION_TOKEN_PURPOSE } from '../../domain/tokens';
import { DISPUTE_DECISION_TOKEN_PURPOSE, DISPUTE_INTERIM_TOKEN_PURPOSE } from '../../domain/tokens';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { LINK_NOT_VALID } from '../access';
import { page } from '../html';
import { disputeLink } from '../disputes/link';
import { escalationLink, escalationViewLink } from '../escalations/link';
import { planVersionLink } from '../plans/link';
import { planActionLink, planReviewLink, planUpdateLink } from '../plans/steps-link';
import { sprintTaskLink } from '../sprints/link';
import { huddleDecisionLink } from '../huddles/link';
import { huddleServiceOf } from '../huddles/service';
import { AppError, toAppError } from '../errors';
import { linkEndedPage, unknownLinkPage } from './ended';
import type { LinkAnswer, LinkHandler, LinkView } from './registry';
import { lookupActionToken, type ActionTokenRow, type TokenEnding } from './tokens';

const ZLinkParams = z.object({ token: z.string().max(200) });

export function linkRoutes(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const dispute = disputeLink(services.disputes);
  const handlers: Record<LinkPurpose, LinkHandler> = {
    [TASK_TOKEN_PURPOSE]: sprintTaskLink(services.sprints),
    [PLAN_TOKEN_PURPOSE]: planVersionLink(services.plans, deps.db),
    [ESCALATION_TOKEN_PURPOSE]: escalationLink(services.escalations),
    [ESCALATION_VIEW_TOKEN_PURPOSE]: escalationViewLink(services.escalations),
    [DISPUTE_POSITION_TOKEN_PURPOSE]: dispute,
    [DISPUTE_ACCEPT_TOKEN_PURPOSE]: dispute,
    [DISPUTE_DECISION_TOKEN_PURPOSE]: dispute,
    [DISPUTE_INTERIM_TOKEN_PURPOSE]: dispute,
    [PLAN_ACTION_TOKEN_PURPOSE]: planActionLink(services.planSteps),
    [PLAN_REVIEW_TOKEN_PURPOSE]: planReviewLink(services.planSteps),
    [PLAN_UPDATE_TOKEN_PURPOSE]: planUpdateLink(services.planSteps),
    [HUDDLE_DECISION_TOKEN_PURPOSE]: huddleDecisionLink(huddleServiceOf(deps)),
  };
  const purposes = Object.keys(handlers) as LinkPurpose[];

  /**
   * The link's view and handler. A used, revoked or expired link: the handler's record of what
   * became of its item, by whom and when; else (for a browser) the page saying which and when;
   * else its 410 in words.
   */
  async function open(req: Request, res: Response): Promise<{ view: LinkView; handler: LinkHandler; ended?: undefined } | { ended: LinkAnswer }> {
    const params = ZLinkParams.safeParse(req.params);
    if (!params.success) throw LINK_NOT_VALID();
    const at = now();
    const found = await lookupActionToken(deps.db, params.data.token, at, purposes);
    if ('refused' in found) {
      const { error, ended: endedRow, ending } = found.refused;
      if (!endedRow || !ending) throw error;
      const view = viewOf(req, res, params.data.token, endedRow, at, ending);
      const handler = handlers[endedRow.purpose as LinkPurpose];
      // A handler that cannot read its item now (Temporal down, the holder no longer in the care team) says nothing more.
      const answer = await handler?.ended?.(view, error).catch(() => undefined);
      if (answer) return { ended: answer };
      if (wantsHtml(req)) return { ended: linkEndedPage(view, error) };
      throw error;
    }
    const row = found.row;
    return { view: viewOf(req, res, params.data.token, row, at), handler: handlers[row.purpose as LinkPurpose] };
  }

  async function agencyOf(staffId: string): Promise<string | undefined> {
    const s = await deps.db.staff.findUnique({ where: { id: staffId }, select: { agency: { select: { name: true } } } });
    return s?.agency.name;
  }

  function viewOf(req: Request, res: Response, token: string, row: ActionTokenRow, at: Date, ending?: TokenEnding): LinkView {
    return {
      req,
      res,
      token,
      row,
      csrfToken: () => web.csrfToken(req, res),
      when: (iso) => formatInstant(iso, deps.config.timeZone),
      now: at,
      ending,
      agencyOf,
    };
  }

  const send = (res: Response, answer: LinkAnswer) => res.status(answer.status ?? 200).type('html').send(page({ title: answer.title }, answer.body));

  // A used, revoked or expired link is answered with what became of it, and still counts against
  // the address as a failure, as any refused link does (api/rate-limits.ts).
  const sendEnded = async (req: Request, res: Response, answer: LinkAnswer) => {
    await web.countLinkFailure(req);
    send(res, answer);
  };

  router.get('/a/:token', web.tokenLimiter, async (req, res) => {
    const opened = await open(req, res);
    if (opened.ended) return sendEnded(req, res, opened.ended);
    send(res, await opened.handler.show(opened.view));
  });

  router.post('/a/:token', web.tokenLimiter, web.csrfProtection, async (req, res) => {
    const opened = await open(req, res);
    if (opened.ended) return sendEnded(req, res, opened.ended);
    send(res, await opened.handler.act(opened.view, req.body ?? {}));
  });

  // A link careloop does not know (or no longer lets its holder read), asked for by a browser:
  // the page that says only that the link does not work. It still counts against the address.
  const notValidPage: ErrorRequestHandler = (err, req, res, next) => {
    const known = toAppError(err);
    if (!(known instanceof AppError) || known.code !== 'NOT_FOUND' || known.userMessage !== LINK_NOT_VALID().userMessage || !wantsHtml(req) || res.headersSent) return next(err);
    web.countLinkFailure(req).then(() => send(res, unknownLinkPage()), next);
  };
  router.use('/a/:token', notValidPage);

  return router;
}

/** A browser's request (the app's error pages answer the same ones in HTML). */
const wantsHtml = (req: Request) => !req.path.startsWith('/api/') && Boolean(req.accepts('html'));
