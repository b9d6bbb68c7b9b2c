import { describe, expect, it } from 'vitest';
import { median, minutesBetween, percentile, share } from '../../domain/stats';

describe('evidence report statistics', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeUndefined();
    expect(median([7])).toBe(7);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
  });

  it('takes the nearest-rank 90th percentile', () => {
    expect(percentile([], 90)).toBeUndefined();
    expect(percentile([5], 90)).toBe(5);
    // 10 values: rank ceil(9) = 9th smallest.
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    // 4 values: rank ceil(3.6) = 4th smallest.
    expect(percentile([100, 10, 30, 20], 90)).toBe(100);
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });

  it('gives shares as percentages with one decimal and minutes with one decimal', () => {
    expect(share(2, 3)).toBe(66.7);
    expect(share(0, 0)).toBeUndefined();
    expect(minutesBetween(0, 90_000)).toBe(1.5);
    expect(minutesBetween(0, 100_000)).toBe(1.7);
  });
});
