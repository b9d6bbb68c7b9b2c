// Escalation emails as incidents, not alert storms. An escalation does not email its chair and
// responders itself: it holds a notice for each of them, and a person's notices about one
// participant wait together (a batch) until the most urgent of them may wait no longer, at most
// the grouping window (five minutes by default). Then one email lists them all, each with its own
// link, and one reply address covers them. Seven tasks of one sprint falling overdue within a few
// minutes are one email to the coordinator, not seven.
//
// Times here are the workflows' clock (passed in), never this process's: the workflow that holds
// a notice sleeps until its batch's send time and then asks for it to be sent. Every workflow with
// a notice in a batch does so; the first to ask claims it, and only the claimant's retries may
// send it. The email itself goes through `deliver`, at most once per batch.
import type { Prisma } from '../runtime/db';
import type { RiskLevel } from '../domain/escalation';
import type { StaffRef } from '../domain/sprint';
import { formatInstant } from '../domain/format';
import { escalationDigestEmail, type DigestLine } from '../domain/emails/escalation';
import { ESCALATION_REPLY_TOKEN_PURPOSE, ESCALATION_TOKEN_PURPOSE, ESCALATION_VIEW_TOKEN_PURPOSE } from '../domain/tokens';
import { commitInTx, type Commit } from './record';
import { deliver } from './notifications';
import type { ActivityDeps } from './index';

/** How long notices about one participant wait for each other, unless configured. */
export const DEFAULT_GROUP_WINDOW_MS = 5 * 60_000;

export type NoticeKind = 'raised' | 'promoted' | 'top-tier-overdue' | 'cause-resolved';

/** One line of a future email: what happened to one escalation, for one person. */
export interface EscalationNotice {
  /** Unique to the workflow and the step: a retried hold adds nothing. */
  key: string;
  escalationId: string;
  participant: { id: string; localRef: string };
  to: StaffRef;
  role: 'chair' | 'responder';
  kind: NoticeKind;
  /** The cause in words (the overdue task, the plan change, the raiser's trigger). */
  cause: string;
  tier: RiskLevel;
  tierLabel: string;
  chairName: string;
  acknowledgeDueAt: string;
  respondDueAt: string;
  /** After the cause ended: why, and until when the chair may confirm the outcome. */
  causeReason?: string;
  graceEndsAt?: string;
  tokensExpireAt: string;
  /** How long this notice may wait for others; the grouping window caps it. */
  holdAtMostMs: number;
}

export interface HoldNoticesInput extends Commit {
  notices: EscalationNotice[];
  /** The workflow's clock, in milliseconds. */
  now: number;
}

export interface HeldBatch {
  id: string;
  sendAt: string;
}

const batchId = (recipientId: string, participantId: string, seq: number) => `${recipientId}:${participantId}:${seq}`;

