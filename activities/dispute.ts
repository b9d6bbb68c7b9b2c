// The dispute's side effects: finding each stage's representatives, and its emails.
import type { Role } from '../domain/roles';
import type { DisputeState } from '../domain/dispute';
import type { StaffRef } from '../domain/sprint';
import { disputeEmail, formatInstant, type DisputeEmailKind } from './email-content';
import { deliver } from './notifications';
import { DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_POSITION_TOKEN_PURPOSE } from '../domain/tokens';
import type { ActivityDeps } from './index';

const MAX_GOVERNANCE = 5;

export interface SendDisputeEmailInput {
  kind: DisputeEmailKind;
  workflowId: string;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  subject: string;
  stage: number;
  stageLabel: string;
  stageDueAt: string;
  proposal?: { id: string; terms: string; byName: string };
  tokensExpireAt: string;
}

export function createDisputeActivities(deps: ActivityDeps) {
  const select = { id: true, name: true, email: true, agencyId: true } as const;
  return {
    /**
     * Who represents each party agency at a stage: a named person of that agency holding one of
     * the stage's roles, else its longest-serving active holder of one. Governance (stage 3):
     * active admins of the party agencies, or failing those the partnership's longest-serving
     * admins. An agency with no holder is left out; the workflow keeps its earlier voice.
     */
    async findDisputeRepresentatives(input: { roles: Role[]; governance: boolean; agencyIds: string[]; named: StaffRef[] }): Promise<StaffRef[]> {
      const orderBy = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];
      if (input.governance) {
        const inParties = await deps.db.staff.findMany({ where: { agencyId: { in: input.agencyIds }, active: true, roles: { hasSome: input.roles } }, orderBy, take: MAX_GOVERNANCE, select });
        if (inParties.length) return inParties;
        return deps.db.staff.findMany({ where: { active: true, roles: { hasSome: input.roles } }, orderBy, take: MAX_GOVERNANCE, select });
      }
      const representatives: StaffRef[] = [];
      for (const agencyId of input.agencyIds) {
        const namedIds = input.named.filter((n) => n.agencyId === agencyId).map((n) => n.id);
        const named = namedIds.length ? await deps.db.staff.findFirst({ where: { id: { in: namedIds }, active: true, roles: { hasSome: input.roles } }, select }) : null;
        const holder = named ?? (await deps.db.staff.findFirst({ where: { agencyId, active: true, roles: { hasSome: input.roles } }, orderBy, select }));
        if (holder) representatives.push(holder);
      }
      return representatives;
    },

    async sendDisputeEmail(input: SendDisputeEmailInput): Promise<{ sent: boolean }> {
      const link =
        input.kind === 'dispute-stage' && input.stage < 3
          ? { name: 'dispute', purpose: DISPUTE_POSITION_TOKEN_PURPOSE, scope: { disputeId: input.workflowId, stage: input.stage } }
          : input.kind === 'dispute-proposal' && input.proposal
            ? { name: 'dispute', purpose: DISPUTE_ACCEPT_TOKEN_PURPOSE, scope: { disputeId: input.workflowId, proposalId: input.proposal.id } }
            : undefined;
      return deliver(deps, {
        key: input.idempotencyKey,
        kind: input.kind,
        process: 'dispute',
        workflowId: input.workflowId,
        to: input.to,
        links: link ? [link] : [],
        expiresAt: new Date(input.tokensExpireAt),
        compose: (links) =>
          disputeEmail({
            kind: input.kind,
            recipientName: input.to.name,
            participantRef: input.participantRef,
            subject: input.subject,
            stage: input.stage,
            stageLabel: input.stageLabel,
            dueBy: formatInstant(input.stageDueAt, deps.links.timeZone),
            proposal: input.proposal,
            link: links.get('dispute'),
            statusLink: `${deps.links.publicBaseUrl}/api/disputes/${encodeURIComponent(input.workflowId)}`,
          }),
        auditItem: `stage-${input.stage}`,
        auditData: { stage: input.stage, ...(input.proposal ? { proposal: input.proposal.id } : {}) },
      });
    },

    /** Keeps the reporting row current; idempotent, as it writes the whole state each time. */
    async recordDispute(input: { workflowId: string; state: DisputeState }): Promise<void> {
      const s = input.state;
      const row = {
        participantId: s.participant.id,
        raisedById: s.raisedBy.id,
        interimOwnerId: s.interimOwner.id,
        partyAgencyIds: s.partyAgencyIds,
        agreementVersion: s.agreementVersion,
        raisedAt: new Date(s.startedAt),
        status: s.status,
        stage: s.stage,
        closedAt: s.outcome ? new Date(s.outcome.at) : null,
        secondsToClose: s.outcome ? Math.round(s.outcome.msToClose / 1000) : null,
        workingDaysToClose: s.outcome?.workingDaysToClose ?? null,
        proposalId: s.outcome?.proposalId ?? null,
        stages: JSON.parse(JSON.stringify(s.stages)) as object,
      };
      await deps.db.dispute.upsert({ where: { id: input.workflowId }, create: { id: input.workflowId, ...row }, update: row });
    },
  };
}
