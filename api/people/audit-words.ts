// How a person's audit events read on their page: each action in words ("Task done",
// "Escalation raised"), what it was about (the sprint task's title, the plan version, who joined
// the care team), how it was done (by the emailed link, by reply) and where to look (the sprint's
// or the escalation's page). Actions careloop has no words for yet read as their code spelled out.
import { SPRINT_TEMPLATE } from '../../domain/sprint';
import type { AuditPage } from '../evidence/participant-audit';
import { CHANNEL_WORDS } from '../../domain/words';

const ACTION_WORDS: Record<string, string> = {
  'sprint.started': 'Sprint started',
  'sprint.cancelled': 'Sprint cancelled',
  'sprint.closed': 'Sprint closed',
  'emails.sent': 'Emails sent',
  'notification.sent': 'Email sent',
  'task.completed': 'Task done',
  'task.refused': 'Task refused by the person',
  'task.not-applicable': 'Task marked not applicable',
  'task.reassigned': 'Task reassigned',
  'task.note-added': 'Note added to a task',
  'task.reminder-sent': 'Task owner reminded',
  'task.overdue': 'Task overdue',
  'escalation.raised': 'Escalation raised',
  'escalation.acknowledged': 'Escalation chair took ownership',
  'escalation.responded': 'Escalation response action recorded',
  'escalation.resolved': 'Escalation resolved',
  'escalation.promoted': 'Escalation moved up a tier',
  'escalation.window-missed': 'Escalation window missed',
  'escalation.note-added': 'Note added to an escalation',
  'escalation.cause-resolved': 'Escalation’s cause ended',
  'plan.created': 'Plan created',
  'plan.version-published': 'Plan change published',
  'plan.acknowledged': 'Plan change acknowledged',
  'plan.reminders-sent': 'Plan change reminders sent',
  'plan-change.started': 'Plan change sent for acknowledgement',
  'plan-change.acknowledged': 'Plan change acknowledged by everyone',
  'plan-change.superseded': 'Plan change replaced by a newer version',
  'dispute.raised': 'Dispute raised',
  'dispute.stage-started': 'Dispute stage started',
  'dispute.stage-escalated': 'Dispute moved to the next stage',
  'dispute.stage-deadline-passed': 'Dispute stage deadline passed',
  'dispute.position-stated': 'Dispute position stated',
  'dispute.resolution-proposed': 'Dispute resolution proposed',
  'dispute.proposal-accepted': 'Dispute proposal accepted',
  'dispute.decision-recorded': 'Dispute decision recorded',
  'dispute.withdrawn': 'Dispute withdrawn',
  'dispute.proposal-declined': 'Dispute proposal declined',
  'dispute.counter-proposed': 'Dispute counter-proposal made',
  'dispute.interim-progress': 'Progress recorded on the disputed step',
  'dispute.interim-step-done': 'Disputed step recorded as done',
  'dispute.interim-reminder-sent': 'Interim owner reminded of progress due',
  'dispute.interim-overdue': 'Progress on the disputed step overdue',
  'plan-action.started': 'Plan action given to its owner',
  'plan-action.reassigned': 'Plan action given to a new owner',
  'plan-action.rescheduled': 'Plan action’s due day moved',
  'plan-action.reminder-sent': 'Plan action’s owner reminded',
  'plan-action.overdue': 'Plan action overdue',
  'plan-action.done': 'Plan action done',
  'plan-action.not-done': 'Plan action not done',
  'plan-action.cancelled': 'Plan action no longer in the plan',
  'rapid-review.started': 'Rapid review of the plan started',
  'rapid-review.trigger-added': 'Another trigger for the rapid review',
  'rapid-review.reminder-sent': 'Plan-holder reminded of the rapid review',
  'rapid-review.overdue': 'Rapid review overdue',
  'rapid-review.reviewed': 'Rapid review ended by a new version',
  'rapid-review.no-change': 'Rapid review ended: reviewed, no change',
  'agency-update.requested': 'Agency asked for an update on risk factors',
  'agency-update.reminder-sent': 'Agency reminded of the update',
  'agency-update.overdue': 'Agency update overdue',
  'agency-update.answered': 'Agency sent its update',
  'agency-update.cancelled': 'Agency update no longer needed',
  'care-team.added': 'Joined the care team',
  'care-team.removed': 'Left the care team',
  'plan.consent-recorded': 'Consent to share the plan recorded',
  'plan.holder-changed': 'Plan handed to a new plan-holder',
  'huddle.prepared': 'Huddle roster prepared',
  'huddle.started': 'Huddle started',
  'huddle.attendance-recorded': 'Huddle attendance recorded',
  'huddle.decision-recorded': 'Huddle decision recorded',
  'huddle.decision-reminder-sent': 'Huddle decision’s owner reminded',
  'huddle.decision-overdue': 'Huddle decision’s follow-up overdue',
  'huddle.decision-done': 'Huddle decision done',
  'huddle.decision-not-done': 'Huddle decision not done',
  'huddle.notes-closed': 'Huddle notes closed',
  'huddle.closed': 'Huddle closed',
  'staff.weekly-digest-chosen': 'Weekly email chosen',
  'staff.weekly-digest-stopped': 'Weekly email stopped',
  'staff.api-token-issued': 'API token issued',
  'staff.api-token-revoked': 'API token revoked',
  'staff.sessions-ended': 'Signed out everywhere',
  'staff.deactivated': 'Staff member deactivated',
  'working-agreement.changed': 'Working agreement changed',
};

