// The partnership's working agreement as data (seed 002, Operational Example 3): escalation tiers,
// dispute stages, reminder defaults and the working calendar. Versions are kept for ever and the
// newest is in force; a process takes what it needs from the version in force when it starts and
// keeps it. This file holds the agreement's shape, the rules a version must meet to be saved, the
// first version (careloop's defaults), and what each kind of process takes from a version.
// Node side only (zod, the holiday library): workflows get plain data from it, never import it.
import { z } from 'zod';
import { DISPUTE_AGREEMENT, type DisputeAgreement, type DisputeStagePolicy } from './dispute';
import { CAUSE_GRACE_MS, ESCALATION_POLICY, RISK_LEVELS, TIER_RANK, type EscalationPolicy, type RiskLevel } from './escalation';
import type { PartnershipCalendar } from './calendar';
import { DEFAULT_ACK_DEADLINE_MS, DEFAULT_ACK_REMINDER_EVERY_MS, DEFAULT_RAPID_REVIEW_MS } from './plan';
import { SPRINT_TEMPLATE } from './sprint';
import { ROLES, type Role } from './roles';
import { holidayRegionName, isKnownHolidayRegion, publicHolidays, type DatedHoliday } from './holidays';

export const CHAIR_ROLES = ['coordinator', 'manager'] as const;
export const RESPONDER_ROLES = ['coordinator', 'manager', 'staff'] as const;
export type ChairRole = (typeof CHAIR_ROLES)[number];
export type ResponderRole = (typeof RESPONDER_ROLES)[number];

const MINUTE_MS = 60_000;
const HOUR_MIN = 60;
const DAY_MIN = 24 * HOUR_MIN;
/** Escalation windows and reminder intervals may be at most this long. */
const MAX_WINDOW_MIN = 90 * DAY_MIN;
const MAX_STAGE_DAYS = 60;
/** A new version resolves its region's public holidays from the year before it is saved to this many years after. */
export const HOLIDAY_YEARS_AHEAD = 15;

const ROLE_PLURAL: Record<string, string> = { coordinator: 'coordinators', manager: 'managers', staff: 'frontline staff', admin: 'admins (partnership governance)' };
const roleList = (roles: readonly string[]) => (roles.length ? roles.map((r) => ROLE_PLURAL[r] ?? r).join(', ').replace(/, ([^,]*)$/, ' and $1') : 'nobody besides the chair');
/** Roles in one order, each once: a list ticked in another order is the same list. */
const canonicalRoles = <R extends string>(roles: readonly R[]): R[] => [...new Set(roles)].sort((a, b) => (ROLES as readonly string[]).indexOf(a) - (ROLES as readonly string[]).indexOf(b));

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export interface AgreementTier {
  /** What the tier means in practice, e.g. "Same-day multi-agency huddle". */
  label: string;
  acknowledgeWithinMinutes: number;
  respondWithinMinutes: number;
  chairRole: ChairRole;
  responderRoles: ResponderRole[];
  /** Where a missed window takes an escalation: a more urgent tier, or null at the top. */
  next: RiskLevel | null;
}

export interface AgreementStage {
  label: string;
  workingDays: number;
  representativeRoles: Role[];
}

/** One version of the agreement, as an admin writes it (the CLI's `--file` takes this JSON). */
export interface AgreementContent {
  escalation: {
    tiers: Record<RiskLevel, AgreementTier>;
    /** Once its cause has ended, how long a chair has to confirm an escalation's outcome. */
    causeGraceMinutes: number;
  };
  /** Stages 1 to 3; stage 3 is partnership governance, whose decision binds every party. */
  disputes: { stages: [AgreementStage, AgreementStage, AgreementStage] };
  reminders: {
    /** How long before a sprint task is due its owner is reminded. */
    sprintReminderLeadMinutes: number;
    /** How often a person who has not acknowledged a plan change is reminded. */
    planAcknowledgementReminderEveryMinutes: number;
    /** When missing plan acknowledgements are escalated to the plan-holder. */
    planAcknowledgementDeadlineMinutes: number;
    /** After an incident, hospital discharge or safeguarding change, the whole plan is reviewed within this. */
    rapidReviewWithinMinutes: number;
  };
  calendar: {
    timeZone: string;
    workingHours: { start: string; end: string };
    /** ISO weekdays: 1 = Monday … 7 = Sunday. */
    workingWeekdays: number[];
    /** A region the holiday library knows: 'GB-ENG' (England and Wales share their bank holidays), 'GB-SCT', 'GB-NIR', 'IE'. */
    holidayRegion: string;
    /** The partnership's own days off (a shared training day, Christmas Eve), on top of the public holidays. */
    closureDays: DatedHoliday[];
  };
}

