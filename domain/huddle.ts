// The daily huddle (seed 001, Operational Example 1: "a joint caseload huddle is scheduled at a
// predictable time ... notes are captured in a standard format that allows later audit: what was
// decided, who owns it, and when follow-up is due"), as data. Pure and small: the workflow bundle
// imports it; the schedule's words are read here for the page and the CLI alike.
import type { Actor, StaffRef } from './sprint';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

// -------------------------------------------------------------------------------------------
// The schedule: a time of day and the days of the week, in the partnership's time zone.

export const HUDDLE_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type HuddleDay = (typeof HUDDLE_DAYS)[number];

/** Temporal's names for the days (ScheduleSpec calendars). */
export const TEMPORAL_DAY: Record<HuddleDay, 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | 'SUNDAY'> = {
  mon: 'MONDAY',
  tue: 'TUESDAY',
  wed: 'WEDNESDAY',
  thu: 'THURSDAY',
  fri: 'FRIDAY',
  sat: 'SATURDAY',
  sun: 'SUNDAY',
};

const DAY_NAMES: Record<HuddleDay, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/**
 * The days a person types: `mon-fri`, `mon,wed,fri`, `weekdays`, `daily`, `tue-thu,sat`. Days
 * come back in week order, each once; a range runs forward (`fri-mon` is Friday to Monday).
 */
export function parseHuddleDays(text: string): { days: HuddleDay[] } | { problem: string } {
  const t = text.trim().toLowerCase();
  if (!t) return { problem: 'Say which days the huddle meets, for example mon-fri' };
  if (t === 'weekdays') return { days: ['mon', 'tue', 'wed', 'thu', 'fri'] };
  if (t === 'daily' || t === 'every day' || t === 'everyday') return { days: [...HUDDLE_DAYS] };
  const day = (s: string) => HUDDLE_DAYS.find((d) => s.slice(0, 3) === d && DAY_NAMES[d].toLowerCase().startsWith(s));
  const chosen = new Set<HuddleDay>();
  for (const part of t.split(/[\s,]+/).filter(Boolean)) {
    const [a, b, ...more] = part.split('-');
    const from = a ? day(a) : undefined;
    const to = b === undefined ? from : day(b);
    if (!from || !to || more.length) return { problem: `“${part}” is not a day or a range of days: use mon, tue, wed, thu, fri, sat, sun, for example mon-fri or mon,wed,fri` };
    for (let i = HUDDLE_DAYS.indexOf(from); ; i = (i + 1) % 7) {
      chosen.add(HUDDLE_DAYS[i]!);
      if (HUDDLE_DAYS[i] === to) break;
    }
  }
  return { days: HUDDLE_DAYS.filter((d) => chosen.has(d)) };
}

/** `09:30` (24-hour clock) as an hour and a minute. */
export function parseHuddleTime(text: string): { hour: number; minute: number } | { problem: string } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return { problem: 'Enter the time on the 24-hour clock, for example 09:30' };
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

export const timeOfDay = (hour: number, minute: number) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;

