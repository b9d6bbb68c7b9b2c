// Public holidays by region, from the maintained `date-holidays` library (its data follows each
// government's announcements; a new release brings a new year's changes). Node side only: the
// working agreement resolves a region's dates when a version is saved and stores them, and
// processes carry those dates in their input, so workflow code never loads the library.
import Holidays from 'date-holidays';

/** A public holiday or closure day, as a local date and the name a person reads. */
export interface DatedHoliday {
  date: string;
  name: string;
}

/** The regions a partnership in the United Kingdom picks from first; any region the library knows is accepted. */
export const UK_HOLIDAY_REGIONS = ['GB-ENG', 'GB-WLS', 'GB-SCT', 'GB-NIR'] as const;

const REGION_PATTERN = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/;

function splitRegion(code: string): { country: string; state?: string } | undefined {
  const m = REGION_PATTERN.exec(code);
  return m ? { country: m[1]!, ...(m[2] ? { state: m[2] } : {}) } : undefined;
}

/** Whether the library has public holidays for a region code: a country ('IE') or country and state ('GB-SCT'). */
export function isKnownHolidayRegion(code: string): boolean {
  const parts = splitRegion(code);
  if (!parts) return false;
  const lib = new Holidays();
  if (!lib.getCountries('en')[parts.country]) return false;
  return !parts.state || Boolean(lib.getStates(parts.country, 'en')?.[parts.state]);
}

/** "Scotland, United Kingdom", "Ireland": a region code in words (the code itself when unknown). */
export function holidayRegionName(code: string): string {
  const parts = splitRegion(code);
  if (!parts) return code;
  const lib = new Holidays();
  const country = lib.getCountries('en')[parts.country];
  if (!country) return code;
  if (!parts.state) return country;
  const state = lib.getStates(parts.country, 'en')?.[parts.state];
  return state ? `${state}, ${country}` : code;
}

/**
 * The region's public holidays (bank holidays, with their substitute days) in the years given,
 * oldest first. Observances (Mother's Day) and school holidays are not days off.
 */
export function publicHolidays(code: string, fromYear: number, toYear: number): DatedHoliday[] {
  const parts = splitRegion(code);
  if (!parts || !isKnownHolidayRegion(code)) throw new Error(`unknown public holiday region "${code}"`);
  const lib = parts.state ? new Holidays(parts.country, parts.state, { types: ['public', 'bank'] }) : new Holidays(parts.country, { types: ['public', 'bank'] });
  const out: DatedHoliday[] = [];
  for (let year = fromYear; year <= toYear; year += 1) {
    for (const h of lib.getHolidays(year, 'en')) {
      if (h.type !== 'public' && h.type !== 'bank') continue;
      const date = h.date.slice(0, 10);
      if (!out.some((o) => o.date === date)) out.push({ date, name: h.name });
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}
