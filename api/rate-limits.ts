// Rate limits on the doors a stranger can knock on without signing in: emailed action links
// (/a/<token>), sign-in links (/signin/<token>) and sign-in requests (POST /signin).
//
// The counters live in PostgreSQL (rate-limiter-flexible's Prisma store, table "RateLimit"), so
// every API process behind a load balancer counts against the same figures. What is counted is
// chosen so that an attacker is stopped and a busy ward is not:
// - per network address, only *failed* link answers (unknown, spent, expired links, forms not
//   sent from careloop: the 4xx a guesser collects); a ward opening its own valid links from one
//   address never runs into it;
// - per link (keyed on the token's hash, never the token), every request, so one link cannot be
//   hammered;
// - sign-in requests per email address (normalised, stored hashed), and, looser, per address.
import { createHash } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { RateLimiterMemory, RateLimiterPrisma, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';
import { hashToken } from '../runtime/secrets';
import { AppError, toAppError } from './errors';

export interface RateLimitSettings {
  /** The window every limit counts in; 15 minutes. */
  windowMs?: number;
  /** Failed answers (4xx) on action and sign-in links per client address; 20. */
  tokenPerWindow?: number;
  /** Requests per link, keyed on the token's hash, whatever their outcome; 20. */
  tokenUsesPerWindow?: number;
  /** Sign-in link requests per email address; 5. */
  signinPerEmail?: number;
  /** Sign-in link requests per client address; 50. */
  signinPerWindow?: number;
  /** `postgres` (default): shared by every API process; `memory`: this process only. */
  store?: 'postgres' | 'memory';
}

export const RATE_LIMIT_DEFAULTS = {
  windowMs: 15 * 60_000,
  tokenPerWindow: 20,
  tokenUsesPerWindow: 20,
  signinPerEmail: 5,
  signinPerWindow: 50,
} as const;

export interface RateLimits {
  /** Before a link is looked at: refuses an address with too many failures, and a link used too often. */
  tokenGuard: RequestHandler;
  /** Error middleware: counts a 4xx answer on a link against the caller's address, then passes the error on. */
  countTokenFailure: ErrorRequestHandler;
  /** Counts one refused link (unknown, used, revoked or expired) against the caller's address, for a page that answers the refusal itself. */
  countLinkFailure(req: Request): Promise<void>;
  /** Before a sign-in request: the per-address limit. */
  signinGuard: RequestHandler;
  /** Inside the sign-in request, once the email is known: the per-email limit. */
  limitSigninEmail(email: string): Promise<void>;
}

/** The link pages whose 4xx answers count against the caller's address. */
const TOKEN_PATH = /^\/(a|signin)\/([^/]+)\/?$/;

export function createRateLimits(deps: { db: Db; logger: Logger; settings?: RateLimitSettings }): RateLimits {
  const s = { ...RATE_LIMIT_DEFAULTS, ...deps.settings };
  const duration = s.windowMs / 1000;
  const minutes = Math.max(1, Math.round(s.windowMs / 60_000));
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract =>
    s.store === 'memory'
      ? new RateLimiterMemory({ keyPrefix, points, duration })
      : new RateLimiterPrisma({ storeClient: deps.db, tableName: 'rateLimit', keyPrefix, points, duration });
  const failuresByAddress = limiter('link-failures-by-address', s.tokenPerWindow);
  const usesByToken = limiter('link-uses-by-token', s.tokenUsesPerWindow);
  const signinByEmail = limiter('signin-by-email', s.signinPerEmail);
  const signinByAddress = limiter('signin-by-address', s.signinPerWindow);

  const addressOf = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  const countLinkFailure = (req: Request): Promise<void> =>
    limited('link-failures-by-address', () => failuresByAddress.penalty(addressOf(req)), () => undefined);
  const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  const refuse = (res: RateLimiterRes, message: string) =>
    new AppError('RATE_LIMITED', message, { retryAfterSeconds: retryAfter(res) });

  /**
   * Runs `count` and turns a refusal into a 429. A failing store (the database down) lets the
   * request through: the handler behind it answers 503 on its own, and a limiter that fails
   * closed would lock everyone out whenever its table is unreachable.
   */
  async function limited(what: string, count: () => Promise<RateLimiterRes | null>, refusal: (res: RateLimiterRes) => AppError | undefined): Promise<void> {
    let res: RateLimiterRes | null;
    try {
      res = await count();
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const refused = refusal(err);
        if (refused) throw refused;
        return;
      }
      deps.logger.warn({ err, limiter: what }, 'rate-limit store failed; request let through');
      return;
    }
    const refused = res ? refusal(res) : undefined;
    if (refused) throw refused;
  }

  const tooManyFailures = (res: RateLimiterRes) =>
    res.consumedPoints >= s.tokenPerWindow
      ? refuse(res, `Too many links that did not work were opened from your network address. Wait ${minutes} minutes and try again; if a link of yours does not work, ask for a new one.`)
      : undefined;

  return {
    tokenGuard: async (req, res, next) => {
      await limited('link-failures-by-address', () => failuresByAddress.get(addressOf(req)), tooManyFailures);
      const token = String(req.params.token ?? '');
      await limited('link-uses-by-token', () => usesByToken.consume(hashToken(token)), (r) =>
        r.consumedPoints > s.tokenUsesPerWindow ? refuse(r, `This link has been opened too many times in a short while. Wait ${minutes} minutes and try again.`) : undefined,
      );
      next();
    },

    countTokenFailure: async (err, req, res, next) => {
      const known = toAppError(err);
      // The whole path: a router's error handler sees req.path relative to its mount.
      if (TOKEN_PATH.test((req.originalUrl || req.url).split('?')[0]!) && known && known.status >= 400 && known.status < 500 && known.code !== 'RATE_LIMITED') {
        await countLinkFailure(req);
      }
      const retry = known?.code === 'RATE_LIMITED' ? known.details?.retryAfterSeconds : undefined;
      if (typeof retry === 'number') res.set('Retry-After', String(retry));
      next(err);
    },

    countLinkFailure,

    signinGuard: async (req, _res, next) => {
      await limited('signin-by-address', () => signinByAddress.consume(addressOf(req)), (r) =>
        r.consumedPoints > s.signinPerWindow ? refuse(r, `Too many sign-in requests from your network address. Wait ${minutes} minutes and try again.`) : undefined,
      );
      next();
    },

    async limitSigninEmail(email) {
      // Hashed: the counters table holds no email addresses.
      const key = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
      await limited('signin-by-email', () => signinByEmail.consume(key), (r) =>
        r.consumedPoints > s.signinPerEmail
          ? refuse(r, `Too many sign-in links were asked for this email address. Wait ${minutes} minutes; a link already sent still works for 15 minutes.`)
          : undefined,
      );
    },
  };
}
