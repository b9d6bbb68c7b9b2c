// A partnership's working calendar as data, and the working-day arithmetic the protocols
// partnerships sign are written in. Pure and bundle-safe: workflows import it and pass it the
// workflow clock, so the same input always gives the same deadline, on every replay. The
// calendar comes from the working agreement (domain/working-agreement.ts `calendarOf`): its public
// holidays are plain dates resolved from the holiday library when a version is saved, so nothing
// here loads the library.
//
// The rule (as a working agreement would state it):
//   "N working days" ends at the close of working hours on the Nth working day after the day the
//   matter is raised. A matter raised during working hours on a working day counts from that
//   day; one raised outside them (before opening, after closing, at a weekend or on a public
//   holiday) counts as raised at the opening of the next working day. Zero working days ends at
//   the close of the day it counts from.
// Example: raised Friday 15:00 before a bank-holiday Monday, 2 working days: Tuesday is day 1,
// Wednesday day 2, due Wednesday 17:00. Raised Friday 18:00 instead: counts from Tuesday, due
// Thursday 17:00.

export interface PartnershipCalendar {
  /** An IANA zone, e.g. Europe/London: working hours are wall-clock times there. */
  timeZone: string;
  workingHours: { start: string; end: string };
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  workingWeekdays: number[];
  /** Public holidays and closure days, as local dates 'YYYY-MM-DD'. */
  holidays: string[];
}

interface LocalDate {
  y: number;
  m: number;
  d: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const dateKey = (ld: LocalDate) => `${ld.y}-${pad(ld.m)}-${pad(ld.d)}`;

function parseTime(hhmm: string): { h: number; min: number } {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new Error(`working hours must be HH:MM, got "${hhmm}"`);
  return { h: Number(match[1]), min: Number(match[2]) };
}

function parseDate(key: string): LocalDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) throw new Error(`dates must be YYYY-MM-DD, got "${key}"`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** The wall-clock fields of an instant in a zone. */
export function wallClock(ms: number, timeZone: string): LocalDate & { h: number; min: number; s: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour'), min: get('minute'), s: get('second') };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a local wall-clock time occurs in a zone (the later offset wins across a DST change). */
export function zonedInstant(date: string, time: string, timeZone: string): number {
  const { y, m, d } = parseDate(date);
  const { h, min } = parseTime(time);
  const asUtc = Date.UTC(y, m - 1, d, h, min);
  let instant = asUtc - offsetAt(asUtc, timeZone);
  const corrected = asUtc - offsetAt(instant, timeZone);
  if (corrected !== instant) instant = corrected;
  return instant;
}

/** The local date of an instant in the calendar's zone, 'YYYY-MM-DD'. */
export function localDate(iso: string, calendar: PartnershipCalendar): string {
  return dateKey(wallClock(Date.parse(iso), calendar.timeZone));
}

function nextDate(key: string): string {
  const { y, m, d } = parseDate(key);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return dateKey({ y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate() });
}

function isoWeekday(key: string): number {
  const { y, m, d } = parseDate(key);
  const day = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** A local date ('YYYY-MM-DD') is a working day: a working weekday and not a holiday. */
export function isWorkingDay(date: string, calendar: PartnershipCalendar): boolean {
  return calendar.workingWeekdays.includes(isoWeekday(date)) && !calendar.holidays.includes(date);
}

/** The first working day on or after a local date. */
export function nextWorkingDay(date: string, calendar: PartnershipCalendar): string {
  if (!calendar.workingWeekdays.length) throw new Error('a calendar needs at least one working weekday');
  let day = date;
  // Bounded: a year of closures in a row is a broken calendar, not a long wait.
  for (let i = 0; i < 366; i += 1) {
    if (isWorkingDay(day, calendar)) return day;
    day = nextDate(day);
  }
  throw new Error(`no working day within a year of ${date}`);
}

/** An instant falls within working hours on a working day. */
export function isWithinWorkingHours(iso: string, calendar: PartnershipCalendar): boolean {
  const day = localDate(iso, calendar);
  if (!isWorkingDay(day, calendar)) return false;
  const ms = Date.parse(iso);
  return ms >= zonedInstant(day, calendar.workingHours.start, calendar.timeZone) && ms < zonedInstant(day, calendar.workingHours.end, calendar.timeZone);
}

/** The working day a matter raised at `iso` counts from (see the rule at the top of this file). */
export function countingDay(iso: string, calendar: PartnershipCalendar): string {
  const day = localDate(iso, calendar);
  const ms = Date.parse(iso);
  if (isWorkingDay(day, calendar) && ms < zonedInstant(day, calendar.workingHours.end, calendar.timeZone)) return day;
  return nextWorkingDay(nextDate(day), calendar);
}

/** The deadline `days` working days after `fromIso`: the close of working hours on that day, as an ISO instant. */
export function addWorkingDays(fromIso: string, days: number, calendar: PartnershipCalendar): string {
  if (!Number.isInteger(days) || days < 0) throw new Error(`working days must be a whole number of at least 0, got ${days}`);
  let day = countingDay(fromIso, calendar);
  for (let i = 0; i < days; i += 1) day = nextWorkingDay(nextDate(day), calendar);
  return new Date(zonedInstant(day, calendar.workingHours.end, calendar.timeZone)).toISOString();
}

/** Whole working days from the day `fromIso` counts from up to and including the local day of `toIso` (0 when the same day). */
export function workingDaysBetween(fromIso: string, toIso: string, calendar: PartnershipCalendar): number {
  const start = countingDay(fromIso, calendar);
  const end = localDate(toIso, calendar);
  let count = 0;
  for (let day = start; day < end; day = nextDate(day)) {
    if (count > 3660) break;
    if (isWorkingDay(nextDate(day), calendar)) count += 1;
  }
  return count;
}
