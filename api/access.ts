// The one access helper, for API routes and pages alike: which role a route or page needs
// (`allow`, `requireRole`), "may this caller see this person, or this process about them?" for
// every API route, page, export, link page and the roster, and the access log that records
// each read of a person's data. The rule itself is the table in `domain/access.ts`; this file
// finds the caller's relation to the person in the care team.
import { mayAccess, NO_RELATION, type AccessRelation, type AccessResource } from '../domain/access';
import type { Db } from '../runtime/db';
import type { RequestHandler } from 'express';
import type { Role } from '../domain/roles';
import { linkHolderRoles } from '../domain/tokens';
import { AppError } from './errors';

/** How a read reached careloop: the JSON API, a signed-in page, a CSV/JSON export, an emailed link, an email reply, the admin CLI. */
export type ReadChannel = 'api' | 'page' | 'export' | 'link' | 'reply' | 'cli';

export interface AccessCaller {
  staffId: string;
  agencyId: string;
  roles: readonly string[];
  /** Recorded in the access log; defaults to the API. */
  channel?: ReadChannel;
}

/** Who is named in one process: its people, and the agencies whose managers oversee it. */
export interface ProcessParties {
  staffIds: readonly string[];
  agencyIds: readonly string[];
  /** Who at those agencies counts as a party: their managers (the default), or everyone (a dispute's party agencies). */
  agencyPartyRoles?: 'managers' | 'everyone';
}

export interface ReadRecord {
  participantId: string;
  what: string;
  item?: string | null;
}

export type Allowed = Role | 'any';

/**
 * The role gate: passes when the caller holds one of `allowed` (`any`: anyone signed in), else a
 * 403 with `refusal` (words for this page or route) or one naming the role needed. Services call
 * it too, so a rule holds whichever door a request came in by.
 */
export function requireRole(caller: { roles: readonly string[] }, allowed: readonly Allowed[], refusal?: string): void {
  if (allowed.includes('any') || caller.roles.some((r) => (allowed as readonly string[]).includes(r))) return;
  const you = caller.roles.join(', ') || 'no role';
  throw new AppError('FORBIDDEN', refusal ? `${refusal} You are signed in as ${you}; ask an administrator if you need another role.` : `This needs the ${allowed.join(' or ')} role; you are signed in as ${you}.`);
}

/**
 * The one-line rule every API route and page declares: `allow('coordinator')`,
 * `allow('manager', 'admin')`, or `allow('any')` for anyone signed in. 401 when nobody is signed
 * in (pages put `requireSignedIn` first, which sends the visitor to sign in), 403 otherwise.
 */
export function allow(...allowed: Allowed[]): RequestHandler {
  return allowWith(undefined, ...allowed);
}

/** `allow`, with the words a person is refused in: "Only coordinators can start a sprint." */
export function allowWith(refusal: string | undefined, ...allowed: Allowed[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) throw new AppError('UNAUTHENTICATED', 'Authentication required.');
    requireRole(req.principal, allowed, refusal);
    next();
  };
}

/** The one answer for "no such person" and "not a person you work with": the two must not differ. */
export function participantNotFound(ref?: string): AppError {
  return new AppError('NOT_FOUND', ref ? `No person ${ref} among the people your care teams include.` : 'No such person among the people your care teams include.');
}

/** The answer for a link that does not work, whatever the reason. */
export const LINK_NOT_VALID = () => new AppError('NOT_FOUND', 'This link is not valid. Check that the whole link was copied.');

/**
 * The person an emailed link or reply address was sent to, as a caller: themselves, with their
 * own roles but never an administrator's (domain/tokens.ts `linkHolderRoles`), reading and acting
 * through the link or the reply. Every link page, link action and reply uses this one rule; the
 * token's scope then names the one item they may act on.
 */
export function linkHolder(staff: { id: string; name: string; agencyId: string; roles: readonly string[] }, channel: 'link' | 'reply' = 'link') {
  return { staffId: staff.id, name: staff.name, agencyId: staff.agencyId, roles: linkHolderRoles(staff.roles), channel } satisfies AccessCaller & { name: string };
}

/** The link holder as a reader, for `requireProcess`. */
export function linkReader(staff: { id: string; name: string; agencyId: string; roles: readonly string[] }): AccessCaller {
  return linkHolder(staff, 'link');
}

