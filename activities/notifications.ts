// Emails with action links, sent at most once per idempotency key.
// Raw tokens exist only inside this activity and the email itself: they never enter workflow
// history, the database (hash only) or a log line.
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '../runtime/db';
import { hashToken, newToken } from '../runtime/secrets';
import type { StaffRef } from '../domain/sprint';
import { recordAuditEvent } from './audit';
import { formatInstant, planEmail, sprintEmail, type EmailTask, type PlanEmailKind, type SprintEmailKind } from './email-content';
import type { ActivityDeps } from './index';

import { PLAN_REPLY_TOKEN_PURPOSE, PLAN_TOKEN_PURPOSE, REPLY_TOKEN_PURPOSE, TASK_TOKEN_PURPOSE } from '../domain/tokens';

/** Reply tokens travel in an address (`ack+<token>@domain`): lowercase hex, 160 bits, fits a local part. */
export function newReplyToken(): string {
  return randomBytes(20).toString('hex');
}

export interface SendSprintEmailInput {
  kind: SprintEmailKind;
  workflowId: string;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  tasks: EmailTask[];
  tokensExpireAt: string;
}

export interface Delivery {
  key: string;
  kind: string;
  process: string;
  workflowId: string;
  to: StaffRef;
  /** One action link per entry, each with its own single-use token. */
  links: { name: string; purpose: string; scope: Prisma.InputJsonValue }[];
  /** A reply token for Reply-To, usable by the recipient until the process ends. */
  reply?: { purpose: string; scope: Prisma.InputJsonValue };
  expiresAt: Date;
  compose(links: Map<string, string>): { subject: string; text: string };
  auditItem: string;
  auditData: Record<string, unknown>;
}

/**
 * Sends one email at most once per key: mints its tokens (replacing those of an earlier attempt
 * that never went out), sends it with a Message-ID derived from the key, records it sent at once,
 * then audits it.
 */
export async function deliver(deps: ActivityDeps, d: Delivery): Promise<{ sent: boolean }> {
  const now = deps.now ?? (() => new Date());
  const sentEvent = {
    actor: 'careloop',
    action: 'notification.sent',
    process: d.process,
    workflowId: d.workflowId,
    item: d.auditItem,
    data: { kind: d.kind, to: d.to.id, ...d.auditData },
    idempotencyKey: `notification:${d.key}`,
  };
  const existing = await deps.db.notification.findUnique({ where: { idempotencyKey: d.key }, select: { status: true } });
  if (existing?.status === 'sent') {
    // Sent by an earlier attempt that failed before its audit event was written: write it now.
    await recordAuditEvent(deps.db, sentEvent);
    return { sent: false };
  }

  const minted = d.links.map((l) => ({ ...l, token: newToken('cla') }));
  const replyToken = d.reply ? newReplyToken() : undefined;
  const notice = d.compose(new Map(minted.map((l) => [l.name, `${deps.links.publicBaseUrl}/a/${l.token}`])));

  await deps.db.$transaction(async (tx) => {
    await tx.notification.upsert({
      where: { idempotencyKey: d.key },
      create: { idempotencyKey: d.key, kind: d.kind, toAddress: d.to.email, subject: notice.subject, workflowId: d.workflowId, attempts: 1 },
      update: { attempts: { increment: 1 } },
    });
    // A retry after a failed send: the tokens minted for the unsent email must not work.
    await tx.actionToken.updateMany({ where: { notificationKey: d.key, usedAt: null, revokedAt: null }, data: { revokedAt: now() } });
    const rows: Prisma.ActionTokenCreateManyInput[] = minted.map((l) => ({
      tokenHash: hashToken(l.token),
      purpose: l.purpose,
      staffId: d.to.id,
      workflowId: d.workflowId,
      scope: l.scope,
      expiresAt: d.expiresAt,
      notificationKey: d.key,
    }));
    if (replyToken && d.reply) {
      rows.push({ tokenHash: hashToken(replyToken), purpose: d.reply.purpose, staffId: d.to.id, workflowId: d.workflowId, scope: d.reply.scope, expiresAt: d.expiresAt, notificationKey: d.key });
    }
    if (rows.length) await tx.actionToken.createMany({ data: rows });
  });

  // The Message-ID is derived from the key, so even a duplicate that slips through a crash
  // between sending and recording it can be recognised as the same message.
  const messageId = `<${createHash('sha256').update(d.key).digest('hex').slice(0, 32)}@careloop>`;
  await deps.mailer.send({
    to: d.to.email,
    subject: notice.subject,
    text: notice.text,
    messageId,
    ...(replyToken ? { replyTo: `ack+${replyToken}@${deps.links.inboundDomain}` } : {}),
    headers: { 'X-Careloop-Workflow': d.workflowId, 'Auto-Submitted': 'auto-generated' },
  });

  // Recorded sent in one statement, outside the audit chain's lock: under load an append can
  // wait on that lock until its transaction times out, and the retry must not send again.
  await deps.db.notification.update({ where: { idempotencyKey: d.key }, data: { status: 'sent', sentAt: now(), messageId } });
  await recordAuditEvent(deps.db, sentEvent);
  return { sent: true };
}