export function createNoticeActivities(deps: ActivityDeps) {
  const windowMs = deps.notices?.groupWindowMs ?? DEFAULT_GROUP_WINDOW_MS;
  const wallClock = () => deps.now?.() ?? new Date();

  return {
    /**
     * Holds each notice in its person's open batch about the participant (a new batch when none
     * is open), bringing the batch's send time forward when this notice may wait less; the step's
     * audit events commit in the same transaction. Returns the batches to send and when.
     */
    async holdEscalationNotices(input: HoldNoticesInput): Promise<{ batches: HeldBatch[] }> {
      const batches = new Map<string, string>();
      await deps.db.$transaction(async (tx) => {
        for (const n of input.notices) {
          const held = await tx.heldNotice.findUnique({ where: { idempotencyKey: n.key }, select: { batch: { select: { id: true, sendAt: true } } } });
          if (held) {
            batches.set(held.batch.id, held.batch.sendAt.toISOString());
            continue;
          }
          // One hold at a time per person and participant: two escalations raised at once share a batch.
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`notice:${n.to.id}:${n.participant.id}`}))`;
          const wantAt = new Date(input.now + Math.max(0, Math.min(windowMs, n.holdAtMostMs)));
          const open = await tx.noticeBatch.findFirst({ where: { recipientId: n.to.id, participantId: n.participant.id, sentAt: null, claimedBy: null }, orderBy: { seq: 'desc' } });
          let batch: { id: string; sendAt: Date };
          if (open) {
            batch = open.sendAt > wantAt ? await tx.noticeBatch.update({ where: { id: open.id }, data: { sendAt: wantAt } }) : open;
          } else {
            const last = await tx.noticeBatch.aggregate({ where: { recipientId: n.to.id, participantId: n.participant.id }, _max: { seq: true } });
            const seq = (last._max.seq ?? 0) + 1;
            batch = await tx.noticeBatch.create({ data: { id: batchId(n.to.id, n.participant.id, seq), recipientId: n.to.id, participantId: n.participant.id, seq, sendAt: wantAt } });
          }
          await tx.heldNotice.create({ data: { idempotencyKey: n.key, batchId: batch.id, escalationId: n.escalationId, payload: n as unknown as Prisma.InputJsonValue } });
          batches.set(batch.id, batch.sendAt.toISOString());
        }
        await commitInTx(tx, input, wallClock());
      });
      return { batches: [...batches].map(([id, sendAt]) => ({ id, sendAt })) };
    },

    /**
     * Sends a batch as one email, once: claimed by the first workflow to ask (its own retries may
     * go on), then the lines still worth reading (escalations since resolved, or whose chair has
     * changed, are left out) go out in `deliver`, keyed on the batch.
     */
    async sendNoticeBatch(input: { batchId: string; workflowId: string }): Promise<{ sent: boolean }> {
      // Claimed under the lock that holds take: a notice is either in the batch before the claim or in the next batch.
      const claimed = await deps.db.$transaction(async (tx) => {
        const b = await tx.noticeBatch.findUnique({ where: { id: input.batchId }, select: { recipientId: true, participantId: true } });
        if (!b) return 0;
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`notice:${b.recipientId}:${b.participantId}`}))`;
        const c = await tx.noticeBatch.updateMany({ where: { id: input.batchId, sentAt: null, OR: [{ claimedBy: null }, { claimedBy: input.workflowId }] }, data: { claimedBy: input.workflowId } });
        return c.count;
      });
      if (claimed !== 1) return { sent: false };
      const batch = await deps.db.noticeBatch.findUniqueOrThrow({ where: { id: input.batchId }, include: { notices: { orderBy: [{ createdAt: 'asc' }, { idempotencyKey: 'asc' }] } } });
      // The latest notice per escalation says where it stands; earlier ones in the window are history.
      const latest = new Map<string, EscalationNotice>();
      for (const row of batch.notices) latest.set(row.escalationId, row.payload as unknown as EscalationNotice);
      const rows = await deps.db.escalation.findMany({ where: { id: { in: [...latest.keys()] } }, select: { id: true, status: true, chairId: true } });
      const now = new Map(rows.map((r) => [r.id, r]));
      const lines = [...latest.values()].filter((n) => {
        const row = now.get(n.escalationId);
        if (!row || row.status === 'resolved') return false;
        return n.role === 'responder' || row.chairId === n.to.id;
      });
      if (lines.length) await deliver(deps, digestDelivery(deps, batch, lines));
      await deps.db.noticeBatch.update({ where: { id: batch.id }, data: { sentAt: wallClock() } });
      return { sent: lines.length > 0 };
    },
  };
}

function digestDelivery(deps: ActivityDeps, batch: { id: string; seq: number }, lines: EscalationNotice[]) {
  const first = lines[0]!;
  const expiresAt = new Date(Math.max(...lines.map((n) => Date.parse(n.tokensExpireAt))));
  const when = (iso: string) => formatInstant(iso, deps.links.timeZone);
  return {
    key: `notice-batch:${batch.id}`,
    kind: 'escalation-digest',
    process: 'escalation',
    workflowId: first.escalationId,
    to: first.to,
    links: lines.map((n, i) =>
      n.role === 'chair'
        ? { name: `e${i}`, purpose: ESCALATION_TOKEN_PURPOSE, scope: { escalationId: n.escalationId, tier: n.tier }, workflowId: n.escalationId, expiresAt: new Date(n.tokensExpireAt) }
        : { name: `e${i}`, purpose: ESCALATION_VIEW_TOKEN_PURPOSE, scope: { escalationId: n.escalationId }, workflowId: n.escalationId, expiresAt: new Date(n.tokensExpireAt) },
    ),
    // One address for every escalation listed, in the email's order; never revoked by one of them.
    reply: { purpose: ESCALATION_REPLY_TOKEN_PURPOSE, scope: { escalations: lines.map((n) => n.escalationId) } },
    expiresAt,
    compose: (links: Map<string, string>) =>
      escalationDigestEmail({
        recipientName: first.to.name,
        participantRef: first.participant.localRef,
        update: batch.seq,
        lines: lines.map(
          (n, i): DigestLine => ({
            kind: n.kind,
            role: n.role,
            cause: n.cause,
            riskLevel: n.tier,
            tierLabel: n.tierLabel,
            chairName: n.chairName,
            acknowledgeBy: when(n.acknowledgeDueAt),
            respondBy: when(n.respondDueAt),
            causeReason: n.causeReason,
            graceEndsAt: n.graceEndsAt ? when(n.graceEndsAt) : undefined,
            link: links.get(`e${i}`),
          }),
        ),
      }),
    auditItem: first.tier,
    auditData: { escalations: lines.map((n) => n.escalationId), batch: batch.id },
  };
}
