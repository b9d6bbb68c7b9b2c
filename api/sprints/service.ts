// The sprint service: everything the API, the action pages and the email replies do to a
// sprint goes through here, so the rules (who may act, what is valid) live in one place and
// the workflow has the last word on state.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Principal } from '../auth';
import { AppError, parseInput } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import { taskRecordedWords } from '../../domain/emails/reply-answer';
import { withLiveEscalations } from '../escalations/service';
import {
  isEnded,
  sprintWorkflowId,
  type Actor,
  type ActionChannel,
  type SprintState,
  type StaffRef,
  type TaskState,
} from '../../domain/sprint';
import {
  planSprint,
  resolveTiming,
  ZAddNote,
  ZCancelSprint,
  ZCompleteTask,
  ZNotApplicable,
  ZReassignTask,
  ZRefuseTask,
  ZStartSprint,
} from '../../domain/sprint-input';
import {
  addTaskNoteSignal,
  cancelSprintUpdate,
  completeTaskUpdate,
  markTaskNotApplicableUpdate,
  reassignTaskUpdate,
  refuseTaskUpdate,
  sprintStateQuery,
  sprintWorkflow,
} from '../../workflows/sprint';
import { REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import { findActionToken, spendActionToken, type ActionTokenRow } from '../links/tokens';
import { grantCareTeamNow } from '../../record/care-team';
import { triggerRapidReviewOnDischarge } from '../plans/steps-service';
import { sprintCareTeam } from '../../domain/care-team';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader, type ReadChannel } from '../access';
import type { Db } from '../../runtime/db';
import { remindersOf } from '../../domain/working-agreement';
import { agreementInForce } from '../../record/working-agreement';

export type TaskAction =
  | { type: 'complete'; note?: string }
  | { type: 'refuse'; reason: string; managedHow: string }
  | { type: 'not-applicable'; reason: string }
  | { type: 'reassign'; ownerId: string; reason: string }
  | { type: 'note'; text: string };

/** Who is acting: a signed-in principal, or the staff member an action token was issued to. */
export interface Caller {
  staffId: string;
  name: string;
  agencyId: string;
  roles: string[];
  /** How the caller reached careloop, for the access log. */
  channel?: ReadChannel;
}

export interface SprintServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

const staffRefSelect = { id: true, name: true, email: true, agencyId: true, roles: true, active: true } as const;

export function callerOf(p: Principal): Caller {
  return { staffId: p.staffId, name: p.name, agencyId: p.agencyId, roles: p.roles, channel: p.via === 'bearer' ? 'api' : 'page' };
}

/** Who is named in a sprint: its coordinator, requester and task owners, and their agencies. */
export function sprintParties(s: Pick<SprintState, 'coordinator' | 'tasks'> & { requestedBy?: { id: string; agencyId: string } }) {
  const people = [s.coordinator, ...(s.requestedBy ? [s.requestedBy] : []), ...s.tasks.map((t) => t.owner)];
  return { staffIds: people.map((p) => p.id), agencyIds: [...new Set(people.map((p) => p.agencyId))] };
}

/** Who acts for the whole sprint (reassign, cancel, act for an owner): its coordinator, or an admin. */
export function actsForSprint(c: Pick<Caller, 'staffId' | 'roles'>, s: Pick<SprintState, 'coordinator'>): boolean {
  return c.staffId === s.coordinator.id || c.roles.includes('admin');
}

/** Active staff a coordinator may name as owners, by agency: the start form's choices. */
export interface OwnerGroup {
  agency: string;
  staff: { id: string; name: string }[];
}

