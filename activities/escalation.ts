// The escalation's side effects: who chairs and responds, and its reporting row (written with
// its audit events). Its emails are held and grouped as incidents (activities/notices.ts).
import type { EscalationState, EscalationTier } from '../domain/escalation';
import type { StaffRef } from '../domain/sprint';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';

const MAX_RESPONDERS = 10;

export function createEscalationActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  const ref = (s: { id: string; name: string; email: string; agencyId: string }): StaffRef => ({ id: s.id, name: s.name, email: s.email, agencyId: s.agencyId });
  return {
    /**
     * The chair of a tier: the preferred person (the raising process's coordinator, or the
     * raiser) when they hold the tier's chair role; else the longest-serving active holder of
     * that role in the escalation's agency; failing both, the preferred person anyway, so an
     * escalation never goes without a chair. Responders: the named ones plus active holders of
     * the tier's responder roles at the agencies involved in the cause (the escalation's agency
     * when none are given), not every holder of the role in the partnership.
     */
    async findEscalationPeople(input: { tier: EscalationTier; agencyId: string; responderAgencyIds?: string[]; preferredChair?: StaffRef; named: StaffRef[] }): Promise<{ chair: StaffRef; responders: StaffRef[] }> {
      const select = { id: true, name: true, email: true, agencyId: true, roles: true } as const;
      let chair: StaffRef | undefined;
      if (input.preferredChair) {
        const p = await deps.db.staff.findFirst({ where: { id: input.preferredChair.id, active: true, roles: { has: input.tier.chairRole } }, select });
        if (p) chair = ref(p);
      }
      if (!chair) {
        const holder = await deps.db.staff.findFirst({ where: { agencyId: input.agencyId, active: true, roles: { has: input.tier.chairRole } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select });
        if (holder) chair = ref(holder);
      }
      chair ??= input.preferredChair;
      if (!chair) throw new Error(`no ${input.tier.chairRole} in agency ${input.agencyId} to chair the escalation`);
      const byRole = input.tier.responderRoles.length
        ? await deps.db.staff.findMany({ where: { agencyId: { in: input.responderAgencyIds?.length ? input.responderAgencyIds : [input.agencyId] }, active: true, roles: { hasSome: input.tier.responderRoles } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: MAX_RESPONDERS, select })
        : [];
      const responders = new Map<string, StaffRef>();
      for (const s of [...input.named, ...byRole.map(ref)]) if (s.id !== chair.id && !responders.has(s.id)) responders.set(s.id, s);
      return { chair, responders: [...responders.values()].slice(0, MAX_RESPONDERS) };
    },

    /** Keeps the reporting row current, with the events of the change; idempotent (whole state, keyed events). */
    async recordEscalation(input: { workflowId: string; state: EscalationState } & Commit): Promise<void> {
      const s = input.state;
      const date = (iso?: string) => (iso ? new Date(iso) : null);
      const row = {
        participantId: s.participant.id,
        riskLevel: s.riskLevel,
        trigger: s.trigger,
        sourceProcess: s.source.process,
        sourceWorkflowId: s.source.workflowId ?? null,
        policyVersion: s.policyVersion,
        raisedAt: new Date(s.raisedAt),
        status: s.status,
        tier: s.tier,
        chairId: s.chair.id,
        promotions: s.tiers.length - 1,
        acknowledgedAt: date(s.acknowledgement?.at),
        acknowledgedOnTime: s.acknowledgement?.onTime ?? null,
        respondedAt: date(s.response?.at),
        respondedOnTime: s.response?.onTime ?? null,
        responseAction: s.response?.action ?? null,
        resolvedAt: date(s.outcome?.at),
        resolvedOnTime: s.outcome?.onTime ?? null,
        outcome: s.outcome?.outcome ?? null,
        resolvedBy: s.status === 'resolved' ? (s.resolvedBy ?? 'chair') : null,
        tiers: JSON.parse(JSON.stringify(s.tiers)) as object,
        sourceItem: s.source.item ?? null,
        responderIds: s.responders.map((r) => r.id),
        acknowledgeDueAt: new Date(s.acknowledgeDueAt),
        respondDueAt: new Date(s.respondDueAt),
        causeResolvedAt: date(s.causeResolvedAt),
      };
      await withCommit(deps.db, input, now(), async (tx) => {
        await tx.escalation.upsert({ where: { id: input.workflowId }, create: { id: input.workflowId, ...row }, update: row });
      });
    },
  };
}
