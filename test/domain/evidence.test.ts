// The evidence figures as pure rules, each worked out by hand: no database.
import { describe, expect, it } from 'vitest';
import { acknowledgementFigures, disputeFigures, escalationFigures, firstContactFigures, sprintCounts, sprintTaskFigures, withinTierTimeframe, type EscalationRecord } from '../../domain/evidence';

describe('sprint figures', () => {
  it('counts sprints by status; closed means completed with or without gaps', () => {
    expect(sprintCounts([{ status: 'open' }, { status: 'completed' }, { status: 'completed-with-gaps' }, { status: 'cancelled' }])).toEqual({ discharged: 4, open: 1, cancelled: 1, closed: 2 });
  });

  it('takes first contact over closed sprints, counting those without any', () => {
    // 30, 90, 600: median 90; nearest-rank p90 of three values is the third.
    expect(firstContactFigures([{ firstContactMinutes: 90 }, { firstContactMinutes: null }, { firstContactMinutes: 30 }, { firstContactMinutes: 600 }])).toEqual({ sprintsClosed: 4, withContact: 3, withoutContact: 1, medianMinutes: 90, p90Minutes: 600 });
    expect(firstContactFigures([])).toEqual({ sprintsClosed: 0, withContact: 0, withoutContact: 0, medianMinutes: undefined, p90Minutes: undefined });
  });

  it('shares tasks done on time among the tasks that applied', () => {
    const t = (status: string, onTime = false, statusReason: string | null = null) => ({ status, onTime, statusReason });
    // 5 tasks, 1 not applicable: 4 applied; 2 done on time -> 50%.
    const figures = sprintTaskFigures([t('completed', true), t('completed', true), t('completed'), t('rejected', false, 'refused-by-participant'), t('cancelled', false, 'not-applicable')]);
    expect(figures).toEqual({ tasks: 5, notApplicable: 1, applicable: 4, doneOnTime: 2, doneLate: 1, refused: 1, notDone: 0, onTimeShare: 50 });
    expect(sprintTaskFigures([]).onTimeShare).toBeUndefined();
  });
});

describe('acknowledgement figures', () => {
  it('measures minutes from publication to each acknowledgement, by channel', () => {
    const v = (iso: string, ...acks: [number, string][]) => ({ createdAt: new Date(iso), acknowledgements: acks.map(([min, channel]) => ({ acknowledgedAt: new Date(Date.parse(iso) + min * 60_000), channel })) });
    const figures = acknowledgementFigures([v('2026-10-03T10:00:00Z', [30, 'link'], [120, 'email-reply']), v('2026-10-12T09:00:00Z', [45, 'link']), v('2026-10-13T09:00:00Z')]);
    expect(figures).toEqual({ versionsRequiringAcknowledgement: 3, acknowledged: 3, medianMinutes: 45, p90Minutes: 120, byChannel: { link: 2, 'email-reply': 1 } });
  });
});

describe('escalation figures', () => {
  const e = (over: Partial<EscalationRecord>): EscalationRecord => ({ riskLevel: 'high', status: 'resolved', promotions: 0, acknowledgedOnTime: true, respondedOnTime: true, resolvedOnTime: true, ...over });

  it("counts an escalation within its tier's timeframe only when resolved unpromoted with every step on time", () => {
    expect(withinTierTimeframe(e({}))).toBe(true);
    expect(withinTierTimeframe(e({ status: 'open' }))).toBe(false);
    expect(withinTierTimeframe(e({ promotions: 1 }))).toBe(false);
    expect(withinTierTimeframe(e({ respondedOnTime: false }))).toBe(false);
    expect(withinTierTimeframe(e({ resolvedOnTime: null }))).toBe(false);
  });

  it('shares escalations within timeframe among the resolved ones, by tier', () => {
    const figures = escalationFigures([e({}), e({ promotions: 1, riskLevel: 'acute' }), e({ status: 'open', resolvedOnTime: null, riskLevel: 'low' })]);
    expect(figures).toMatchObject({ raised: 3, open: 1, resolved: 2, promoted: 1, withinTimeframe: 1, withinTimeframeShare: 50 });
    expect(figures.byTier.high).toEqual({ raised: 1, resolved: 1, resolvedByChair: 1, resolvedByCause: 0, notResolved: 0, withinTimeframe: 1, acknowledgedOnTime: 1, respondedOnTime: 1, resolvedOnTime: 1 });
    expect(figures.byTier.acute).toMatchObject({ raised: 1, withinTimeframe: 0 });
    expect(figures.byTier.moderate).toMatchObject({ raised: 0 });
  });

  it('tells apart escalations resolved by their chair, by their cause, and never, per tier and in total', () => {
    const figures = escalationFigures([
      e({}),
      e({ resolvedBy: 'chair', riskLevel: 'moderate' }),
      e({ resolvedBy: 'cause', riskLevel: 'moderate', acknowledgedOnTime: null, respondedOnTime: null }),
      e({ status: 'open', riskLevel: 'moderate', resolvedOnTime: null }),
    ]);
    expect(figures).toMatchObject({ raised: 4, resolved: 3, resolvedByChair: 2, resolvedByCause: 1, notResolved: 1 });
    expect(figures.byTier.moderate).toMatchObject({ raised: 3, resolvedByChair: 1, resolvedByCause: 1, notResolved: 1 });
    expect(figures.byTier.high).toMatchObject({ resolvedByChair: 1, resolvedByCause: 0, notResolved: 0 });
    // The share is of those the chair resolved: one whose cause ended first is not "out of time".
    expect(figures.withinTimeframeShare).toBe(100);
  });
});

describe('dispute figures', () => {
  it('counts disputes by the stage they reached and how they ended; working days over closed ones', () => {
    const figures = disputeFigures([
      { stage: 1, status: 'resolved', workingDaysToClose: 1 },
      { stage: 2, status: 'withdrawn', workingDaysToClose: 4 },
      { stage: 3, status: 'decided', workingDaysToClose: 12 },
      { stage: 2, status: 'open', workingDaysToClose: null },
    ]);
    expect(figures.byStage).toEqual({ '1': { resolved: 1, decided: 0, withdrawn: 0, open: 0 }, '2': { resolved: 0, decided: 0, withdrawn: 1, open: 1 }, '3': { resolved: 0, decided: 1, withdrawn: 0, open: 0 } });
    expect(figures).toMatchObject({ raised: 4, open: 1, medianWorkingDaysToClose: 4 });
  });
});
