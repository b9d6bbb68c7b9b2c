// The person hub's reads: finding people within your access (by reference or name), and one
// person's page: the plan at a glance, sprints, escalations, disputes, plan changes still waiting
// for acknowledgements, the care team and the audit trail a page at a time. Every read goes
// through the one access rule (api/access.ts, domain/access.ts): a person outside your care
// teams is "no such person", word for word, and each read is written to the access log.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { createAccess, type ReadRecord } from '../access';
import { AppError, parseInput } from '../errors';
import type { Caller } from '../sprints/service';
import { mayAccess, type AccessRelation, type AccessResource } from '../../domain/access';
import type { RiskLevel } from '../../domain/escalation';
import { planChangeWorkflowId, RISK_LEVELS as PLAN_RISK_LEVELS, type PlanChangeState, type RiskLevel as PlanRiskLevel } from '../../domain/plan';
import { planChangeStateQuery } from '../../workflows/plan-change';
import { withinDeadline } from '../../domain/on-time';
import { readAuditPage, type AuditPage } from '../evidence/participant-audit';
import { listCareTeam, ZParticipantId, type CareTeamMemberView } from './participant-service';
import { auditLine, memberKeysOf, type AuditLine } from './audit-words';

/** People one search shows; beyond this the page says to narrow it. */
export const MAX_SEARCH_ROWS = 50;
/** Plan versions whose acknowledgements the hub asks Temporal about, newest first. */
const PLAN_CHANGES_READ = 5;

const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const ZPeopleSearch = z.object({
  q: z.preprocess(blankAsUnset, z.string().trim().max(120, 'must be at most 120 characters').optional()),
});

export const ZHubQuery = z.object({
  page: z.preprocess(blankAsUnset, z.coerce.number({ message: 'must be a page number' }).int('must be a whole page number').min(1, 'must be 1 or more').max(1_000_000, 'is past the last page').default(1)),
});

export interface PersonRow {
  id: string;
  localRef: string;
  displayName: string;
  hasPlan: boolean;
}

export interface PersonSearch {
  q?: string;
  rows: PersonRow[];
  /** More people matched than one list shows. */
  truncated: boolean;
}

export interface HubSprint {
  id: string;
  status: string;
  dischargeAt: string;
  closesAt: string;
  closedAt?: string;
  coordinator: string;
}

export interface HubEscalation {
  id: string;
  tier: RiskLevel;
  trigger: string;
  status: string;
  raisedAt: string;
  chair: string;
  causeResolvedAt?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  overdue: boolean;
}

export interface HubDispute {
  id: string;
  subject?: string;
  status: string;
  stage: number;
  raisedAt: string;
  closedAt?: string;
  raisedBy: string;
  agencies: string[];
}

export interface HubPlan {
  id: string;
  version: number;
  publishedAt: string;
  author: string;
  planHolder: { id: string; name: string };
  goals: number;
  risks: number;
  highestRisk?: PlanRiskLevel;
  actions: number;
}

export interface HubPlanChange {
  version: number;
  publishedAt: string;
  ackDeadlineAt?: string;
  acknowledged: number;
  waitingFor: { id: string; name: string }[];
}

export interface PersonHub {
  participant: { id: string; localRef: string; displayName: string };
  /** What this caller may see and do here, from the one access rule. */
  may: { processes: boolean; audit: boolean; changeCareTeam: boolean; raise: boolean; coordinator: boolean };
  plan?: HubPlan;
  planChanges: HubPlanChange[];
  /** Temporal did not answer: the plan changes awaiting acknowledgement could not be read. */
  planChangesUnavailable: boolean;
  sprints: { open: HubSprint[]; past: HubSprint[] };
  escalations: HubEscalation[];
  disputes: HubDispute[];
  careTeam: CareTeamMemberView[];
  audit?: Omit<AuditPage, 'events'> & { lines: AuditLine[] };
}

interface TierJson {
  chair?: { id?: string; agencyId?: string };
}

