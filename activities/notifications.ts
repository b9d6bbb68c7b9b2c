// Emails with action links, sent at most once per idempotency key.
// Raw tokens exist only inside this activity and the email itself: they never enter workflow
// history, the database (hash only) or a log line.
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '../runtime/db';
import { hashToken, newToken } from '../runtime/secrets';
import type { StaffRef } from '../domain/sprint';
import { recordAuditEvent } from '../record/audit';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import { sprintDelivery, type SprintEmail } from './sprint';
import { planDelivery, type PlanEmail } from './plan';
import { disputeDelivery, type DisputeEmail } from './dispute';
import { huddleDelivery, type HuddleEmail } from './huddle';
import { planStepsDelivery, type PlanStepsEmail } from './plan-steps';
import type { EmailContent } from '../domain/emails/types';

/** Reply tokens travel in an address (`ack+<token>@domain`): lowercase hex, 160 bits, fits a local part. */
export function newReplyToken(): string {
  return randomBytes(20).toString('hex');
}

export interface Delivery {
  key: string;
  kind: string;
  process: string;
  workflowId: string;
  to: StaffRef;
  /** One action link per entry, each with its own token; a link may belong to another workflow than the email (a digest). */
  links: { name: string; purpose: string; scope: Prisma.InputJsonValue; workflowId?: string; expiresAt?: Date }[];
  /** A reply token for Reply-To, usable by the recipient until the process ends. */
  reply?: { purpose: string; scope: Prisma.InputJsonValue };
  expiresAt: Date;
  /** The email with its links: a plain-text part, and an HTML part when the template has one. */
  compose(links: Map<string, string>): EmailContent;
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
      workflowId: l.workflowId ?? d.workflowId,
      scope: l.scope,
      expiresAt: l.expiresAt ?? d.expiresAt,
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
    ...(notice.html ? { html: notice.html } : {}),
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

/** One email of any process: its template and links are chosen by `process` and `kind`. */
export type ProcessEmail = SprintEmail | PlanEmail | DisputeEmail | PlanStepsEmail | HuddleEmail;

export interface NotifyInput extends Commit {
  workflowId: string;
  emails: ProcessEmail[];
}

function deliveryOf(deps: ActivityDeps, workflowId: string, email: ProcessEmail): Delivery {
  switch (email.process) {
    case 'sprint':
      return sprintDelivery(deps, workflowId, email);
    case 'plan-change':
      return planDelivery(deps, workflowId, email);
    case 'dispute':
      return disputeDelivery(deps, workflowId, email);
    case 'plan-steps':
      return planStepsDelivery(deps, workflowId, email);
    case 'huddle':
      return huddleDelivery(deps, workflowId, email);
  }
}

/** Each email at most once per key, all at once: a retry sends only what did not go out. */
export async function deliverAll(deps: ActivityDeps, workflowId: string, emails: ProcessEmail[]): Promise<{ sent: number }> {
  const results = await Promise.all(emails.map((email) => deliver(deps, deliveryOf(deps, workflowId, email))));
  return { sent: results.filter((r) => r.sent).length };
}

export function createNotificationActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  return {
    /**
     * One step of a process that tells people something: its audit events and the links it ends
     * commit in one transaction, then each email is minted its links, sent and recorded, at most
     * once per key, so a retry sends only what did not go out.
     */
    async notify(input: NotifyInput): Promise<{ sent: number }> {
      await withCommit(deps.db, input, now());
      return deliverAll(deps, input.workflowId, input.emails);
    },
  };
}