/** "plan.review-started" → "Plan review started": an action careloop has no words for yet. */
export function actionWords(action: string): string {
  const known = ACTION_WORDS[action];
  if (known) return known;
  const spelled = action.replace(/[._-]+/g, ' ').trim();
  return spelled ? spelled.charAt(0).toUpperCase() + spelled.slice(1) : 'Recorded';
}


const taskTitle = (key: string) => SPRINT_TEMPLATE.find((t) => t.key === key)?.title;

export interface AuditLine {
  seq: number;
  at: string;
  words: string;
  actor: string;
  /** What it was about, in words; empty when the action says it all. */
  about: string;
  how?: string;
  reason?: string;
  /** The process's page, where it has one. */
  href?: string;
}

type AuditRow = AuditPage['events'][number];

/** The "agency:<id>" and "staff:<id>" keys a care-team event names. */
export function memberKeysOf(events: readonly AuditRow[]): string[] {
  return events.flatMap((e) => (e.action.startsWith('care-team.') ? membersOf(e.data) : []));
}

function membersOf(data: unknown): string[] {
  const members = (data as { members?: unknown } | null)?.members;
  return Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : [];
}

/** One event as a line of the timeline; `names` turns member keys into agency and staff names. */
export function auditLine(e: AuditRow, names: ReadonlyMap<string, string>): AuditLine {
  const data = (e.data ?? {}) as Record<string, unknown>;
  let about = '';
  if (e.action.startsWith('care-team.')) about = membersOf(e.data).map((k) => names.get(k) ?? 'someone no longer in careloop').join(', ');
  else if (e.process === 'sprint' && e.item && taskTitle(e.item)) about = `“${taskTitle(e.item)}”`;
  else if ((e.process === 'plan' || e.process === 'plan-change') && e.item) {
    // "<plan id>:v2" from the plan service, "v2" from a plan change.
    const version = /(?:^|:)v(\d+)$/.exec(e.item)?.[1];
    if (version) about = `version ${version}`;
  } else if (e.process === 'dispute' && typeof data.subject === 'string') about = `“${data.subject}”`;
  const how = typeof data.channel === 'string' ? CHANNEL_WORDS[data.channel] : undefined;
  const planOfSteps = e.process === 'plan-steps' && e.workflowId ? /^plan-([\w-]+)-steps$/.exec(e.workflowId)?.[1] : undefined;
  const href =
    e.workflowId && e.process === 'sprint'
      ? `/sprints/${encodeURIComponent(e.workflowId)}`
      : e.workflowId && e.process === 'escalation'
        ? `/escalations/${encodeURIComponent(e.workflowId)}`
        : planOfSteps
          ? `/plans/${encodeURIComponent(planOfSteps)}`
          : undefined;
  return {
    seq: e.seq,
    at: e.at,
    words: actionWords(e.action),
    actor: e.actor === 'workflow' || e.actor === 'system' ? 'careloop' : e.actor,
    about,
    ...(how ? { how } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(href ? { href } : {}),
  };
}
