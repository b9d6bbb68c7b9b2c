// A participant's audit trail for commissioners: every event about them, in order, with the
// result of verifying the whole hash chain (an altered or removed event anywhere breaks it).
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { hashAuditEvent, verifyAuditChain, type AuditVerification } from '../../record/audit';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import type { Caller } from '../sprints/service';
import { createAccess } from '../access';
import { toCsv } from './reports';
import { actionWords } from '../people/audit-words';
import { CHANNEL_WORDS, processStatusWords, PROCESS_WORDS, TASK_REASON_WORDS, TASK_STATUS_WORDS } from '../../domain/words';

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

/**
 * The CSV is for people reading the trail: what happened, the process and the details in words.
 * The codes and each event's data as recorded stay in the JSON, with the hashes to check them by.
 */
export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actor', 'actorId', 'what', 'process', 'item', 'reason', 'details', 'workflowId', 'prevHash', 'hash'];

export function createParticipantAuditService(deps: { db: Db; temporal: Client; now?: () => Date }) {
  const access = createAccess({ db: deps.db, now: deps.now });

  return {
    async trail(caller: Caller, rawId: string, rawQuery: unknown): Promise<ParticipantAudit> {
      parseInput(ZAuditQuery, rawQuery, 'query');
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      if (!caller.roles.some((r) => r === 'manager' || r === 'coordinator' || r === 'admin')) throw new AppError('FORBIDDEN', 'Audit trails are for managers, coordinators and admins.');
      // Whether a participant exists is itself information: outside callers get one answer for both.
      const participant = await access.requireParticipant(caller, { id }, 'audit', { log: 'audit-trail' });
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

/** Events on one page of the person hub's audit timeline. */
export const AUDIT_PAGE_SIZE = 50;

export interface AuditPage {
  /** 1 is the newest events. */
  page: number;
  pages: number;
  total: number;
  events: Pick<ParticipantAuditEvent, 'seq' | 'at' | 'actor' | 'action' | 'reason' | 'process' | 'workflowId' | 'item' | 'data'>[];
}

/**
 * One page of a person's audit trail, newest first, for reading on a page (the whole trail, in
 * order and verified, is `trail` above). A page past the end is the last page. The caller has
 * already passed the access check for the audit trail.
 */
export async function readAuditPage(db: Db, participantId: string, page: number, size = AUDIT_PAGE_SIZE): Promise<AuditPage> {
  const total = await db.auditEvent.count({ where: { participantId } });
  const pages = Math.max(1, Math.ceil(total / size));
  const at = Math.min(Math.max(1, Math.floor(page)), pages);
  const rows = await db.auditEvent.findMany({
    where: { participantId },
    orderBy: { seq: 'desc' },
    skip: (at - 1) * size,
    take: size,
    select: { seq: true, at: true, actor: true, action: true, reason: true, process: true, workflowId: true, item: true, data: true },
  });
  return { page: at, pages, total, events: rows.map((e) => ({ ...e, at: e.at.toISOString() })) };
}

const OTHER_PROCESS_WORDS: Record<string, string> = { plan: 'Care plan', 'care-team': 'Care team', staff: 'Staff', manual: 'Raised by a person', 'working-agreement': 'Working agreement' };

/** A process named in words ("Post-discharge sprint", "Care plan"). */
function auditProcessWords(process: string | null): string {
  if (!process) return '';
  return (PROCESS_WORDS as Record<string, string>)[process] ?? OTHER_PROCESS_WORDS[process] ?? process.replace(/[-_]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** One value of an event's data in words: statuses, reasons and channels through domain/words.ts. */
function valueWords(key: string, value: unknown, process: string | null, action: string): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'string') return JSON.stringify(value) ?? '';
  if (key === 'status' && action.startsWith('task.')) return (TASK_STATUS_WORDS as Record<string, string>)[value] ?? value;
  if (key === 'status') {
    const words = processStatusWords(process ?? undefined, value);
    if (words !== 'Unknown status') return words;
    return (TASK_STATUS_WORDS as Record<string, string>)[value] ?? value;
  }
  if (key === 'statusReason') return (TASK_REASON_WORDS as Record<string, string>)[value] ?? value;
  if (key === 'channel') return CHANNEL_WORDS[value] ?? value;
  return value;
}

/** An event's data as "key: value" pairs in words ("status: Done; on time: yes"). */
export function auditDetailsWords(data: unknown, process: string | null, action = ''): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object' || Array.isArray(data)) return JSON.stringify(data);
  return Object.entries(data as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()}: ${valueWords(k, v, process, action)}`)
    .join('; ');
}

export function participantAuditCsv(audit: ParticipantAudit): string {
  return toCsv(
    audit.events.map((e) => ({ ...e, what: actionWords(e.action), process: auditProcessWords(e.process), details: auditDetailsWords(e.data, e.process, e.action) })),
    AUDIT_CSV_COLUMNS,
  );
}

export type ParticipantAuditService = ReturnType<typeof createParticipantAuditService>;
