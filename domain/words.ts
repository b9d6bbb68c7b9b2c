// careloop's one vocabulary: the words people read for every status, reason and kind of process,
// used by pages, emails and CSV exports alike. Codes stay in JSON, FHIR and search attributes;
// anything a person reads goes through here (or through the maps this re-exports), and
// test/domain/words.test.ts holds every code to a word.
import type { DisputeStatus } from './dispute';
import type { EscalationStatus } from './escalation';
import { DECISION_STATUS_WORDS, HUDDLE_STATUS_WORDS } from './huddle';
import type { PlanChangeStatus, RiskLevel } from './plan';
import { CONSENT_HOW_WORDS, PLAN_RISK_FLAG_WORDS, PLAN_TRIGGER_WORDS, RISK_LEVEL_WORDS, SHAREABLE_ELEMENT_WORDS } from './plan';
import type { AgencyUpdateStatus, PlanActionStatus, RapidReviewStatus } from './plan-steps';
import type { SprintStatus, TaskStatus, TaskStatusReason } from './sprint';

export { CONSENT_HOW_WORDS, DECISION_STATUS_WORDS, HUDDLE_STATUS_WORDS, PLAN_RISK_FLAG_WORDS, PLAN_TRIGGER_WORDS, RISK_LEVEL_WORDS, SHAREABLE_ELEMENT_WORDS };

/** The coordination processes, as a list or a filter names them. */
export const PROCESS_WORDS = {
  sprint: 'Post-discharge sprint',
  'plan-change': 'Plan change',
  'plan-steps': 'Plan review and actions',
  escalation: 'Escalation',
  dispute: 'Dispute',
  huddle: 'Huddle',
  digest: 'Weekly digest',
} as const;
export type ProcessKind = keyof typeof PROCESS_WORDS;

export const SPRINT_STATUS_WORDS: Record<SprintStatus, string> = {
  open: 'Open',
  completed: 'Completed',
  'completed-with-gaps': 'Completed with gaps',
  cancelled: 'Cancelled',
};

export const TASK_STATUS_WORDS: Record<TaskStatus, string> = {
  requested: 'Open',
  completed: 'Done',
  rejected: 'Refused by the participant',
  cancelled: 'Cancelled',
  failed: 'Not done by close',
};

export const TASK_REASON_WORDS: Record<TaskStatusReason, string> = {
  'refused-by-participant': 'the participant refused',
  'not-applicable': 'it did not apply',
  'sprint-cancelled': 'the sprint was cancelled',
  'not-done-by-close': 'it was not done when the sprint closed',
};

export const PLAN_CHANGE_STATUS_WORDS: Record<PlanChangeStatus, string> = {
  'awaiting-acknowledgements': 'Waiting for acknowledgements',
  acknowledged: 'Acknowledged by everyone',
  superseded: 'Replaced by a newer version',
  'no-acknowledgement-required': 'No acknowledgement needed',
};

export const PLAN_STEPS_STATUS_WORDS = {
  'rapid-review': 'Rapid review open',
  'actions-open': 'Actions open',
  'nothing-open': 'Nothing open',
} as const;

export const PLAN_ACTION_STATUS_WORDS: Record<PlanActionStatus, string> = { open: 'Open', done: 'Done', 'not-done': 'Not done', cancelled: 'Cancelled' };
export const AGENCY_UPDATE_STATUS_WORDS: Record<AgencyUpdateStatus, string> = { open: 'Asked, not yet answered', answered: 'Answered', cancelled: 'No longer needed' };
export const RAPID_REVIEW_STATUS_WORDS: Record<RapidReviewStatus, string> = { open: 'Open', reviewed: 'Reviewed with a new version', 'no-change': 'Reviewed, no change' };

export const ESCALATION_STATUS_WORDS: Record<EscalationStatus, string> = {
  open: 'Waiting for the chair',
  acknowledged: 'Owned by the chair',
  responded: 'Response recorded',
  resolved: 'Resolved',
};

/** Tier names, as the working agreement calls them. */
export const TIER_WORDS: Record<RiskLevel, string> = RISK_LEVEL_WORDS;
/** The tier search attribute's numbers, back to their names. */
export const TIER_NUMBER_WORDS: Record<number, string> = { 1: 'Low', 2: 'Moderate', 3: 'High', 4: 'Acute' };

export const DISPUTE_STATUS_WORDS: Record<DisputeStatus, string> = {
  open: 'Open',
  resolved: 'Resolved by agreement',
  decided: 'Decided by governance',
  withdrawn: 'Withdrawn',
};

/** A dispute's stage, in words ("Stage 2"); who meets at each stage is the working agreement's. */
export function disputeStageWords(stage: number): string {
  return `Stage ${stage}`;
}

/** Temporal's own run status, as a person would say it. */
export const RUN_STATUS_WORDS: Record<string, string> = {
  RUNNING: 'Running',
  COMPLETED: 'Finished',
  FAILED: 'Stopped by an error',
  CANCELED: 'Cancelled',
  CANCELLED: 'Cancelled',
  TERMINATED: 'Stopped by an operator',
  CONTINUED_AS_NEW: 'Carried on in a new run',
  TIMED_OUT: 'Timed out',
};

/**
 * The status a process publishes (its `CareloopStatus` search attribute), in words. An unknown
 * code reads as "Unknown status" rather than leaking the code to a person.
 */
