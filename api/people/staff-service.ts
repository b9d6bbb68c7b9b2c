// People leave: deactivate a staff member, issue and revoke API tokens, end sessions, list who
// holds which role, and list the open work someone leaves behind. Used by the admin API
// (api/people/staff-routes.ts) and the admin CLI alike, so both follow one rule and write one audit
// event per action, in the same transaction as the change.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { appendAuditEvent } from '../../record/audit';
import { isEnded, type SprintState } from '../../domain/sprint';
import type { PlanChangeState } from '../../domain/plan';
import { ROLES, type Role } from '../../domain/roles';
import type { Db } from '../../runtime/db';
import { hashToken, newToken } from '../../runtime/secrets';
import { sprintStateQuery } from '../../workflows/sprint';
import { planChangeStateQuery } from '../../workflows/plan-change';
import { AppError, parseInput } from '../errors';
import { queryVisibility } from '../evidence/workflow-list';

export const DEFAULT_API_TOKEN_DAYS = 90;
/** Open processes of one agency read for an open-work list; beyond this the list says it is incomplete. */
const MAX_PROCESSES = 500;
const QUERY_BATCH = 10;

/** Who is acting: a signed-in admin (their email) or the CLI (`cli:<operating-system user>`). */
export interface AdminActor {
  actor: string;
  actorId: string | null;
}

