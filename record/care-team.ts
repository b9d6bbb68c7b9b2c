// Care-team membership writes: who joins a person's care team, with who added them, when and
// why, and the audit event that records it in the same transaction. Used by the sprint's
// record activity, the plan service and the care-team routes and CLI.
import type { Db, Prisma } from '../runtime/db';
import { appendAuditEvent } from './audit';

type Tx = Prisma.TransactionClient;

export type CareTeamSource = 'manual' | 'cli' | 'sprint' | 'plan';

export interface CareTeamGrant {
  participantId: string;
  agencyIds?: readonly string[];
  staffIds?: readonly string[];
  /** manual and cli are granted by a person; sprint and plan are implied by naming the agency. */
  source: CareTeamSource;
  /** The sprint's workflow id or the plan id, for implied memberships. */
  sourceRef?: string;
  addedById?: string | null;
  /** As shown to a reader: the staff email, "system", or "cli:<user>". */
  addedBy: string;
  reason: string;
  /** Makes the audit event idempotent: a retried grant writes nothing new. */
  idempotencyKey?: string;
  process?: string;
  workflowId?: string;
}

/**
 * Adds care-team members inside the caller's transaction, with one audit event naming them. A
 * member already in the team by the same source is left as it is. Returns the keys added.
 */
export async function grantCareTeam(tx: Tx, grant: CareTeamGrant): Promise<string[]> {
  const rows = [
    ...[...new Set(grant.agencyIds ?? [])].map((agencyId) => ({ agencyId, staffId: null, memberKey: `agency:${agencyId}` })),
    ...[...new Set(grant.staffIds ?? [])].map((staffId) => ({ agencyId: null, staffId, memberKey: `staff:${staffId}` })),
  ];
  if (!rows.length) return [];
  const sourceRef = grant.sourceRef ?? '';
  const existing = await tx.careTeamMember.findMany({
    where: { participantId: grant.participantId, source: grant.source, sourceRef, removedAt: null, memberKey: { in: rows.map((r) => r.memberKey) } },
    select: { memberKey: true },
  });
  const have = new Set(existing.map((e) => e.memberKey));
  const fresh = rows.filter((r) => !have.has(r.memberKey));
  if (!fresh.length) return [];
  await tx.careTeamMember.createMany({
    data: fresh.map((r) => ({ participantId: grant.participantId, ...r, source: grant.source, sourceRef, addedById: grant.addedById ?? null, addedBy: grant.addedBy, reason: grant.reason })),
    // A concurrent grant of the same member by the same source (the partial unique index) wins.
    skipDuplicates: true,
  });
  const added = fresh.map((r) => r.memberKey);
  await appendAuditEvent(tx, {
    actor: grant.addedBy,
    actorId: grant.addedById ?? null,
    action: 'care-team.added',
    reason: grant.reason,
    process: grant.process ?? 'care-team',
    workflowId: grant.workflowId ?? null,
    item: grant.sourceRef || null,
    participantId: grant.participantId,
    data: { members: added, source: grant.source },
    idempotencyKey: grant.idempotencyKey ?? null,
  });
  return added;
}

/** Ends memberships (never deletes them), with one audit event. Returns the keys removed. */
export async function removeCareTeamMembers(
  tx: Tx,
  r: { participantId: string; where: Prisma.CareTeamMemberWhereInput; removedById?: string | null; removedBy: string; reason: string; at: Date },
): Promise<string[]> {
  const rows = await tx.careTeamMember.findMany({ where: { ...r.where, participantId: r.participantId, removedAt: null }, select: { id: true, memberKey: true } });
  if (!rows.length) return [];
  await tx.careTeamMember.updateMany({
    where: { id: { in: rows.map((x) => x.id) } },
    data: { removedAt: r.at, removedById: r.removedById ?? null, removedBy: r.removedBy, removedReason: r.reason },
  });
  const removed = [...new Set(rows.map((x) => x.memberKey))];
  await appendAuditEvent(tx, {
    actor: r.removedBy,
    actorId: r.removedById ?? null,
    action: 'care-team.removed',
    reason: r.reason,
    process: 'care-team',
    participantId: r.participantId,
    data: { members: removed },
    at: r.at,
  });
  return removed;
}

/** Grants in a transaction of their own. */
export function grantCareTeamNow(db: Db, grant: CareTeamGrant): Promise<string[]> {
  return db.$transaction((tx) => grantCareTeam(tx, grant));
}
