// The evidence figures commissioners ask for (seed 001, "What to evidence"), defined once: the
// report service reads the care record, these functions turn its rows into figures. Terms are
// explained in docs/evidence-report.md; medians and percentiles in domain/stats.ts.
import { RISK_LEVELS, type RiskLevel } from './escalation';
import { median, minutesBetween, percentile, share } from './stats';

type Counts<K extends string> = Record<K, number>;

export interface SprintCounts {
  discharged: number;
  open: number;
  cancelled: number;
  closed: number;
}
export interface FirstContactFigures {
  sprintsClosed: number;
  withContact: number;
  withoutContact: number;
  medianMinutes?: number;
  p90Minutes?: number;
}
export interface SprintTaskFigures {
  tasks: number;
  notApplicable: number;
  applicable: number;
  doneOnTime: number;
  doneLate: number;
  refused: number;
  notDone: number;
  onTimeShare?: number;
}
export interface AcknowledgementFigures {
  versionsRequiringAcknowledgement: number;
  acknowledged: number;
  medianMinutes?: number;
  p90Minutes?: number;
  byChannel: Record<string, number>;
}
/** How escalations ended: resolved by their chair, resolved by their cause (careloop, after the grace period), or not resolved. */
export interface ResolutionCounts {
  resolvedByChair: number;
  resolvedByCause: number;
  notResolved: number;
}
export interface TierFigures extends ResolutionCounts {
  raised: number;
  resolved: number;
  withinTimeframe: number;
  acknowledgedOnTime: number;
  respondedOnTime: number;
  resolvedOnTime: number;
}
export interface EscalationFigures extends ResolutionCounts {
  raised: number;
  open: number;
  resolved: number;
  promoted: number;
  withinTimeframe: number;
  withinTimeframeShare?: number;
  byTier: Record<RiskLevel, TierFigures>;
}
/** Proof the plan drove actions: the plan's actions due in the period, and what became of them. */
export interface PlanActionFigures {
  /** Actions with a due day in the period that were still in the plan (not cancelled). */
  due: number;
  doneOnTime: number;
  doneLate: number;
  /** Recorded as not done, with why. */
  notDone: number;
  /** Nothing recorded yet; `overdue` of them are past their due day. */
  open: number;
  overdue: number;
  /** Dropped from the plan before they were recorded (not counted as due). */
  cancelled: number;
  /** Of those due: the share done on time. */
  onTimeShare?: number;
}
/** Rapid reviews of the plan (after an incident, hospital discharge or safeguarding concern) started in the period. */
export interface RapidReviewFigures {
  started: number;
  byTrigger: Record<string, number>;
  /** Ended by a scheduled_review version or "reviewed, no change", within the deadline or after it. */
  reviewedOnTime: number;
  reviewedLate: number;
  /** How they ended: a new version, or no change with a reason. */
  byNewVersion: number;
  noChange: number;
  open: number;
  overdue: number;
  onTimeShare?: number;
  /** Updates on changed risk factors asked of agencies, sent, and sent by their deadline. */
  updatesAsked: number;
  updatesSent: number;
  updatesSentOnTime: number;
}
/**
 * The caseload governance rhythm (seed 001, "What to evidence": huddle logs, attendance, actions
 * closed): huddles started in the period, whether they were held, who attended, and what became
 * of their decisions.
 */
export interface HuddleFigures {
  started: number;
  /** Held: someone recorded who attended. */
  held: number;
  notHeld: number;
  /** Over held huddles: those asked (the agency's coordinators and managers), those of them who attended, and others who joined. */
  invited: number;
  invitedAttended: number;
  othersAttended: number;
  /** Of those asked to held huddles, the share who attended. */
  attendanceShare?: number;
  medianAttendees?: number;
  /** Decisions recorded at the huddles started in the period, and what became of them. */
  decisions: number;
  closedOnTime: number;
  closedLate: number;
  notDone: number;
  open: number;
  /** Open and past the time follow-up was due. */
  overdue: number;
  /** Of all the decisions: the share recorded done by the time follow-up was due. */
  onTimeShare?: number;
}
export type DisputeStageCounts = Counts<'resolved' | 'decided' | 'withdrawn' | 'open'>;
export interface DisputeFigures {
  raised: number;
  open: number;
  byStage: Record<'1' | '2' | '3', DisputeStageCounts>;
  medianWorkingDaysToClose?: number;
}

/** A sprint counts as closed, and carries figures, when it completed (with or without gaps). */
export function isClosedSprint(status: string): boolean {
  return status === 'completed' || status === 'completed-with-gaps';
}

export function sprintCounts(sprints: readonly { status: string }[]): SprintCounts {
  return {
    discharged: sprints.length,
    open: sprints.filter((s) => s.status === 'open').length,
    cancelled: sprints.filter((s) => s.status === 'cancelled').length,
    closed: sprints.filter((s) => isClosedSprint(s.status)).length,
  };
}

