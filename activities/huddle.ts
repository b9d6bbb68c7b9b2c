// The side effects of a huddle (workflows/huddle.ts): preparing it (the roster captured as it
// stood, whom to ask), keeping its record current (attendance, decisions, status) with the audit
// events and the decision links a change ends, and its emails.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Prisma } from '../runtime/db';
import type { StaffRef } from '../domain/sprint';
import type { HuddleDecisionState, HuddleStatus, PreparedHuddle } from '../domain/huddle';
import { formatInstant } from '../domain/format';
import { huddleEmail, type HuddleEmailKind } from '../domain/emails/huddle';
import { HUDDLE_DECISION_TOKEN_PURPOSE, TOKEN_EXPIRY } from '../domain/tokens';
// The roster's rules and its reading of Temporal visibility are the API's (the /roster page):
// the huddle captures the same roster, for the agency, rather than a second version of it.
import { createRosterService, type Roster } from '../api/evidence/roster';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import type { Delivery } from './notifications';

export interface HuddleEmail {
  process: 'huddle';
  kind: HuddleEmailKind;
  idempotencyKey: string;
  to: StaffRef;
  agencyName: string;
  /** When the huddle started (ISO). */
  startedAt: string;
  rosterRows?: number;
  rosterProblem?: boolean;
  /** The decision an owner's email is about: its link carries it. */
  decision?: { key: string; participantRef: string; dueAt: string };
}

export function huddleDelivery(deps: ActivityDeps, workflowId: string, email: HuddleEmail): Delivery {
  const tz = deps.links.timeZone;
  const d = email.decision;
  const page = `${deps.links.publicBaseUrl}/huddles/${encodeURIComponent(workflowId)}`;
  return {
    key: email.idempotencyKey,
    kind: email.kind,
    process: 'huddle',
    workflowId,
    to: email.to,
    // The attendees open the huddle's page signed in: their email carries no token.
    links: d ? [{ name: 'decision', purpose: HUDDLE_DECISION_TOKEN_PURPOSE, scope: { huddleId: workflowId, decision: d.key } }] : [],
    expiresAt: new Date(d ? TOKEN_EXPIRY.huddleDecision(d.dueAt) : Date.parse(email.startedAt) + 86_400_000),
    compose: (links) =>
      huddleEmail({
        kind: email.kind,
        recipientName: email.to.name,
        agencyName: email.agencyName,
        heldAt: formatInstant(email.startedAt, tz),
        rosterRows: email.rosterRows,
        rosterProblem: email.rosterProblem,
        participantRef: d?.participantRef,
        dueBy: d ? formatInstant(d.dueAt, tz) : undefined,
        link: d ? links.get('decision')! : page,
      }),
    auditItem: d?.key ?? 'huddle',
    auditData: {},
  };
}

const staffSelect = { id: true, name: true, email: true, agencyId: true } as const;

/** How many tries the roster gets before the huddle goes ahead without it (a minute or so of retries). */
const ROSTER_ATTEMPTS = 5;

export interface PrepareHuddleInput extends Commit {
  workflowId: string;
  agencyId: string;
  scheduleId?: string;
  startedAt: string;
  notesCloseAt: string;
}

export interface HuddleRecord extends Commit {
  workflowId: string;
  status?: HuddleStatus;
  notesClosedAt?: string;
  closedAt?: string;
  attendance?: { staffId: string; invited: boolean; attended: boolean; recordedById?: string; recordedAt?: string }[];
  decisions?: HuddleDecisionState[];
  /** Decisions whose links stop working (recorded done or not done). */
  endDecisionLinks?: string[];
}

