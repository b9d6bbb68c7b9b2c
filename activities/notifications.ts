// Emails with action links, sent at most once per idempotency key.
// Raw tokens exist only inside this activity and the email itself: they never enter workflow
// history, the database (hash only) or a log line.
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '../runtime/db';
import { hashToken, newToken } from '../runtime/secrets';
import type { StaffRef } from '../domain/sprint';
import { appendAuditEvent } from './audit';
import { sprintEmail, type EmailTask, type SprintEmailKind } from './email-content';
import type { ActivityDeps } from './index';

export const TASK_TOKEN_PURPOSE = 'sprint-task';
export const REPLY_TOKEN_PURPOSE = 'sprint-reply';

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

export function createNotificationActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    async sendSprintEmail(input: SendSprintEmailInput): Promise<{ sent: boolean }> {
      const key = input.idempotencyKey;
      const existing = await deps.db.notification.findUnique({ where: { idempotencyKey: key }, select: { status: true } });
      if (existing?.status === 'sent') return { sent: false };

      const withLinks = input.kind !== 'overdue-coordinator';
      const linkTokens = new Map<string, string>();
      const replyToken = withLinks ? newReplyToken() : undefined;
      const expiresAt = new Date(input.tokensExpireAt);
      const notice = sprintEmail({
        kind: input.kind,
        recipientName: input.to.name,
        participantRef: input.participantRef,
        tasks: input.tasks.map((t) => {
          if (!withLinks) return t;
          const token = newToken('cla');
          linkTokens.set(t.key, token);
          return { ...t, link: `${deps.links.publicBaseUrl}/a/${token}` };
        }),
        sprintLink: `${deps.links.publicBaseUrl}/sprints/${encodeURIComponent(input.workflowId)}`,
        timeZone: deps.links.timeZone,
      });

      await deps.db.$transaction(async (tx) => {
        await tx.notification.upsert({
          where: { idempotencyKey: key },
          create: { idempotencyKey: key, kind: input.kind, toAddress: input.to.email, subject: notice.subject, workflowId: input.workflowId, attempts: 1 },
          update: { attempts: { increment: 1 } },
        });
        // A retry after a failed send: the tokens minted for the unsent email must not work.
        await tx.actionToken.updateMany({ where: { notificationKey: key, usedAt: null, revokedAt: null }, data: { revokedAt: now() } });
        const rows: Prisma.ActionTokenCreateManyInput[] = [...linkTokens].map(([taskKey, token]) => ({
          tokenHash: hashToken(token),
          purpose: TASK_TOKEN_PURPOSE,
          staffId: input.to.id,
          workflowId: input.workflowId,
          scope: { task: taskKey },
          expiresAt,
          notificationKey: key,
        }));
        if (replyToken) {
          rows.push({
            tokenHash: hashToken(replyToken),
            purpose: REPLY_TOKEN_PURPOSE,
            staffId: input.to.id,
            workflowId: input.workflowId,
            scope: { tasks: input.tasks.map((t) => t.key) },
            expiresAt,
            notificationKey: key,
          });
        }
        if (rows.length) await tx.actionToken.createMany({ data: rows });
      });

      // The Message-ID is derived from the key, so even a duplicate that slips through a crash
      // between sending and recording it can be recognised as the same message.
      const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@careloop>`;
      await deps.mailer.send({
        to: input.to.email,
        subject: notice.subject,
        text: notice.text,
        messageId,
        ...(replyToken ? { replyTo: `ack+${replyToken}@${deps.links.inboundDomain}` } : {}),
        headers: { 'X-Careloop-Workflow': input.workflowId, 'Auto-Submitted': 'auto-generated' },
      });

      await deps.db.$transaction(async (tx) => {
        await tx.notification.update({ where: { idempotencyKey: key }, data: { status: 'sent', sentAt: now(), messageId } });
        await appendAuditEvent(tx, {
          actor: 'careloop',
          action: 'notification.sent',
          process: 'sprint',
          workflowId: input.workflowId,
          item: input.tasks.map((t) => t.key).join(','),
          data: { kind: input.kind, to: input.to.id, tasks: input.tasks.length },
          idempotencyKey: `notification:${key}`,
        });
      });
      return { sent: true };
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
