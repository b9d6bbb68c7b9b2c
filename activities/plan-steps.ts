// The side effects of the plan's own steps (workflows/plan-steps.ts): a published version read
// from the record and resolved (who owns each action, when it is due in the partnership's time
// zone, who answers for each agency), the reporting rows kept current with their audit events and
// the links a step's end stops, and the steps' emails.
import type { Prisma } from '../runtime/db';
import type { PlanContent, PlanTrigger } from '../domain/plan';
import type { StaffRef } from '../domain/sprint';
import { formatDay, type PlanActionSpec, type PlanActionState, type PlanAgency, type RapidReviewState, type ResolvedPlanVersion } from '../domain/plan-steps';
import { formatInstant, zonedLocalToInstant } from '../domain/format';
import { planStepsEmail, type PlanStepsEmailKind } from '../domain/emails/plan-steps';
import { PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_ACTION_TOKEN_PURPOSE, PLAN_REVIEW_TOKEN_PURPOSE, PLAN_UPDATE_REPLY_TOKEN_PURPOSE, PLAN_UPDATE_TOKEN_PURPOSE, TOKEN_EXPIRY } from '../domain/tokens';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import type { Delivery } from './notifications';

export interface PlanStepsEmail {
  process: 'plan-steps';
  kind: PlanStepsEmailKind;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  planId: string;
  /** The step the email is about: its link and reply address carry it. */
  step: string;
  dueAt: string;
  /** An action's due day as the plan states it (`2026-12-01`): shown instead of the instant. */
  dueDate?: string;
  why?: string;
  version?: number;
  askedBy?: string;
  agencyName?: string;
}

/** Which links an email carries, by what it is about. */
function linksOf(kind: PlanStepsEmailKind): { link?: string; reply?: string } {
  if (kind === 'action-assigned' || kind === 'action-reminder' || kind === 'action-overdue') return { link: PLAN_ACTION_TOKEN_PURPOSE, reply: PLAN_ACTION_REPLY_TOKEN_PURPOSE };
  if (kind === 'review-started' || kind === 'review-reminder' || kind === 'review-overdue') return { link: PLAN_REVIEW_TOKEN_PURPOSE };
  if (kind === 'update-requested' || kind === 'update-reminder' || kind === 'update-overdue') return { link: PLAN_UPDATE_TOKEN_PURPOSE, reply: PLAN_UPDATE_REPLY_TOKEN_PURPOSE };
  return {};
}

export function planStepsDelivery(deps: ActivityDeps, workflowId: string, email: PlanStepsEmail): Delivery {
  const { link, reply } = linksOf(email.kind);
  const scope = { planId: email.planId, step: email.step };
  return {
    key: email.idempotencyKey,
    kind: email.kind,
    process: 'plan-steps',
    workflowId,
    to: email.to,
    links: link ? [{ name: 'step', purpose: link, scope }] : [],
    reply: reply ? { purpose: reply, scope } : undefined,
    expiresAt: new Date(TOKEN_EXPIRY.planStep(email.dueAt)),
    compose: (links) =>
      planStepsEmail({
        kind: email.kind,
        recipientName: email.to.name,
        participantRef: email.participantRef,
        dueBy: email.dueDate ? formatDay(email.dueDate) : formatInstant(email.dueAt, deps.links.timeZone),
        why: email.why,
        version: email.version,
        askedBy: email.askedBy,
        agencyName: email.agencyName,
        // The plan-holder reads an agency's update on the review page, signed in: no token.
        link: email.kind === 'update-received' ? `${deps.links.publicBaseUrl}/plans/${encodeURIComponent(email.planId)}/review` : links.get('step'),
      }),
    auditItem: email.step,
    auditData: {},
  };
}

const staffSelect = { id: true, name: true, email: true, agencyId: true, active: true } as const;
const ref = (s: { id: string; name: string; email: string; agencyId: string }): StaffRef => ({ id: s.id, name: s.name, email: s.email, agencyId: s.agencyId });

/** The day after `YYYY-MM-DD`: a due day ends at the next midnight. */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** A request to revoke the links of one step (its link and reply address), or of one person on it. */
export interface StepRevocation {
  step: string;
  staffId?: string;
  reason: string;
}

export interface PlanStepsRecord extends Commit {
  workflowId: string;
  planId: string;
  participantId: string;
  holderAgencyId: string;
  actions?: PlanActionState[];
  review?: RapidReviewState;
  revokeSteps?: StepRevocation[];
}

