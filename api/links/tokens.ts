// The one lookup of an emailed link or reply token: found by its hash, checked against the
// purposes the caller accepts, then used, revoked and expiry, each with words a holder can act
// on (domain/tokens.ts holds them). Spending a link is a conditional update, so two clicks
// spend it once.
import type { Db } from '../../runtime/db';
import { hashToken } from '../../runtime/secrets';
import { isTokenPurpose, TOKEN_PURPOSES, TOKEN_SHAPE, type TokenPurpose } from '../../domain/tokens';
import { LINK_NOT_VALID } from '../access';
import { AppError } from '../errors';

const holderSelect = { id: true, name: true, email: true, agencyId: true, roles: true, active: true } as const;

/** A token that is live: its purpose known, its workflow and holder there, not used, revoked or expired. */
export interface ActionTokenRow {
  id: string;
  purpose: TokenPurpose;
  workflowId: string;
  scope: unknown;
  expiresAt: Date;
  staff: { id: string; name: string; email: string; agencyId: string; roles: string[]; active: boolean };
}

/** A token that does not work, and why; `purpose` when the token was found (a reply address words its refusal by it). */
export interface TokenRefusal {
  error: AppError;
  purpose?: TokenPurpose;
  /** A link that was used, revoked or has expired (not unknown): its row, for a handler that shows what became of its item. */
  ended?: ActionTokenRow;
  /** How and when it stopped working, with `ended`. */
  ending?: TokenEnding;
}

/** How a link that was real stopped working: spent by its use, revoked (its item ended or moved on), or past its lifetime. */
export interface TokenEnding {
  kind: 'used' | 'revoked' | 'expired';
  /** When: the use, the revocation, or the expiry (ISO). */
  at: string;
}

/**
 * Looks a token up and checks it, in this order: its shape, a row whose purpose is one of
 * `purposes` (all when omitted) with its workflow and an active holder, then used, revoked and
 * expired. A token that does not exist, has another purpose or names a deactivated person is "not
 * valid", word for word the same answer, so the answer tells a guesser nothing.
 */
export async function lookupActionToken(db: Db, token: string, now: Date, purposes?: readonly TokenPurpose[]): Promise<{ row: ActionTokenRow } | { refused: TokenRefusal }> {
  if (!TOKEN_SHAPE.test(token)) return { refused: { error: LINK_NOT_VALID() } };
  const row = await db.actionToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, purpose: true, workflowId: true, scope: true, usedAt: true, revokedAt: true, expiresAt: true, staff: { select: holderSelect } },
  });
  if (!row || !isTokenPurpose(row.purpose) || (purposes && !purposes.includes(row.purpose)) || !row.workflowId || !row.staff.active) return { refused: { error: LINK_NOT_VALID() } };
  const found: ActionTokenRow = { id: row.id, purpose: row.purpose, workflowId: row.workflowId, scope: row.scope, expiresAt: row.expiresAt, staff: row.staff };
  // A link that was real (its holder still active) may show its holder what became of its item,
  // whether it was used, revoked or has expired: the handler reads the record under the holder's
  // own access, as it did while the link worked.
  const gone = (message: string, ending: TokenEnding) => ({ refused: { error: new AppError('GONE', message), purpose: found.purpose, ended: found, ending } });
  if (row.usedAt) return gone('This link has already been used.', { kind: 'used', at: row.usedAt.toISOString() });
  if (row.revokedAt) return gone(TOKEN_PURPOSES[row.purpose].noLongerWorks, { kind: 'revoked', at: row.revokedAt.toISOString() });
  if (row.expiresAt <= now) return gone('This link has expired.', { kind: 'expired', at: row.expiresAt.toISOString() });
  return { row: found };
}

/** `lookupActionToken`, throwing its refusal: a 404 for "not valid", a 410 for used, revoked or expired. */
export async function findActionToken(db: Db, token: string, now: Date, purposes?: readonly TokenPurpose[]): Promise<ActionTokenRow> {
  const found = await lookupActionToken(db, token, now, purposes);
  if ('refused' in found) throw found.refused.error;
  return found.row;
}

/**
 * Spends a link for the length of `act`: claimed first, so a second click finds it used, and
 * given back if nothing happened (`keepSpentOn` says which failures still spend it).
 */
export async function spendActionToken<T>(db: Db, row: Pick<ActionTokenRow, 'id'>, now: Date, act: () => Promise<T>, keepSpentOn: (err: unknown) => boolean = () => false): Promise<T> {
  const claimed = await db.actionToken.updateMany({ where: { id: row.id, usedAt: null, revokedAt: null }, data: { usedAt: now } });
  if (claimed.count !== 1) throw new AppError('GONE', 'This link has already been used.');
  try {
    return await act();
  } catch (err) {
    if (!keepSpentOn(err)) await db.actionToken.update({ where: { id: row.id }, data: { usedAt: null } });
    throw err;
  }
}