export function createHuddleActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();

  /** The agency's roster now, or why it could not be read once the tries are spent. */
  async function captureRoster(agencyId: string): Promise<{ roster: Roster; problem?: string }> {
    try {
      const roster = await createRosterService({ db: deps.db, temporal: Context.current().client, now: deps.now }).captureForAgency(agencyId);
      return { roster };
    } catch (err) {
      // A server with no visibility (UNIMPLEMENTED, code 12) will not grow one by retrying.
      const unimplemented = (err as { code?: number }).code === 12;
      if (!unimplemented && Context.current().info.attempt < ROSTER_ATTEMPTS) throw err;
      // The huddle meets whatever: its page links the live roster instead.
      return {
        roster: { generatedAt: now().toISOString(), sortedBy: [], rows: [], truncated: false },
        problem: `careloop could not read the open work from Temporal (${(err as Error).message.slice(0, 200)})`,
      };
    }
  }

  return {
    /**
     * Prepares a huddle once: the agency's roster as it stands, and whom to ask (its active
     * coordinators and managers), written with the huddle's first audit events. A retry finds the
     * huddle prepared and answers from the record; the roster is never read twice.
     */
    async prepareHuddle(input: PrepareHuddleInput): Promise<PreparedHuddle> {
      const agency = await deps.db.agency.findUnique({ where: { id: input.agencyId }, select: { name: true } });
      if (!agency) throw ApplicationFailure.nonRetryable(`No agency ${input.agencyId}: the huddle's schedule names an agency careloop does not know.`, 'UnknownAgency');
      const existing = await deps.db.huddle.findUnique({
        where: { id: input.workflowId },
        select: { roster: true, rosterProblem: true, attendance: { where: { invited: true }, select: { staffId: true } } },
      });
      if (existing) {
        const invited = await deps.db.staff.findMany({ where: { id: { in: existing.attendance.map((a) => a.staffId) } }, select: staffSelect, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
        return { agencyName: agency.name, invited, rosterRows: (existing.roster as unknown as Roster).rows?.length ?? 0, ...(existing.rosterProblem ? { rosterProblem: existing.rosterProblem } : {}) };
      }
      const [{ roster, problem }, invited] = await Promise.all([
        captureRoster(input.agencyId),
        deps.db.staff.findMany({ where: { agencyId: input.agencyId, active: true, roles: { hasSome: ['coordinator', 'manager'] } }, select: staffSelect, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
      ]);
      await withCommit(deps.db, input, now(), async (tx) => {
        await tx.huddle.create({
          data: {
            id: input.workflowId,
            agencyId: input.agencyId,
            scheduleId: input.scheduleId ?? null,
            startedAt: new Date(input.startedAt),
            roster: roster as unknown as Prisma.InputJsonValue,
            rosterProblem: problem ?? null,
            status: 'open',
            notesCloseAt: new Date(input.notesCloseAt),
          },
        });
        if (invited.length) await tx.huddleAttendance.createMany({ data: invited.map((s) => ({ huddleId: input.workflowId, staffId: s.id, invited: true })) });
      });
      return { agencyName: agency.name, invited, rosterRows: roster.rows.length, ...(problem ? { rosterProblem: problem } : {}) };
    },

    /**
     * The huddle's record after a change: its status, attendance and the decisions that changed,
     * written whole, with the change's audit events and the decision links it ends, in one
     * transaction. Idempotent: rows are written whole, events are keyed.
     */
    async recordHuddle(input: HuddleRecord): Promise<void> {
      const date = (iso?: string) => (iso ? new Date(iso) : null);
      await withCommit(deps.db, input, now(), async (tx) => {
        if (input.status || input.notesClosedAt || input.closedAt) {
          await tx.huddle.update({
            where: { id: input.workflowId },
            data: { ...(input.status ? { status: input.status } : {}), ...(input.notesClosedAt ? { notesClosedAt: new Date(input.notesClosedAt) } : {}), ...(input.closedAt ? { closedAt: new Date(input.closedAt) } : {}) },
          });
        }
        for (const a of input.attendance ?? []) {
          const row = { invited: a.invited, attended: a.attended, recordedById: a.recordedById ?? null, recordedAt: date(a.recordedAt) };
          await tx.huddleAttendance.upsert({ where: { huddleId_staffId: { huddleId: input.workflowId, staffId: a.staffId } }, create: { huddleId: input.workflowId, staffId: a.staffId, ...row }, update: row });
        }
        for (const d of input.decisions ?? []) {
          const row = {
            key: d.key,
            participantId: d.participant.id,
            text: d.text,
            ownerId: d.owner.id,
            ownerAgencyId: d.owner.agencyId,
            decidedById: d.decidedBy.staffId,
            decidedAt: new Date(d.decidedAt),
            dueAt: new Date(d.dueAt),
            status: d.status,
            endedAt: date(d.endedAt),
            endedById: d.endedBy?.staffId ?? null,
            channel: d.endedBy?.channel ?? null,
            note: d.note ?? null,
            onTime: d.onTime ?? null,
            wasOverdue: d.overdue,
            escalationId: d.escalationId ?? null,
          };
          const id = `${input.workflowId}:${d.key}`;
          await tx.huddleDecision.upsert({ where: { id }, create: { id, huddleId: input.workflowId, ...row }, update: row });
        }
        for (const key of input.endDecisionLinks ?? []) {
          await tx.actionToken.updateMany({
            where: { workflowId: input.workflowId, purpose: HUDDLE_DECISION_TOKEN_PURPOSE, usedAt: null, revokedAt: null, scope: { path: ['decision'], equals: key } },
            data: { revokedAt: now() },
          });
        }
      });
    },
  };
}
