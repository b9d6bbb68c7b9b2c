// The Express app. `createApp(deps)` builds it from its dependencies so tests mount the real
// app against real services; `api/main.ts` runs it.
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { doubleCsrf } from 'csrf-csrf';
import type { Client } from '@temporalio/client';
import type { Config } from '../runtime/config';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';
import type { Mailer } from '../runtime/mailer';
import { bearerAuth, SESSION_COOKIE, sessionAuth } from './auth';
import { createRateLimits, type RateLimitSettings } from './rate-limits';
import { staffAdminRoutes } from './people/staff-routes';
import { AppError, errorHandler, type ErrorRenderer } from './errors';
import { html, page } from './html';
import { auditRoutes } from './evidence/audit-routes';
import { healthRoutes } from './health';
import { meRoutes } from './people/me-routes';
import { homeRoutes, owedInHeader } from './people/home';
import { signinRoutes } from './people/signin';
import { linkRoutes } from './links/routes';
import { sprintPages } from './sprints/pages';
import { dashboardPages } from './evidence/pages';
import { sprintRoutes } from './sprints/routes';
import { createSprintService, type SprintService } from './sprints/service';
import { createPlanService, type PlanService } from './plans/service';
import { planRoutes } from './plans/routes';
import { planPages } from './plans/pages';
import { workflowListRoutes } from './evidence/workflow-routes';
import { createEscalationService, type EscalationService } from './escalations/service';
import { escalationRoutes } from './escalations/routes';
import { escalationPages } from './escalations/pages';
import { createDisputeService, type DisputeService } from './disputes/service';
import { disputeRoutes } from './disputes/routes';
import { disputePages } from './disputes/pages';
import { evidenceRoutes } from './evidence/routes';
import { createRosterService, type RosterService } from './evidence/roster';
import { createReportService, type ReportService } from './evidence/reports';
import { createParticipantAuditService, type ParticipantAuditService } from './evidence/participant-audit';
import { createWorkflowListService, type WorkflowListService } from './evidence/workflow-list';
import { createParticipantService, type ParticipantService } from './people/participant-service';
import { participantRoutes } from './people/participant-routes';
import { createPlanStepsService, type PlanStepsService } from './plans/steps-service';
import { planStepsRoutes } from './plans/steps-routes';
import { planStepsPages } from './plans/steps-pages';
import { participantPages } from './people/participant-pages';
import { createWorkingAgreementService, type WorkingAgreementService } from './admin/working-agreement-service';
import { workingAgreementRoutes } from './admin/working-agreement-routes';
import { workingAgreementPages } from './admin/working-agreement-pages';
import { huddlePages } from './huddles/pages';

export interface AppDeps {
  config: Pick<Config, 'publicBaseUrl' | 'sessionSecret' | 'timeZone'> & { taskQueue: string } & Partial<Pick<Config, 'sessionIdleTimeoutMs' | 'apiTokenTtlDays'>>;
  db: Db;
  temporal: Client;
  mailer: Mailer;
  logger: Logger;
  now?: () => Date;
  /** Limits on sign-in and link pages (api/rate-limits.ts); README "Access" gives the defaults. */
  rateLimits?: RateLimitSettings;
}

export interface AppServices {
  sprints: SprintService;
  plans: PlanService;
  escalations: EscalationService;
  disputes: DisputeService;
  workflows: WorkflowListService;
  roster: RosterService;
  reports: ReportService;
  audit: ParticipantAuditService;
  participants: ParticipantService;
  planSteps: PlanStepsService;
  workingAgreement: WorkingAgreementService;
}

export interface WebHelpers {
  csrfToken(req: Request, res: Response): string;
  csrfProtection: RequestHandler;
  requireSignedIn: RequestHandler;
  signinLimiter: RequestHandler;
  tokenLimiter: RequestHandler;
  /** Counts a refused link against the caller's address, for a link page that answers the refusal itself. */
  countLinkFailure(req: Request): Promise<void>;
  /** Throws a 429 when this email address has asked for too many sign-in links. */
  limitSigninEmail(email: string): Promise<void>;
}

