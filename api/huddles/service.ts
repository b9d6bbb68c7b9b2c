// The huddle service: everything the huddle pages, the decision links and the CLI do to a huddle
// and its schedule goes through here. The huddle's record (api reads it from the Huddle rows the
// workflow keeps current) answers reads; the workflow has the last word on every change.
//
// Who: a huddle is its agency's. Its coordinators and managers (and admins) open it, take its
// notes and record its decisions; anyone else is told there is no such huddle. The roster it
// shows is cut to the people whose care teams include the reader, each read logged.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { createAccess, LINK_NOT_VALID, linkHolder, requireRole, type AccessCaller } from '../access';
import { AppError, type AppErrorCode, type FieldProblem } from '../errors';
import { spendActionToken, type ActionTokenRow } from '../links/tokens';
import { translateTemporalError } from '../temporal-errors';
import type { Caller } from '../sprints/service';
import type { Roster, RosterRow } from '../evidence/roster';
import { createDirectory, resolveAgency } from '../people/directory';
import { zonedLocalToInstant } from '../../domain/format';
import { manualHuddleId, parseHuddleDays, parseHuddleTime, type HuddleDay, type HuddleInput, type HuddleStatus } from '../../domain/huddle';
import type { ActionChannel, Actor, StaffRef } from '../../domain/sprint';
import { addHuddleDecisionUpdate, endHuddleDecisionUpdate, finishHuddleUpdate, HuddleRejection, huddleWorkflow, recordHuddleAttendanceUpdate } from '../../workflows/huddle';
import { createHuddleSchedules, type HuddleScheduleView, type ScheduleActor } from './schedules';

export interface HuddleServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  timeZone: string;
  now?: () => Date;
}

export interface HuddleDecisionView {
  key: string;
  number: number;
  /** Null when the reader's care teams do not include the person. */
  participant: { id: string; localRef: string; displayName: string } | null;
  text: string;
  owner: { id: string; name: string; agencyName: string };
  decidedBy: string;
  decidedAt: string;
  dueAt: string;
  status: 'open' | 'done' | 'not-done';
  endedAt: string | null;
  endedBy: string | null;
  note: string | null;
  onTime: boolean | null;
  overdue: boolean;
  escalationId: string | null;
}

export interface HuddleView {
  id: string;
  agency: { id: string; key: string; name: string };
  scheduled: boolean;
  status: HuddleStatus;
  startedAt: string;
  notesCloseAt: string;
  notesClosedAt: string | null;
  closedAt: string | null;
  /** The roster as it stood when the huddle was prepared, cut to the people the reader may see. */
  roster: Roster;
  /** Rows of the captured roster the reader's care teams do not include. */
  rosterHidden: number;
  rosterProblem: string | null;
  attendance: { staff: { id: string; name: string; agencyName: string; roles: string[] }; invited: boolean; attended: boolean; recordedAt: string | null }[];
  decisions: HuddleDecisionView[];
  /** May the reader record attendance and decisions (a coordinator or manager of the agency, or an admin, while notes are open)? */
  mayTakeNotes: boolean;
}

export interface HuddleListRow {
  id: string;
  agency: { id: string; name: string };
  startedAt: string;
  status: HuddleStatus;
  invited: number;
  invitedAttended: number;
  othersAttended: number;
  decisions: number;
  decisionsOpen: number;
  decisionsOverdue: number;
}

/** Huddles of one agency listed on a page, newest first. */
const LIST_SIZE = 60;

const HUDDLE_ID = /^huddle-[\w:.-]{1,160}$/;
const DECISION_KEY = /^decision-\d{1,4}$/;

/** The workflow's refusals, as the API's. */
const REJECTION_CODES: Record<string, AppErrorCode> = {
  [HuddleRejection.preparing]: 'CONFLICT',
  [HuddleRejection.notesClosed]: 'CONFLICT',
  [HuddleRejection.unknownDecision]: 'NOT_FOUND',
  [HuddleRejection.decisionEnded]: 'CONFLICT',
  [HuddleRejection.notOwner]: 'FORBIDDEN',
  InvalidInput: 'INVALID_INPUT',
};

function translate(err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = REJECTION_CODES[err.cause.type ?? ''];
    if (code) throw new AppError(code, err.cause.message, { reason: err.cause.type });
  }
  if (err instanceof WorkflowNotFoundError) throw new AppError('CONFLICT', 'This huddle is no longer running: its record can no longer change.');
  translateTemporalError(err, 'huddle');
}

