// The escalation's side effects: who chairs and responds, its emails, and its reporting row
// (written with its audit events).
import type { EscalationState, EscalationTier, RiskLevel } from '../domain/escalation';
import type { StaffRef } from '../domain/sprint';
import { formatInstant } from '../domain/format';
import { escalationEmail, type EscalationEmailKind } from '../domain/emails/escalation';
import { ESCALATION_REPLY_TOKEN_PURPOSE, ESCALATION_TOKEN_PURPOSE, ESCALATION_VIEW_TOKEN_PURPOSE } from '../domain/tokens';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import type { Delivery } from './notifications';

const MAX_RESPONDERS = 10;

export interface EscalationEmail {
  process: 'escalation';
  kind: EscalationEmailKind;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  riskLevel: RiskLevel;
  tierLabel: string;
  promoted: boolean;
  acknowledgeDueAt: string;
  respondDueAt: string;
  tokensExpireAt: string;
}

/** The chair's email carries the escalation's link; a responder's a read-only link. Both may be answered by reply. */
export function escalationDelivery(deps: ActivityDeps, workflowId: string, email: EscalationEmail): Delivery {
  const withLink = email.kind !== 'escalation-responder';
  return {
    reply: { purpose: ESCALATION_REPLY_TOKEN_PURPOSE, scope: { escalations: [workflowId] } },
    key: email.idempotencyKey,
    kind: email.kind,
    process: 'escalation',
    workflowId,
    to: email.to,
    links: withLink
      ? [{ name: 'escalation', purpose: ESCALATION_TOKEN_PURPOSE, scope: { escalationId: workflowId, tier: email.riskLevel } }]
      : [{ name: 'escalation', purpose: ESCALATION_VIEW_TOKEN_PURPOSE, scope: { escalationId: workflowId } }],
    expiresAt: new Date(email.tokensExpireAt),
    compose: (links) =>
      escalationEmail({
        kind: email.kind,
        recipientName: email.to.name,
        participantRef: email.participantRef,
        tierLabel: email.tierLabel,
        riskLevel: email.riskLevel,
        promoted: email.promoted,
        link: links.get('escalation'),
        acknowledgeBy: formatInstant(email.acknowledgeDueAt, deps.links.timeZone),
        respondBy: formatInstant(email.respondDueAt, deps.links.timeZone),
      }),
    auditItem: email.riskLevel,
    auditData: { tier: email.riskLevel },
  };
}

export function createEscalationActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  const ref = (s: { id: string; name: string; email: string; agencyId: string }): StaffRef => ({ id: s.id, name: s.name, email: s.email, agencyId: s.agencyId });
  return {
    /**
     * The chair of a tier: the preferred person (the raising process's coordinator, or the
     * raiser) when they hold the tier's chair role; else the longest-serving active holder of
     * that role in the escalation's agency; failing both, the preferred person anyway, so an
     * escalation never goes without a chair. Responders: the named ones plus active holders of
     * the tier's responder roles in the agency.
     */
    async findEscalationPeople(input: { tier: EscalationTier; agencyId: string; preferredChair?: StaffRef; named: StaffRef[] }): Promise<{ chair: StaffRef; responders: StaffRef[] }> {
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
        ? await deps.db.staff.findMany({ where: { agencyId: input.agencyId, active: true, roles: { hasSome: input.tier.responderRoles } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: MAX_RESPONDERS, select })
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