/** A region's public holidays as resolved when the version was saved, and the years they cover. */
export interface ResolvedHolidays {
  region: string;
  fromYear: number;
  toYear: number;
  days: DatedHoliday[];
}

/** A saved version: what was written, by whom, why and when. */
export interface AgreementVersion {
  version: number;
  content: AgreementContent;
  publicHolidays: ResolvedHolidays;
  author: string;
  authorId: string | null;
  reason: string;
  createdAt: string;
}

/** What a process records as the version it started under: also a policy's `version`. */
export const agreementVersionName = (version: number) => `working-agreement-${version}`;

// ---------------------------------------------------------------------------------------------
// Durations in words: what the page shows and takes, minutes underneath.

/** "15 minutes", "1 hour", "24 hours", "3 days", "1 hour 30 minutes". */
export function durationWords(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes % DAY_MIN === 0 && minutes >= 2 * DAY_MIN) return plural(minutes / DAY_MIN, 'day');
  if (minutes % HOUR_MIN === 0 && minutes > 0) return plural(minutes / HOUR_MIN, 'hour');
  if (minutes > HOUR_MIN) return `${plural(Math.floor(minutes / HOUR_MIN), 'hour')} ${plural(minutes % HOUR_MIN, 'minute')}`;
  return plural(minutes, 'minute');
}

const UNIT_MIN: Record<string, number> = { m: 1, min: 1, mins: 1, minute: 1, minutes: 1, h: HOUR_MIN, hr: HOUR_MIN, hrs: HOUR_MIN, hour: HOUR_MIN, hours: HOUR_MIN, d: DAY_MIN, day: DAY_MIN, days: DAY_MIN, w: 7 * DAY_MIN, week: 7 * DAY_MIN, weeks: 7 * DAY_MIN };

/** Reads "4 hours", "90 minutes", "1 day 12 hours", "3d": whole minutes, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase().replace(/,|\band\b/g, ' ');
  if (!t) return undefined;
  const parts = [...t.matchAll(/(\d{1,6})\s*([a-z]+)/g)];
  if (!parts.length || t.replace(/(\d{1,6})\s*([a-z]+)/g, '').trim()) return undefined;
  let total = 0;
  for (const [, n, unit] of parts) {
    const per = UNIT_MIN[unit!];
    if (per === undefined) return undefined;
    total += Number(n) * per;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// The shape (zod) and the rules a version must meet.

const tierName = (l: string) => (RISK_LEVELS as readonly string[]).includes(l) ? `${l} tier` : `"${l}" tier`;
const stageName = (i: string) => `Stage ${Number(i) + 1}`;

/** A field of the agreement in words: "The high tier's window to take ownership". */
export function agreementFieldWords(path: readonly (string | number)[]): string {
  const [area, a, b, c] = path.map(String);
  if (area === 'escalation') {
    if (a === 'causeGraceMinutes') return 'The time a chair has to confirm the outcome once the cause has ended';
    if (a === 'tiers' && b) {
      const field: Record<string, string> = {
        label: 'label',
        acknowledgeWithinMinutes: 'window to take ownership',
        respondWithinMinutes: 'window to record the response action',
        chairRole: 'chair role',
        responderRoles: 'responder roles',
        next: 'next tier',
      };
      return c ? `The ${tierName(b)}’s ${field[c] ?? c}` : `The ${tierName(b)}`;
    }
    return 'The escalation tiers';
  }
  if (area === 'disputes') {
    if (a === 'stages' && b !== undefined) {
      const field: Record<string, string> = { label: 'name', workingDays: 'working days', representativeRoles: 'representatives’ roles' };
      return c ? `${stageName(b)}’s ${field[c] ?? c}` : stageName(b);
    }
    return 'The dispute stages';
  }
  if (area === 'reminders') {
    const field: Record<string, string> = {
      sprintReminderLeadMinutes: 'The sprint task reminder lead',
      planAcknowledgementReminderEveryMinutes: 'The plan acknowledgement reminder interval',
      planAcknowledgementDeadlineMinutes: 'The plan acknowledgement deadline',
      rapidReviewWithinMinutes: 'The rapid review window',
    };
    return (a && field[a]) ?? 'The reminders';
  }
  if (area === 'calendar') {
    if (a === 'workingHours') return b === 'end' ? 'The end of working hours' : b === 'start' ? 'The start of working hours' : 'The working hours';
    if (a === 'closureDays' && b !== undefined) return c ? `Closure day ${Number(b) + 1}’s ${c === 'date' ? 'date' : 'name'}` : `Closure day ${Number(b) + 1}`;
    const field: Record<string, string> = { timeZone: 'The time zone', workingWeekdays: 'The working weekdays', holidayRegion: 'The public holiday region', closureDays: 'The closure days' };
    return (a && field[a]) ?? 'The calendar';
  }
  return 'The working agreement';
}