export function processStatusWords(process: string | undefined, status: string | undefined): string {
  if (!status) return 'Unknown status';
  const dispute = /^stage-(\d)$/.exec(status);
  if (process === 'dispute' && dispute) return `Open at ${disputeStageWords(Number(dispute[1])).toLowerCase()}`;
  const maps: Record<string, Record<string, string>> = {
    sprint: SPRINT_STATUS_WORDS,
    'plan-change': PLAN_CHANGE_STATUS_WORDS,
    'plan-steps': PLAN_STEPS_STATUS_WORDS,
    escalation: ESCALATION_STATUS_WORDS,
    dispute: DISPUTE_STATUS_WORDS,
    huddle: HUDDLE_STATUS_WORDS,
  };
  return (process ? maps[process]?.[status] : undefined) ?? 'Unknown status';
}

export function processWords(process: string | undefined): string {
  return (process && (PROCESS_WORDS as Record<string, string>)[process]) || 'Other process';
}

/**
 * Every hyphenated code careloop keeps (statuses and reasons), for tests that scan what people
 * read: none of these may appear in a rendered page, an email or a CSV cell.
 */
export const HYPHENATED_CODES: readonly string[] = [
  ...Object.keys(SPRINT_STATUS_WORDS),
  ...Object.keys(TASK_REASON_WORDS),
  ...Object.keys(PLAN_CHANGE_STATUS_WORDS),
  ...Object.keys(PLAN_STEPS_STATUS_WORDS),
  ...Object.keys(PLAN_ACTION_STATUS_WORDS),
  ...Object.keys(HUDDLE_STATUS_WORDS),
  ...Object.keys(RAPID_REVIEW_STATUS_WORDS),
  ...Object.keys(DECISION_STATUS_WORDS),
  'stage-1',
  'stage-2',
  'stage-3',
  // The maps appended below (their codes listed here: this list is built before them).
  'sprint-task-overdue',
  'plan-acknowledgements-missing',
  'acknowledgement-missed',
  'response-missed',
  'interim-owner',
  'party-agency',
  'email-reply',
].filter((c) => c.includes('-'));

/** Staff roles, for one person ("Chaired by a coordinator") and for a group ("Coordinators"). */
export const ROLE_WORDS: Record<'coordinator' | 'staff' | 'manager' | 'admin', string> = {
  coordinator: 'Coordinator',
  staff: 'Frontline staff member',
  manager: 'Manager',
  admin: 'Admin (partnership governance)',
};
export const ROLE_PLURAL_WORDS: Record<'coordinator' | 'staff' | 'manager' | 'admin', string> = {
  coordinator: 'Coordinators',
  staff: 'Frontline staff',
  manager: 'Managers',
  admin: 'Admins (partnership governance)',
};

/** What raised an escalation, when a process did (a person's own words are shown as typed). */
export const ESCALATION_TRIGGER_WORDS: Record<string, string> = {
  'sprint-task-overdue': 'A sprint task passed its deadline',
  'plan-acknowledgements-missing': 'A plan change was not acknowledged in time',
};

/** Why an escalation entered a tier. */
export const ESCALATION_TIER_ENTRY_WORDS: Record<'raised' | 'acknowledgement-missed' | 'response-missed', string> = {
  raised: 'Raised at this tier',
  'acknowledgement-missed': 'Moved up: nobody took ownership in time',
  'response-missed': 'Moved up: no response action in time',
};

/** A tier in a sentence: "the high tier". */
export function tierWords(level: string): string {
  const name = (TIER_WORDS as Record<string, string>)[level];
  return name ? `the ${name.toLowerCase()} tier` : 'its tier';
}

/** How a step was recorded, after its verb: "acknowledged by the emailed link". */
export const CHANNEL_WORDS: Record<string, string> = {
  link: 'by the emailed link',
  'email-reply': 'by replying to the email',
  reply: 'by replying to the email',
  web: 'signed in to careloop',
  page: 'signed in to careloop',
  api: 'through the API',
};

/** A plan's trigger in a sentence: "after a hospital discharge". */
export { TRIGGER_WORDS as PLAN_TRIGGER_PHRASE_WORDS } from './plan-steps';

/** A sprint task's status with what its reason adds: "Cancelled because it did not apply". */
export function taskStatusWords(status: TaskStatus, reason?: TaskStatusReason | null): string {
  const word = TASK_STATUS_WORDS[status] ?? 'Unknown status';
  // Refused and not done by close say their reason already; a cancellation has two.
  return status === 'cancelled' && reason && TASK_REASON_WORDS[reason] ? `${word} because ${TASK_REASON_WORDS[reason]}` : word;
}

/** A sprint task's chip on the sprint page, the chart and the dashboard: its status with what a person most needs to know. */
export const TASK_CHIP_WORDS = {
  open: TASK_STATUS_WORDS.requested,
  reminded: `${TASK_STATUS_WORDS.requested}, owner reminded`,
  overdue: 'Overdue',
  done: TASK_STATUS_WORDS.completed,
  refused: TASK_STATUS_WORDS.rejected,
  na: 'Not applicable',
  cancelled: `${TASK_STATUS_WORDS.cancelled} with the sprint`,
  failed: TASK_STATUS_WORDS.failed,
} as const;