/** "weekdays", "every day", "Monday, Wednesday and Friday". */
export function daysInWords(days: readonly HuddleDay[]): string {
  const set = HUDDLE_DAYS.filter((d) => days.includes(d));
  if (set.length === 7) return 'every day';
  if (set.join(',') === 'mon,tue,wed,thu,fri') return 'weekdays';
  const names = set.map((d) => DAY_NAMES[d]);
  return names.length <= 1 ? (names[0] ?? 'no day') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The days as the CLI and the form take them back: `mon-fri`, `mon,wed,fri`. */
export function daysAsText(days: readonly HuddleDay[]): string {
  const set = HUDDLE_DAYS.filter((d) => days.includes(d));
  if (set.length === 7) return 'mon-sun';
  if (set.join(',') === 'mon,tue,wed,thu,fri') return 'mon-fri';
  return set.join(',');
}

/**
 * An agency's huddle schedule and the workflows it starts share this id: Temporal appends each
 * occurrence's scheduled time to it (`huddle-county-2026-11-30T09:30:00Z`), so every occurrence
 * has an id of its own, the same however often the schedule's start is retried.
 */
export function huddleScheduleId(agencyKey: string): string {
  return `huddle-${agencyKey}`;
}

/** A huddle started by hand (the page's "Start a huddle now", the CLI): the minute it started. */
export function manualHuddleId(agencyKey: string, at: Date): string {
  return `${huddleScheduleId(agencyKey)}-${at.toISOString().slice(0, 16)}-now`;
}

// -------------------------------------------------------------------------------------------
// One huddle: the roster as it stood, who attended, what was decided.

/** Notes (attendance, decisions) are taken for this long after the huddle starts, unless it is finished sooner. */
export const DEFAULT_NOTES_OPEN_MS = 12 * HOUR_MS;
/** A decision's owner is reminded this long before its follow-up is due (or halfway, for a shorter span). */
export const DECISION_REMINDER_LEAD_MS = 24 * HOUR_MS;
/** An overdue decision follow-up is a moderate risk: a review within the tier's window, climbing if missed. */
export const OVERDUE_DECISION_RISK = 'moderate' as const;

/** When a decision's owner is reminded: a day before its follow-up, or halfway for a shorter span; none for a span under two minutes. */
export function decisionRemindAt(decidedMs: number, dueMs: number): number | undefined {
  const lead = Math.min(DECISION_REMINDER_LEAD_MS, (dueMs - decidedMs) / 2);
  return lead >= MINUTE_MS ? Math.round(dueMs - lead) : undefined;
}

export interface HuddleInput {
  agencyId: string;
  /** The schedule that started it; absent when started by hand. */
  scheduleId?: string;
  /**
   * The huddle's own id, for one started by hand. A scheduled huddle's comes from its schedule and
   * the occurrence's scheduled time; either way escalations are named from it, never from the
   * workflow id (a recorded history replays under another).
   */
  huddleId?: string;
  /** How long notes are taken; DEFAULT_NOTES_OPEN_MS when absent. */
  notesOpenForMs?: number;
}

/** preparing: reading the roster; open: notes being taken; following-up: notes closed, decisions still open; closed: nothing left. */
export type HuddleStatus = 'preparing' | 'open' | 'following-up' | 'closed';

export interface HuddleAttendee {
  staff: StaffRef;
  /** Asked to the huddle: the agency's coordinators and managers when it was prepared. */
  invited: boolean;
  attended: boolean;
  recordedBy?: Actor;
  recordedAt?: string;
}

export type DecisionStatus = 'open' | 'done' | 'not-done';

export interface HuddleDecisionState {
  /** `decision-<n>` */
  key: string;
  number: number;
  /** Whom it is about: a person on the roster (or another of the agency's people). */
  participant: { id: string; localRef: string };
  /** What was decided. */
  text: string;
  owner: StaffRef;
  /** When follow-up is due. */
  dueAt: string;
  decidedAt: string;
  decidedBy: Actor;
  remindAt?: string;
  status: DecisionStatus;
  reminded: boolean;
  overdue: boolean;
  endedAt?: string;
  endedBy?: Actor;
  /** The owner's note when done, or why it was not done. */
  note?: string;
  onTime?: boolean;
  escalationId?: string;
}

/** What preparing a huddle found: the agency, whom to ask, and how many people the roster holds. */
export interface PreparedHuddle {
  agencyName: string;
  invited: StaffRef[];
  rosterRows: number;
  /** Why the roster could not be read, when it could not. */
  rosterProblem?: string;
}

export interface HuddleState {
  huddleId: string;
  agencyId: string;
  agencyName: string;
  status: HuddleStatus;
  startedAt: string;
  notesCloseAt: string;
  notesClosedAt?: string;
  notesClosedBy?: Actor;
  rosterRows: number;
  rosterProblem?: string;
  attendance: HuddleAttendee[];
  decisions: HuddleDecisionState[];
  closedAt?: string;
}

export const isDecisionOpen = (d: Pick<HuddleDecisionState, 'status'>) => d.status === 'open';

/** A huddle counts as held when someone recorded who attended. */
export const wasHeld = (attendance: readonly Pick<HuddleAttendee, 'attended'>[]) => attendance.some((a) => a.attended);

export const HUDDLE_STATUS_WORDS: Record<HuddleStatus, string> = {
  preparing: 'Being prepared',
  open: 'Taking notes',
  'following-up': 'Following up decisions',
  closed: 'Closed',
};

export const DECISION_STATUS_WORDS: Record<DecisionStatus, string> = { open: 'Open', done: 'Done', 'not-done': 'Not done' };
