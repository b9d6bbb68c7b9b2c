// A person's care team and who looked at them. The care team is where access comes from
// (`domain/access.ts`); it is changed by a coordinator of the team or the plan-holder (and by
// the admin CLI), each change with who, when and why, and an audit event.
import { z } from 'zod';
import { grantCareTeamNow, removeCareTeamMembers } from '../../record/care-team';
import type { Db } from '../../runtime/db';
import { createAccess, type AccessCaller } from '../access';
import { AppError, parseInput } from '../errors';
import { AGENCY_LOOKUP_HINT, resolveAgency, ZAgencyRef } from './directory';

export const ZParticipantId = z.string().regex(/^[\w-]{1,64}$/, 'must be a participant id');

export const ZAddCareTeamMember = z
  .object({
    /** An agency id or its key (e.g. "county-hospital"). */
    agency: ZAgencyRef.optional(),
    staffId: z.string().trim().regex(/^[\w-]{1,64}$/, 'must be a staff id').optional(),
    reason: z.string().trim().min(3, 'say why they join the care team (at least 3 characters)').max(500, 'must be at most 500 characters'),
  })
  .strict()
  .refine((v) => (v.agency === undefined) !== (v.staffId === undefined), { message: 'name either an agency or a staff member, not both', path: ['agency'] });

export const ZRemoveCareTeamMember = z.object({ reason: z.string().trim().min(3, 'say why they leave the care team (at least 3 characters)').max(500, 'must be at most 500 characters') }).strict();

export const ZAccessLogQuery = z
  .object({
    limit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
    before: z.coerce.number().int('must be an entry id').positive('must be an entry id').optional(),
  })
  .strict();

export interface CareTeamMemberView {
  id: string;
  kind: 'agency' | 'person';
  agency?: { id: string; key: string; name: string };
  staff?: { id: string; name: string; email: string; agencyName: string };
  source: string;
  sourceRef: string | null;
  addedBy: string;
  addedAt: string;
  reason: string;
  removed?: { at: string; by: string; reason: string };
}

/** Every membership of a person's care team, current first, then those that ended. */
export async function listCareTeam(db: Db, participantId: string): Promise<CareTeamMemberView[]> {
  const rows = await db.careTeamMember.findMany({ where: { participantId }, orderBy: [{ removedAt: { sort: 'desc', nulls: 'first' } }, { addedAt: 'asc' }] });
  const agencyIds = rows.flatMap((r) => (r.agencyId ? [r.agencyId] : []));
  const staffIds = rows.flatMap((r) => (r.staffId ? [r.staffId] : []));
  const [agencies, staff] = await Promise.all([
    db.agency.findMany({ where: { id: { in: agencyIds } }, select: { id: true, key: true, name: true } }),
    db.staff.findMany({ where: { id: { in: staffIds } }, select: { id: true, name: true, email: true, agency: { select: { name: true } } } }),
  ]);
  const agencyById = new Map(agencies.map((a) => [a.id, a]));
  const staffById = new Map(staff.map((s) => [s.id, { id: s.id, name: s.name, email: s.email, agencyName: s.agency.name }]));
  return rows.map((r) => ({
    id: r.id,
    kind: r.agencyId ? 'agency' : 'person',
    ...(r.agencyId ? { agency: agencyById.get(r.agencyId) } : {}),
    ...(r.staffId ? { staff: staffById.get(r.staffId) } : {}),
    source: r.source,
    sourceRef: r.sourceRef || null,
    addedBy: r.addedBy,
    addedAt: r.addedAt.toISOString(),
    reason: r.reason,
    ...(r.removedAt ? { removed: { at: r.removedAt.toISOString(), by: r.removedBy ?? '', reason: r.removedReason ?? '' } } : {}),
  }));
}

export interface AccessLogView {
  id: number;
  at: string;
  actor: string;
  staffId: string | null;
  what: string;
  item: string | null;
  channel: string;
}