export function createPlanStepsActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  const tz = deps.links.timeZone;
  return {
    /**
     * A published version as the plan's steps need it: each action with a due date, its owner
     * (the named person, else the owning agency's longest-serving coordinator, else the
     * plan-holder) and the end of its due day; the agencies the plan names and who answers for each.
     */
    async resolvePlanVersion(input: { planId: string; version: number }): Promise<ResolvedPlanVersion> {
      const plan = await deps.db.carePlan.findUniqueOrThrow({ where: { id: input.planId }, select: { planHolder: { select: staffSelect }, participant: { select: { localRef: true } } } });
      const version = await deps.db.planVersion.findUnique({
        where: { planId_number: { planId: input.planId, number: input.version } },
        select: { content: true, trigger: true, reason: true, author: { select: { id: true, name: true } } },
      });
      // The API signals after the version is committed: a miss is a read racing it, retried.
      if (!version) throw new Error(`plan ${input.planId} has no version ${input.version} yet`);
      const content = version.content as unknown as PlanContent;
      const agencyIds = [...new Set([...content.controls.map((c) => c.ownerAgencyId), ...content.serviceContacts.map((c) => c.agencyId)])];
      const namedIds = [...new Set(content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])))];
      const [agencies, named, coordinators] = await Promise.all([
        deps.db.agency.findMany({ where: { id: { in: agencyIds } }, select: { id: true, name: true } }),
        deps.db.staff.findMany({ where: { id: { in: namedIds }, active: true }, select: staffSelect }),
        deps.db.staff.findMany({ where: { agencyId: { in: agencyIds }, active: true, roles: { has: 'coordinator' } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: staffSelect }),
      ]);
      const namedById = new Map(named.map((s) => [s.id, ref(s)]));
      const coordinatorOf = (agencyId: string) => {
        const c = coordinators.find((s) => s.agencyId === agencyId);
        return c && ref(c);
      };
      const holder = ref(plan.planHolder);
      const actions: PlanActionSpec[] = [];
      for (const c of content.controls) {
        if (!c.dueDate) continue;
        const end = zonedLocalToInstant(`${nextDay(c.dueDate)}T00:00`, tz);
        const dueAt = 'instant' in end ? end.instant : new Date(`${nextDay(c.dueDate)}T00:00:00Z`);
        const owner = (c.ownerStaffId && namedById.get(c.ownerStaffId)) || coordinatorOf(c.ownerAgencyId) || holder;
        actions.push({ controlId: c.id, description: c.description, owner, ownerAgencyId: c.ownerAgencyId, dueDate: c.dueDate, dueAt: dueAt.toISOString() });
      }
      const planAgencies: PlanAgency[] = agencyIds.flatMap((agencyId) => {
        const agency = agencies.find((a) => a.id === agencyId);
        if (!agency) return [];
        const namedOwner = content.controls.map((c) => (c.ownerAgencyId === agencyId && c.ownerStaffId ? namedById.get(c.ownerStaffId) : undefined)).find(Boolean);
        const contact = namedOwner ?? coordinatorOf(agencyId);
        return [{ agencyId, name: agency.name, ...(contact ? { contact } : {}) }];
      });
      return {
        version: input.version,
        trigger: version.trigger as PlanTrigger,
        reason: version.reason,
        publishedBy: { staffId: version.author.id, name: version.author.name },
        participantRef: plan.participant.localRef,
        planHolder: holder,
        actions,
        agencies: planAgencies,
      };
    },

    /**
     * The reporting rows of the steps that changed, the links their change ends (each step's link
     * and reply address, or one person's), and the change's audit events, in one transaction.
     * Idempotent: rows are written whole, events are keyed.
     */
    async recordPlanSteps(input: PlanStepsRecord): Promise<void> {
      const date = (iso?: string) => (iso ? new Date(iso) : null);
      await withCommit(deps.db, input, now(), async (tx) => {
        for (const a of input.actions ?? []) {
          const row = {
            planId: input.planId,
            participantId: input.participantId,
            controlId: a.controlId,
            description: a.description,
            ownerId: a.owner.id,
            ownerAgencyId: a.ownerAgencyId,
            holderAgencyId: input.holderAgencyId,
            fromVersion: a.fromVersion,
            lastVersion: a.inVersion,
            startedAt: new Date(a.startedAt),
            dueAt: new Date(a.dueAt),
            status: a.status,
            endedAt: date(a.endedAt),
            endedById: a.endedBy?.staffId ?? null,
            channel: a.endedBy?.channel ?? null,
            reason: a.reason ?? a.note ?? null,
            onTime: a.onTime ?? null,
            wasOverdue: a.overdue,
            escalationId: a.escalationId ?? null,
          };
          const id = `${input.workflowId}:${a.key}`;
          await tx.planAction.upsert({ where: { id }, create: { id, ...row }, update: row });
        }
        const r = input.review;
        if (r) {
          const requests = r.requests.map((q) => ({
            key: q.key,
            agencyId: q.agencyId,
            agencyName: q.agencyName,
            toId: q.to.id,
            toName: q.to.name,
            askedAt: q.askedAt,
            askedById: q.askedBy.staffId,
            dueAt: q.dueAt,
            status: q.status,
            overdue: q.overdue,
            answeredAt: q.answer?.at ?? null,
            answeredById: q.answer?.by.staffId ?? null,
            channel: q.answer?.by.channel ?? null,
            onTime: q.answer?.onTime ?? null,
            text: q.answer?.text ?? null,
            endedReason: q.endedReason ?? null,
          }));
          const row = {
            planId: input.planId,
            participantId: input.participantId,
            ownerId: r.owner.id,
            holderAgencyId: input.holderAgencyId,
            triggers: [...new Set(r.triggers.map((t) => t.trigger))],
            startedAt: new Date(r.startedAt),
            dueAt: new Date(r.dueAt),
            status: r.status,
            endedAt: date(r.endedAt),
            endedById: r.endedBy?.staffId ?? null,
            reason: r.reason ?? null,
            byVersion: r.byVersion ?? null,
            onTime: r.onTime ?? null,
            wasOverdue: r.overdue,
            escalationId: r.escalationId ?? null,
            updateRequests: requests as Prisma.InputJsonValue,
          };
          const id = `${input.workflowId}:${r.key}`;
          await tx.planReview.upsert({ where: { id }, create: { id, ...row }, update: row });
        }
        for (const s of input.revokeSteps ?? []) {
          await tx.actionToken.updateMany({
            where: { workflowId: input.workflowId, usedAt: null, revokedAt: null, ...(s.staffId ? { staffId: s.staffId } : {}), scope: { path: ['step'], equals: s.step } },
            data: { revokedAt: now() },
          });
        }
      });
    },
  };
}