/** Time to first contact after discharge, over closed sprints; null where no contact task was done. */
export function firstContactFigures(closed: readonly { firstContactMinutes: number | null }[]): FirstContactFigures {
  const contacts = closed.flatMap((s) => (s.firstContactMinutes === null ? [] : [s.firstContactMinutes]));
  return { sprintsClosed: closed.length, withContact: contacts.length, withoutContact: closed.length - contacts.length, medianMinutes: median(contacts), p90Minutes: percentile(contacts, 90) };
}

/**
 * Tasks of closed sprints. "On time" is the task's recorded `onTime`, which the sprint wrote at
 * close by domain/on-time.ts `isOnTime` (completed by its due time); the share counts tasks that
 * applied (not "not applicable").
 */
export function sprintTaskFigures(tasks: readonly { status: string; statusReason: string | null; onTime: boolean }[]): SprintTaskFigures {
  const notApplicable = tasks.filter((t) => t.statusReason === 'not-applicable').length;
  const doneOnTime = tasks.filter((t) => t.status === 'completed' && t.onTime).length;
  const applicable = tasks.length - notApplicable;
  return {
    tasks: tasks.length,
    notApplicable,
    applicable,
    doneOnTime,
    doneLate: tasks.filter((t) => t.status === 'completed' && !t.onTime).length,
    refused: tasks.filter((t) => t.status === 'rejected').length,
    notDone: tasks.filter((t) => t.status === 'failed').length,
    onTimeShare: share(doneOnTime, applicable),
  };
}

/** Minutes from a version's publication to each acknowledgement, and acknowledgements by channel. */
export function acknowledgementFigures(versions: readonly { createdAt: Date; acknowledgements: readonly { acknowledgedAt: Date; channel: string }[] }[]): AcknowledgementFigures {
  const minutes: number[] = [];
  const byChannel: Record<string, number> = {};
  for (const v of versions) {
    for (const a of v.acknowledgements) {
      minutes.push(minutesBetween(v.createdAt.getTime(), a.acknowledgedAt.getTime()));
      byChannel[a.channel] = (byChannel[a.channel] ?? 0) + 1;
    }
  }
  return { versionsRequiringAcknowledgement: versions.length, acknowledged: minutes.length, medianMinutes: median(minutes), p90Minutes: percentile(minutes, 90), byChannel };
}

export interface EscalationRecord {
  riskLevel: string;
  status: string;
  promotions: number;
  acknowledgedOnTime: boolean | null;
  respondedOnTime: boolean | null;
  resolvedOnTime: boolean | null;
  /** 'chair' or 'cause' once resolved (a row from before the column counts as the chair's). */
  resolvedBy?: string | null;
}

/** Which of the three kinds of resolution an escalation had. */
export function resolutionOf(e: EscalationRecord): keyof ResolutionCounts {
  if (e.status !== 'resolved') return 'notResolved';
  return e.resolvedBy === 'cause' ? 'resolvedByCause' : 'resolvedByChair';
}

/** Handled within its tier's timeframe: resolved without promotion, every step inside its window. */
export function withinTierTimeframe(e: EscalationRecord): boolean {
  return e.status === 'resolved' && e.promotions === 0 && !!e.acknowledgedOnTime && !!e.respondedOnTime && !!e.resolvedOnTime;
}

const zeroTier = (): TierFigures => ({ raised: 0, resolved: 0, resolvedByChair: 0, resolvedByCause: 0, notResolved: 0, withinTimeframe: 0, acknowledgedOnTime: 0, respondedOnTime: 0, resolvedOnTime: 0 });

export function escalationFigures(escalations: readonly EscalationRecord[]): EscalationFigures {
  const byTier = Object.fromEntries(RISK_LEVELS.map((l) => [l, zeroTier()])) as Record<RiskLevel, TierFigures>;
  let withinTimeframe = 0;
  const total: ResolutionCounts = { resolvedByChair: 0, resolvedByCause: 0, notResolved: 0 };
  for (const e of escalations) {
    const t = byTier[e.riskLevel as RiskLevel] ?? (byTier[e.riskLevel as RiskLevel] = zeroTier());
    const resolved = e.status === 'resolved';
    const within = withinTierTimeframe(e);
    t.raised += 1;
    t.resolved += Number(resolved);
    t[resolutionOf(e)] += 1;
    total[resolutionOf(e)] += 1;
    t.withinTimeframe += Number(within);
    t.acknowledgedOnTime += Number(!!e.acknowledgedOnTime);
    t.respondedOnTime += Number(!!e.respondedOnTime);
    t.resolvedOnTime += Number(!!e.resolvedOnTime);
    withinTimeframe += Number(within);
  }
  const resolved = escalations.filter((e) => e.status === 'resolved').length;
  return {
    raised: escalations.length,
    open: escalations.length - resolved,
    resolved,
    ...total,
    promoted: escalations.filter((e) => e.promotions > 0).length,
    withinTimeframe,
    // Of those the chair resolved: one whose cause ended first was not handled out of time.
    withinTimeframeShare: share(withinTimeframe, total.resolvedByChair),
    byTier,
  };
}

