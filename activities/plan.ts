// Plan change control's side effects: its emails, and each acknowledgement with its audit event.
import type { StaffRef } from '../domain/sprint';
import { formatInstant } from '../domain/format';
import { planEmail, type PlanEmailKind } from '../domain/emails/plan';
import { PLAN_REPLY_TOKEN_PURPOSE, PLAN_TOKEN_PURPOSE } from '../domain/tokens';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import type { Delivery } from './notifications';

export interface PlanEmail {
  process: 'plan-change';
  kind: PlanEmailKind;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  planId: string;
  version: number;
  trigger: string;
  tokensExpireAt: string;
  ackDeadlineAt?: string;
  /** Names of recipients still to acknowledge (escalation emails). */
  missing?: string[];
}

export function planDelivery(deps: ActivityDeps, workflowId: string, email: PlanEmail): Delivery {
  const withLink = email.kind !== 'plan-ack-escalation';
  const wantsAck = email.kind === 'plan-ack-request' || email.kind === 'plan-ack-reminder';
  const scope = { planId: email.planId, version: email.version };
  return {
    key: email.idempotencyKey,
    kind: email.kind,
    process: 'plan-change',
    workflowId,
    to: email.to,
    links: withLink ? [{ name: 'version', purpose: PLAN_TOKEN_PURPOSE, scope }] : [],
    reply: wantsAck ? { purpose: PLAN_REPLY_TOKEN_PURPOSE, scope } : undefined,
    expiresAt: new Date(email.tokensExpireAt),
    compose: (links) =>
      planEmail({
        kind: email.kind,
        recipientName: email.to.name,
        participantRef: email.participantRef,
        version: email.version,
        trigger: email.trigger,
        link: links.get('version'),
        ackDeadline: email.ackDeadlineAt ? formatInstant(email.ackDeadlineAt, deps.links.timeZone) : undefined,
        missing: email.missing,
      }),
    auditItem: `v${email.version}`,
    auditData: { version: email.version },
  };
}

export function createPlanActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  return {
    /** The acknowledgement, that person's links revoked, and the audit event, in one transaction. */
    async recordPlanAcknowledgement(input: { versionId: string; staffId: string; acknowledgedAt: string; channel: string; workflowId: string } & Commit): Promise<void> {
      const revoke = [...(input.revoke ?? []), { workflowId: input.workflowId, staffId: input.staffId, reason: 'acknowledged' }];
      await withCommit(deps.db, { events: input.events, revoke }, now(), async (tx) => {
        // Unique on (version, staff): a retry or a second channel leaves the first row as it was.
        await tx.planAcknowledgement.upsert({
          where: { planVersionId_staffId: { planVersionId: input.versionId, staffId: input.staffId } },
          update: {},
          create: { planVersionId: input.versionId, staffId: input.staffId, acknowledgedAt: new Date(input.acknowledgedAt), channel: input.channel },
        });
      });
    },
  };
}
