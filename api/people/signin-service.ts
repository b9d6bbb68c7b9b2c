// Sign-in links and sessions: the rules behind the sign-in pages (api/people/signin.ts).
import type { Db } from '../../runtime/db';
import type { Logger } from '../../runtime/logger';
import type { Mailer } from '../../runtime/mailer';
import { hashToken, newToken } from '../../runtime/secrets';
import { signinLinkEmail } from '../../domain/emails/signin-link';
import { SIGNIN_LINK_TTL_MS } from '../../domain/tokens';
import { AppError } from '../errors';

export const SESSION_TTL_MS = 12 * 60 * 60_000;
export const SIGNIN_TOKEN_PURPOSE = 'signin';

/** Only same-site paths: never send someone to another origin after sign-in. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : '/';
}

export function createSigninService(deps: { db: Db; mailer: Mailer; logger: Logger; publicBaseUrl: string; now: () => Date }) {
  const { db } = deps;
  return {
    /** Emails a link to an active staff member with this address; nothing, and no sign of it, for anyone else. */
    async requestLink(email: string, next: string | undefined): Promise<void> {
      const staff = await db.staff.findUnique({ where: { email }, select: { id: true, name: true, active: true } });
      if (!staff?.active) return;
      const token = newToken('cls');
      await db.actionToken.create({
        data: { tokenHash: hashToken(token), purpose: SIGNIN_TOKEN_PURPOSE, staffId: staff.id, scope: { next: safeNext(next) }, expiresAt: new Date(deps.now().getTime() + SIGNIN_LINK_TTL_MS) },
      });
      const link = `${deps.publicBaseUrl}/signin/${token}`;
      await deps.mailer.send({ to: email, ...signinLinkEmail({ name: staff.name, link, minutes: SIGNIN_LINK_TTL_MS / 60_000 }) });
      deps.logger.info({ staffId: staff.id }, 'sign-in link sent');
    },

    /** A sign-in link that still works, or a 4xx saying to ask for a new one. */
    async findLink(token: string) {
      const row = await db.actionToken.findUnique({
        where: { tokenHash: hashToken(token) },
        select: { id: true, purpose: true, expiresAt: true, usedAt: true, scope: true, staff: { select: { id: true, name: true, active: true } } },
      });
      if (!row || row.purpose !== SIGNIN_TOKEN_PURPOSE || !row.staff.active) {
        throw new AppError('NOT_FOUND', 'This sign-in link is not valid. Ask for a new one on the sign-in page.');
      }
      if (row.usedAt) throw new AppError('GONE', 'This sign-in link has already been used. Ask for a new one on the sign-in page.');
      if (row.expiresAt <= deps.now()) throw new AppError('GONE', 'This sign-in link has expired. Ask for a new one on the sign-in page.');
      return row;
    },

    /** Spends the link and starts a session, atomically: two clicks racing each other start one. */
    async signIn(token: string): Promise<{ sessionToken: string; next: string }> {
      const row = await this.findLink(token);
      const sessionToken = newToken('css');
      const startedAt = deps.now();
      const signedIn = await db.$transaction(async (tx) => {
        const spent = await tx.actionToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: startedAt } });
        if (spent.count !== 1) return false;
        await tx.session.create({ data: { tokenHash: hashToken(sessionToken), staffId: row.staff.id, expiresAt: new Date(startedAt.getTime() + SESSION_TTL_MS), lastSeenAt: startedAt } });
        return true;
      });
      if (!signedIn) throw new AppError('GONE', 'This sign-in link has already been used. Ask for a new one on the sign-in page.');
      return { sessionToken, next: safeNext((row.scope as { next?: string } | null)?.next) };
    },

    async signOut(sessionId: string | undefined): Promise<void> {
      if (sessionId) await db.session.deleteMany({ where: { id: sessionId } });
    },
  };
}