export function createSprintService(deps: SprintServiceDeps) {
  const handleOf = (sprintId: string) => deps.temporal.workflow.getHandle<typeof sprintWorkflow>(sprintId);
  const access = createAccess({ db: deps.db });

  async function loadState(sprintId: string): Promise<SprintState> {
    if (!/^sprint-[\w-]+$/.test(sprintId) || sprintId.length > 120) throw new AppError('NOT_FOUND', 'No sprint with that id.');
    try {
      return await handleOf(sprintId).query(sprintStateQuery);
    } catch (err) {
      translateTemporalError(err, 'sprint');
    }
  }

  async function staffRef(id: string, field: string): Promise<StaffRef & { roles: string[] }> {
    const s = await deps.db.staff.findUnique({ where: { id }, select: staffRefSelect });
    if (!s || !s.active) throw new AppError('INVALID_INPUT', 'The request has invalid fields.', { fields: [{ field, message: 'is not an active staff member' }] });
    return { id: s.id, name: s.name, email: s.email, agencyId: s.agencyId, roles: s.roles };
  }

  /** Runs an update on a sprint just read: if its workflow has closed since, that is a conflict, not a missing sprint. */
  async function update<T>(sprintId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new AppError('CONFLICT', 'This sprint has closed: its tasks take no more actions.');
      translateTemporalError(err, 'sprint');
    }
  }

  return {
    /** Who may own a task: every active staff member, grouped by agency, agencies and people by name. */
    async ownerChoices(): Promise<OwnerGroup[]> {
      const staff = await deps.db.staff.findMany({
        where: { active: true },
        select: { id: true, name: true, agency: { select: { name: true } } },
        orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
      });
      const groups = new Map<string, OwnerGroup>();
      for (const s of staff) {
        const g = groups.get(s.agency.name) ?? { agency: s.agency.name, staff: [] };
        g.staff.push({ id: s.id, name: s.name });
        groups.set(s.agency.name, g);
      }
      return [...groups.values()];
    },

    /** The sprints the caller coordinates, newest discharge first (their own list: no one else's person is read). */
    async listCoordinated(caller: Caller) {
      return deps.db.sprint.findMany({
        where: { coordinatorId: caller.staffId },
        orderBy: { dischargeAt: 'desc' },
        take: 100,
        select: { id: true, dischargeAt: true, closesAt: true, status: true, participant: { select: { localRef: true, displayName: true } } },
      });
    },

    /** Agency names by id, for a sprint page's owners. */
    async agencyNames(ids: readonly string[]): Promise<Map<string, string>> {
      const rows = await deps.db.agency.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
      return new Map(rows.map((a) => [a.id, a.name]));
    },

    /** Starts a sprint, or finds the one already started for this participant and discharge. */
    async start(caller: Caller, body: unknown): Promise<{ sprintId: string; created: boolean }> {
      const input = parseInput(ZStartSprint, body, 'sprint');
      const timing = resolveTiming(input.timing);
      if ('problem' in timing) throw new AppError('INVALID_INPUT', 'The sprint has invalid fields.', { fields: [timing.problem] });
      // One query for everyone the sprint names: the coordinator, the owners and the requester.
      const coordinatorId = input.coordinatorId ?? caller.staffId;
      const ownerIds = [...new Set(Object.values(input.owners))];
      const found = await deps.db.staff.findMany({ where: { id: { in: [...new Set([...ownerIds, coordinatorId, caller.staffId])] }, active: true }, select: staffRefSelect });
      const people = new Map(found.map((s) => [s.id, s]));
      const coordinator = people.get(coordinatorId);
      if (!coordinator) throw new AppError('INVALID_INPUT', 'The sprint has invalid fields.', { fields: [{ field: 'coordinatorId', message: 'is not an active staff member' }] });
      if (!coordinator.roles.includes('coordinator')) {
        throw new AppError('INVALID_INPUT', 'The sprint has invalid fields.', { fields: [{ field: 'coordinatorId', message: 'must be a staff member with the coordinator role' }] });
      }
      const requester = people.get(caller.staffId);
      if (!requester) throw new AppError('INVALID_INPUT', 'The sprint has invalid fields.', { fields: [{ field: 'caller', message: 'is not an active staff member' }] });
      const byId = new Map(found.map((s) => [s.id, { id: s.id, name: s.name, email: s.email, agencyId: s.agencyId }]));
      const missing = Object.entries(input.owners).filter(([, id]) => !byId.has(id));
      if (missing.length) {
        throw new AppError('INVALID_INPUT', 'The sprint has invalid fields.', { fields: missing.map(([k]) => ({ field: `owners.${k}`, message: 'is not an active staff member' })) });
      }
      const participant = await deps.db.participant.upsert({
        where: { localRef: input.participant.localRef },
        update: {},
        create: { localRef: input.participant.localRef, displayName: input.participant.displayName },
      });
      const dischargeAt = new Date(input.dischargeAt);
      const sprintId = sprintWorkflowId(participant.id, dischargeAt);
      // The working agreement in force now gives the reminder lead (unless the request sets one); the sprint keeps it.
      const reminders = remindersOf(await agreementInForce(deps.db));
      const planned = planSprint({
        sprintId,
        participant: { id: participant.id, localRef: participant.localRef, displayName: participant.displayName },
        coordinator: { id: coordinator.id, name: coordinator.name, email: coordinator.email, agencyId: coordinator.agencyId },
        requestedBy: { id: requester.id, name: requester.name, email: requester.email, agencyId: requester.agencyId },
        dischargeAt,
        owners: Object.fromEntries(Object.entries(input.owners).map(([k, id]) => [k, byId.get(id)!])),
        timing: { ...timing, reminderLeadMs: timing.reminderLeadMs ?? reminders.sprintReminderLeadMs },
      });
      const plan = { ...planned, agreementVersion: reminders.version };
      try {
        await deps.temporal.workflow.start(sprintWorkflow, {
          taskQueue: deps.taskQueue,
          workflowId: sprintId,
          args: [plan],
          // One sprint per participant and discharge, ever: a form sent twice finds the first.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        // Also written by the sprint's first activity; here too, so the team can read at once.
        await grantCareTeamNow(deps.db, sprintCareTeam(plan, sprintId));
        // A person with an integrated plan gets its rapid review, due when the sprint closes.
        await triggerRapidReviewOnDischarge(deps, { participantId: participant.id, sprintId, reviewWithinMs: Date.parse(plan.closesAt) - Date.parse(plan.dischargeAt) });
        return { sprintId, created: true };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { sprintId, created: false };
        throw err;
      }
    },

    async get(caller: Caller, sprintId: string): Promise<SprintState> {
      const state = await loadState(sprintId);
      // Someone with no part in the sprint learns nothing, not even that it exists.
      await access.requireProcess(
        caller,
        { participantId: state.participant.id, what: 'sprint', item: sprintId, resource: 'sprint', parties: sprintParties(state) },
        new AppError('NOT_FOUND', 'No sprint with that id.'),
      );
      return withLiveEscalations(deps.temporal, state);
    },

    async act(caller: Caller, sprintId: string, taskKey: string, action: TaskAction, channel: ActionChannel): Promise<TaskState> {
      const state = await this.get(caller, sprintId);
      const task = state.tasks.find((t) => t.key === taskKey);
      if (!task) throw new AppError('NOT_FOUND', `This sprint has no task "${taskKey}".`);
      const actor: Actor = { staffId: caller.staffId, name: caller.name, channel };
      const base = { taskKey, actor, actsForSprint: actsForSprint(caller, state) };
      const handle = handleOf(sprintId);
      // A closed sprint takes no more actions, whether or not its workflow is still there to say so.
      if (action.type !== 'note' && state.status !== 'open') throw new AppError('CONFLICT', `This sprint is ${state.status}: its tasks take no more actions.`);
      // Validate exactly what was sent: unknown fields are refused, not ignored.
      const { type: _type, ...fields } = action;
      switch (action.type) {
        case 'complete': {
          const a = parseInput(ZCompleteTask, fields, 'action');
          return update(sprintId, () => handle.executeUpdate(completeTaskUpdate, { args: [{ ...base, note: a.note || undefined }] }));
        }
        case 'refuse': {
          const a = parseInput(ZRefuseTask, fields, 'refusal');
          return update(sprintId, () => handle.executeUpdate(refuseTaskUpdate, { args: [{ ...base, ...a }] }));
        }
        case 'not-applicable': {
          const a = parseInput(ZNotApplicable, fields, 'action');
          return update(sprintId, () => handle.executeUpdate(markTaskNotApplicableUpdate, { args: [{ ...base, ...a }] }));
        }
        case 'reassign': {
          const a = parseInput(ZReassignTask, fields, 'reassignment');
          if (!base.actsForSprint) throw new AppError('FORBIDDEN', "Only the sprint's coordinator may reassign a task.");
          const owner = await staffRef(a.ownerId, 'ownerId');
          const newOwner = { id: owner.id, name: owner.name, email: owner.email, agencyId: owner.agencyId };
          return update(sprintId, () => handle.executeUpdate(reassignTaskUpdate, { args: [{ ...base, newOwner, reason: a.reason }] }));
        }
        case 'note': {
          const a = parseInput(ZAddNote, fields, 'note');
          if (!base.actsForSprint && task.owner.id !== caller.staffId) throw new AppError('FORBIDDEN', `"${task.title}" belongs to ${task.owner.name}.`);
          if (state.status !== 'open') throw new AppError('CONFLICT', `This sprint is ${state.status}.`);
          await handle.signal(addTaskNoteSignal, { ...base, text: a.text });
          return task;
        }
      }
    },

    async cancel(caller: Caller, sprintId: string, body: unknown): Promise<SprintState> {
      const { reason } = parseInput(ZCancelSprint, body, 'cancellation');
      const state = await this.get(caller, sprintId);
      if (!actsForSprint(caller, state)) throw new AppError('FORBIDDEN', "Only the sprint's coordinator may cancel it.");
      return update(sprintId, () => handleOf(sprintId).executeUpdate(cancelSprintUpdate, { args: [{ actor: { staffId: caller.staffId, name: caller.name, channel: 'api' }, reason }] }));
    },

    /** What an emailed task link is for, checked but not spent: its GET page shows this. */
    async inspectTaskLink(row: ActionTokenRow) {
      const state = await loadState(row.workflowId);
      const taskKey = (row.scope as { task?: string } | null)?.task ?? '';
      const task = state.tasks.find((t) => t.key === taskKey);
      if (!task) throw LINK_NOT_VALID();
      // A link holder reads under the same rule as everyone: the token names who they are.
      await access.requireProcess(linkReader(row.staff), { participantId: state.participant.id, what: 'sprint', item: state.sprintId, resource: 'sprint', parties: sprintParties(state) }, LINK_NOT_VALID());
      return { state, task };
    },

    /** Acts through an emailed link: spends the token, once, and only if the action happens. */
    async actWithTaskLink(row: ActionTokenRow, action: Exclude<TaskAction, { type: 'reassign' | 'note' }>, now: Date = new Date()): Promise<TaskState> {
      const { state, task } = await this.inspectTaskLink(row);
      if (isEnded(task)) throw new AppError('CONFLICT', `"${task.title}" has already ended as ${task.status}${task.endedBy ? ` (by ${task.endedBy.name})` : ''}.`);
      // Nothing happened: the link is given back, unless the task has ended meanwhile.
      return spendActionToken(deps.db, row, now, () => this.act(linkHolder(row.staff), state.sprintId, task.key, action, 'link'), (err) => err instanceof AppError && err.code === 'CONFLICT');
    },

    /**
     * Acts on the tasks an email listed, from a reply. The reply token stays usable for the
     * email's other tasks; it stops with the sprint. Only the staff member it was sent to may use it.
     */
    async actWithReplyToken(token: string, senderEmail: string, commands: { taskIndex?: number; action: Exclude<TaskAction, { type: 'reassign' | 'note' }> }[], now: Date = new Date()) {
      const row = await findActionToken(deps.db, token, now, [REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== senderEmail.trim().toLowerCase()) {
        throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      }
      const keys = (row.scope as { tasks?: string[] } | null)?.tasks ?? [];
      const results: { taskKey: string; ok: boolean; message: string }[] = [];
      for (const c of commands) {
        const taskKey = keys.length === 1 && c.taskIndex === undefined ? keys[0] : c.taskIndex !== undefined ? keys[c.taskIndex - 1] : undefined;
        if (!taskKey) {
          results.push({ taskKey: '', ok: false, message: keys.length > 1 ? 'Start each line with the task number from the email.' : 'No such task in that email.' });
          continue;
        }
        try {
          const task = await this.act(linkHolder(row.staff, 'reply'), row.workflowId, taskKey, c.action, 'email-reply');
          results.push({ taskKey, ok: true, message: taskRecordedWords(task) });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          results.push({ taskKey, ok: false, message: err.userMessage });
        }
      }
      // The answer's subject names the participant.
      const participantRef = (await deps.db.sprint.findUnique({ where: { id: row.workflowId }, select: { participant: { select: { localRef: true } } } }))?.participant.localRef;
      return { staff: row.staff, results, participantRef };
    },
  };
}

export type SprintService = ReturnType<typeof createSprintService>;
