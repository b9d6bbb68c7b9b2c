// The escalation's side effects: who chairs and responds, its emails, and its reporting row.
import type { EscalationState, EscalationTier, RiskLevel } from '../domain/escalation';
import type { StaffRef } from '../domain/sprint';
import { escalationEmail, formatInstant, type EscalationEmailKind } from './email-content';
import { deliver } from './notifications';
import { ESCALATION_TOKEN_PURPOSE } from '../domain/tokens';
import type { ActivityDeps } from './index';

const MAX_RESPONDERS = 10;

export interface SendEscalationEmailInput {
  kind: EscalationEmailKind;
  workflowId: string;
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

export function createEscalationActivities(deps: ActivityDeps) {
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

    async sendEscalationEmail(input: SendEscalationEmailInput): Promise<{ sent: boolean }> {
      const withLink = input.kind !== 'escalation-responder';
      return deliver(deps, {
        key: input.idempotencyKey,
        kind: input.kind,
        process: 'escalation',
        workflowId: input.workflowId,
        to: input.to,
        links: withLink ? [{ name: 'escalation', purpose: ESCALATION_TOKEN_PURPOSE, scope: { escalationId: input.workflowId, tier: input.riskLevel } }] : [],
        expiresAt: new Date(input.tokensExpireAt),
        compose: (links) =>
          escalationEmail({
            kind: input.kind,
            recipientName: input.to.name,
            participantRef: input.participantRef,
            tierLabel: input.tierLabel,
            riskLevel: input.riskLevel,
            promoted: input.promoted,
            link: links.get('escalation'),
            statusLink: `${deps.links.publicBaseUrl}/api/escalations/${encodeURIComponent(input.workflowId)}`,
            acknowledgeBy: formatInstant(input.acknowledgeDueAt, deps.links.timeZone),
            respondBy: formatInstant(input.respondDueAt, deps.links.timeZone),
          }),
        auditItem: input.riskLevel,
        auditData: { tier: input.riskLevel },
      });
    },

    /** Keeps the reporting row current; idempotent, as it writes the whole state each time. */
    async recordEscalation(input: { workflowId: string; state: EscalationState }): Promise<void> {
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
        tiers: JSON.parse(JSON.stringify(s.tiers)) as object,
      };
      await deps.db.escalation.upsert({ where: { id: input.workflowId }, create: { id: input.workflowId, ...row }, update: row });
    },
  };
}
