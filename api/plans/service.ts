// The integrated plan: versions in PostgreSQL (append-only), change control in a workflow per
// version. Publishing names its base version, so two agencies editing at once cannot overwrite
// each other; a newer version supersedes an open one.
import type { Client } from '@temporalio/client';
import type { Db } from '../../runtime/db';
import { AppError, parseInput, type FieldProblem } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import { withLiveEscalations } from '../escalations/service';
import type { Caller } from '../sprints/service';
import { appendAuditEvent } from '../../record/audit';
import { grantCareTeam, removeCareTeamMembers } from '../../record/care-team';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader } from '../access';
import { findActionToken, type ActionTokenRow } from '../links/tokens';
import { PLAN_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import {
  DEFAULT_ACK_DEADLINE_MS,
  DEFAULT_ACK_REMINDER_EVERY_MS,
  DEFAULT_RAPID_REVIEW_MS,
  RAPID_REVIEW_TRIGGERS,
  planChangeWorkflowId,
  type AckChannel,
  type PlanChangeState,
  type PlanContent,
} from '../../domain/plan';
import { diffPlans } from '../../domain/plan-diff';
import { ZCreatePlan, ZPublishVersion } from '../../domain/plan-input';
import type { StaffRef } from '../../domain/sprint';
import { acknowledgePlanVersionUpdate, planChangeStateQuery, planChangeWorkflow, supersedePlanVersionSignal } from '../../workflows/plan-change';
import { trackPlanVersion } from './steps-service';

export interface PlanServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
}

const staffSelect = { id: true, name: true, email: true, agencyId: true, roles: true, active: true } as const;
const ref = (s: { id: string; name: string; email: string; agencyId: string }): StaffRef => ({ id: s.id, name: s.name, email: s.email, agencyId: s.agencyId });