const invalid = (fields: FieldProblem[]) => new AppError('INVALID_INPUT', 'The form has invalid fields.', { fields });

const id = z.string().trim().regex(/^[\w-]{1,64}$/);
const one = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (Array.isArray(v) ? v[0] : v) ?? '');
const many = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

/** A decision as a form sends it: whom it is about (a roster row, or a reference), what, who, when. */
export const ZDecisionForm = z.object({ participant: one, participantRef: one, text: one, ownerId: one, due: one });
export const ZEndDecisionForm = z.object({ outcome: one, note: one });

export type TDecisionForm = z.input<typeof ZDecisionForm>;

/** The schedule form and the CLI: a time of day and days of the week. */
export function parseScheduleInput(input: { at?: string; days?: string }): { hour: number; minute: number; days: HuddleDay[] } {
  const problems: FieldProblem[] = [];
  const time = parseHuddleTime(input.at ?? '');
  if ('problem' in time) problems.push({ field: 'at', message: time.problem });
  const days = parseHuddleDays(input.days ?? '');
  if ('problem' in days) problems.push({ field: 'days', message: days.problem });
  if ('problem' in time || 'problem' in days) throw invalid(problems);
  return { ...time, days: days.days };
}

export function createHuddleService(deps: HuddleServiceDeps) {
  const db = deps.db;
  const access = createAccess({ db, now: deps.now });
  const now = () => deps.now?.() ?? new Date();
  const schedules = createHuddleSchedules(deps);
  const directory = createDirectory(db);
  const handleOf = (huddleId: string) => deps.temporal.workflow.getHandle<typeof huddleWorkflow>(huddleId);
  const actorOf = (c: Pick<Caller, 'staffId' | 'name'>, channel: ActionChannel): Actor => ({ staffId: c.staffId, name: c.name, channel });
  const isLead = (c: Pick<Caller, 'roles'>) => c.roles.some((r) => r === 'coordinator' || r === 'manager');
  /** A coordinator or manager of the huddle's agency, or an admin: runs the huddle. */
  const runsHuddle = (c: Pick<Caller, 'roles' | 'agencyId'>, agencyId: string) => c.roles.includes('admin') || (isLead(c) && c.agencyId === agencyId);

  async function update<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      translate(err);
    }
  }

  const notFound = () => new AppError('NOT_FOUND', 'No huddle with that id among your agency’s huddles.');

  /** The huddle's row, for a caller who runs it; anyone else learns nothing, not even that it exists. */
  async function huddleFor(caller: Pick<Caller, 'roles' | 'agencyId'>, huddleId: string) {
    if (!HUDDLE_ID.test(huddleId)) throw notFound();
    const row = await db.huddle.findUnique({ where: { id: huddleId }, select: { id: true, agencyId: true, status: true, scheduleId: true } });
    if (!row || !runsHuddle(caller, row.agencyId)) throw notFound();
    return row;
  }

  async function staffRef(staffId: string, field: string): Promise<StaffRef> {
    const s = /^[\w-]{1,64}$/.test(staffId) ? await db.staff.findUnique({ where: { id: staffId }, select: { id: true, name: true, email: true, agencyId: true, active: true } }) : null;
    if (!s || !s.active) throw invalid([{ field, message: staffId ? 'Choose someone who works in the partnership now' : 'Choose who owns the decision' }]);
    return { id: s.id, name: s.name, email: s.email, agencyId: s.agencyId };
  }

  async function agencyOf(caller: Caller, ref: string | undefined) {
    if (ref && caller.roles.includes('admin')) {
      const agency = await resolveAgency(db, ref);
      if (!agency) throw invalid([{ field: 'agency', message: `No agency ${ref}` }]);
      return agency;
    }
    return directory.agencyOf(caller.agencyId);
  }

  const scheduleActor = async (caller: Caller): Promise<ScheduleActor> => ({
    staffId: caller.staffId,
    actor: (await db.staff.findUnique({ where: { id: caller.staffId }, select: { email: true } }))?.email ?? caller.name,
  });

  /** The decision's link: its scope names the huddle and the decision; its holder is the decision's owner. */
  async function linkContext(row: ActionTokenRow) {
    const scope = z.object({ huddleId: z.string().regex(HUDDLE_ID), decision: z.string().regex(DECISION_KEY) }).safeParse(row.scope);
    if (!scope.success || scope.data.huddleId !== row.workflowId) throw LINK_NOT_VALID();
    const decision = await db.huddleDecision.findUnique({
      where: { id: `${scope.data.huddleId}:${scope.data.decision}` },
      select: { key: true, participantId: true, text: true, ownerId: true, dueAt: true, status: true, endedAt: true, endedById: true, note: true, onTime: true, wasOverdue: true, huddle: { select: { id: true, startedAt: true, agencyId: true } } },
    });
    if (!decision) throw LINK_NOT_VALID();
    const [participant, agency, endedBy] = await Promise.all([
      decision.participantId ? db.participant.findUnique({ where: { id: decision.participantId }, select: { id: true, localRef: true } }) : null,
      db.agency.findUnique({ where: { id: decision.huddle.agencyId }, select: { name: true } }),
      decision.endedById ? db.staff.findUnique({ where: { id: decision.endedById }, select: { name: true } }) : null,
    ]);
    return { decision, participant, agencyName: agency?.name ?? '', endedByName: endedBy?.name ?? null, caller: linkHolder(row.staff) };
  }

  async function endDecision(caller: Caller, huddleId: string, key: string, body: unknown, channel: ActionChannel, actsForHuddle: boolean) {
    const f = ZEndDecisionForm.parse(body ?? {});
    if (f.outcome !== 'done' && f.outcome !== 'not-done') throw new AppError('INVALID_INPUT', 'Use one of the buttons on the page.');
    const note = f.note.trim();
    if (note.length > 2000) throw invalid([{ field: 'note', message: 'Write at most 2000 characters' }]);
    if (f.outcome === 'not-done' && !note) throw invalid([{ field: 'note', message: 'Say why it was not done' }]);
    return update(() => handleOf(huddleId).executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: actorOf(caller, channel), decisionKey: key, outcome: f.outcome as 'done' | 'not-done', ...(note ? { note } : {}), actsForHuddle }] }));
  }

  return {
    schedules,

    // -- Schedules ------------------------------------------------------------------------------

    /** The huddle schedule of each agency the caller may manage: their own, or every agency for an admin. */
    async listSchedules(caller: Caller): Promise<{ agencies: { id: string; key: string; name: string }[]; schedules: (HuddleScheduleView | { agency: { id: string; key: string; name: string }; none: true })[] }> {
      requireRole(caller, ['manager', 'admin'], 'Huddle schedules are set by managers and admins.');
      const agencies = caller.roles.includes('admin') ? await directory.agencies() : [await directory.agencyOf(caller.agencyId)];
      const found = await Promise.all(agencies.map(async (a) => (await schedules.describe(a)) ?? { agency: a, none: true as const }));
      return { agencies, schedules: found };
    },

    async setSchedule(caller: Caller, body: { agency?: string; at?: string; days?: string }) {
      requireRole(caller, ['manager', 'admin'], 'Huddle schedules are set by managers and admins.');
      const agency = await agencyOf(caller, body.agency);
      const want = parseScheduleInput(body);
      return schedules.set(await scheduleActor(caller), agency, { ...want, timeZone: deps.timeZone });
    },

    async changeSchedule(caller: Caller, agencyRef: string | undefined, change: 'pause' | 'resume' | 'delete' | 'trigger', reason?: string) {
      requireRole(caller, ['manager', 'admin'], 'Huddle schedules are set by managers and admins.');
      const agency = await agencyOf(caller, agencyRef);
      const by = await scheduleActor(caller);
      if (change === 'pause') return schedules.pause(by, agency, reason);
      if (change === 'resume') return schedules.resume(by, agency);
      if (change === 'trigger') return schedules.trigger(by, agency);
      return schedules.remove(by, agency, reason);
    },

    // -- Huddles ----------------------------------------------------------------------------------

    /** The caller's agency's huddles (every agency's for an admin), newest first. */
    async list(caller: Caller): Promise<HuddleListRow[]> {
      requireRole(caller, ['coordinator', 'manager', 'admin'], 'Huddles are for coordinators, managers and admins.');
      const rows = await db.huddle.findMany({
        where: caller.roles.includes('admin') ? {} : { agencyId: caller.agencyId },
        orderBy: { startedAt: 'desc' },
        take: LIST_SIZE,
        select: { id: true, agencyId: true, startedAt: true, status: true, attendance: { select: { invited: true, attended: true } }, decisions: { select: { status: true, wasOverdue: true } } },
      });
      const agencies = new Map((await db.agency.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.agencyId))] } }, select: { id: true, name: true } })).map((a) => [a.id, a]));
      return rows.map((r) => ({
        id: r.id,
        agency: agencies.get(r.agencyId) ?? { id: r.agencyId, name: '' },
        startedAt: r.startedAt.toISOString(),
        status: r.status as HuddleStatus,
        invited: r.attendance.filter((a) => a.invited).length,
        invitedAttended: r.attendance.filter((a) => a.invited && a.attended).length,
        othersAttended: r.attendance.filter((a) => !a.invited && a.attended).length,
        decisions: r.decisions.length,
        decisionsOpen: r.decisions.filter((d) => d.status === 'open').length,
        decisionsOverdue: r.decisions.filter((d) => d.status === 'open' && d.wasOverdue).length,
      }));
    },

    /**
     * Whether a huddle is still being prepared (its workflow runs, its record is not written yet):
     * the page then says so and looks again. Says nothing about whose it is.
     */
    async isPreparing(huddleId: string): Promise<boolean> {
      if (!HUDDLE_ID.test(huddleId) || (await db.huddle.findUnique({ where: { id: huddleId }, select: { id: true } }))) return false;
      try {
        const d = await handleOf(huddleId).describe();
        return d.status.name === 'RUNNING' && d.type === 'huddleWorkflow';
      } catch {
        return false;
      }
    },

    /** One huddle as its page shows it: the roster cut to the reader's people (each logged), attendance and decisions. */
    async get(caller: Caller, huddleId: string): Promise<HuddleView> {
      requireRole(caller, ['coordinator', 'manager', 'admin'], 'Huddles are for coordinators, managers and admins.');
      await huddleFor(caller, huddleId);
      const h = await db.huddle.findUniqueOrThrow({
        where: { id: huddleId },
        include: { attendance: true, decisions: { orderBy: { decidedAt: 'asc' } } },
      });
      const roster = h.roster as unknown as Roster;
      const rows: RosterRow[] = roster.rows ?? [];
      const personIds = [...new Set([...rows.map((r) => r.participant.id), ...h.decisions.flatMap((d) => (d.participantId ? [d.participantId] : []))])];
      const staffIds = [...new Set([...h.attendance.map((a) => a.staffId), ...h.decisions.flatMap((d) => [d.ownerId, d.decidedById, ...(d.endedById ? [d.endedById] : [])])])];
      const [visible, agency, staff, people] = await Promise.all([
        access.visible(caller, personIds, 'roster-row'),
        db.agency.findUniqueOrThrow({ where: { id: h.agencyId }, select: { id: true, key: true, name: true } }),
        db.staff.findMany({ where: { id: { in: staffIds } }, select: { id: true, name: true, roles: true, agency: { select: { name: true } } } }),
        db.participant.findMany({ where: { id: { in: personIds } }, select: { id: true, localRef: true, displayName: true } }),
      ]);
      const staffById = new Map(staff.map((s) => [s.id, s]));
      const personById = new Map(people.map((p) => [p.id, p]));
      const shownRows = rows.filter((r) => visible.has(r.participant.id));
      const decisions: HuddleDecisionView[] = h.decisions.map((d) => ({
        key: d.key,
        number: Number(d.key.replace('decision-', '')),
        participant: d.participantId && visible.has(d.participantId) ? (personById.get(d.participantId) ?? null) : null,
        text: d.text,
        owner: { id: d.ownerId, name: staffById.get(d.ownerId)?.name ?? 'unknown staff', agencyName: staffById.get(d.ownerId)?.agency.name ?? '' },
        decidedBy: staffById.get(d.decidedById)?.name ?? 'unknown staff',
        decidedAt: d.decidedAt.toISOString(),
        dueAt: d.dueAt.toISOString(),
        status: d.status as HuddleDecisionView['status'],
        endedAt: d.endedAt?.toISOString() ?? null,
        endedBy: d.endedById ? (staffById.get(d.endedById)?.name ?? null) : null,
        note: d.note,
        onTime: d.onTime,
        overdue: d.wasOverdue || (d.status === 'open' && d.dueAt < now()),
        escalationId: d.escalationId,
      }));
      await access.logReads(caller, [...new Set([...shownRows.map((r) => r.participant.id), ...decisions.flatMap((d) => (d.participant ? [d.participant.id] : []))])].map((participantId) => ({ participantId, what: 'huddle', item: huddleId })));
      return {
        id: h.id,
        agency,
        scheduled: !!h.scheduleId,
        status: h.status as HuddleStatus,
        startedAt: h.startedAt.toISOString(),
        notesCloseAt: h.notesCloseAt.toISOString(),
        notesClosedAt: h.notesClosedAt?.toISOString() ?? null,
        closedAt: h.closedAt?.toISOString() ?? null,
        roster: { ...roster, rows: shownRows },
        rosterHidden: rows.length - shownRows.length,
        rosterProblem: h.rosterProblem,
        attendance: h.attendance
          .map((a) => ({ staff: { id: a.staffId, name: staffById.get(a.staffId)?.name ?? 'unknown staff', agencyName: staffById.get(a.staffId)?.agency.name ?? '', roles: staffById.get(a.staffId)?.roles ?? [] }, invited: a.invited, attended: a.attended, recordedAt: a.recordedAt?.toISOString() ?? null }))
          .sort((a, b) => Number(b.invited) - Number(a.invited) || a.staff.name.localeCompare(b.staff.name)),
        decisions,
        mayTakeNotes: h.status === 'open' && runsHuddle(caller, h.agencyId),
      };
    },

    /** Active staff to pick from (owners, others who attended), by agency. */
    staffChoices() {
      return directory.activeStaff();
    },

    /** Who attended: the ticked staff ids replace the record (those not ticked did not attend). */
    async recordAttendance(caller: Caller, huddleId: string, body: unknown) {
      await huddleFor(caller, huddleId);
      const ids = [...new Set(z.object({ attended: many }).parse(body ?? {}).attended)];
      const attendees = await Promise.all(ids.map((s, i) => staffRef(s, `attended.${i}`)));
      return update(() => handleOf(huddleId).executeUpdate(recordHuddleAttendanceUpdate, { args: [{ actor: actorOf(caller, 'web'), attendees }] }));
    },

    /** Someone not asked who attended all the same: added to those already recorded. */
    async addAttendee(caller: Caller, huddleId: string, body: unknown) {
      await huddleFor(caller, huddleId);
      const staffId = z.object({ staffId: one }).parse(body ?? {}).staffId;
      if (!staffId) throw invalid([{ field: 'staffId', message: 'Choose who attended' }]);
      const person = await staffRef(staffId, 'staffId');
      const already = await db.huddleAttendance.findMany({ where: { huddleId, attended: true }, select: { staffId: true } });
      const attendees = await Promise.all([...new Set([...already.map((a) => a.staffId), person.id])].map((s) => staffRef(s, 'staffId')));
      return update(() => handleOf(huddleId).executeUpdate(recordHuddleAttendanceUpdate, { args: [{ actor: actorOf(caller, 'web'), attendees }] }));
    },

    /**
     * A decision: about a person on the roster (or another of the caller's people, by reference),
     * what was decided, who owns it and when follow-up is due (a local date and time). Every
     * problem is found at once and named by its field.
     */
    async addDecision(caller: Caller, huddleId: string, body: unknown, channel: ActionChannel = 'web') {
      await huddleFor(caller, huddleId);
      const f = ZDecisionForm.parse(body ?? {});
      const problems: FieldProblem[] = [];
      let participant: { id: string; localRef: string } | undefined;
      const ref = f.participantRef.trim();
      if (f.participant && ref) problems.push({ field: 'participant', message: 'Choose a person from the roster or give a reference, not both' });
      else if (f.participant || ref) {
        const by = f.participant ? (id.safeParse(f.participant).success ? { id: f.participant } : undefined) : { localRef: ref };
        const found = by && (await access.requireParticipant(caller, by, 'roster-row').catch(() => undefined));
        if (found) participant = { id: found.id, localRef: found.localRef };
        else problems.push({ field: f.participant ? 'participant' : 'participantRef', message: ref ? `No person ${ref} among the people your care teams include` : 'Choose a person from the roster' });
      } else problems.push({ field: 'participant', message: 'Choose whom the decision is about' });
      const text = f.text.trim();
      if (!text) problems.push({ field: 'text', message: 'Say what was decided' });
      else if (text.length > 2000) problems.push({ field: 'text', message: 'Say what was decided in at most 2000 characters' });
      let owner: StaffRef | undefined;
      if (!f.ownerId) problems.push({ field: 'ownerId', message: 'Choose who owns the decision' });
      else owner = await staffRef(f.ownerId, 'ownerId').catch((err: unknown) => (err instanceof AppError ? (problems.push(...(err.details?.fields ?? [])), undefined) : Promise.reject(err)));
      let dueAt: Date | undefined;
      if (!f.due.trim()) problems.push({ field: 'due', message: 'Enter when follow-up is due' });
      else {
        const r = zonedLocalToInstant(f.due, deps.timeZone);
        if ('problem' in r) problems.push({ field: 'due', message: r.problem === 'Enter the discharge date and time' ? 'Enter the date and time follow-up is due, for example 2026-12-01T17:00' : r.problem });
        else if (r.instant <= now()) problems.push({ field: 'due', message: 'Follow-up must be due after now' });
        else dueAt = r.instant;
      }
      if (problems.length || !participant || !owner || !dueAt) throw invalid(problems);
      const decider = await staffRef(caller.staffId, 'decider').catch(() => undefined);
      return update(() => handleOf(huddleId).executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: actorOf(caller, channel), participant: participant!, text, owner: owner!, dueAt: dueAt!.toISOString(), ...(decider ? { decider } : {}) }] }));
    },

    /** A decision recorded done (or not done, with why) from the huddle's page: by its owner, or for them by whoever runs the huddle. */
    async endDecision(caller: Caller, huddleId: string, key: string, body: unknown) {
      const h = await huddleFor(caller, huddleId);
      if (!DECISION_KEY.test(key)) throw new AppError('NOT_FOUND', 'This huddle has no such decision.');
      return endDecision(caller, huddleId, key, body, 'web', runsHuddle(caller, h.agencyId));
    },

    /** Notes close: attendance and decisions no longer change; decisions still open are followed up. */
    async finish(caller: Caller, huddleId: string) {
      await huddleFor(caller, huddleId);
      return update(() => handleOf(huddleId).executeUpdate(finishHuddleUpdate, { args: [{ actor: actorOf(caller, 'web') }] }));
    },

    /** A huddle now, for the caller's agency (an extra one, or one with no schedule): its id is the agency's and this minute. */
    async startNow(caller: Caller, agencyRef?: string): Promise<{ huddleId: string }> {
      requireRole(caller, ['coordinator', 'manager', 'admin'], 'Huddles are started by coordinators, managers and admins.');
      const agency = await agencyOf(caller, agencyRef);
      const huddleId = manualHuddleId(agency.key, now());
      const input: HuddleInput = { agencyId: agency.id, huddleId };
      try {
        await deps.temporal.workflow.start(huddleWorkflow, { taskQueue: deps.taskQueue, workflowId: huddleId, args: [input] });
      } catch (err) {
        // Two clicks in one minute: the first huddle is the one.
        if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
      }
      return { huddleId };
    },

    // -- The decision's emailed link -------------------------------------------------------------

    async inspectDecisionLink(row: ActionTokenRow) {
      const ctx = await linkContext(row);
      if (ctx.participant) await access.logReads(ctx.caller as AccessCaller, [{ participantId: ctx.participant.id, what: 'huddle', item: row.workflowId }], 'link');
      return ctx;
    },

    /** Spends the link once the decision is recorded; given back if nothing happened (unless it had ended meanwhile). */
    async actWithDecisionLink(row: ActionTokenRow, body: unknown) {
      const ctx = await linkContext(row);
      const caller = { ...ctx.caller, roles: [...ctx.caller.roles] };
      return spendActionToken(db, row, now(), () => endDecision(caller, row.workflowId, ctx.decision.key, body, 'link', false), (err) => err instanceof AppError && err.code === 'CONFLICT');
    },
  };
}

export type HuddleService = ReturnType<typeof createHuddleService>;

const byDeps = new WeakMap<object, HuddleService>();

/** The one huddle service of an app (its pages and the decision links share it), made on first use. */
export function huddleServiceOf(deps: { db: Db; temporal: Client; now?: () => Date; config: { taskQueue: string; timeZone: string } }): HuddleService {
  let service = byDeps.get(deps);
  if (!service) byDeps.set(deps, (service = createHuddleService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.taskQueue, timeZone: deps.config.timeZone, now: deps.now })));
  return service;
}