const ZMinutes = z.number({ message: 'must be a whole number of minutes' }).int('must be a whole number of minutes');
const ZText = (max: number) => z.string({ message: 'is required' }).trim().min(1, 'is required').max(max, `must be at most ${max} characters`);
const ZDate = z.string({ message: 'must be a date such as 2027-12-24' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2027-12-24');
const ZTime = z.string({ message: 'must be a time such as 09:00' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 09:00 (24-hour clock)');

const ZTier = z
  .object({
    label: ZText(120),
    acknowledgeWithinMinutes: ZMinutes,
    respondWithinMinutes: ZMinutes,
    chairRole: z.enum(CHAIR_ROLES, { message: `is required: ${CHAIR_ROLES.join(' or ')}` }),
    responderRoles: z.array(z.enum(RESPONDER_ROLES, { message: `must be among ${RESPONDER_ROLES.join(', ')}` }), { message: 'must be a list of roles' }),
    next: z.enum(RISK_LEVELS, { message: `must be a risk level (${RISK_LEVELS.join(', ')}) or none` }).nullable(),
  })
  .strict();

const ZStage = z
  .object({
    label: ZText(120),
    workingDays: z.number({ message: 'must be a whole number of days' }).int('must be a whole number of days'),
    representativeRoles: z.array(z.enum(ROLES, { message: `must be among ${ROLES.join(', ')}` }), { message: 'must be a list of roles' }),
  })
  .strict();

export const ZAgreementContent = z
  .object({
    escalation: z
      .object({
        tiers: z.object({ acute: ZTier, high: ZTier, moderate: ZTier, low: ZTier }).strict(),
        causeGraceMinutes: ZMinutes,
      })
      .strict(),
    disputes: z.object({ stages: z.tuple([ZStage, ZStage, ZStage], { message: 'must be exactly three stages' }) }).strict(),
    reminders: z
      .object({
        sprintReminderLeadMinutes: ZMinutes,
        planAcknowledgementReminderEveryMinutes: ZMinutes,
        planAcknowledgementDeadlineMinutes: ZMinutes,
        rapidReviewWithinMinutes: ZMinutes,
      })
      .strict(),
    calendar: z
      .object({
        timeZone: ZText(64),
        workingHours: z.object({ start: ZTime, end: ZTime }).strict(),
        workingWeekdays: z.array(z.number().int().min(1, 'must be weekday numbers 1 (Monday) to 7 (Sunday)').max(7, 'must be weekday numbers 1 (Monday) to 7 (Sunday)'), { message: 'must be a list of weekday numbers' }),
        holidayRegion: ZText(12),
        closureDays: z.array(z.object({ date: ZDate, name: ZText(120) }).strict(), { message: 'must be a list of dates with names' }).max(200, 'must be at most 200 days'),
      })
      .strict(),
  })
  .strict();

export type TAgreementContent = z.infer<typeof ZAgreementContent>;

/** A problem with a version, naming the field (its path, for forms) in a sentence a person acts on. */
export interface AgreementProblem {
  field: string;
  message: string;
}

const realDate = (key: string) => {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * Checks a version as a whole: its shape, then the rules that make it workable. Returns the
 * content as parsed, or every problem found (not just the first).
 */
export function checkAgreement(input: unknown): { content: AgreementContent } | { problems: AgreementProblem[] } {
  const parsed = ZAgreementContent.safeParse(input);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        const field = path.join('.');
        if (issue.code === 'unrecognized_keys') return { field, message: `${agreementFieldWords(path)} has fields careloop does not know: ${issue.keys.join(', ')}.` };
        return { field, message: `${agreementFieldWords(path)} ${issue.message}.` };
      }),
    };
  }
  const c = parsed.data as AgreementContent;
  const problems: AgreementProblem[] = [];
  const add = (path: (string | number)[], rest: string) => problems.push({ field: path.join('.'), message: `${agreementFieldWords(path)} ${rest}` });
  const window = (path: (string | number)[], minutes: number, max = MAX_WINDOW_MIN) => {
    if (minutes <= 0) add(path, 'must be longer than zero.');
    else if (minutes > max) add(path, `must be at most ${durationWords(max)}.`);
  };

  for (const level of RISK_LEVELS) {
    const t = c.escalation.tiers[level];
    const at = (f: string) => ['escalation', 'tiers', level, f];
    window(at('acknowledgeWithinMinutes'), t.acknowledgeWithinMinutes);
    window(at('respondWithinMinutes'), t.respondWithinMinutes);
    if (t.acknowledgeWithinMinutes > 0 && t.respondWithinMinutes > 0 && t.acknowledgeWithinMinutes > t.respondWithinMinutes) {
      add(at('acknowledgeWithinMinutes'), `(${durationWords(t.acknowledgeWithinMinutes)}) must not be longer than its window to record the response action (${durationWords(t.respondWithinMinutes)}): ownership is taken before the response.`);
    }
    if (t.next !== null) {
      // Strictly more urgent each step, so no chain of next tiers can come back round.
      if (level === 'acute') add(at('next'), 'must be none: acute is the most urgent tier, there is nowhere higher to go.');
      else if (TIER_RANK[t.next] <= TIER_RANK[level]) {
        const higher = RISK_LEVELS.filter((l) => TIER_RANK[l] > TIER_RANK[level]);
        add(at('next'), `must be more urgent than ${level} (${higher.join(' or ')}) or none: a missed window may only move an escalation up, never round in a loop.`);
      }
    }
  }
  window(['escalation', 'causeGraceMinutes'], c.escalation.causeGraceMinutes);

  c.disputes.stages.forEach((s, i) => {
    const at = (f: string) => ['disputes', 'stages', i, f];
    if (s.workingDays < 1) add(at('workingDays'), 'must be at least 1: a stage of no working days ends before anyone can act.');
    else if (s.workingDays > MAX_STAGE_DAYS) add(at('workingDays'), `must be at most ${MAX_STAGE_DAYS}.`);
    if (!s.representativeRoles.length) add(at('representativeRoles'), 'must name at least one role: someone must speak for each agency at this stage.');
  });

  const r = c.reminders;
  const shortestTask = Math.min(...SPRINT_TEMPLATE.map((t) => t.dueOffsetMs)) / MINUTE_MS;
  window(['reminders', 'sprintReminderLeadMinutes'], r.sprintReminderLeadMinutes);
  if (r.sprintReminderLeadMinutes >= shortestTask) add(['reminders', 'sprintReminderLeadMinutes'], `must be shorter than the shortest sprint task window (${durationWords(shortestTask)}), or the reminder would come before the sprint starts.`);
  window(['reminders', 'planAcknowledgementReminderEveryMinutes'], r.planAcknowledgementReminderEveryMinutes);
  window(['reminders', 'planAcknowledgementDeadlineMinutes'], r.planAcknowledgementDeadlineMinutes);
  if (r.planAcknowledgementReminderEveryMinutes > 0 && r.planAcknowledgementReminderEveryMinutes >= r.planAcknowledgementDeadlineMinutes) {
    add(['reminders', 'planAcknowledgementReminderEveryMinutes'], `(${durationWords(r.planAcknowledgementReminderEveryMinutes)}) must be shorter than the plan acknowledgement deadline (${durationWords(r.planAcknowledgementDeadlineMinutes)}), or nobody is reminded before it.`);
  }
  window(['reminders', 'rapidReviewWithinMinutes'], r.rapidReviewWithinMinutes);

  const cal = c.calendar;
  if (!isTimeZone(cal.timeZone)) add(['calendar', 'timeZone'], `"${cal.timeZone}" is not a time zone careloop knows; use one such as Europe/London.`);
  if (cal.workingHours.end <= cal.workingHours.start) add(['calendar', 'workingHours', 'end'], `(${cal.workingHours.end}) must be after the start (${cal.workingHours.start}).`);
  if (!cal.workingWeekdays.length) add(['calendar', 'workingWeekdays'], 'must include at least one day.');
  if (new Set(cal.workingWeekdays).size !== cal.workingWeekdays.length) add(['calendar', 'workingWeekdays'], 'must name each day once.');
  if (!isKnownHolidayRegion(cal.holidayRegion)) {
    add(['calendar', 'holidayRegion'], `"${cal.holidayRegion}" is not a region the public holiday library knows; use one such as GB-ENG (England and Wales), GB-SCT (Scotland), GB-NIR (Northern Ireland) or IE (Ireland).`);
  }
  cal.closureDays.forEach((d, i) => {
    if (!realDate(d.date)) add(['calendar', 'closureDays', i, 'date'], `(${d.date}) is not a real date.`);
  });
  const seen = new Set<string>();
  cal.closureDays.forEach((d, i) => {
    if (seen.has(d.date)) add(['calendar', 'closureDays', i, 'date'], `(${d.date}) is listed twice.`);
    seen.add(d.date);
  });
  if (problems.length) return { problems };
  const tiers = Object.fromEntries(RISK_LEVELS.map((l) => [l, { ...c.escalation.tiers[l], responderRoles: canonicalRoles(c.escalation.tiers[l].responderRoles) }])) as AgreementContent['escalation']['tiers'];
  const stages = c.disputes.stages.map((s) => ({ ...s, representativeRoles: canonicalRoles(s.representativeRoles) })) as AgreementContent['disputes']['stages'];
  const closureDays = [...c.calendar.closureDays].sort((a, b) => a.date.localeCompare(b.date));
  return { content: { ...c, escalation: { ...c.escalation, tiers }, disputes: { stages }, calendar: { ...c.calendar, workingWeekdays: [...c.calendar.workingWeekdays].sort(), closureDays } } };
}

/** Every version says why it was made: the history and the audit trail keep the reason. */
export function reasonProblem(reason: string): AgreementProblem | undefined {
  const r = reason.trim();
  if (r.length < 3) return { field: 'reason', message: 'Say why the agreement changes (at least 3 characters): it is kept with the version and in the audit trail.' };
  if (r.length > 2000) return { field: 'reason', message: 'The reason must be at most 2000 characters.' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Version 1: careloop's constants as they stood, so nothing changes until someone edits it.

const toMinutes = (ms: number) => Math.round(ms / MINUTE_MS);

export function defaultAgreement(): AgreementContent {
  const tier = (level: RiskLevel): AgreementTier => {
    const t = ESCALATION_POLICY.tiers[level];
    return { label: t.label, acknowledgeWithinMinutes: toMinutes(t.acknowledgeWithinMs), respondWithinMinutes: toMinutes(t.respondWithinMs), chairRole: t.chairRole, responderRoles: canonicalRoles(t.responderRoles), next: t.next ?? null };
  };
  const stage = (s: DisputeStagePolicy): AgreementStage => ({ label: s.label, workingDays: s.workingDays, representativeRoles: canonicalRoles(s.representativeRoles) });
  const [s1, s2, s3] = DISPUTE_AGREEMENT.stages;
  const cal = DISPUTE_AGREEMENT.calendar;
  return {
    escalation: { tiers: { acute: tier('acute'), high: tier('high'), moderate: tier('moderate'), low: tier('low') }, causeGraceMinutes: toMinutes(ESCALATION_POLICY.causeGraceMs ?? CAUSE_GRACE_MS) },
    disputes: { stages: [stage(s1), stage(s2), stage(s3)] },
    reminders: {
      sprintReminderLeadMinutes: toMinutes(Math.min(...SPRINT_TEMPLATE.map((t) => t.reminderLeadMs))),
      planAcknowledgementReminderEveryMinutes: toMinutes(DEFAULT_ACK_REMINDER_EVERY_MS),
      planAcknowledgementDeadlineMinutes: toMinutes(DEFAULT_ACK_DEADLINE_MS),
      rapidReviewWithinMinutes: toMinutes(DEFAULT_RAPID_REVIEW_MS),
    },
    // England and Wales bank holidays, from the library now rather than a list that ended in 2027.
    calendar: { timeZone: cal.timeZone, workingHours: { ...cal.workingHours }, workingWeekdays: [...cal.workingWeekdays], holidayRegion: 'GB-ENG', closureDays: [] },
  };
}

/** The region's public holidays for a version saved in `year`: from the year before to HOLIDAY_YEARS_AHEAD after. */
export function resolveHolidays(region: string, year: number): ResolvedHolidays {
  const fromYear = year - 1;
  const toYear = year + HOLIDAY_YEARS_AHEAD;
  return { region, fromYear, toYear, days: publicHolidays(region, fromYear, toYear) };
}

// ---------------------------------------------------------------------------------------------
// What each process takes from the version in force when it starts.

/** The escalation policy of a version: what an escalation workflow's input carries. */
export function escalationPolicyOf(v: Pick<AgreementVersion, 'version' | 'content'>): EscalationPolicy {
  const tiers = Object.fromEntries(
    RISK_LEVELS.map((level) => {
      const t = v.content.escalation.tiers[level];
      return [level, { label: t.label, acknowledgeWithinMs: t.acknowledgeWithinMinutes * MINUTE_MS, respondWithinMs: t.respondWithinMinutes * MINUTE_MS, chairRole: t.chairRole, responderRoles: [...t.responderRoles], ...(t.next ? { next: t.next } : {}) }];
    }),
  ) as EscalationPolicy['tiers'];
  return { version: agreementVersionName(v.version), tiers, causeGraceMs: v.content.escalation.causeGraceMinutes * MINUTE_MS };
}

/**
 * The public holidays and closure days between two years, inclusive: the stored ones where the
 * version covers the year, the library's for any year beyond (a version saved long ago).
 */
export function holidayDates(v: Pick<AgreementVersion, 'content' | 'publicHolidays'>, fromYear: number, toYear: number): string[] {
  const stored = v.publicHolidays;
  const dates = new Set<string>();
  for (let year = fromYear; year <= toYear; year += 1) {
    const covered = stored.region === v.content.calendar.holidayRegion && year >= stored.fromYear && year <= stored.toYear;
    const days = covered ? stored.days.filter((d) => d.date.startsWith(`${year}-`)) : publicHolidays(v.content.calendar.holidayRegion, year, year);
    for (const d of days) dates.add(d.date);
  }
  for (const d of v.content.calendar.closureDays) {
    const y = Number(d.date.slice(0, 4));
    if (y >= fromYear && y <= toYear) dates.add(d.date);
  }
  return [...dates].sort();
}

/**
 * The working calendar a process carries from `nowIso`: this year's and the next two years'
 * holidays (a dispute's three stages take weeks, not years), so the input stays small.
 */
export function calendarOf(v: Pick<AgreementVersion, 'content' | 'publicHolidays'>, nowIso: string): PartnershipCalendar {
  const year = Number(nowIso.slice(0, 4));
  const cal = v.content.calendar;
  return { timeZone: cal.timeZone, workingHours: { ...cal.workingHours }, workingWeekdays: [...cal.workingWeekdays], holidays: holidayDates(v, year, year + 2) };
}

/** The dispute agreement of a version: what a dispute workflow's input carries. */
export function disputeAgreementOf(v: Pick<AgreementVersion, 'version' | 'content' | 'publicHolidays'>, nowIso: string): DisputeAgreement {
  const stages = v.content.disputes.stages.map((s, i) => ({ stage: (i + 1) as 1 | 2 | 3, label: s.label, workingDays: s.workingDays, representativeRoles: [...s.representativeRoles], binding: i === 2 })) as DisputeAgreement['stages'];
  return { version: agreementVersionName(v.version), stages, calendar: calendarOf(v, nowIso) };
}

/** The reminder defaults of a version, in milliseconds, as the sprint and plan inputs take them. */
export function remindersOf(v: Pick<AgreementVersion, 'version' | 'content'>) {
  const r = v.content.reminders;
  return {
    version: agreementVersionName(v.version),
    sprintReminderLeadMs: r.sprintReminderLeadMinutes * MINUTE_MS,
    planAcknowledgementReminderEveryMs: r.planAcknowledgementReminderEveryMinutes * MINUTE_MS,
    planAcknowledgementDeadlineMs: r.planAcknowledgementDeadlineMinutes * MINUTE_MS,
    rapidReviewWithinMs: r.rapidReviewWithinMinutes * MINUTE_MS,
  };
}

// ---------------------------------------------------------------------------------------------
// A version in words, line by line: what the page lists, the CLI prints and a diff compares.

const TIER_TITLE: Record<RiskLevel, string> = { acute: 'Acute', high: 'High', moderate: 'Moderate', low: 'Low' };

export function weekdaysWords(days: readonly number[]): string {
  const sorted = [...days].sort();
  if (sorted.join() === '1,2,3,4,5') return 'Monday to Friday';
  if (sorted.join() === '1,2,3,4,5,6,7') return 'every day';
  return sorted.map((d) => WEEKDAY_NAMES[d - 1] ?? String(d)).join(', ');
}

/** One line of a version: which part, what, and its value in words. */
export interface AgreementLine {
  key: string;
  section: string;
  what: string;
  value: string;
}

export function agreementLines(c: AgreementContent): AgreementLine[] {
  const lines: AgreementLine[] = [];
  const add = (key: string, section: string, what: string, value: string) => lines.push({ key, section, what, value });
  for (const level of [...RISK_LEVELS].reverse()) {
    const t = c.escalation.tiers[level];
    const s = `${TIER_TITLE[level]} tier`;
    add(`tier.${level}.label`, s, 'What it means', t.label);
    add(`tier.${level}.chair`, s, 'Chaired by', `a ${t.chairRole}`);
    add(`tier.${level}.acknowledge`, s, 'Take ownership within', durationWords(t.acknowledgeWithinMinutes));
    add(`tier.${level}.respond`, s, 'Record the response action within', durationWords(t.respondWithinMinutes));
    add(`tier.${level}.responders`, s, 'Also told', t.responderRoles.length ? `${roleList(t.responderRoles)} at the agencies involved` : 'nobody besides the chair');
    add(`tier.${level}.next`, s, 'A missed window moves it to', t.next ? `the ${t.next} tier` : 'nowhere: it is the top tier');
  }
  add('escalation.causeGrace', 'Escalations', 'Once the cause has ended, the chair confirms the outcome within', durationWords(c.escalation.causeGraceMinutes));
  c.disputes.stages.forEach((st, i) => {
    const s = `Dispute stage ${i + 1}`;
    add(`stage.${i + 1}.label`, s, 'Who resolves it', st.label);
    add(`stage.${i + 1}.days`, s, 'Working days', String(st.workingDays));
    add(`stage.${i + 1}.roles`, s, 'Each agency is represented by', roleList(st.representativeRoles));
    if (i === 2) add('stage.3.binding', s, 'Its decision', 'binds every party');
  });
  const r = c.reminders;
  add('reminders.sprint', 'Reminders', 'A sprint task’s owner is reminded', `${durationWords(r.sprintReminderLeadMinutes)} before it is due`);
  add('reminders.planEvery', 'Reminders', 'A plan change not yet acknowledged is reminded every', durationWords(r.planAcknowledgementReminderEveryMinutes));
  add('reminders.planDeadline', 'Reminders', 'Missing plan acknowledgements are escalated after', durationWords(r.planAcknowledgementDeadlineMinutes));
  add('reminders.rapidReview', 'Reminders', 'After an incident, discharge or safeguarding change, the whole plan is reviewed within', durationWords(r.rapidReviewWithinMinutes));
  const cal = c.calendar;
  add('calendar.timeZone', 'Calendar', 'Time zone', cal.timeZone);
  add('calendar.hours', 'Calendar', 'Working hours', `${cal.workingHours.start} to ${cal.workingHours.end}`);
  add('calendar.weekdays', 'Calendar', 'Working days', weekdaysWords(cal.workingWeekdays));
  add('calendar.region', 'Calendar', 'Public holidays', `${holidayRegionName(cal.holidayRegion)} (${cal.holidayRegion})`);
  add('calendar.closures', 'Calendar', 'Closure days', cal.closureDays.length ? cal.closureDays.map((d) => `${d.date} ${d.name}`).join('; ') : 'none');
  return lines;
}

/** What changed from one version to the next, line by line in words. */
export function agreementDiff(before: AgreementContent, after: AgreementContent): { section: string; what: string; before: string; after: string }[] {
  const old = new Map(agreementLines(before).map((l) => [l.key, l]));
  return agreementLines(after)
    .filter((l) => old.get(l.key)?.value !== l.value)
    .map((l) => ({ section: l.section, what: l.what, before: old.get(l.key)?.value ?? '(not set)', after: l.value }));
}