/** Who read this person's data, newest first, a page at a time. */
export async function readAccessLog(db: Db, participantId: string, q: { limit?: number; before?: number } = {}): Promise<{ entries: AccessLogView[]; nextBefore?: number }> {
  const limit = q.limit ?? 200;
  const rows = await db.accessLogEntry.findMany({
    where: { participantId, ...(q.before ? { id: { lt: BigInt(q.before) } } : {}) },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    entries: page.map((r) => ({ id: Number(r.id), at: r.at.toISOString(), actor: r.actor, staffId: r.staffId, what: r.what, item: r.item, channel: r.channel })),
    ...(rows.length > limit ? { nextBefore: Number(page[page.length - 1]!.id) } : {}),
  };
}

/** Finds the agency by id or key; the member to add must exist and be active. */
export async function resolveMember(db: Db, input: { agency?: string; staffId?: string }): Promise<{ agencyIds: string[]; staffIds: string[]; label: string }> {
  const invalid = (field: string, message: string) => new AppError('INVALID_INPUT', 'The care-team member has invalid fields.', { fields: [{ field, message }] });
  if (input.agency) {
    const agency = await resolveAgency(db, input.agency);
    if (!agency) throw invalid('agency', `is not an agency careloop knows; ${AGENCY_LOOKUP_HINT}`);
    return { agencyIds: [agency.id], staffIds: [], label: agency.name };
  }
  const staff = await db.staff.findFirst({ where: { id: input.staffId, active: true }, select: { id: true, name: true } });
  if (!staff) throw invalid('staffId', 'is not an active staff member');
  return { agencyIds: [], staffIds: [staff.id], label: staff.name };
}

export function createParticipantService(deps: { db: Db; now?: () => Date }) {
  const access = createAccess(deps);
  const now = () => deps.now?.() ?? new Date();
  const email = async (staffId: string) => (await deps.db.staff.findUniqueOrThrow({ where: { id: staffId }, select: { email: true } })).email;

  return {
    async careTeam(caller: AccessCaller, rawId: string) {
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const participant = await access.requireParticipant(caller, { id }, 'care-team', { log: 'care-team' });
      return { participant, members: await listCareTeam(deps.db, participant.id) };
    },

    async addToCareTeam(caller: AccessCaller, rawId: string, body: unknown) {
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const input = parseInput(ZAddCareTeamMember, body, 'care-team member');
      // Only a coordinator of the team or the plan-holder adds people; to anyone else the person is not there.
      const participant = await access.requireParticipant(caller, { id }, 'care-team-change');
      const member = await resolveMember(deps.db, input);
      const addedBy = await email(caller.staffId);
      const added = await grantCareTeamNow(deps.db, { participantId: participant.id, agencyIds: member.agencyIds, staffIds: member.staffIds, source: 'manual', addedById: caller.staffId, addedBy, reason: input.reason });
      if (!added.length) throw new AppError('CONFLICT', `${member.label} is already in this person's care team.`);
      return { participant, members: await listCareTeam(deps.db, participant.id) };
    },

    async removeFromCareTeam(caller: AccessCaller, rawId: string, rawMemberId: string, body: unknown) {
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const memberId = parseInput(ZParticipantId, rawMemberId, 'member id');
      const { reason } = parseInput(ZRemoveCareTeamMember, body, 'removal');
      const participant = await access.requireParticipant(caller, { id }, 'care-team-change');
      const removedBy = await email(caller.staffId);
      const removed = await deps.db.$transaction((tx) => removeCareTeamMembers(tx, { participantId: participant.id, where: { id: memberId }, removedById: caller.staffId, removedBy, reason, at: now() }));
      if (!removed.length) throw new AppError('NOT_FOUND', 'No current care-team member with that id.');
      return { participant, members: await listCareTeam(deps.db, participant.id) };
    },

    async accessLog(caller: AccessCaller, rawId: string, rawQuery: unknown) {
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const q = parseInput(ZAccessLogQuery, rawQuery, 'query');
      const participant = await access.requireParticipant(caller, { id }, 'access-log', { log: 'access-log' });
      return { participant, ...(await readAccessLog(deps.db, participant.id, q)) };
    },
  };
}

export type ParticipantService = ReturnType<typeof createParticipantService>;
