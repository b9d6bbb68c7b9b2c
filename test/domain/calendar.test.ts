// The working-day arithmetic stage deadlines are counted in: pure, so every case is exact.
import { describe, expect, it } from 'vitest';
import { addWorkingDays, countingDay, isWithinWorkingHours, isWorkingDay, nextWorkingDay, workingDaysBetween, zonedInstant, type PartnershipCalendar } from '../../domain/calendar';
import { DEFAULT_PARTNERSHIP_CALENDAR, DISPUTE_AGREEMENT } from '../../domain/dispute';

const london = DEFAULT_PARTNERSHIP_CALENDAR;

describe('working days on a partnership calendar', () => {
  it('knows weekends and bank holidays are not working days', () => {
    expect(isWorkingDay('2026-11-23', london)).toBe(true); // Monday
    expect(isWorkingDay('2026-11-28', london)).toBe(false); // Saturday
    expect(isWorkingDay('2026-11-29', london)).toBe(false); // Sunday
    expect(isWorkingDay('2026-08-31', london)).toBe(false); // summer bank holiday
    expect(isWorkingDay('2026-12-25', london)).toBe(false);
    expect(nextWorkingDay('2026-12-25', london)).toBe('2026-12-29');
  });

  it('counts from the same day during working hours: Monday 10:00 plus 2 is Wednesday 17:00 GMT', () => {
    expect(addWorkingDays('2026-11-23T10:00:00Z', 2, london)).toBe('2026-11-25T17:00:00.000Z');
  });

  it('counts from the next working day when raised after closing', () => {
    expect(countingDay('2026-11-23T17:30:00Z', london)).toBe('2026-11-24');
    expect(addWorkingDays('2026-11-23T17:30:00Z', 2, london)).toBe('2026-11-26T17:00:00.000Z');
  });

  it('counts a morning before opening on a working day from that day', () => {
    expect(addWorkingDays('2026-11-23T07:00:00Z', 0, london)).toBe('2026-11-23T17:00:00.000Z');
  });

  it('a dispute raised on a Friday afternoon before a bank holiday Monday comes due on the Wednesday', () => {
    // Friday 28 August 2026, 15:00 BST (14:00Z); Monday 31 August is the summer bank holiday.
    expect(addWorkingDays('2026-08-28T14:00:00Z', 2, london)).toBe('2026-09-02T16:00:00.000Z'); // Wed 17:00 BST
    // The same Friday after closing counts from Tuesday: due Thursday.
    expect(addWorkingDays('2026-08-28T17:30:00Z', 2, london)).toBe('2026-09-03T16:00:00.000Z');
  });

  it('a weekend raise counts from Monday', () => {
    expect(addWorkingDays('2026-11-28T12:00:00Z', 0, london)).toBe('2026-11-30T17:00:00.000Z');
    expect(addWorkingDays('2026-11-28T12:00:00Z', 5, london)).toBe('2026-12-07T17:00:00.000Z');
  });

  it('steps over Christmas, Boxing Day substitute and New Year at the year end', () => {
    // Thursday 24 December 2026, 11:00: 25th and 28th (Boxing Day substitute) are holidays, 26-27 a weekend.
    expect(addWorkingDays('2026-12-24T11:00:00Z', 2, london)).toBe('2026-12-30T17:00:00.000Z');
    // Stage 3's ten working days from 21 December 2026 cross into 2027 past New Year's Day.
    expect(addWorkingDays('2026-12-21T10:00:00Z', 10, london)).toBe('2027-01-07T17:00:00.000Z');
  });

  it('keeps 17:00 local across the end of British Summer Time (25 October 2026)', () => {
    // Thursday 22 October 10:00 BST; Sunday 25th clocks go back; due Tuesday 27th 17:00 GMT.
    expect(addWorkingDays('2026-10-22T09:00:00Z', 3, london)).toBe('2026-10-27T17:00:00.000Z');
    // Before the change, 17:00 is 16:00Z.
    expect(addWorkingDays('2026-10-22T09:00:00Z', 1, london)).toBe('2026-10-23T16:00:00.000Z');
    // The spring change: Friday 26 March 2027 and Monday 29th are Easter holidays; clocks go forward on the 28th.
    expect(addWorkingDays('2027-03-25T12:00:00Z', 1, london)).toBe('2027-03-30T16:00:00.000Z');
  });

  it('reads wall-clock times in the zone, including across a DST change', () => {
    expect(new Date(zonedInstant('2026-10-25', '09:00', 'Europe/London')).toISOString()).toBe('2026-10-25T09:00:00.000Z');
    expect(new Date(zonedInstant('2026-10-24', '09:00', 'Europe/London')).toISOString()).toBe('2026-10-24T08:00:00.000Z');
    expect(new Date(zonedInstant('2026-07-01', '17:00', 'America/New_York')).toISOString()).toBe('2026-07-01T21:00:00.000Z');
  });

  it('knows working hours', () => {
    expect(isWithinWorkingHours('2026-11-23T09:00:00Z', london)).toBe(true);
    expect(isWithinWorkingHours('2026-11-23T08:59:59Z', london)).toBe(false);
    expect(isWithinWorkingHours('2026-11-23T17:00:00Z', london)).toBe(false);
    expect(isWithinWorkingHours('2026-07-01T16:30:00Z', london)).toBe(false); // 17:30 BST
  });

  it('follows a calendar given as data: another zone, week and holidays', () => {
    const gulf: PartnershipCalendar = { timeZone: 'Asia/Dubai', workingHours: { start: '08:00', end: '15:00' }, workingWeekdays: [1, 2, 3, 4, 5], holidays: ['2026-12-02'] };
    // Tuesday 1 December 2026 10:00 Dubai (06:00Z); the 2nd is a holiday; due Thursday 3rd 15:00 (11:00Z).
    expect(addWorkingDays('2026-12-01T06:00:00Z', 1, gulf)).toBe('2026-12-03T11:00:00.000Z');
    const sixDays: PartnershipCalendar = { ...london, workingWeekdays: [1, 2, 3, 4, 5, 6], holidays: [] };
    expect(addWorkingDays('2026-11-27T10:00:00Z', 1, sixDays)).toBe('2026-11-28T17:00:00.000Z');
  });

  it('counts working days elapsed between two instants', () => {
    expect(workingDaysBetween('2026-11-23T10:00:00Z', '2026-11-23T16:00:00Z', london)).toBe(0);
    expect(workingDaysBetween('2026-11-27T10:00:00Z', '2026-11-30T10:00:00Z', london)).toBe(1);
    expect(workingDaysBetween('2026-08-28T14:00:00Z', '2026-09-02T12:00:00Z', london)).toBe(2);
  });

  it('refuses nonsense instead of guessing', () => {
    expect(() => addWorkingDays('2026-11-23T10:00:00Z', -1, london)).toThrow(/at least 0/);
    expect(() => addWorkingDays('2026-11-23T10:00:00Z', 1, { ...london, workingWeekdays: [] })).toThrow(/working weekday/);
    expect(() => addWorkingDays('2026-11-23T10:00:00Z', 1, { ...london, workingHours: { start: '9am', end: '5pm' } })).toThrow(/HH:MM/);
  });

  it('the working agreement counts 2, 5 and 10 working days, binding at stage 3', () => {
    expect(DISPUTE_AGREEMENT.stages.map((s) => [s.workingDays, s.binding])).toEqual([
      [2, false],
      [5, false],
      [10, true],
    ]);
  });
});
