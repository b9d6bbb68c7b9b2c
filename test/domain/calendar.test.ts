// The working-day arithmetic stage deadlines are counted in: pure, so every case is exact.
import { describe, expect, it } from 'vitest';
import { addWorkingDays, countingDay, isWithinWorkingHours, isWorkingDay, nextWorkingDay, workingDaysBetween, zonedInstant, type PartnershipCalendar } from '../../domain/calendar';
import { DEFAULT_PARTNERSHIP_CALENDAR, DISPUTE_AGREEMENT, ENGLAND_AND_WALES_BANK_HOLIDAYS_2026_2027 } from '../../domain/dispute';
import { publicHolidays } from '../../domain/holidays';
import { calendarOf, defaultAgreement, resolveHolidays } from '../../domain/working-agreement';

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

// The working agreement's calendar: public holidays by region from the date-holidays library,
// resolved when a version is saved, so the arithmetic above stays pure over a list of dates.
describe('working days by region, from the holiday library, beyond 2027', () => {
  const region = (code: string, from = 2026, to = 2034): PartnershipCalendar => ({ ...london, holidays: publicHolidays(code, from, to).map((d) => d.date) });
  const englandAndWales = region('GB-ENG');
  const scotland = region('GB-SCT');
  const northernIreland = region('GB-NIR');

  it('gives the same England and Wales bank holidays for 2026 and 2027 as the list careloop kept before', () => {
    const weekdays = publicHolidays('GB-ENG', 2026, 2027).map((d) => d.date).filter((d) => isWorkingDay(d, { ...london, holidays: [] }));
    expect(weekdays).toEqual([...ENGLAND_AND_WALES_BANK_HOLIDAYS_2026_2027]);
    // Wales shares England's bank holidays.
    expect(publicHolidays('GB-WLS', 2026, 2034)).toEqual(publicHolidays('GB-ENG', 2026, 2034));
  });

  it('knows Good Friday and Easter Monday in England and Wales for 2028 to 2030', () => {
    for (const [goodFriday, easterMonday] of [
      ['2028-04-14', '2028-04-17'],
      ['2029-03-30', '2029-04-02'],
      ['2030-04-19', '2030-04-22'],
    ] as const) {
      expect(isWorkingDay(goodFriday, englandAndWales)).toBe(false);
      expect(isWorkingDay(easterMonday, englandAndWales)).toBe(false);
    }
    // Thursday before Easter 2029, 10:00 BST: Friday and Monday are holidays, due Wednesday 17:00 BST.
    expect(addWorkingDays('2029-03-29T09:00:00Z', 2, englandAndWales)).toBe('2029-04-04T16:00:00.000Z');
  });

  it('moves Christmas and New Year to weekdays when they fall at a weekend (substitute days)', () => {
    // Saturday 1 January 2028: Monday 3 January is the substitute.
    expect(isWorkingDay('2028-01-03', englandAndWales)).toBe(false);
    expect(nextWorkingDay('2027-12-25', englandAndWales)).toBe('2027-12-29');
    // Christmas 2032 is a Saturday: Monday 27 and Tuesday 28 are substitutes.
    expect(isWorkingDay('2032-12-27', englandAndWales)).toBe(false);
    expect(isWorkingDay('2032-12-28', englandAndWales)).toBe(false);
    // Christmas 2033 is a Sunday: Boxing Day Monday, Christmas's substitute Tuesday 27th.
    expect(nextWorkingDay('2033-12-24', englandAndWales)).toBe('2033-12-28');
    // Stage 3's ten working days from Monday 18 December 2028 step over 25, 26 December and 1 January 2029.
    expect(addWorkingDays('2028-12-18T10:00:00Z', 10, englandAndWales)).toBe('2029-01-04T17:00:00.000Z');
  });

  it('counts Scotland’s own holidays: 2 January, St Andrew’s Day and its substitute, the August bank holiday, no Easter Monday', () => {
    expect(isWorkingDay('2029-01-02', scotland)).toBe(false);
    expect(isWorkingDay('2029-01-02', englandAndWales)).toBe(true);
    expect(isWorkingDay('2028-11-30', scotland)).toBe(false); // Thursday
    expect(isWorkingDay('2028-11-30', englandAndWales)).toBe(true);
    // St Andrew's Day 2030 is a Saturday: Monday 2 December is the substitute.
    expect(isWorkingDay('2030-12-02', scotland)).toBe(false);
    expect(isWorkingDay('2030-08-05', scotland)).toBe(false);
    expect(isWorkingDay('2030-08-26', scotland)).toBe(true);
    expect(isWorkingDay('2030-04-22', scotland)).toBe(true); // Easter Monday is a working day in Scotland
    // Raised Wednesday 29 November 2028, 11:00 GMT, 2 working days: in Scotland Thursday is St
    // Andrew's Day, so Friday is day 1 and Monday day 2; in England Thursday and Friday.
    expect(addWorkingDays('2028-11-29T11:00:00Z', 2, scotland)).toBe('2028-12-04T17:00:00.000Z');
    expect(addWorkingDays('2028-11-29T11:00:00Z', 2, englandAndWales)).toBe('2028-12-01T17:00:00.000Z');
  });

  it('counts Northern Ireland’s St Patrick’s Day and the Twelfth', () => {
    expect(isWorkingDay('2029-03-19', northernIreland)).toBe(false); // St Patrick's Day (Saturday 17th) substitute
    expect(isWorkingDay('2030-07-12', northernIreland)).toBe(false);
    expect(isWorkingDay('2030-07-12', englandAndWales)).toBe(true);
  });

  it('takes the calendar a process carries from the agreement: this year and the next two, plus closure days', () => {
    const content = defaultAgreement();
    content.calendar.closureDays = [{ date: '2029-12-24', name: 'Christmas Eve closure' }];
    const v = { content, publicHolidays: resolveHolidays('GB-ENG', 2028) };
    const cal = calendarOf(v, '2029-06-01T10:00:00Z');
    expect(cal.holidays).toContain('2031-12-25');
    expect(cal.holidays).not.toContain('2028-12-25');
    expect(cal.holidays).not.toContain('2032-12-27');
    // Christmas Eve 2029 is a Monday the partnership closes: the week's first working day is the 27th.
    expect(nextWorkingDay('2029-12-24', cal)).toBe('2029-12-27');
    // Years beyond those resolved at saving come from the library.
    const old = { content, publicHolidays: resolveHolidays('GB-ENG', 2026) };
    expect(calendarOf(old, '2043-03-01T10:00:00Z').holidays).toContain('2043-03-30'); // Easter Monday 2043
  });
});