export function createAccess(deps: { db: Db; now?: () => Date }) {
  const db = deps.db;

  /** The caller's relation to each of these people, in two queries whatever their number. */
  async function relations(caller: AccessCaller, participantIds: readonly string[], parties?: ProcessParties): Promise<Map<string, AccessRelation>> {
    const ids = [...new Set(participantIds)];
    const out = new Map<string, AccessRelation>(ids.map((id) => [id, { ...NO_RELATION, party: isParty(caller, parties) }]));
    if (!ids.length) return out;
    const [members, plans] = await Promise.all([
      db.careTeamMember.findMany({
        where: { participantId: { in: ids }, removedAt: null, OR: [{ agencyId: caller.agencyId }, { staffId: caller.staffId }] },
        select: { participantId: true, agencyId: true, staffId: true },
      }),
      db.carePlan.findMany({ where: { participantId: { in: ids }, planHolderId: caller.staffId }, select: { participantId: true } }),
    ]);
    for (const m of members) {
      const r = out.get(m.participantId)!;
      if (m.agencyId === caller.agencyId) r.agencyMember = true;
      if (m.staffId === caller.staffId) r.namedMember = true;
    }
    for (const p of plans) out.get(p.participantId)!.planHolder = true;
    return out;
  }

  function isParty(caller: AccessCaller, parties?: ProcessParties): boolean {
    if (!parties) return false;
    if (parties.staffIds.includes(caller.staffId)) return true;
    if (!parties.agencyIds.includes(caller.agencyId)) return false;
    return parties.agencyPartyRoles === 'everyone' || caller.roles.includes('manager');
  }

  async function may(caller: AccessCaller, participantId: string, resource: AccessResource, parties?: ProcessParties): Promise<boolean> {
    if (caller.roles.includes('admin')) return true;
    const relation = (await relations(caller, [participantId], parties)).get(participantId)!;
    return mayAccess(caller.roles, relation, resource);
  }

  /** Writes one access-log row per person read. A read that cannot be logged fails with it: no unlogged reads. */
  async function logReads(caller: AccessCaller & { actor?: string }, reads: readonly ReadRecord[], channel: ReadChannel = caller.channel ?? 'api'): Promise<void> {
    if (!reads.length) return;
    const actor = caller.actor ?? (await db.staff.findUnique({ where: { id: caller.staffId }, select: { email: true } }))?.email ?? caller.staffId;
    const at = deps.now?.() ?? new Date();
    await db.accessLogEntry.createMany({
      data: reads.map((r) => ({ at, staffId: caller.staffId, actor, participantId: r.participantId, what: r.what, item: r.item ?? null, channel })),
    });
  }

  return {
    relations,
    may,
    logReads,

    /**
     * Reads of one person's process: allowed (and logged) or a 404 with `notFound`'s words, the
     * same answer as for a process that does not exist.
     */
    async requireProcess(caller: AccessCaller, read: ReadRecord & { resource: AccessResource; parties: ProcessParties }, notFound: AppError): Promise<void> {
      if (!(await may(caller, read.participantId, read.resource, read.parties))) throw notFound;
      await logReads(caller, [read]);
    },

    /**
     * Finds a person by id or local reference for a caller who may use `resource` on them.
     * Unknown and "not yours" give the same 404, so no answer tells whether a person exists.
     */
    async requireParticipant(caller: AccessCaller, by: { id?: string; localRef?: string }, resource: AccessResource, opts: { log?: string } = {}) {
      const ref = by.localRef ?? by.id;
      if (!ref) throw participantNotFound();
      const participant = await db.participant.findUnique({
        where: by.id ? { id: by.id } : { localRef: by.localRef! },
        select: { id: true, localRef: true, displayName: true },
      });
      if (!participant || !(await may(caller, participant.id, resource))) throw participantNotFound(ref);
      if (opts.log) await logReads(caller, [{ participantId: participant.id, what: opts.log }]);
      return participant;
    },

    /** Of these people, those the caller may see as `resource` (one row each on a roster or report). */
    async visible(caller: AccessCaller, participantIds: readonly string[], resource: AccessResource): Promise<Set<string>> {
      if (caller.roles.includes('admin')) return new Set(participantIds);
      const rel = await relations(caller, participantIds);
      return new Set([...rel].filter(([, r]) => mayAccess(caller.roles, r, resource)).map(([id]) => id));
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
