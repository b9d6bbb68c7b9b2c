// Emailed action links: one GET and one POST /a/:token for every kind of link. The token is
// looked up once (api/links/tokens.ts); its purpose picks the handler from the registry; one
// rate limit (api/rate-limits.ts: failures per address, uses per link) and one CSRF check cover
// them all. GET shows and changes nothing; only the POST from that page acts, and spends the link.
import { Router, type Request, type Response } from 'express';
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
import type { LinkAnswer, LinkHandler, LinkView } from './registry';
import { lookupActionToken, type ActionTokenRow } from './tokens';

const ZLinkParams = z.object({ token: z.string().max(200) });

export function linkRoutes(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const dispute = disputeLink(services.disputes);
  const handlers: Record<LinkPurpose, LinkHandler> = {
    [TASK_TOKEN_PURPOSE]: sprintTaskLink(services.sprints),
    [PLAN_TOKEN_PURPOSE]: planVersionLink(services.plans),
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

  /** The link's view and handler; for a used or revoked link, the handler's record of what became of it, or its 410. */
  async function open(req: Request, res: Response): Promise<{ view: LinkView; handler: LinkHandler; ended?: undefined } | { ended: LinkAnswer }> {
    const params = ZLinkParams.safeParse(req.params);
    if (!params.success) throw LINK_NOT_VALID();
    const at = now();
    const found = await lookupActionToken(deps.db, params.data.token, at, purposes);
    if ('refused' in found) {
      const { error, ended: endedRow } = found.refused;
      const handler = endedRow && handlers[endedRow.purpose as LinkPurpose];
      const answer = endedRow && (await handler?.ended?.(viewOf(req, res, params.data.token, endedRow, at), error));
      if (answer) return { ended: answer };
      throw error;
    }
    const row = found.row;
    return { view: viewOf(req, res, params.data.token, row, at), handler: handlers[row.purpose as LinkPurpose] };
  }

  function viewOf(req: Request, res: Response, token: string, row: ActionTokenRow, at: Date): LinkView {
    return {
      req,
      res,
      token,
      row,
      csrfToken: () => web.csrfToken(req, res),
      when: (iso) => formatInstant(iso, deps.config.timeZone),
      now: at,
    };
  }

  const send = (res: Response, answer: LinkAnswer) => res.status(answer.status ?? 200).type('html').send(page({ title: answer.title }, answer.body));

  router.get('/a/:token', web.tokenLimiter, async (req, res) => {
    const opened = await open(req, res);
    send(res, opened.ended ?? (await opened.handler.show(opened.view)));
  });

  router.post('/a/:token', web.tokenLimiter, web.csrfProtection, async (req, res) => {
    const opened = await open(req, res);
    send(res, opened.ended ?? (await opened.handler.act(opened.view, req.body ?? {})));
  });

  return router;
}