const CSRF_COOKIE = 'careloop_csrf';

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: deps.logger,
      // Health probes are frequent and say nothing new.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      serializers: {
        req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, url: req.url.replace(/\/(a|signin)\/[^/?]+/, '/$1/<token>') }),
      },
    }),
  );
  const secureCookie = deps.config.publicBaseUrl.startsWith('https://');
  // Served over plain http (the embedded default), HSTS and upgrade-insecure-requests would
  // send browsers to an https port that does not exist.
  app.use(
    helmet({
      strictTransportSecurity: secureCookie,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: secureCookie ? [] : null } },
    }),
  );
  app.use(express.json({ limit: '100kb' }));
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  app.use(cookieParser());
  app.use('/static', express.static(path.join(__dirname, 'static'), { maxAge: '1h', index: false }));
  // Everything past the static files is personal, per person, or a one-time link: no browser,
  // proxy or shared-computer cache keeps a copy (pages, every /api/ answer and export, /a/ pages).
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const csrf = doubleCsrf({
    getSecret: () => deps.config.sessionSecret,
    // Bound to the session when there is one; the sign-in forms come before any session.
    getSessionIdentifier: (req) => (req.cookies as Record<string, string>)[SESSION_COOKIE] ?? 'anonymous',
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', secure: secureCookie, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => (req.body as Record<string, unknown> | undefined)?._csrf as string | undefined,
    errorConfig: { statusCode: 403, code: 'EBADCSRFTOKEN', message: 'invalid csrf token' },
  });
  const limits = createRateLimits({ db: deps.db, logger: deps.logger, settings: deps.rateLimits });
  const web: WebHelpers = {
    csrfToken: (req, res) => csrf.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false }),
    csrfProtection: csrf.doubleCsrfProtection,
    requireSignedIn: (req, res, next) => {
      if (req.principal) return next();
      res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}${req.sessionEnded ? '&ended=1' : ''}`);
    },
    signinLimiter: limits.signinGuard,
    tokenLimiter: limits.tokenGuard,
    countLinkFailure: limits.countLinkFailure,
    limitSigninEmail: limits.limitSigninEmail,
  };

  const services: AppServices = {
    sprints: createSprintService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.taskQueue }),
    plans: createPlanService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.taskQueue, now: deps.now, mailer: deps.mailer, publicBaseUrl: deps.config.publicBaseUrl, logger: deps.logger }),
    escalations: createEscalationService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.taskQueue, now: deps.now }),
    disputes: createDisputeService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.taskQueue, now: deps.now }),
    workflows: createWorkflowListService({ temporal: deps.temporal, db: deps.db }),
    roster: createRosterService({ db: deps.db, temporal: deps.temporal, now: deps.now }),
    reports: createReportService({ db: deps.db, timeZone: deps.config.timeZone, now: deps.now }),
    audit: createParticipantAuditService({ db: deps.db, temporal: deps.temporal, now: deps.now }),
    participants: createParticipantService({ db: deps.db, now: deps.now }),
    planSteps: createPlanStepsService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.taskQueue, now: deps.now }),
    workingAgreement: createWorkingAgreementService({ db: deps.db, now: deps.now }),
  };

  app.use(healthRoutes(deps));

  const api = express.Router();
  api.use(bearerAuth(deps.db, deps.now));
  api.use(meRoutes(deps));
  api.use(staffAdminRoutes(deps));
  api.use(auditRoutes(deps));
  api.use(sprintRoutes(services.sprints));
  api.use(workflowListRoutes(services.workflows));
  api.use(evidenceRoutes(services));
  api.use(planRoutes(services.plans));
  api.use(planStepsRoutes(services.planSteps));
  api.use(escalationRoutes(services.escalations));
  api.use(disputeRoutes(services.disputes, { db: deps.db, now: deps.now }));
  api.use(participantRoutes(services.participants));
  api.use(workingAgreementRoutes(services.workingAgreement));
  api.use((req) => {
    throw new AppError('NOT_FOUND', `No API route ${req.method} ${req.baseUrl}${req.path}. See the README for the API.`);
  });
  app.use('/api', api);

  app.use(sessionAuth(deps.db, deps.now, deps.config.sessionIdleTimeoutMs));
  // The header of every signed-in page counts what the person owes ("My work").
  app.use(owedInHeader(deps));
  app.use(signinRoutes(deps, web));
  app.use(homeRoutes(deps, services, web));
  app.use(linkRoutes(deps, services, web));
  app.use(sprintPages(deps, services, web));
  app.use(escalationPages(deps, services, web));
  app.use(disputePages(deps, services, web));
  app.use(planPages(deps, services, web));
  app.use(dashboardPages(deps, services, web));
  app.use(planStepsPages(deps, services, web));
  app.use(participantPages(deps, services, web));
  app.use(workingAgreementPages(deps, services, web));
  app.use(huddlePages(deps, services, web));
  app.use((req) => {
    throw new AppError('NOT_FOUND', `There is no page at ${req.path}.`);
  });

  const renderHtml: ErrorRenderer = (reply, req, res) => {
    if (req.path.startsWith('/api/') || req.path === '/api' || !req.accepts('html')) return false;
    res
      .status(reply.status)
      .type('html')
      .send(
        page(
          { title: 'Problem' },
          html`<section class="card"><h1>${reply.status === 404 ? 'Not found' : 'Something is not right'}</h1>
<p class="problem">${reply.message}</p>
<p><a href="/">Go to careloop</a></p></section>`,
        ),
      );
    return true;
  };
  app.use(limits.countTokenFailure);
  app.use(errorHandler(deps.logger, renderHtml));
  return app;
}