export interface SendPlanEmailInput {
  kind: PlanEmailKind;
  workflowId: string;
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

export function createNotificationActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    async sendSprintEmail(input: SendSprintEmailInput): Promise<{ sent: boolean }> {
      const withLinks = input.kind !== 'overdue-coordinator';
      return deliver(deps, {
        key: input.idempotencyKey,
        kind: input.kind,
        process: 'sprint',
        workflowId: input.workflowId,
        to: input.to,
        links: withLinks ? input.tasks.map((t) => ({ name: t.key, purpose: TASK_TOKEN_PURPOSE, scope: { task: t.key } })) : [],
        reply: withLinks ? { purpose: REPLY_TOKEN_PURPOSE, scope: { tasks: input.tasks.map((t) => t.key) } } : undefined,
        expiresAt: new Date(input.tokensExpireAt),
        compose: (links) =>
          sprintEmail({
            kind: input.kind,
            recipientName: input.to.name,
            participantRef: input.participantRef,
            tasks: input.tasks.map((t) => ({ ...t, link: links.get(t.key) })),
            sprintLink: `${deps.links.publicBaseUrl}/sprints/${encodeURIComponent(input.workflowId)}`,
            timeZone: deps.links.timeZone,
          }),
        auditItem: input.tasks.map((t) => t.key).join(','),
        auditData: { tasks: input.tasks.length },
      });
    },

    async sendPlanEmail(input: SendPlanEmailInput): Promise<{ sent: boolean }> {
      const withLink = input.kind !== 'plan-ack-escalation';
      const wantsAck = input.kind === 'plan-ack-request' || input.kind === 'plan-ack-reminder';
      const scope = { planId: input.planId, version: input.version };
      return deliver(deps, {
        key: input.idempotencyKey,
        kind: input.kind,
        process: 'plan-change',
        workflowId: input.workflowId,
        to: input.to,
        links: withLink ? [{ name: 'version', purpose: PLAN_TOKEN_PURPOSE, scope }] : [],
        reply: wantsAck ? { purpose: PLAN_REPLY_TOKEN_PURPOSE, scope } : undefined,
        expiresAt: new Date(input.tokensExpireAt),
        compose: (links) =>
          planEmail({
            kind: input.kind,
            recipientName: input.to.name,
            participantRef: input.participantRef,
            version: input.version,
            trigger: input.trigger,
            link: links.get('version'),
            planLink: `${deps.links.publicBaseUrl}/api/plans/${encodeURIComponent(input.planId)}/versions/${input.version}/status`,
            ackDeadline: input.ackDeadlineAt ? formatInstant(input.ackDeadlineAt, deps.links.timeZone) : undefined,
            missing: input.missing,
          }),
        auditItem: `v${input.version}`,
        auditData: { version: input.version },
      });
    },

    async recordPlanAcknowledgement(input: { versionId: string; staffId: string; acknowledgedAt: string; channel: string; workflowId: string }): Promise<void> {
      // Unique on (version, staff): a retry or a second channel leaves the first row as it was.
      await deps.db.planAcknowledgement.upsert({
        where: { planVersionId_staffId: { planVersionId: input.versionId, staffId: input.staffId } },
        update: {},
        create: { planVersionId: input.versionId, staffId: input.staffId, acknowledgedAt: new Date(input.acknowledgedAt), channel: input.channel },
      });
      // Links in this version's emails to that person have done their job.
      await deps.db.actionToken.updateMany({ where: { workflowId: input.workflowId, staffId: input.staffId, usedAt: null, revokedAt: null }, data: { revokedAt: now() } });
    },

    /** Stops tokens working: all of a workflow's, one task's, or one staff member's for a task. */
    async revokeActionTokens(input: { workflowId: string; taskKey?: string; staffId?: string; reason: string }): Promise<{ revoked: number }> {
      const where: Prisma.ActionTokenWhereInput = {
        workflowId: input.workflowId,
        usedAt: null,
        revokedAt: null,
        ...(input.staffId ? { staffId: input.staffId } : {}),
        ...(input.taskKey ? { purpose: TASK_TOKEN_PURPOSE, scope: { path: ['task'], equals: input.taskKey } } : {}),
      };
      const { count } = await deps.db.actionToken.updateMany({ where, data: { revokedAt: now() } });
      return { revoked: count };
    },
  };
}
