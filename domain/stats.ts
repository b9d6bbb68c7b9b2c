// Summary figures for the evidence report, defined once so the report, its documentation and its
// tests agree: the median is the middle value (the mean of the two middle values when the count
// is even); the 90th percentile is the nearest-rank value (the smallest value with at least 90% of
// values at or below it). Both are undefined for no values.

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(p > 0 && p <= 100)) throw new RangeError('percentile must be in (0, 100]');
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil((p / 100) * s.length) - 1];
}

/** A share as a percentage with one decimal, or undefined when there is nothing to share. */
export function share(part: number, whole: number): number | undefined {
  return whole === 0 ? undefined : Math.round((part / whole) * 1000) / 10;
}

/** Minutes, rounded to one decimal. */
export function minutesBetween(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / 6000) / 10;
}