export const ZReason = z.object({ reason: z.string({ error: 'is required: say why, in a few words' }).trim().min(3, 'say why, in a few words').max(500, 'must be at most 500 characters') }).strict();
export const ZOptionalReason = z.object({ reason: z.string().trim().min(3, 'say why, in a few words').max(500, 'must be at most 500 characters').optional() }).strict();
export const ZIssueToken = z
  .object({
    days: z.coerce.number({ message: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be at least 1').max(366, 'must be at most 366').optional(),
    reason: z.string().trim().min(3, 'say why, in a few words').max(500).optional(),
  })
  .strict();

export interface OpenWork {
  staff: { id: string; email: string; name: string; agency: string; active: boolean };
  /** Open post-discharge sprint tasks they own (live workflow state). */
  sprintTasks: { sprintId: string; participantRef: string; taskKey: string; title: string; dueAt: string; overdue: boolean }[];
  /** Open sprints they coordinate (live workflow state). */
  sprintsCoordinated: { sprintId: string; participantRef: string; closesAt: string }[];
  /** Plan versions still waiting for their acknowledgement (live workflow state). */
  planAcknowledgements: { workflowId: string; planId: string; version: number; participantRef: string; ackDeadlineAt?: string }[];
  /** Integrated plans they hold (the care record). */
  plansHeld: { planId: string; participantRef: string }[];
  /** Escalations not yet resolved whose chair they are (the care record, kept current by each workflow). */
  escalationsChaired: { escalationId: string; participantRef: string; tier: string; status: string }[];
  /** Open disputes in which they are the interim owner of the disputed step (the care record). */
  disputesInterimOwner: { disputeId: string; participantRef: string; stage: number }[];
  /** What could not be read, and what to do about it; empty when the list is complete. */
  incomplete: string[];
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

const staffSelect = { id: true, email: true, name: true, active: true, roles: true, apiTokenHash: true, apiTokenExpiresAt: true, deactivatedAt: true, agency: { select: { id: true, key: true, name: true } } } as const;

export function createStaffAdminService(deps: { db: Db; temporal?: Client; now?: () => Date; apiTokenTtlDays?: number }) {
  const now = () => deps.now?.() ?? new Date();

  /** By id or by email (any case). */
  async function find(ref: string) {
    const where = ref.includes('@') ? { email: ref.trim().toLowerCase() } : { id: ref };
    if (ref.length > 254) throw new AppError('NOT_FOUND', 'No staff member with that id or email.');
    const staff = await deps.db.staff.findUnique({ where, select: staffSelect });
    if (!staff) throw new AppError('NOT_FOUND', `No staff member ${ref}. Find people with GET /api/staff/roles or \`npm run careloop -- staff list\`.`);
    return staff;
  }

  const audit = (tx: Tx, who: AdminActor, action: string, staff: { id: string; email: string }, reason: string | undefined, data: Record<string, unknown>, at: Date) =>
    appendAuditEvent(tx, { actor: who.actor, actorId: who.actorId, action, reason: reason ?? null, process: 'staff', item: staff.id, data: { email: staff.email, ...data }, at });

  async function inBatches<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = [];
    for (let i = 0; i < items.length; i += QUERY_BATCH) out.push(...(await Promise.all(items.slice(i, i + QUERY_BATCH).map(run))));
    return out;
  }

  /** Running processes of one kind that the agency takes part in, from Temporal visibility. */
  async function running(process: 'sprint' | 'plan-change', agencyId: string, extra = '') {
    const query = `CareloopProcess = '${process}' AND ExecutionStatus = 'Running' AND CareloopAgencies = '${agencyId.replace(/'/g, '')}'${extra}`;
    const found: { workflowId: string; participant?: string }[] = [];
    let page: string | undefined;
    do {
      const res = await queryVisibility(deps.temporal!, query, 200, page);
      found.push(...res.workflows.map((w) => ({ workflowId: w.workflowId, participant: w.participant })));
      page = res.nextPage;
    } while (page && found.length < MAX_PROCESSES);
    return { workflows: found.slice(0, MAX_PROCESSES), truncated: Boolean(page) || found.length > MAX_PROCESSES };
  }

  async function liveWork(staff: { id: string; agency: { id: string } }, work: OpenWork) {
    if (!deps.temporal) {
      work.incomplete.push('Sprint tasks, coordinated sprints and plan acknowledgements were not read: no connection to Temporal was given. Run it again with TEMPORAL_ADDRESS set.');
      return;
    }
    try {
      const sprints = await running('sprint', staff.agency.id);
      const states = await inBatches(sprints.workflows, async (w) => {
        try {
          return await deps.temporal!.workflow.getHandle(w.workflowId).query(sprintStateQuery);
        } catch {
          work.incomplete.push(`Sprint ${w.workflowId} did not answer its state query; open it to check for tasks of this person.`);
          return undefined;
        }
      });
      for (const s of states.filter((x): x is SprintState => x !== undefined && x.status === 'open')) {
        if (s.coordinator.id === staff.id) work.sprintsCoordinated.push({ sprintId: s.sprintId, participantRef: s.participant.localRef, closesAt: s.closesAt });
        for (const t of s.tasks) {
          if (t.owner.id === staff.id && !isEnded(t)) work.sprintTasks.push({ sprintId: s.sprintId, participantRef: s.participant.localRef, taskKey: t.key, title: t.title, dueAt: t.dueAt, overdue: t.overdue });
        }
      }
      if (sprints.truncated) work.incomplete.push(`More than ${MAX_PROCESSES} running sprints involve this agency; only the first ${MAX_PROCESSES} were read.`);

      const plans = await running('plan-change', staff.agency.id, ` AND CareloopStatus = 'awaiting-acknowledgements'`);
      const planStates = await inBatches(plans.workflows, async (w) => {
        try {
          return { w, state: await deps.temporal!.workflow.getHandle(w.workflowId).query(planChangeStateQuery) };
        } catch {
          work.incomplete.push(`Plan change ${w.workflowId} did not answer its state query; check its acknowledgements by hand.`);
          return undefined;
        }
      });
      const waiting = planStates.filter((x): x is { w: (typeof plans.workflows)[number]; state: PlanChangeState } => x !== undefined && x.state.status === 'awaiting-acknowledgements' && x.state.recipients.some((r) => r.staff.id === staff.id && !r.acknowledgedAt));
      const refs = await participantRefs(waiting.flatMap((x) => (x.w.participant ? [x.w.participant] : [])));
      for (const { w, state } of waiting) {
        work.planAcknowledgements.push({ workflowId: w.workflowId, planId: state.planId, version: state.version, participantRef: refs.get(w.participant ?? '') ?? '', ...(state.ackDeadlineAt ? { ackDeadlineAt: state.ackDeadlineAt } : {}) });
      }
      if (plans.truncated) work.incomplete.push(`More than ${MAX_PROCESSES} plan changes await acknowledgements in this agency; only the first ${MAX_PROCESSES} were read.`);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      work.incomplete.push(`Sprint tasks, coordinated sprints and plan acknowledgements could not be read: Temporal did not answer (${reason}). Run the open-work list again when it is up.`);
    }
  }

  async function participantRefs(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await deps.db.participant.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, localRef: true } });
    return new Map(rows.map((p) => [p.id, p.localRef]));
  }

  async function openWorkOf(staff: Awaited<ReturnType<typeof find>>): Promise<OpenWork> {
    const work: OpenWork = {
      staff: { id: staff.id, email: staff.email, name: staff.name, agency: staff.agency.key, active: staff.active },
      sprintTasks: [],
      sprintsCoordinated: [],
      planAcknowledgements: [],
      plansHeld: [],
      escalationsChaired: [],
      disputesInterimOwner: [],
      incomplete: [],
    };
    const [plans, escalations, disputes] = await Promise.all([
      deps.db.carePlan.findMany({ where: { planHolderId: staff.id }, select: { id: true, participant: { select: { localRef: true } } }, orderBy: { createdAt: 'asc' } }),
      deps.db.escalation.findMany({ where: { chairId: staff.id, status: { not: 'resolved' } }, select: { id: true, participantId: true, tier: true, status: true }, orderBy: { raisedAt: 'asc' } }),
      deps.db.dispute.findMany({ where: { interimOwnerId: staff.id, status: 'open' }, select: { id: true, participantId: true, stage: true }, orderBy: { raisedAt: 'asc' } }),
    ]);
    const refs = await participantRefs([...escalations, ...disputes].map((x) => x.participantId));
    work.plansHeld = plans.map((p) => ({ planId: p.id, participantRef: p.participant.localRef }));
    work.escalationsChaired = escalations.map((e) => ({ escalationId: e.id, participantRef: refs.get(e.participantId) ?? '', tier: e.tier, status: e.status }));
    work.disputesInterimOwner = disputes.map((d) => ({ disputeId: d.id, participantRef: refs.get(d.participantId) ?? '', stage: d.stage }));
    await liveWork(staff, work);
    return work;
  }

  return {
    find,

    openWork: async (ref: string) => openWorkOf(await find(ref)),

    /** A new API token (the previous one stops working); shown once, stored as a hash, expires. */
    async issueApiToken(who: AdminActor, ref: string, body: unknown = {}) {
      const input = parseInput(ZIssueToken, body);
      const staff = await find(ref);
      if (!staff.active) throw new AppError('CONFLICT', `${staff.email} is deactivated; a deactivated person gets no API token.`);
      const days = input.days ?? deps.apiTokenTtlDays ?? DEFAULT_API_TOKEN_DAYS;
      const at = now();
      const expiresAt = new Date(at.getTime() + days * 86_400_000);
      const token = newToken('clt');
      await deps.db.$transaction(async (tx) => {
        await tx.staff.update({ where: { id: staff.id }, data: { apiTokenHash: hashToken(token), apiTokenExpiresAt: expiresAt } });
        await audit(tx, who, 'staff.api-token-issued', staff, input.reason, { expiresAt: expiresAt.toISOString(), days, replacedToken: staff.apiTokenHash !== null }, at);
      });
      return { staff: { id: staff.id, email: staff.email }, token, expiresAt: expiresAt.toISOString() };
    },

    async revokeApiToken(who: AdminActor, ref: string, body: unknown = {}) {
      const input = parseInput(ZOptionalReason, body);
      const staff = await find(ref);
      const at = now();
      await deps.db.$transaction(async (tx) => {
        await tx.staff.update({ where: { id: staff.id }, data: { apiTokenHash: null, apiTokenExpiresAt: null } });
        await audit(tx, who, 'staff.api-token-revoked', staff, input.reason, { hadToken: staff.apiTokenHash !== null }, at);
      });
      return { staff: { id: staff.id, email: staff.email }, revoked: staff.apiTokenHash !== null };
    },

    async endSessions(who: AdminActor, ref: string, body: unknown = {}) {
      const input = parseInput(ZOptionalReason, body);
      const staff = await find(ref);
      const at = now();
      const ended = await deps.db.$transaction(async (tx) => {
        const { count } = await tx.session.deleteMany({ where: { staffId: staff.id } });
        await audit(tx, who, 'staff.sessions-ended', staff, input.reason, { sessionsEnded: count }, at);
        return count;
      });
      return { staff: { id: staff.id, email: staff.email }, sessionsEnded: ended };
    },

    /**
     * Deactivates a person at once: no sign-in, no session, no API token, no unused email link
     * works any more. Their open work is listed for reassignment (it is not reassigned for them:
     * who takes it over is a decision for a coordinator or manager).
     */
    async deactivate(who: AdminActor, ref: string, body: unknown) {
      const input = parseInput(ZReason, body);
      const staff = await find(ref);
      if (who.actorId === staff.id) throw new AppError('CONFLICT', 'You cannot deactivate yourself; ask another admin.');
      if (!staff.active) throw new AppError('CONFLICT', `${staff.email} is already deactivated${staff.deactivatedAt ? ` (since ${staff.deactivatedAt.toISOString()})` : ''}.`);
      const at = now();
      const result = await deps.db.$transaction(async (tx) => {
        // Conditional, so two admins deactivating at once write one event.
        const changed = await tx.staff.updateMany({ where: { id: staff.id, active: true }, data: { active: false, deactivatedAt: at, apiTokenHash: null, apiTokenExpiresAt: null } });
        if (changed.count !== 1) throw new AppError('CONFLICT', `${staff.email} is already deactivated.`);
        const sessions = await tx.session.deleteMany({ where: { staffId: staff.id } });
        const links = await tx.actionToken.updateMany({ where: { staffId: staff.id, usedAt: null, revokedAt: null, expiresAt: { gt: at } }, data: { revokedAt: at } });
        const data = { sessionsEnded: sessions.count, apiTokenRevoked: staff.apiTokenHash !== null, linksRevoked: links.count };
        await audit(tx, who, 'staff.deactivated', staff, input.reason, data, at);
        return data;
      });
      const openWork = await openWorkOf({ ...staff, active: false });
      return { staff: { id: staff.id, email: staff.email, deactivatedAt: at.toISOString() }, ...result, openWork };
    },

    /** Who holds which role: active staff, by role; a person with two roles is under both. */
    async roles() {
      const staff = await deps.db.staff.findMany({
        where: { active: true },
        select: { id: true, email: true, name: true, roles: true, apiTokenHash: true, apiTokenExpiresAt: true, agency: { select: { key: true } } },
        orderBy: [{ agency: { key: 'asc' } }, { email: 'asc' }],
      });
      const at = now();
      return {
        roles: ROLES.map((role: Role) => ({
          role,
          staff: staff
            .filter((s) => s.roles.includes(role))
            .map((s) => ({ id: s.id, email: s.email, name: s.name, agency: s.agency.key, apiToken: !s.apiTokenHash ? 'none' : s.apiTokenExpiresAt && s.apiTokenExpiresAt > at ? `expires ${s.apiTokenExpiresAt.toISOString()}` : 'expired' })),
        })),
      };
    },
  };
}

export type StaffAdminService = ReturnType<typeof createStaffAdminService>;
