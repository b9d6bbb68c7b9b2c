// The working agreement's rules: a version that cannot work is refused with a sentence naming
// the field; version 1 is careloop's constants, so nothing changes until someone edits it; and
// each process takes its part of a version.
import { describe, expect, it } from 'vitest';
import { DISPUTE_AGREEMENT } from '../../domain/dispute';
import { ESCALATION_POLICY } from '../../domain/escalation';
import { DEFAULT_ACK_DEADLINE_MS, DEFAULT_ACK_REMINDER_EVERY_MS, DEFAULT_RAPID_REVIEW_MS } from '../../domain/plan';
import {
  agreementDiff,
  checkAgreement,
  defaultAgreement,
  disputeAgreementOf,
  durationWords,
  escalationPolicyOf,
  parseDuration,
  remindersOf,
  resolveHolidays,
  type AgreementContent,
} from '../../domain/working-agreement';

const HOUR = 3600_000;

/** The problems of a version changed by `edit`, as sentences by field. */
function problemsOf(edit: (c: AgreementContent) => void): Record<string, string> {
  const c = defaultAgreement();
  edit(c);
  const result = checkAgreement(c);
  if (!('problems' in result)) return {};
  return Object.fromEntries(result.problems.map((p) => [p.field, p.message]));
}

describe('the working agreement', () => {
  it('starts as careloop’s constants: the same tiers, stages, reminders and calendar', () => {
    const v = { version: 1, content: defaultAgreement(), publicHolidays: resolveHolidays('GB-ENG', 2026) };
    expect(checkAgreement(v.content)).toEqual({ content: v.content });
    const policy = escalationPolicyOf(v);
    expect(policy.version).toBe('working-agreement-1');
    expect(policy.tiers).toEqual(ESCALATION_POLICY.tiers);
    const disputes = disputeAgreementOf(v, '2026-11-30T10:00:00Z');
    const sortedRoles = (stages: readonly { representativeRoles: string[] }[]) => stages.map((s) => ({ ...s, representativeRoles: [...s.representativeRoles].sort() }));
    expect(sortedRoles(disputes.stages)).toEqual(sortedRoles(DISPUTE_AGREEMENT.stages));
    expect({ ...disputes.calendar, holidays: [] }).toEqual({ ...DISPUTE_AGREEMENT.calendar, holidays: [] });
    // Every bank holiday careloop listed is still there, and the years after 2027 too.
    expect(disputes.calendar.holidays).toEqual(expect.arrayContaining([...DISPUTE_AGREEMENT.calendar.holidays]));
    expect(disputes.calendar.holidays).toContain('2028-04-17');
    expect(remindersOf(v)).toMatchObject({ sprintReminderLeadMs: 4 * HOUR, planAcknowledgementReminderEveryMs: DEFAULT_ACK_REMINDER_EVERY_MS, planAcknowledgementDeadlineMs: DEFAULT_ACK_DEADLINE_MS, rapidReviewWithinMs: DEFAULT_RAPID_REVIEW_MS });
  });

  it('refuses a tier with no chair role, naming the tier and the field', () => {
    const p = problemsOf((c) => {
      (c.escalation.tiers.high as { chairRole?: string }).chairRole = undefined;
    });
    expect(p['escalation.tiers.high.chairRole']).toBe('The high tier’s chair role is required: coordinator or manager.');
  });

  it('refuses a window of zero or less', () => {
    const p = problemsOf((c) => {
      c.escalation.tiers.moderate.acknowledgeWithinMinutes = 0;
      c.escalation.tiers.low.respondWithinMinutes = -60;
      c.reminders.rapidReviewWithinMinutes = 0;
    });
    expect(p['escalation.tiers.moderate.acknowledgeWithinMinutes']).toBe('The moderate tier’s window to take ownership must be longer than zero.');
    expect(p['escalation.tiers.low.respondWithinMinutes']).toBe('The low tier’s window to record the response action must be longer than zero.');
    expect(p['reminders.rapidReviewWithinMinutes']).toBe('The rapid review window must be longer than zero.');
  });

  it('refuses an acknowledgement window longer than the response window', () => {
    const p = problemsOf((c) => {
      c.escalation.tiers.high.acknowledgeWithinMinutes = 5 * 60;
    });
    expect(p['escalation.tiers.high.acknowledgeWithinMinutes']).toMatch(/^The high tier’s window to take ownership \(5 hours\) must not be longer than its window to record the response action \(4 hours\)/);
  });

  it('refuses a next tier that is not more urgent, or any next tier from the top', () => {
    const p = problemsOf((c) => {
      c.escalation.tiers.high.next = 'moderate';
      c.escalation.tiers.moderate.next = 'moderate';
      c.escalation.tiers.acute.next = 'low';
    });
    expect(p['escalation.tiers.high.next']).toMatch(/^The high tier’s next tier must be more urgent than high \(acute\) or none: .*loop/);
    expect(p['escalation.tiers.moderate.next']).toMatch(/must be more urgent than moderate \(high or acute\)/);
    expect(p['escalation.tiers.acute.next']).toMatch(/^The acute tier’s next tier must be none/);
  });

  it('refuses a dispute stage of zero working days or with nobody to represent the agencies', () => {
    const p = problemsOf((c) => {
      c.disputes.stages[1].workingDays = 0;
      c.disputes.stages[2].representativeRoles = [];
    });
    expect(p['disputes.stages.1.workingDays']).toMatch(/^Stage 2’s working days must be at least 1/);
    expect(p['disputes.stages.2.representativeRoles']).toMatch(/^Stage 3’s representatives’ roles must name at least one role/);
  });

  it('refuses an unknown holiday region, working hours that end before they start, a time zone that is not one', () => {
    const p = problemsOf((c) => {
      c.calendar.holidayRegion = 'GB-XYZ';
      c.calendar.workingHours = { start: '09:00', end: '08:30' };
      c.calendar.timeZone = 'Europe/Londres';
      c.calendar.workingWeekdays = [];
      c.calendar.closureDays = [{ date: '2027-02-30', name: 'Not a day' }];
    });
    expect(p['calendar.holidayRegion']).toMatch(/^The public holiday region "GB-XYZ" is not a region the public holiday library knows; use one such as GB-ENG/);
    expect(p['calendar.workingHours.end']).toBe('The end of working hours (08:30) must be after the start (09:00).');
    expect(p['calendar.timeZone']).toMatch(/^The time zone "Europe\/Londres" is not a time zone/);
    expect(p['calendar.workingWeekdays']).toBe('The working weekdays must include at least one day.');
    expect(p['calendar.closureDays.0.date']).toBe('Closure day 1’s date (2027-02-30) is not a real date.');
  });

  it('refuses a wrong shape in words, and accepts Scotland', () => {
    const c = defaultAgreement() as unknown as Record<string, Record<string, unknown>>;
    c.reminders!.sprintReminderLeadMinutes = '4 hours';
    c.calendar!.colour = 'blue';
    const result = checkAgreement(c);
    expect('problems' in result && result.problems).toEqual(
      expect.arrayContaining([
        { field: 'reminders.sprintReminderLeadMinutes', message: 'The sprint task reminder lead must be a whole number of minutes.' },
        { field: 'calendar', message: 'The calendar has fields careloop does not know: colour.' },
      ]),
    );
    const scottish = defaultAgreement();
    scottish.calendar.holidayRegion = 'GB-SCT';
    expect('content' in checkAgreement(scottish)).toBe(true);
  });

  it('says what changed between two versions in words', () => {
    const before = defaultAgreement();
    const after = defaultAgreement();
    after.escalation.tiers.moderate.acknowledgeWithinMinutes = 120;
    after.calendar.holidayRegion = 'GB-SCT';
    expect(agreementDiff(before, after)).toEqual([
      { section: 'Moderate tier', what: 'Take ownership within', before: '24 hours', after: '2 hours' },
      { section: 'Calendar', what: 'Public holidays', before: 'England, United Kingdom (GB-ENG)', after: 'Scotland, United Kingdom (GB-SCT)' },
    ]);
  });

  it('reads and writes durations in words', () => {
    expect(parseDuration('4 hours')).toBe(240);
    expect(parseDuration('1 day 12 hours')).toBe(2160);
    expect(parseDuration('90 min')).toBe(90);
    expect(parseDuration('0 minutes')).toBe(0);
    expect(parseDuration('-5 minutes')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
    expect(durationWords(15)).toBe('15 minutes');
    expect(durationWords(60)).toBe('1 hour');
    expect(durationWords(1440)).toBe('24 hours');
    expect(durationWords(4320)).toBe('3 days');
    expect(durationWords(90)).toBe('1 hour 30 minutes');
  });
});
