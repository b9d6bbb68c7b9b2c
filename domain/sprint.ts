// The post-discharge 72-hour sprint (seed 001, Operational Example 2), as data.
// Pure and small: the workflow bundle imports it.

export const HOUR_MS = 60 * 60 * 1000;

export interface SprintTaskTemplate {
  /** Stable key: used in URLs, tokens, audit events and reports. Never rename one. */
  key: string;
  title: string;
  /** Which day of the sprint the task belongs to, as the practice document groups them. */
  day: '0' | '1' | '2-3';
  /** When the task is due, counted from discharge. */
  dueOffsetMs: number;
  /** How long before the due time the owner is reminded. */
  reminderLeadMs: number;
}

const DEFAULT_REMINDER_LEAD_MS = 4 * HOUR_MS;

export const SPRINT_TEMPLATE: readonly SprintTaskTemplate[] = [
  { key: 'discharge-summary-received', title: 'Discharge summary received', day: '0', dueOffsetMs: 24 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'medication-reconciled', title: 'Medication list reconciled', day: '0', dueOffsetMs: 24 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'immediate-risks-reviewed', title: 'Immediate risks reviewed', day: '0', dueOffsetMs: 24 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'first-visit-confirmed', title: 'First visit confirmed', day: '1', dueOffsetMs: 48 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'transport-confirmed', title: 'Transport confirmed', day: '1', dueOffsetMs: 48 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'home-environment-rechecked', title: 'Home environment re-checked', day: '1', dueOffsetMs: 48 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'equipment-needs-validated', title: 'Equipment and assistive needs validated', day: '1', dueOffsetMs: 48 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'services-active', title: 'Services active', day: '2-3', dueOffsetMs: 72 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'authorisations-in-place', title: 'Authorisations in place', day: '2-3', dueOffsetMs: 72 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
  { key: 'participant-understands-plan', title: 'Participant understands the plan', day: '2-3', dueOffsetMs: 72 * HOUR_MS, reminderLeadMs: DEFAULT_REMINDER_LEAD_MS },
];

/** The sprint closes this long after discharge (or earlier, once every task has ended). */
export const SPRINT_LENGTH_MS = 72 * HOUR_MS;

export const SPRINT_TASK_KEYS = SPRINT_TEMPLATE.map((t) => t.key);

/** The first completed task counts as first contact with the person after discharge. */
export const FIRST_CONTACT_TASKS: readonly string[] = ['first-visit-confirmed', 'medication-reconciled', 'immediate-risks-reviewed'];

export interface StaffRef {
  id: string;
  name: string;
  email: string;
  agencyId: string;
}

export interface SprintTaskPlan {
  key: string;
  title: string;
  day: SprintTaskTemplate['day'];
  owner: StaffRef;
  /** ISO-8601 instants, computed once when the sprint is planned. */
  dueAt: string;
  remindAt: string;
}

/** The workflow's input: everything decided when the sprint was requested. */
export interface SprintInput {
  sprintId: string;
  participant: { id: string; localRef: string; displayName: string };
  coordinator: StaffRef;
  requestedBy: StaffRef;
  dischargeAt: string;
  closesAt: string;
  tasks: SprintTaskPlan[];
  /** The working agreement version its reminder lead came from (absent before the agreement was data). */
  agreementVersion?: string;
}

/** FHIR R4 Task.status values careloop uses. */
export type TaskStatus = 'requested' | 'completed' | 'rejected' | 'cancelled' | 'failed';
export type TaskStatusReason = 'refused-by-participant' | 'not-applicable' | 'sprint-cancelled' | 'not-done-by-close';
export type SprintStatus = 'open' | 'completed' | 'completed-with-gaps' | 'cancelled';
export type ActionChannel = 'api' | 'link' | 'email-reply' | 'web';

export interface Actor {
  staffId: string;
  name: string;
  channel: ActionChannel;
}

export interface TaskState extends SprintTaskPlan {
  status: TaskStatus;
  statusReason?: TaskStatusReason;
  /** Why: the reason given for a refusal, a not-applicable or a cancellation. */
  reason?: string;
  /** How a refusal was managed. */
  managedHow?: string;
  note?: string;
  reminded: boolean;
  overdue: boolean;
  endedAt?: string;
  endedBy?: Actor;
  notes: { at: string; by: Actor; text: string }[];
}

export interface SprintEscalation {
  id: string;
  taskKey: string;
  raisedAt: string;
  reason: string;
  /**
   * 'recorded': the placeholder of sprints started before escalations ran as their own workflow;
   * 'raised': an escalation workflow (a child, `workflowId`) owns it; ask it for its live status.
   */
  status: 'recorded' | 'raised';
  workflowId?: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  taskKey?: string;
  actor?: string;
  detail?: string;
}

export interface SprintState {
  sprintId: string;
  participant: SprintInput['participant'];
  coordinator: StaffRef;
  dischargeAt: string;
  closesAt: string;
  status: SprintStatus;
  closedAt?: string;
  cancelReason?: string;
  tasks: TaskState[];
  escalations: SprintEscalation[];
  timeline: TimelineEntry[];
}

export function isEnded(task: Pick<TaskState, 'status'>): boolean {
  return task.status !== 'requested';
}

/** The sprint's workflow id: one per participant and discharge, so a form sent twice finds the first. */
export function sprintWorkflowId(participantId: string, dischargeAt: Date): string {
  const stamp = dischargeAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `sprint-${participantId}-${stamp}`;
}
