// The huddle's pure rules: the days and time a schedule is typed in, the plan's risk flags the
// roster sorts by (named on a risk, or found in the plan's words), the roster's order with them,
// when a decision's owner is reminded, and the huddle figures of the evidence report.
import { describe, expect, it } from 'vitest';
import { daysAsText, daysInWords, decisionRemindAt, parseHuddleDays, parseHuddleTime } from '../../domain/huddle';
import { compareRows, emptyRosterRow, planRiskFlags, type RosterRow } from '../../domain/roster';
import { huddleFigures } from '../../domain/evidence';

const HOUR = 3600_000;

describe('huddle schedule words', () => {
  it('reads days as people type them, in week order, each once', () => {
    expect(parseHuddleDays('mon-fri')).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
    expect(parseHuddleDays('Weekdays')).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
    expect(parseHuddleDays('fri, mon,wed mon')).toEqual({ days: ['mon', 'wed', 'fri'] });
    expect(parseHuddleDays('tuesday-thu,sat')).toEqual({ days: ['tue', 'wed', 'thu', 'sat'] });
    expect(parseHuddleDays('fri-mon')).toEqual({ days: ['mon', 'fri', 'sat', 'sun'] });
    expect(parseHuddleDays('daily')).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] });
    expect(parseHuddleDays('')).toEqual({ problem: 'Say which days the huddle meets, for example mon-fri' });
    expect(parseHuddleDays('mon-fry')).toMatchObject({ problem: expect.stringContaining('“mon-fry” is not a day or a range of days') });
    expect(parseHuddleDays('mo')).toMatchObject({ problem: expect.any(String) });
  });

  it('reads a 24-hour time, and says the days back in words', () => {
    expect(parseHuddleTime('09:30')).toEqual({ hour: 9, minute: 30 });
    expect(parseHuddleTime('9:05')).toEqual({ hour: 9, minute: 5 });
    for (const bad of ['24:00', '9.30', '09:60', 'nine']) expect(parseHuddleTime(bad)).toEqual({ problem: 'Enter the time on the 24-hour clock, for example 09:30' });
    expect(daysInWords(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('weekdays');
    expect(daysInWords(['fri', 'mon', 'wed'])).toBe('Monday, Wednesday and Friday');
    expect(daysInWords(['sun'])).toBe('Sunday');
    expect(daysAsText(['mon', 'wed'])).toBe('mon,wed');
    expect(daysAsText(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('mon-fri');
  });

  it('reminds a decision’s owner a day before follow-up is due, halfway for a shorter span, not at all under two minutes', () => {
    expect(decisionRemindAt(0, 72 * HOUR)).toBe(48 * HOUR);
    expect(decisionRemindAt(0, 6 * HOUR)).toBe(3 * HOUR);
    expect(decisionRemindAt(0, 90_000)).toBeUndefined();
  });
});

describe("the plan's risk flags", () => {
  const risk = (description: string, flags?: ('missed-visits' | 'recent-ed-contact' | 'housing-instability' | 'caregiver-breakdown')[]) => ({ id: 'r', description, level: 'high' as const, ...(flags ? { flags } : {}) });

  it('finds each flag in the words of risks and crisis triggers, as a person would write them', () => {
    expect(planRiskFlags({ risks: [risk('Two missed home care visits this week')], crisisTriggers: [] })).toEqual(['missed-visits']);
    expect(planRiskFlags({ risks: [risk('Attended A&E after a fall on Sunday')], crisisTriggers: [] })).toEqual(['recent-ed-contact']);
    expect(planRiskFlags({ risks: [], crisisTriggers: ['Taken to the emergency department again'] })).toEqual(['recent-ed-contact']);
    expect(planRiskFlags({ risks: [risk('Eviction notice served')], crisisTriggers: ['Rent arrears growing'] })).toEqual(['housing-instability']);
    expect(planRiskFlags({ risks: [risk('Housing at risk: tenancy ending in January')], crisisTriggers: [] })).toEqual(['housing-instability']);
    expect(planRiskFlags({ risks: [risk('Daughter (main carer) under great strain')], crisisTriggers: [] })).toEqual(['caregiver-breakdown']);
    expect(planRiskFlags({ risks: [risk('Risk of caregiver breakdown')], crisisTriggers: [] })).toEqual(['caregiver-breakdown']);
  });

  it('takes the flags a risk names, and leaves words that only look alike', () => {
    expect(planRiskFlags({ risks: [risk('Falls at night', ['recent-ed-contact', 'missed-visits'])], crisisTriggers: [] })).toEqual(['missed-visits', 'recent-ed-contact']);
    // "Edward" is not ED; "housing officer" is not instability; a carer who visits is not a breakdown.
    expect(planRiskFlags({ risks: [risk('Edward the housing officer visits weekly'), risk('Carer visits twice a day')], crisisTriggers: ['Refuses medication'] })).toEqual([]);
    expect(planRiskFlags(undefined)).toEqual([]);
  });

  it('sorts a person with more plan flags first, after escalations and overdue items', () => {
    const row = (ref: string, planRisks?: RosterRow['flags']['planRisks'], overdue = 0): RosterRow => {
      const r = emptyRosterRow({ id: ref, localRef: ref, displayName: ref });
      r.flags.overdue = overdue;
      if (planRisks) r.flags.planRisks = planRisks;
      return r;
    };
    const rows = [row('A-none'), row('B-one', ['missed-visits']), row('C-two', ['missed-visits', 'housing-instability']), row('D-overdue', undefined, 1)];
    expect(rows.sort(compareRows).map((r) => r.participant.localRef)).toEqual(['D-overdue', 'C-two', 'B-one', 'A-none']);
  });
});

describe('huddle figures for the evidence report', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  it('counts held huddles, attendance of those asked and others, and decisions closed on time', () => {
    const f = huddleFigures(
      [
        {
          attendance: [
            { invited: true, attended: true },
            { invited: true, attended: false },
            { invited: false, attended: true },
          ],
          decisions: [
            { status: 'done', onTime: true, dueAt: new Date('2026-11-30T12:00:00Z') },
            { status: 'done', onTime: false, dueAt: new Date('2026-11-30T12:00:00Z') },
            { status: 'open', onTime: null, dueAt: new Date('2026-11-30T12:00:00Z') },
            { status: 'open', onTime: null, dueAt: new Date('2026-12-02T12:00:00Z') },
          ],
        },
        // Started, nobody recorded who attended: not held, and its asked are not counted as absent.
        { attendance: [{ invited: true, attended: false }], decisions: [{ status: 'not-done', onTime: false, dueAt: new Date('2026-11-29T12:00:00Z') }] },
      ],
      now,
    );
    expect(f).toEqual({
      started: 2,
      held: 1,
      notHeld: 1,
      invited: 2,
      invitedAttended: 1,
      othersAttended: 1,
      attendanceShare: 50,
      medianAttendees: 2,
      decisions: 5,
      closedOnTime: 1,
      closedLate: 1,
      notDone: 1,
      open: 2,
      overdue: 1,
      onTimeShare: 20,
    });
    expect(huddleFigures([], now)).toMatchObject({ started: 0, attendanceShare: undefined, onTimeShare: undefined });
  });
});
