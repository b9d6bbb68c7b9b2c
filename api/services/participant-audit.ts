// A participant's audit trail for commissioners: every event about them, in order, with the
// result of verifying the whole hash chain (an altered or removed event anywhere breaks it).
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { hashAuditEvent, verifyAuditChain, type AuditVerification } from '../../activities/audit';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import type { Caller } from './sprints';
import { queryVisibility } from './workflow-list';
import { toCsv } from './reports';

export const ZParticipantId = z.string().regex(/^[\w-]{1,64}$/, 'must be a participant id');
export const ZAuditQuery = z.object({ format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional() }).strict();

export interface ParticipantAuditEvent {
  seq: number;
  at: string;
  actor: string;
  actorId: string | null;
  action: string;
  reason: string | null;
  process: string | null;
  workflowId: string | null;
  item: string | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

export interface ParticipantAudit {
  participant: { id: string; localRef: string; displayName: string };
  generatedAt: string;
  events: ParticipantAuditEvent[];
  verification: {
    /** The whole trail's hash chain, from the first event to the last. */
    chain: AuditVerification;
    /** Each of this participant's events still hashes to the value stored with it. */
    participantEventsIntact: boolean;
  };
}

const VISIBILITY_DEADLINE_MS = 2000;

export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actor', 'actorId', 'action', 'reason', 'process', 'workflowId', 'item', 'data', 'prevHash', 'hash'];

export function createParticipantAuditService(deps: { db: Db; temporal: Client; now?: () => Date }) {
  /** Does the caller's agency work with this participant, in the record or in a live process? */
  async function agencyWorksWith(agencyId: string, participantId: string): Promise<boolean> {
    const db = deps.db;
    const staffIds = (await db.staff.findMany({ where: { agencyId }, select: { id: true } })).map((s) => s.id);
    const [sprint, plan, dispute, escalation, actor] = await Promise.all([
      db.sprint.findFirst({ where: { participantId, OR: [{ coordinator: { agencyId } }, { tasks: { some: { owner: { agencyId } } } }] }, select: { id: true } }),
      db.carePlan.findFirst({ where: { participantId, planHolder: { agencyId } }, select: { id: true } }),
      db.dispute.findFirst({ where: { participantId, partyAgencyIds: { has: agencyId } }, select: { id: true } }),
      db.escalation.findFirst({ where: { participantId, chairId: { in: staffIds } }, select: { id: true } }),
      db.auditEvent.findFirst({ where: { participantId, actorId: { in: staffIds } }, select: { seq: true } }),
    ]);
    if (sprint || plan || dispute || escalation || actor) return true;
    // Owners of an open sprint's tasks are in no table until it closes: visibility knows them.
    try {
      // A Temporal that is down must not hold the trail up for long: the record answered already.
      const query = `CareloopParticipant = '${participantId}' AND CareloopAgencies = '${agencyId.replace(/'/g, '')}'`;
      const { workflows } = await queryVisibility(deps.temporal, query, 1, undefined, VISIBILITY_DEADLINE_MS);
      return workflows.length > 0;
    } catch {
      return false;
    }
  }

  return {
    async trail(caller: Caller, rawId: string, rawQuery: unknown): Promise<ParticipantAudit> {
      parseInput(ZAuditQuery, rawQuery, 'query');
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const isAdmin = caller.roles.includes('admin');
      if (!isAdmin && !caller.roles.some((r) => r === 'manager' || r === 'coordinator')) throw new AppError('FORBIDDEN', 'Audit trails are for managers, coordinators and admins.');
      const participant = await deps.db.participant.findUnique({ where: { id }, select: { id: true, localRef: true, displayName: true } });
      // Whether a participant exists is itself information: outside callers get one answer for both.
      const notFound = new AppError('NOT_FOUND', isAdmin ? `No participant ${id}.` : `No participant ${id} among those your agency works with.`);
      if (!participant) throw notFound;
      if (!isAdmin && !(await agencyWorksWith(caller.agencyId, id))) throw notFound;
      const [rows, chain] = await Promise.all([deps.db.auditEvent.findMany({ where: { participantId: id }, orderBy: { seq: 'asc' } }), verifyAuditChain(deps.db)]);
      return {
        participant,
        generatedAt: (deps.now?.() ?? new Date()).toISOString(),
        events: rows.map((e) => ({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, actorId: e.actorId, action: e.action, reason: e.reason, process: e.process, workflowId: e.workflowId, item: e.item, data: e.data, prevHash: e.prevHash, hash: e.hash })),
        verification: { chain, participantEventsIntact: rows.every((e) => hashAuditEvent(e) === e.hash) },
      };
    },
  };
}

export function participantAuditCsv(audit: ParticipantAudit): string {
  return toCsv(
    audit.events.map((e) => ({ ...e, data: JSON.stringify(e.data) })),
    AUDIT_CSV_COLUMNS,
  );
}

export type ParticipantAuditService = ReturnType<typeof createParticipantAuditService>;
