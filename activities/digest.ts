// The weekly digest's side effects (workflows/digest.ts): who chose it, and one person's email of
// what they owe, sent at most once per person per week. What they owe is read exactly as their
// home page reads it (api/people/my-work.ts), so the email and "My work" never disagree. Where a
// step has an emailed link of its own the digest carries a fresh one, minted as that step's own
// email mints it, so it works without signing in and stops working with the step; the rest link
// their signed-in page.
import { Context } from '@temporalio/activity';
import { formatInstant } from '../domain/format';
import { digestEmail } from '../domain/emails/digest';
import { createMyWork } from '../api/people/my-work';
import type { ActivityDeps } from './index';
import { deliver } from './notifications';

export interface WeeklyDigestInput {
  workflowId: string;
  /** The ISO week it is for (`2026-W49`): one email per person per week, whatever retries or reruns. */
  week: string;
  staffId: string;
}

export type WeeklyDigestOutcome = 'sent' | 'already-sent' | 'nothing-open' | 'not-chosen';

/** The idempotency key of one person's digest for one week. */
export const digestKey = (week: string, staffId: string) => `digest:${week}:${staffId}`;

export function createDigestActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  const workOf = () => createMyWork({ db: deps.db, temporal: Context.current().client, now: deps.now });

  return {
    /** Everyone who chose the weekly digest and still works here, by id. */
    async digestRecipients(): Promise<string[]> {
      const rows = await deps.db.staff.findMany({ where: { weeklyDigest: true, active: true }, select: { id: true }, orderBy: { id: 'asc' } });
      return rows.map((r) => r.id);
    },

    /** One person's digest for the week: nothing when they stopped it, owe nothing, or already have it. */
    async sendWeeklyDigest(input: WeeklyDigestInput): Promise<{ outcome: WeeklyDigestOutcome; items: number }> {
      const key = digestKey(input.week, input.staffId);
      const staff = await deps.db.staff.findUnique({ where: { id: input.staffId }, select: { id: true, name: true, email: true, agencyId: true, roles: true, active: true, weeklyDigest: true } });
      if (!staff || !staff.active || !staff.weeklyDigest) return { outcome: 'not-chosen', items: 0 };
      const before = await deps.db.notification.findUnique({ where: { idempotencyKey: key }, select: { status: true } });
      if (before?.status === 'sent') return { outcome: 'already-sent', items: 0 };

      const work = await workOf().load({ staffId: staff.id, agencyId: staff.agencyId, roles: staff.roles });
      if (!work.owed.length) return { outcome: 'nothing-open', items: 0 };
      const at = now();
      const base = deps.links.publicBaseUrl;
      // A link that has already run out (a step long overdue) is no use: its page stands in.
      const relinked = work.owed.map((item, n) => ({ item, name: `item-${n + 1}`, fresh: item.relink && Date.parse(item.relink.expiresAt) > at.getTime() ? item.relink : undefined }));
      const { sent } = await deliver(deps, {
        key,
        kind: 'weekly-digest',
        process: 'digest',
        workflowId: input.workflowId,
        to: { id: staff.id, name: staff.name, email: staff.email, agencyId: staff.agencyId },
        links: relinked.flatMap(({ name, fresh }) => (fresh ? [{ name, purpose: fresh.purpose, scope: fresh.scope, workflowId: fresh.workflowId, expiresAt: new Date(fresh.expiresAt) }] : [])),
        expiresAt: new Date(Math.max(at.getTime(), ...relinked.flatMap(({ fresh }) => (fresh ? [Date.parse(fresh.expiresAt)] : [])))),
        compose: (links) =>
          digestEmail({
            recipientName: staff.name,
            timeZone: deps.links.timeZone,
            homeUrl: `${base}/`,
            items: relinked.map(({ item, name }) => {
              const url = links.get(name);
              return {
                words: item.plain,
                ...(item.participant ? { participantRef: item.participant.localRef } : {}),
                ...(item.dueAt ? { dueBy: formatInstant(item.dueAt, deps.links.timeZone) } : {}),
                overdue: item.overdue,
                ...(url ? { link: { url, signIn: false } } : item.href ? { link: { url: `${base}${item.href}`, signIn: true } } : {}),
              };
            }),
          }),
        auditItem: input.week,
        auditData: { week: input.week, items: work.owed.length, overdue: work.owed.filter((i) => i.overdue).length },
      });
      return { outcome: sent ? 'sent' : 'already-sent', items: work.owed.length };
    },
  };
}