export function createPersonHub(deps: { db: Db; temporal: Client; now?: () => Date }) {
  const db = deps.db;
  const now = () => deps.now?.() ?? new Date();
  const access = createAccess({ db, now: deps.now });

  /** Who is in the caller's care teams: their agency, them by name, or the plans they hold. */
  const withinAccess = (caller: Caller) =>
    caller.roles.includes('admin')
      ? {}
      : { OR: [{ careTeam: { some: { removedAt: null, OR: [{ agencyId: caller.agencyId }, { staffId: caller.staffId }] } } }, { plan: { is: { planHolderId: caller.staffId } } }] };

  async function planOf(participantId: string): Promise<HubPlan | undefined> {
    const plan = await db.carePlan.findUnique({
      where: { participantId },
      select: {
        id: true,
        planHolder: { select: { id: true, name: true } },
        versions: { orderBy: { number: 'desc' }, take: 1, select: { number: true, createdAt: true, content: true, author: { select: { name: true } } } },
      },
    });
    const latest = plan?.versions[0];
    if (!plan || !latest) return undefined;
    // Read defensively: the plan's content grows with the plan pages; the counts stay meaningful.
    const content = (latest.content ?? {}) as { goals?: unknown; risks?: unknown; controls?: unknown };
    const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]) : []);
    const levels = list(content.risks).map((r) => (r as { level?: unknown }).level).filter((l): l is PlanRiskLevel => (PLAN_RISK_LEVELS as readonly unknown[]).includes(l));
    const highestRisk = [...PLAN_RISK_LEVELS].reverse().find((l) => levels.includes(l));
    return {
      id: plan.id,
      version: latest.number,
      publishedAt: latest.createdAt.toISOString(),
      author: latest.author.name,
      planHolder: plan.planHolder,
      goals: list(content.goals).length,
      risks: list(content.risks).length,
      ...(highestRisk ? { highestRisk } : {}),
      actions: list(content.controls).length,
    };
  }

  /** Versions still waiting for someone's acknowledgement, from their change-control workflows. */
  async function planChangesOf(planId: string): Promise<{ changes: HubPlanChange[]; unavailable: boolean }> {
    const versions = await db.planVersion.findMany({
      where: { planId, acknowledgementRequired: true },
      orderBy: { number: 'desc' },
      take: PLAN_CHANGES_READ,
      select: { number: true },
    });
    let unavailable = false;
    const states = await Promise.all(
      versions.map(async (v) => {
        try {
          return await deps.temporal.workflow.getHandle(planChangeWorkflowId(planId, v.number)).query(planChangeStateQuery);
        } catch (err) {
          // A version published before change control ran as a workflow has none: nothing is waited for.
          if ((err as Error).name !== 'WorkflowNotFoundError') unavailable = true;
          return undefined;
        }
      }),
    );
    const changes = states
      .filter((s): s is PlanChangeState => s?.status === 'awaiting-acknowledgements')
      .map((s) => ({
        version: s.version,
        publishedAt: s.publishedAt,
        ...(s.ackDeadlineAt ? { ackDeadlineAt: s.ackDeadlineAt } : {}),
        acknowledged: s.recipients.filter((r) => r.acknowledgedAt).length,
        waitingFor: s.recipients.filter((r) => !r.acknowledgedAt).map((r) => ({ id: r.staff.id, name: r.staff.name })),
      }));
    return { changes, unavailable };
  }

  return {
    /**
     * People in the caller's care teams whose reference or name holds `q` (all of them, first
     * by reference, without one). Nobody else is ever listed, so a search says nothing about
     * people outside them.
     */
    async search(caller: Caller, rawQuery: unknown): Promise<PersonSearch> {
      const { q } = parseInput(ZPeopleSearch, rawQuery, 'search');
      const found = await db.participant.findMany({
        where: {
          AND: [withinAccess(caller), q ? { OR: [{ localRef: { contains: q, mode: 'insensitive' } }, { displayName: { contains: q, mode: 'insensitive' } }] } : {}],
        },
        select: { id: true, localRef: true, displayName: true, plan: { select: { id: true } } },
        orderBy: { localRef: 'asc' },
        take: MAX_SEARCH_ROWS + 1,
      });
      const truncated = found.length > MAX_SEARCH_ROWS;
      // The query above is the rule as SQL; the one access helper has the last word on each row.
      const visible = await access.visible(caller, found.slice(0, MAX_SEARCH_ROWS).map((p) => p.id), 'care-team');
      const rows = found.filter((p) => visible.has(p.id)).map((p) => ({ id: p.id, localRef: p.localRef, displayName: p.displayName, hasPlan: !!p.plan }));
      // An exact reference first: the person the caller most likely meant.
      if (q) rows.sort((a, b) => Number(b.localRef.toLowerCase() === q.toLowerCase()) - Number(a.localRef.toLowerCase() === q.toLowerCase()));
      await access.logReads(caller, rows.map((r) => ({ participantId: r.id, what: 'search' })));
      return { ...(q ? { q } : {}), rows, truncated };
    },

    /** One person's page, for anyone in their care team; 404 (the same words as for nobody) otherwise. */
    async hub(caller: Caller, rawId: string, rawQuery: unknown): Promise<PersonHub> {
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const { page } = parseInput(ZHubQuery, rawQuery, 'page');
      const participant = await access.requireParticipant(caller, { id }, 'care-team');
      const relation: AccessRelation = (await access.relations(caller, [participant.id])).get(participant.id)!;
      const may = (resource: AccessResource, party = false) => mayAccess(caller.roles, { ...relation, party }, resource);
      const reads: ReadRecord[] = [{ participantId: participant.id, what: 'person-hub' }];

      const [plan, sprintRows, escalationRows, disputeRows, careTeam] = await Promise.all([
        planOf(participant.id),
        db.sprint.findMany({
          where: { participantId: participant.id },
          orderBy: { dischargeAt: 'desc' },
          select: { id: true, status: true, dischargeAt: true, closesAt: true, closedAt: true, coordinatorId: true, coordinator: { select: { name: true } }, tasks: { select: { ownerId: true } } },
        }),
        db.escalation.findMany({ where: { participantId: participant.id }, orderBy: { raisedAt: 'desc' } }),
        db.dispute.findMany({ where: { participantId: participant.id }, orderBy: { raisedAt: 'desc' } }),
        listCareTeam(db, participant.id),
      ]);
      reads.push({ participantId: participant.id, what: 'care-team' });
      if (plan) reads.push({ participantId: participant.id, what: 'plan', item: plan.id });

      // Each process passes the rule on its own: a coordinator or manager in the team sees them
      // all; anyone else in the team sees those naming them.
      const sprints = sprintRows.filter((s) => may('sprint', s.coordinatorId === caller.staffId || s.tasks.some((t) => t.ownerId === caller.staffId)));
      const escalations = escalationRows.filter((e) => {
        const tiers = (Array.isArray(e.tiers) ? e.tiers : []) as TierJson[];
        const staffIds = [e.chairId, ...e.responderIds, ...tiers.flatMap((t) => (t.chair?.id ? [t.chair.id] : []))];
        const agencyIds = tiers.flatMap((t) => (t.chair?.agencyId ? [t.chair.agencyId] : []));
        return may('escalation', staffIds.includes(caller.staffId) || (agencyIds.includes(caller.agencyId) && caller.roles.includes('manager')));
      });
      const disputes = disputeRows.filter((d) => may('dispute', [d.raisedById, d.interimOwnerId].includes(caller.staffId) || d.partyAgencyIds.includes(caller.agencyId)));
      reads.push(...sprints.map((s) => ({ participantId: participant.id, what: 'sprint', item: s.id })));
      reads.push(...escalations.map((e) => ({ participantId: participant.id, what: 'escalation', item: e.id })));
      reads.push(...disputes.map((d) => ({ participantId: participant.id, what: 'dispute', item: d.id })));

      const staffIds = [...new Set([...escalations.map((e) => e.chairId), ...disputes.map((d) => d.raisedById)])];
      const agencyIds = [...new Set(disputes.flatMap((d) => d.partyAgencyIds))];
      const [names, agencies, subjects, planChanges] = await Promise.all([
        db.staff.findMany({ where: { id: { in: staffIds } }, select: { id: true, name: true } }),
        db.agency.findMany({ where: { id: { in: agencyIds } }, select: { id: true, name: true } }),
        // What a dispute is about is said once, when it is raised.
        disputes.length ? db.auditEvent.findMany({ where: { workflowId: { in: disputes.map((d) => d.id) }, action: 'dispute.raised' }, select: { workflowId: true, data: true } }) : [],
        plan ? planChangesOf(plan.id) : { changes: [], unavailable: false },
      ]);
      const nameOf = new Map(names.map((s) => [s.id, s.name]));
      const agencyName = new Map(agencies.map((a) => [a.id, a.name]));
      const subjectOf = new Map(subjects.map((e) => [e.workflowId, (e.data as { subject?: unknown } | null)?.subject]));

      const at = now().toISOString();
      const sprintView = (s: (typeof sprints)[number]): HubSprint => ({
        id: s.id,
        status: s.status,
        dischargeAt: s.dischargeAt.toISOString(),
        closesAt: s.closesAt.toISOString(),
        ...(s.closedAt ? { closedAt: s.closedAt.toISOString() } : {}),
        coordinator: s.coordinator.name,
      });
      const escalationView = (e: (typeof escalations)[number]): HubEscalation => {
        const due = e.status === 'resolved' || e.causeResolvedAt ? null : e.status === 'open' ? e.acknowledgeDueAt : e.respondDueAt;
        return {
          id: e.id,
          tier: e.tier as RiskLevel,
          trigger: e.trigger,
          status: e.status,
          raisedAt: e.raisedAt.toISOString(),
          chair: nameOf.get(e.chairId) ?? 'someone no longer in careloop',
          ...(e.causeResolvedAt ? { causeResolvedAt: e.causeResolvedAt.toISOString() } : {}),
          ...(e.resolvedAt ? { resolvedAt: e.resolvedAt.toISOString() } : {}),
          ...(e.resolvedBy ? { resolvedBy: e.resolvedBy } : {}),
          overdue: !!due && !withinDeadline(at, due.toISOString()),
        };
      };
      const disputeView = (d: (typeof disputes)[number]): HubDispute => {
        const subject = subjectOf.get(d.id);
        return {
          id: d.id,
          ...(typeof subject === 'string' ? { subject } : {}),
          status: d.status,
          stage: d.stage,
          raisedAt: d.raisedAt.toISOString(),
          ...(d.closedAt ? { closedAt: d.closedAt.toISOString() } : {}),
          raisedBy: nameOf.get(d.raisedById) ?? 'someone no longer in careloop',
          agencies: d.partyAgencyIds.map((a) => agencyName.get(a) ?? 'an agency no longer in careloop'),
        };
      };
      // Unresolved escalations first (overdue at the top), then the rest, the latest first.
      const escalationViews = escalations.map(escalationView).sort((a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved') || Number(b.overdue) - Number(a.overdue));

      let audit: PersonHub['audit'];
      if (may('audit')) {
        const trail = await readAuditPage(db, participant.id, page);
        const keys = memberKeysOf(trail.events);
        const ids = (prefix: string) => keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
        const [memberAgencies, memberStaff] = await Promise.all([
          db.agency.findMany({ where: { id: { in: ids('agency:') } }, select: { id: true, name: true } }),
          db.staff.findMany({ where: { id: { in: ids('staff:') } }, select: { id: true, name: true } }),
        ]);
        const memberNames = new Map([...memberAgencies.map((a) => [`agency:${a.id}`, a.name] as const), ...memberStaff.map((s) => [`staff:${s.id}`, s.name] as const)]);
        audit = { page: trail.page, pages: trail.pages, total: trail.total, lines: trail.events.map((e) => auditLine(e, memberNames)) };
        reads.push({ participantId: participant.id, what: 'audit-trail' });
      }

      await access.logReads(caller, reads);
      return {
        participant,
        may: {
          processes: may('sprint') && may('escalation') && may('dispute'),
          audit: may('audit'),
          changeCareTeam: may('care-team-change'),
          raise: may('raise'),
          coordinator: caller.roles.includes('coordinator'),
        },
        ...(plan ? { plan } : {}),
        planChanges: planChanges.changes,
        planChangesUnavailable: planChanges.unavailable,
        sprints: { open: sprints.filter((s) => s.status === 'open').map(sprintView), past: sprints.filter((s) => s.status !== 'open').map(sprintView) },
        escalations: escalationViews,
        disputes: disputes.map(disputeView),
        careTeam,
        ...(audit ? { audit } : {}),
      };
    },

    /** Whether the caller still sees the person at all (after changing their care team). */
    sees: (caller: Caller, participantId: string) => access.may(caller, participantId, 'care-team'),

    /**
     * The person and their care team, for the pages that change it: 404 outside the care team
     * (as everywhere), 403 inside it for those who may not change it.
     */
    async forCareTeamChange(caller: Caller, rawId: string) {
      const id = parseInput(ZParticipantId, rawId, 'participant id');
      const participant = await access.requireParticipant(caller, { id }, 'care-team', { log: 'care-team' });
      if (!(await access.may(caller, participant.id, 'care-team-change'))) {
        throw new AppError('FORBIDDEN', 'Only coordinators in the care team and the plan-holder can change who is in it. Ask one of them.');
      }
      return { participant, members: await listCareTeam(db, participant.id) };
    },
  };
}

export type PersonHubService = ReturnType<typeof createPersonHub>;
