// The dispute's side effects: finding each stage's representatives, its emails, and its
// reporting row (written with its audit events).
import type { Role } from '../domain/roles';
import type { DisputeState } from '../domain/dispute';
import type { StaffRef } from '../domain/sprint';
import { formatInstant } from '../domain/format';
import { disputeEmail, type DisputeEmailKind } from '../domain/emails/dispute';
import { DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_DECISION_TOKEN_PURPOSE, DISPUTE_INTERIM_TOKEN_PURPOSE, DISPUTE_POSITION_TOKEN_PURPOSE, DISPUTE_REPLY_TOKEN_PURPOSE } from '../domain/tokens';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import type { Delivery } from './notifications';

const MAX_GOVERNANCE = 5;

export interface DisputeEmail {
  process: 'dispute';
  kind: DisputeEmailKind;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  subject: string;
  /** The disputed step. */
  step?: string;
  stage: number;
  stageLabel: string;
  stageDueAt: string;
  /** When the interim owner's next progress is due, while their step is open. */
  interimDueAt?: string;
  proposal?: { id: string; terms: string; byName: string; answers?: string };
  /** Who declined the proposal (a dispute-declined email). */
  declinedBy?: string;
  /** How the dispute closed and who carries the step on (a dispute-closed email). */
  closed?: { status: 'resolved' | 'decided' | 'withdrawn'; carriesOn: { id: string; name: string } };
  tokensExpireAt: string;
}

const INTERIM_KINDS: readonly DisputeEmailKind[] = ['dispute-interim-owner', 'dispute-interim-reminder', 'dispute-interim-overdue'];

/**
 * Which link and reply address an email carries: a party's at stages 1-2 (the stage's
 * representatives, a declined proposal's proposer) and a proposal's (to accept, decline or
 * counter it), governance's decision link at stage 3, the interim owner's progress link. A
 * closed dispute's email links its page only.
 */
function linksOf(workflowId: string, email: DisputeEmail): Pick<Delivery, 'links' | 'reply'> {
  const disputeId = workflowId;
  if (INTERIM_KINDS.includes(email.kind)) {
    return { links: [{ name: 'dispute', purpose: DISPUTE_INTERIM_TOKEN_PURPOSE, scope: { disputeId } }], reply: { purpose: DISPUTE_REPLY_TOKEN_PURPOSE, scope: { disputeId, role: 'interim' } } };
  }
  if ((email.kind === 'dispute-stage' && email.stage === 3) || email.kind === 'dispute-decision-overdue') {
    return { links: [{ name: 'dispute', purpose: DISPUTE_DECISION_TOKEN_PURPOSE, scope: { disputeId, stage: 3 } }] };
  }
  if (email.kind === 'dispute-proposal' && email.proposal) {
    const proposalId = email.proposal.id;
    return { links: [{ name: 'dispute', purpose: DISPUTE_ACCEPT_TOKEN_PURPOSE, scope: { disputeId, proposalId } }], reply: { purpose: DISPUTE_REPLY_TOKEN_PURPOSE, scope: { disputeId, role: 'party', proposalId } } };
  }
  if (email.kind === 'dispute-stage' || email.kind === 'dispute-declined') {
    return { links: [{ name: 'dispute', purpose: DISPUTE_POSITION_TOKEN_PURPOSE, scope: { disputeId, stage: email.stage } }], reply: { purpose: DISPUTE_REPLY_TOKEN_PURPOSE, scope: { disputeId, role: 'party' } } };
  }
  return { links: [] };
}

export function disputeDelivery(deps: ActivityDeps, workflowId: string, email: DisputeEmail): Delivery {
  const { links, reply } = linksOf(workflowId, email);
  const when = (iso: string) => formatInstant(iso, deps.links.timeZone);
  return {
    key: email.idempotencyKey,
    kind: email.kind,
    process: 'dispute',
    workflowId,
    to: email.to,
    links,
    ...(reply ? { reply } : {}),
    expiresAt: new Date(email.tokensExpireAt),
    compose: (minted) =>
      disputeEmail({
        kind: email.kind,
        recipientName: email.to.name,
        recipientId: email.to.id,
        participantRef: email.participantRef,
        subject: email.subject,
        step: email.step,
        stage: email.stage,
        stageLabel: email.stageLabel,
        dueBy: when(email.stageDueAt),
        interimDueBy: email.interimDueAt ? when(email.interimDueAt) : undefined,
        proposal: email.proposal,
        declinedBy: email.declinedBy,
        closed: email.closed,
        link: minted.get('dispute'),
        pageUrl: `${deps.links.publicBaseUrl}/disputes/${encodeURIComponent(workflowId)}`,
        replyable: !!reply,
        replyProposalId: email.kind === 'dispute-proposal' ? email.proposal?.id : undefined,
      }),
    auditItem: INTERIM_KINDS.includes(email.kind) ? 'interim-step' : `stage-${email.stage}`,
    auditData: { stage: email.stage, ...(email.proposal ? { proposal: email.proposal.id } : {}) },
  };
}

export function createDisputeActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
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

    /** Keeps the reporting row current, with the events of the change; idempotent (whole state, keyed events). */
    async recordDispute(input: { workflowId: string; state: DisputeState } & Commit): Promise<void> {
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
      await withCommit(deps.db, input, now(), async (tx) => {
        await tx.dispute.upsert({ where: { id: input.workflowId }, create: { id: input.workflowId, ...row }, update: row });
      });
    },
  };
}
