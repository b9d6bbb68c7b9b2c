// Who is calling, and may they? API callers present a bearer token; web pages carry a session
// cookie. Who may do what is api/access.ts: `allow(...)` on every route and page.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../domain/roles';
import type { Db } from '../runtime/db';
import { hashToken } from '../runtime/secrets';
import { AppError } from './errors';

export interface Principal {
  staffId: string;
  email: string;
  name: string;
  agencyId: string;
  roles: Role[];
  via: 'bearer' | 'session';
  sessionId?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
      /** The session cookie named a session that has ended (expired, idle or its person deactivated). */
      sessionEnded?: boolean;
    }
  }
}

export const SESSION_COOKIE = 'careloop_session';

const staffSelect = { id: true, email: true, name: true, agencyId: true, roles: true, active: true } as const;

export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** Seen-at is written at most this often, so a busy page does not write once per request. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Reads `Authorization: Bearer <token>`; a missing, unknown, expired or revoked token is a 401
 * that says how to fix it. A deactivated person's token stops at once (deactivation clears it).
 */
export function bearerAuth(db: Db, now: () => Date = () => new Date()): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    res.set('WWW-Authenticate', 'Bearer realm="careloop"');
    if (!match) {
      throw new AppError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <your API token>".');
    }
    const staff = await db.staff.findUnique({ where: { apiTokenHash: hashToken(match[1]!) }, select: { ...staffSelect, apiTokenExpiresAt: true } });
    if (!staff || !staff.active) {
      throw new AppError('UNAUTHENTICATED', 'The API token is not valid. Ask an administrator for a new one.');
    }
    // A token without an expiry predates expiries and is treated as expired: none is eternal.
    if (!staff.apiTokenExpiresAt || staff.apiTokenExpiresAt <= now()) {
      const when = staff.apiTokenExpiresAt ? ` on ${staff.apiTokenExpiresAt.toISOString()}` : '';
      throw new AppError(
        'UNAUTHENTICATED',
        `The API token expired${when}. Ask an administrator for a new one (\`npm run careloop -- staff token --email <your email>\`, or POST /api/staff/<your id>/token).`,
      );
    }
    req.principal = { staffId: staff.id, email: staff.email, name: staff.name, agencyId: staff.agencyId, roles: staff.roles, via: 'bearer' };
    next();
  };
}

/**
 * Attaches the signed-in staff member when the session cookie is valid; never refuses. A session
 * ends at its absolute expiry, after `idleMs` without a request, or when its person is
 * deactivated; an ended session is deleted so it cannot come back.
 */
export function sessionAuth(db: Db, now: () => Date = () => new Date(), idleMs: number = DEFAULT_SESSION_IDLE_MS): RequestHandler {
  return async (req, _res, next) => {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) {
      const session = await db.session.findUnique({
        where: { tokenHash: hashToken(token) },
        select: { id: true, expiresAt: true, lastSeenAt: true, staff: { select: staffSelect } },
      });
      const at = now();
      if (session && session.expiresAt > at && session.lastSeenAt.getTime() + idleMs > at.getTime() && session.staff.active) {
        const s = session.staff;
        req.principal = { staffId: s.id, email: s.email, name: s.name, agencyId: s.agencyId, roles: s.roles, via: 'session', sessionId: session.id };
        if (at.getTime() - session.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
          // Conditional, so API processes racing on one session write once.
          await db.session.updateMany({ where: { id: session.id, lastSeenAt: session.lastSeenAt }, data: { lastSeenAt: at } });
        }
      } else if (session) {
        await db.session.deleteMany({ where: { id: session.id } });
        req.sessionEnded = true;
      }
    }
    next();
  };
}

export function requirePrincipal(req: Request): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', 'Authentication required.');
  return req.principal;
}