/**
 * The plan's actions due in the period (domain/plan-steps.ts keeps their rows): "on time" is the
 * row's `onTime`, done by the end of the due day. Cancelled ones left the plan and are not due.
 */
export function planActionFigures(actions: readonly { status: string; onTime: boolean | null; dueAt: Date }[], now: Date): PlanActionFigures {
  const live = actions.filter((a) => a.status !== 'cancelled');
  const open = live.filter((a) => a.status === 'open');
  const doneOnTime = live.filter((a) => a.status === 'done' && a.onTime).length;
  return {
    due: live.length,
    doneOnTime,
    doneLate: live.filter((a) => a.status === 'done' && !a.onTime).length,
    notDone: live.filter((a) => a.status === 'not-done').length,
    open: open.length,
    overdue: open.filter((a) => a.dueAt.getTime() < now.getTime()).length,
    cancelled: actions.length - live.length,
    onTimeShare: share(doneOnTime, live.length),
  };
}

/** Rapid reviews started in the period: how they ended and whether in time; the agencies' updates they asked for. */
export function rapidReviewFigures(reviews: readonly { status: string; onTime: boolean | null; dueAt: Date; triggers: readonly string[]; updateRequests: unknown }[], now: Date): RapidReviewFigures {
  const byTrigger: Record<string, number> = {};
  for (const r of reviews) for (const t of new Set(r.triggers)) byTrigger[t] = (byTrigger[t] ?? 0) + 1;
  const ended = reviews.filter((r) => r.status !== 'open');
  const open = reviews.filter((r) => r.status === 'open');
  const requests = reviews.flatMap((r) => (Array.isArray(r.updateRequests) ? (r.updateRequests as { status?: string; onTime?: boolean | null }[]) : []));
  const reviewedOnTime = ended.filter((r) => r.onTime).length;
  return {
    started: reviews.length,
    byTrigger,
    reviewedOnTime,
    reviewedLate: ended.length - reviewedOnTime,
    byNewVersion: ended.filter((r) => r.status === 'reviewed').length,
    noChange: ended.filter((r) => r.status === 'no-change').length,
    open: open.length,
    overdue: open.filter((r) => r.dueAt.getTime() < now.getTime()).length,
    onTimeShare: share(reviewedOnTime, reviews.length),
    updatesAsked: requests.length,
    updatesSent: requests.filter((q) => q.status === 'answered').length,
    updatesSentOnTime: requests.filter((q) => q.status === 'answered' && q.onTime).length,
  };
}

const zeroStage = (): DisputeStageCounts => ({ resolved: 0, decided: 0, withdrawn: 0, open: 0 });

/** Disputes by the stage they reached and how they ended; working days to close over closed ones. */
export function disputeFigures(disputes: readonly { stage: number; status: string; workingDaysToClose: number | null }[]): DisputeFigures {
  const byStage = { '1': zeroStage(), '2': zeroStage(), '3': zeroStage() };
  for (const d of disputes) {
    const stage = byStage[String(d.stage) as '1' | '2' | '3'];
    const status = d.status as keyof DisputeStageCounts;
    if (stage && status in stage) stage[status] += 1;
  }
  const daysToClose = disputes.flatMap((d) => (d.status !== 'open' && d.workingDaysToClose !== null ? [d.workingDaysToClose] : []));
  return { raised: disputes.length, open: disputes.filter((d) => d.status === 'open').length, byStage, medianWorkingDaysToClose: median(daysToClose) };
}

/**
 * Huddles started in the period (workflows/huddle.ts keeps their rows): held when attendance was
 * recorded; a decision is closed on time when recorded done by the time its follow-up was due
 * (its row's `onTime`).
 */
export function huddleFigures(huddles: readonly { attendance: readonly { invited: boolean; attended: boolean }[]; decisions: readonly { status: string; onTime: boolean | null; dueAt: Date }[] }[], now: Date): HuddleFigures {
  const held = huddles.filter((h) => h.attendance.some((a) => a.attended));
  const asked = held.flatMap((h) => h.attendance.filter((a) => a.invited));
  const decisions = huddles.flatMap((h) => h.decisions);
  const open = decisions.filter((d) => d.status === 'open');
  const closedOnTime = decisions.filter((d) => d.status === 'done' && d.onTime).length;
  const invitedAttended = asked.filter((a) => a.attended).length;
  return {
    started: huddles.length,
    held: held.length,
    notHeld: huddles.length - held.length,
    invited: asked.length,
    invitedAttended,
    othersAttended: held.reduce((n, h) => n + h.attendance.filter((a) => !a.invited && a.attended).length, 0),
    attendanceShare: share(invitedAttended, asked.length),
    medianAttendees: median(held.map((h) => h.attendance.filter((a) => a.attended).length)),
    decisions: decisions.length,
    closedOnTime,
    closedLate: decisions.filter((d) => d.status === 'done' && !d.onTime).length,
    notDone: decisions.filter((d) => d.status === 'not-done').length,
    open: open.length,
    overdue: open.filter((d) => d.dueAt.getTime() < now.getTime()).length,
    onTimeShare: share(closedOnTime, decisions.length),
  };
}
