// How careloop writes times for people, and reads the times they type, in pages and emails alike.
import { wallClock } from './calendar';

/** "Mon, 30 Nov 2026, 14:05 GMT" in the partnership's time zone. */
export function formatInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
}

// A datetime-local input gives a wall-clock time with no zone; careloop reads it in the
// partnership's zone (config TIME_ZONE). Intl knows the zone's rules, including DST.

function wallClockMs(instantMs: number, timeZone: string): number {
  const w = wallClock(instantMs, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
}

/**
 * The instant at which clocks in `timeZone` show `local` (`YYYY-MM-DDTHH:mm[:ss]`). When the
 * clocks go back and the time happens twice, the earlier; when they go forward and it never
 * happens, a problem to show the user rather than a silent guess.
 */
export function zonedLocalToInstant(local: string, timeZone: string): { instant: Date } | { problem: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return { problem: 'Enter the discharge date and time' };
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return { problem: 'Enter a real date and time' };
  }
  // The zone's offsets a day either side cover any clock change near this time.
  const offsets = new Set([wall - 86_400_000, wall, wall + 86_400_000].map((t) => wallClockMs(t, timeZone) - t));
  const candidates = [...offsets].map((offset) => wall - offset).filter((t) => wallClockMs(t, timeZone) === wall);
  if (!candidates.length) return { problem: `That time does not exist in ${timeZone}: the clocks go forward then` };
  return { instant: new Date(Math.min(...candidates)) };
}

/** `YYYY-MM-DDTHH:mm` as clocks in `timeZone` show `instant`: the value a datetime-local input takes. */
export function instantToZonedLocal(instant: Date, timeZone: string): string {
  return new Date(wallClockMs(instant.getTime(), timeZone)).toISOString().slice(0, 16);
}

