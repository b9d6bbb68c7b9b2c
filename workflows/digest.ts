// The weekly digest: its Temporal Schedule (runtime/digest-schedule.ts) starts this each Monday at
// 08:00 in the partnership's time zone. Everyone who chose it on their home page gets one email
// listing what they owe, each item with its link or page; nobody gets two for one week, however
// often the week's run is retried or started again (the email is keyed on the person and the
// ISO week). Ten people at a time; one person's failure does not hold up the others.
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Activities } from '../activities';
import { wallClock } from '../domain/calendar';
import { workflowNow } from './clock';

export interface WeeklyDigestWorkflowInput {
  /** The partnership's time zone: the week is the one its calendar is in. */
  timeZone: string;
  /** The ISO week (`2026-W49`); by default the week of the scheduled time (or of now). */
  week?: string;
}

export interface WeeklyDigestResult {
  week: string;
  /** Everyone who chose the digest. */
  people: number;
  sent: number;
  /** Had it already (a rerun of the week). */
  alreadySent: number;
  /** Owed nothing, so got no email. */
  nothingOpen: number;
  /** Could not be sent after every retry; the next week's run tries again. */
  failed: number;
}

/** Set by Temporal on a workflow a schedule started: the occurrence's scheduled time. */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const { digestRecipients, sendWeeklyDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', backoffCoefficient: 2, maximumAttempts: 8 },
});

const BATCH = 10;

/** The ISO-8601 week (`2026-W49`) that `ms` falls in on the calendar of `timeZone`. */
export function isoWeekOf(ms: number, timeZone: string): string {
  const { y, m, d } = wallClock(ms, timeZone);
  const date = new Date(Date.UTC(y, m - 1, d));
  // The Thursday of the same week decides its year (ISO-8601).
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export async function weeklyDigestWorkflow(input: WeeklyDigestWorkflowInput): Promise<WeeklyDigestResult> {
  const { workflowId } = workflowInfo();
  const scheduledAt = workflowInfo().typedSearchAttributes.get(TemporalScheduledStartTime);
  const week = input.week ?? isoWeekOf(scheduledAt?.getTime() ?? workflowNow(), input.timeZone);
  const people = await digestRecipients();
  const result: WeeklyDigestResult = { week, people: people.length, sent: 0, alreadySent: 0, nothingOpen: 0, failed: 0 };
  for (let i = 0; i < people.length; i += BATCH) {
    const outcomes = await Promise.all(
      people.slice(i, i + BATCH).map((staffId) =>
        sendWeeklyDigest({ workflowId, week, staffId }).then(
          (r) => r.outcome,
          (err: unknown) => {
            if (err instanceof ActivityFailure) return 'failed' as const;
            throw err;
          },
        ),
      ),
    );
    for (const o of outcomes) {
      if (o === 'sent') result.sent += 1;
      else if (o === 'already-sent') result.alreadySent += 1;
      else if (o === 'nothing-open') result.nothingOpen += 1;
      else if (o === 'failed') result.failed += 1;
    }
  }
  return result;
}
