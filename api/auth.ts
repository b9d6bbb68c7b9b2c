// Who is calling, and may they? API callers present a bearer token; web pages carry a session
// cookie. Each route declares who may call it with one `allow(...)`.
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
    }
  }
}

export const SESSION_COOKIE = 'careloop_session';

const staffSelect = { id: true, email: true, name: true, agencyId: true, roles: true, active: true } as const;

/** Reads `Authorization: Bearer <token>`; a missing or unknown token is a 401 that says how to fix it. */
export function bearerAuth(db: Db): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    res.set('WWW-Authenticate', 'Bearer realm="careloop"');
    if (!match) {
      throw new AppError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <your API token>".');
    }
    const staff = await db.staff.findUnique({ where: { apiTokenHash: hashToken(match[1]!) }, select: staffSelect });
    if (!staff || !staff.active) {
      throw new AppError('UNAUTHENTICATED', 'The API token is not valid. Ask an administrator for a new one.');
    }
    req.principal = { staffId: staff.id, email: staff.email, name: staff.name, agencyId: staff.agencyId, roles: staff.roles, via: 'bearer' };
    next();
  };
}

/** Attaches the signed-in staff member when the session cookie is valid; never refuses. */
export function sessionAuth(db: Db, now: () => Date = () => new Date()): RequestHandler {
  return async (req, _res, next) => {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) {
      const session = await db.session.findUnique({
        where: { tokenHash: hashToken(token) },
        select: { id: true, expiresAt: true, staff: { select: staffSelect } },
      });
      if (session && session.expiresAt > now() && session.staff.active) {
        const s = session.staff;
        req.principal = { staffId: s.id, email: s.email, name: s.name, agencyId: s.agencyId, roles: s.roles, via: 'session', sessionId: session.id };
      }
    }
    next();
  };
}

export type Allowed = Role | 'any';

/**
 * The one-line access rule every route declares: `allow('coordinator')`, `allow('manager', 'admin')`,
 * or `allow('any')` for any signed-in staff member. 401 when nobody is signed in, 403 otherwise.
 */
export function allow(...allowed: Allowed[]): RequestHandler {
  return (req, _res, next) => {
    const who = req.principal;
    if (!who) throw new AppError('UNAUTHENTICATED', 'Authentication required.');
    if (!allowed.includes('any') && !who.roles.some((r) => allowed.includes(r))) {
      const need = allowed.join(' or ');
      throw new AppError('FORBIDDEN', `This needs the ${need} role; you are signed in as ${who.roles.join(', ') || 'no role'}.`);
    }
    next();
  };
}

export function requirePrincipal(req: Request): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', 'Authentication required.');
  return req.principal;
}