export function createPlanService(deps: PlanServiceDeps) {
  const now = deps.now ?? (() => new Date());

  /** Every agency and staff id the content names must exist: a plan cannot point at nobody. */
  async function checkReferences(content: PlanContent, prefix: string): Promise<void> {
    const agencyIds = new Set([...content.controls.map((c) => c.ownerAgencyId), ...content.serviceContacts.map((c) => c.agencyId)]);
    const staffIds = new Set(content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])));
    const [agencies, staff] = await Promise.all([
      deps.db.agency.findMany({ where: { id: { in: [...agencyIds] } }, select: { id: true } }),
      deps.db.staff.findMany({ where: { id: { in: [...staffIds] }, active: true }, select: { id: true, agencyId: true } }),
    ]);
    const knownAgency = new Set(agencies.map((a) => a.id));
    const staffAgency = new Map(staff.map((s) => [s.id, s.agencyId]));
    const problems: FieldProblem[] = [];
    content.controls.forEach((c, i) => {
      if (!knownAgency.has(c.ownerAgencyId)) problems.push({ field: `${prefix}.controls.${i}.ownerAgencyId`, message: 'is not an agency' });
      if (c.ownerStaffId && !staffAgency.has(c.ownerStaffId)) problems.push({ field: `${prefix}.controls.${i}.ownerStaffId`, message: 'is not an active staff member' });
      else if (c.ownerStaffId && staffAgency.get(c.ownerStaffId) !== c.ownerAgencyId) problems.push({ field: `${prefix}.controls.${i}.ownerStaffId`, message: 'does not work for the owning agency' });
    });
    content.serviceContacts.forEach((c, i) => {
      if (!knownAgency.has(c.agencyId)) problems.push({ field: `${prefix}.serviceContacts.${i}.agencyId`, message: 'is not an agency' });
    });
    if (problems.length) throw new AppError('INVALID_INPUT', 'The plan has invalid fields.', { fields: problems });
  }

  const access = createAccess({ db: deps.db, now: deps.now });

  async function loadPlan(planId: string) {
    if (!/^[\w-]{1,64}$/.test(planId)) throw new AppError('NOT_FOUND', 'No plan with that id.');
    const plan = await deps.db.carePlan.findUnique({
      where: { id: planId },
      include: {
        participant: true,
        planHolder: { select: staffSelect },
        versions: { orderBy: { number: 'asc' }, include: { author: { select: { id: true, name: true } } } },
      },
    });
    if (!plan) throw new AppError('NOT_FOUND', 'No plan with that id.');
    return plan;
  }
  type LoadedPlan = Awaited<ReturnType<typeof loadPlan>>;

  const current = (plan: LoadedPlan) => plan.versions[plan.versions.length - 1]!;
  const contentOf = (v: LoadedPlan['versions'][number]) => v.content as unknown as PlanContent;

  async function readable(c: Caller, planId: string) {
    const plan = await loadPlan(planId);
    // Someone with no part in the plan learns nothing, not even that it exists. The plan is
    // read by its care team: the agencies and people it names are in it, implied by the plan.
    const content = contentOf(current(plan));
    const parties = { staffIds: [plan.planHolderId, ...content.controls.flatMap((x) => (x.ownerStaffId ? [x.ownerStaffId] : []))], agencyIds: [] };
    await access.requireProcess(c, { participantId: plan.participantId, what: 'plan', item: planId, resource: 'plan', parties }, new AppError('NOT_FOUND', 'No plan with that id.'));
    return plan;
  }

  /**
   * The care team a plan version implies: the plan-holder, every agency owning a control or
   * listed as a service contact, every person named on a control, and the named recipients.
   * Agencies and people the new version no longer names leave the team as far as the plan put
   * them there (other memberships stay).
   */
  async function applyPlanCareTeam(tx: Parameters<Parameters<Db['$transaction']>[0]>[0], a: { planId: string; participantId: string; holder: { id: string; agencyId: string }; content: PlanContent; recipients?: readonly string[]; by: Caller & { email: string }; version: number; at: Date }) {
    const agencyIds = [...new Set([a.holder.agencyId, ...a.content.controls.map((c) => c.ownerAgencyId), ...a.content.serviceContacts.map((c) => c.agencyId)])];
    const staffIds = [...new Set([a.holder.id, ...a.content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])), ...(a.recipients ?? [])])];
    const keys = [...agencyIds.map((id) => `agency:${id}`), ...staffIds.map((id) => `staff:${id}`)];
    await removeCareTeamMembers(tx, {
      participantId: a.participantId,
      where: { source: 'plan', sourceRef: a.planId, memberKey: { notIn: keys } },
      removedById: a.by.staffId,
      removedBy: a.by.email,
      reason: `no longer named in version ${a.version} of the plan`,
      at: a.at,
    });
    await grantCareTeam(tx, { participantId: a.participantId, agencyIds, staffIds, source: 'plan', sourceRef: a.planId, addedById: a.by.staffId, addedBy: a.by.email, reason: `named in version ${a.version} of the plan`, process: 'plan' });
  }

  const versionSummary = (v: LoadedPlan['versions'][number]) => ({
    number: v.number,
    author: v.author,
    createdAt: v.createdAt.toISOString(),
    reason: v.reason,
    trigger: v.trigger,
    acknowledgementRequired: v.acknowledgementRequired,
  });

  async function namesFor(content: PlanContent[]): Promise<(id: string) => string> {
    const ids = new Set(content.flatMap((c) => [...c.controls.flatMap((x) => [x.ownerAgencyId, ...(x.ownerStaffId ? [x.ownerStaffId] : [])]), ...c.serviceContacts.map((x) => x.agencyId)]));
    const [agencies, staff] = await Promise.all([
      deps.db.agency.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } }),
      deps.db.staff.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } }),
    ]);
    const names = new Map([...agencies, ...staff].map((x) => [x.id, x.name]));
    return (id) => names.get(id) ?? id;
  }

  async function defaultRecipients(plan: LoadedPlan, content: PlanContent, publisherId: string): Promise<StaffRef[]> {
    const named = content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : []));
    // A control owned by an agency with nobody named goes to that agency's coordinators.
    const agencyOnly = content.controls.filter((c) => !c.ownerStaffId).map((c) => c.ownerAgencyId);
    const people = await deps.db.staff.findMany({
      where: { active: true, OR: [{ id: { in: [plan.planHolderId, ...named] } }, { agencyId: { in: agencyOnly }, roles: { has: 'coordinator' } }] },
      select: staffSelect,
    });
    return people.filter((p) => p.id !== publisherId).map(ref);
  }

  async function changeState(planId: string, version: number): Promise<PlanChangeState | undefined> {
    try {
      return await deps.temporal.workflow.getHandle(planChangeWorkflowId(planId, version)).query(planChangeStateQuery);
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
      throw err;
    }
  }

  return {
    async create(caller: Caller, body: unknown) {
      const input = parseInput(ZCreatePlan, body, 'plan');
      await checkReferences(input.content, 'content');
      const holderId = input.planHolderId ?? caller.staffId;
      const holder = await deps.db.staff.findUnique({ where: { id: holderId }, select: staffSelect });
      if (!holder?.active) throw new AppError('INVALID_INPUT', 'The plan has invalid fields.', { fields: [{ field: 'planHolderId', message: 'is not an active staff member' }] });
      const author = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { email: true } });
      const known = await deps.db.participant.findUnique({ where: { localRef: input.participant.localRef }, select: { id: true } });
      // Only the person's care team may change what is recorded about them (their consent).
      const member = !known || (await access.may(caller, known.id, 'care-team'));
      const created = await deps.db.$transaction(async (tx) => {
        const participant = known
          ? member && input.participant.consentToShare !== undefined
            ? await tx.participant.update({ where: { id: known.id }, data: { consentToShare: input.participant.consentToShare } })
            : known
          : await tx.participant.create({ data: { localRef: input.participant.localRef, displayName: input.participant.displayName, consentToShare: input.participant.consentToShare ?? false } });
        const existing = await tx.carePlan.findUnique({ where: { participantId: participant.id }, select: { id: true } });
        if (existing) {
          throw new AppError(
            'CONFLICT',
            member ? 'This participant already has an integrated plan: publish a new version of it instead.' : 'This person already has an integrated plan. Ask its plan-holder to add your agency to the care team.',
            member ? { planId: existing.id } : undefined,
          );
        }
        const plan = await tx.carePlan.create({ data: { participantId: participant.id, planHolderId: holder.id } });
        const createdAt = now();
        await tx.planVersion.create({ data: { planId: plan.id, number: 1, authorId: caller.staffId, reason: input.reason, trigger: 'other', content: input.content, createdAt } });
        await appendAuditEvent(tx, { actor: caller.name, actorId: caller.staffId, action: 'plan.created', reason: input.reason, process: 'plan', item: `${plan.id}:v1`, participantId: participant.id, data: { planHolder: holder.id } });
        await applyPlanCareTeam(tx, { planId: plan.id, participantId: participant.id, holder, content: input.content, by: { ...caller, email: author.email }, version: 1, at: createdAt });
        return { planId: plan.id, version: 1, participantId: participant.id };
      });
      // The plan's actions and rapid reviews (workflows/plan-steps.ts) follow each version.
      await trackPlanVersion(deps, created);
      return created;
    },

    async get(caller: Caller, planId: string) {
      const plan = await readable(caller, planId);
      const cur = current(plan);
      return {
        id: plan.id,
        participant: { id: plan.participant.id, localRef: plan.participant.localRef, displayName: plan.participant.displayName, consentToShare: plan.participant.consentToShare },
        planHolder: { id: plan.planHolder.id, name: plan.planHolder.name },
        currentVersion: { ...versionSummary(cur), content: contentOf(cur) },
        versions: plan.versions.map(versionSummary),
      };
    },

    async getVersion(caller: Caller, planId: string, number: number) {
      const plan = await readable(caller, planId);
      const v = plan.versions.find((x) => x.number === number);
      if (!v) throw new AppError('NOT_FOUND', `This plan has no version ${number}; the latest is ${current(plan).number}.`);
      return { planId, ...versionSummary(v), content: contentOf(v) };
    },

    async diff(caller: Caller, planId: string, from: number, to: number) {
      const plan = await readable(caller, planId);
      const a = plan.versions.find((x) => x.number === from);
      const b = plan.versions.find((x) => x.number === to);
      const missing = [!a && { field: 'from', message: `no version ${from}` }, !b && { field: 'to', message: `no version ${to}` }].filter(Boolean) as FieldProblem[];
      if (missing.length) throw new AppError('INVALID_INPUT', 'Choose two versions that exist.', { fields: missing });
      const names = await namesFor([contentOf(a!), contentOf(b!)]);
      const changes = diffPlans(contentOf(a!), contentOf(b!), names);
      return { planId, from, to, changes, summary: changes.map((c) => c.text) };
    },

    async publish(caller: Caller, planId: string, body: unknown) {
      const input = parseInput(ZPublishVersion, body, 'plan version');
      const plan = await readable(caller, planId);
      if (!(caller.roles.includes('coordinator') || caller.staffId === plan.planHolderId)) {
        throw new AppError('FORBIDDEN', 'Only coordinators and the plan-holder may publish a new version of the plan.');
      }
      await checkReferences(input.content, 'content');
      const publishedAt = now();
      const author = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { email: true } });
      const version = await deps.db.$transaction(async (tx) => {
        // Serialise publishers of this plan; the loser of a race sees the winner's version.
        await tx.$queryRaw`SELECT id FROM "CarePlan" WHERE id = ${planId} FOR UPDATE`;
        const latest = await tx.planVersion.findFirst({ where: { planId }, orderBy: { number: 'desc' }, select: { number: true } });
        const currentNumber = latest?.number ?? 0;
        if (input.baseVersion !== currentNumber) {
          throw new AppError('CONFLICT', `This change starts from version ${input.baseVersion}, but the plan is now at version ${currentNumber}. Review version ${currentNumber} and publish again from it.`, {
            currentVersion: currentNumber,
          });
        }
        const created = await tx.planVersion.create({
          data: { planId, number: currentNumber + 1, authorId: caller.staffId, reason: input.reason, trigger: input.trigger, content: input.content, acknowledgementRequired: input.acknowledgementRequired, createdAt: publishedAt },
        });
        await appendAuditEvent(tx, {
          actor: caller.name,
          actorId: caller.staffId,
          action: 'plan.version-published',
          reason: input.reason,
          process: 'plan',
          item: `${planId}:v${created.number}`,
          participantId: plan.participantId,
          data: { trigger: input.trigger, acknowledgementRequired: input.acknowledgementRequired, baseVersion: input.baseVersion },
          at: publishedAt,
        });
        await applyPlanCareTeam(tx, { planId, participantId: plan.participantId, holder: plan.planHolder, content: input.content, recipients: input.recipients, by: { ...caller, email: author.email }, version: created.number, at: publishedAt });
        return created;
      });

      let recipients: StaffRef[];
      if (input.recipients) {
        const found = await deps.db.staff.findMany({ where: { id: { in: input.recipients }, active: true }, select: staffSelect });
        recipients = found.map(ref);
      } else {
        recipients = await defaultRecipients(plan, input.content, caller.staffId);
      }
      const workflowId = planChangeWorkflowId(planId, version.number);
      const rapidReviewMs = RAPID_REVIEW_TRIGGERS.includes(input.trigger) ? (input.timing?.rapidReviewWithin ?? DEFAULT_RAPID_REVIEW_MS) : undefined;
      const publisher = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: staffSelect });
      await deps.temporal.workflow.start(planChangeWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            planId,
            participant: { id: plan.participant.id, localRef: plan.participant.localRef },
            version: version.number,
            versionId: version.id,
            publishedAt: publishedAt.toISOString(),
            publishedBy: ref(publisher),
            reason: input.reason,
            trigger: input.trigger,
            acknowledgementRequired: input.acknowledgementRequired,
            recipients,
            escalateTo: ref(plan.planHolder),
            reminderEveryMs: input.timing?.reminderEvery ?? DEFAULT_ACK_REMINDER_EVERY_MS,
            ackDeadlineMs: input.timing?.acknowledgeWithin ?? DEFAULT_ACK_DEADLINE_MS,
            rapidReviewMs,
          },
        ],
      });
      // The version before this one stops asking for acknowledgements.
      if (version.number > 1) {
        await deps.temporal.workflow
          .getHandle(planChangeWorkflowId(planId, version.number - 1))
          .signal(supersedePlanVersionSignal, { byVersion: version.number })
          .catch((err: Error) => {
            if (err.name !== 'WorkflowNotFoundError') throw err;
          });
      }
      await trackPlanVersion(deps, { planId, participantId: plan.participantId, version: version.number, rapidReviewWithinMs: rapidReviewMs });
      return { planId, version: version.number, recipients: recipients.map((r) => ({ id: r.id, name: r.name })), rapidReviewWithinMs: rapidReviewMs ?? null, links: { status: `/api/plans/${planId}/versions/${version.number}/status` } };
    },

    async status(caller: Caller, planId: string, number: number) {
      const plan = await readable(caller, planId);
      if (!plan.versions.some((v) => v.number === number)) throw new AppError('NOT_FOUND', `This plan has no version ${number}.`);
      const state = await changeState(planId, number);
      if (!state) return { planId, version: number, status: 'no-change-control', recipients: [] };
      return withLiveEscalations(deps.temporal, state);
    },

    async acknowledge(caller: Caller, planId: string, number: number, channel: AckChannel) {
      const plan = await readable(caller, planId);
      if (!plan.versions.some((v) => v.number === number)) throw new AppError('NOT_FOUND', `This plan has no version ${number}.`);
      try {
        return await deps.temporal.workflow.getHandle(planChangeWorkflowId(planId, number)).executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: caller.staffId, channel }] });
      } catch (err) {
        translateTemporalError(err, 'plan change');
      }
    },

    /** What an emailed plan link is for, checked but not spent. */
    async inspectPlanLink(row: ActionTokenRow) {
      const scope = row.scope as { planId: string; version: number };
      const plan = await loadPlan(scope.planId);
      // A link holder reads under the same rule as everyone: the token names who they are.
      const content = contentOf(plan.versions[plan.versions.length - 1]!);
      const parties = { staffIds: [plan.planHolderId, ...content.controls.flatMap((x) => (x.ownerStaffId ? [x.ownerStaffId] : []))], agencyIds: [] };
      await access.requireProcess(linkReader(row.staff), { participantId: plan.participantId, what: 'plan', item: plan.id, resource: 'plan', parties }, LINK_NOT_VALID());
      const version = plan.versions.find((v) => v.number === scope.version);
      if (!version) throw LINK_NOT_VALID();
      const previous = plan.versions.find((v) => v.number === scope.version - 1);
      const names = await namesFor([contentOf(version), ...(previous ? [contentOf(previous)] : [])]);
      const changes = previous ? diffPlans(contentOf(previous), contentOf(version), names).map((c) => c.text) : ['First version of the plan'];
      const state = await changeState(scope.planId, scope.version);
      const recipient = state?.recipients.find((r) => r.staff.id === row.staff.id);
      return { plan: { id: plan.id, participantRef: plan.participant.localRef }, version: versionSummary(version), changes, state, recipient };
    },

    async acknowledgeWithPlanLink(row: ActionTokenRow) {
      const { plan, version } = await this.inspectPlanLink(row);
      const result = await this.acknowledge(linkHolder(row.staff), plan.id, version.number, 'link');
      return { recipient: result, version: version.number, participantRef: plan.participantRef };
    },

    /** An email reply saying "acknowledged", from the person the email went to. */
    async acknowledgeWithPlanReply(token: string, senderEmail: string) {
      const row = await findActionToken(deps.db, token, now(), [PLAN_REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== senderEmail.trim().toLowerCase()) throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      const scope = row.scope as { planId: string; version: number };
      const recipient = await this.acknowledge(linkHolder(row.staff, 'reply'), scope.planId, scope.version, 'email-reply');
      return { staff: row.staff, recipient, version: scope.version };
    },
  };
}

export type PlanService = ReturnType<typeof createPlanService>;
