// The roster's order and flags, as pure rules: no database, no Temporal.
import { describe, expect, it } from 'vitest';
import { addRosterItem, compareRows, emptyRosterRow, orderRoster, overdueCountOf, RECENT_DISCHARGE_MS, ROSTER_ORDER, tierOfRank, type RosterItem, type RosterRow } from '../../domain/roster';
import { TIER_RANK } from '../../domain/escalation';

const NOW = new Date('2026-11-30T12:00:00Z');
let n = 0;
const person = (localRef: string) => ({ id: `p-${localRef}`, localRef, displayName: localRef });
const item = (over: Partial<RosterItem> & Pick<RosterItem, 'process'>): RosterItem => ({
  workflowId: `wf-${(n += 1)}`,
  status: 'open',
  action: 'something',
  overdue: (over.overdueCount ?? 0) > 0,
  overdueCount: 0,
  href: '/',
  ...over,
});
const rowWith = (ref: string, ...items: { item: RosterItem; dischargeAt?: Date }[]): RosterRow => {
  const row = emptyRosterRow(person(ref));
  for (const i of items) addRosterItem(row, i.item, { dischargeAt: i.dischargeAt, now: NOW });
  return row;
};

describe('roster order', () => {
  it('puts the highest open escalation tier first, then overdue items, recent discharge, plan changes, disputes, next due time, reference', () => {
    const rows = [
      rowWith('G-due-late', { item: item({ process: 'sprint', dueAt: '2026-12-02T00:00:00Z' }) }),
      rowWith('F-due-soon', { item: item({ process: 'sprint', dueAt: '2026-12-01T00:00:00Z' }) }),
      rowWith('E-dispute', { item: item({ process: 'dispute' }) }),
      rowWith('D-plan', { item: item({ process: 'plan-change' }) }),
      rowWith('C-discharged', { item: item({ process: 'sprint' }), dischargeAt: new Date(NOW.getTime() - 3600_000) }),
      rowWith('B-overdue', { item: item({ process: 'sprint', overdueCount: 2 }) }),
      rowWith('A-high', { item: item({ process: 'escalation', escalationTier: 'high' }) }),
      rowWith('A-acute', { item: item({ process: 'escalation', escalationTier: 'acute' }) }),
    ];
    expect(orderRoster(rows).map((r) => r.participant.localRef)).toEqual(['A-acute', 'A-high', 'B-overdue', 'C-discharged', 'D-plan', 'E-dispute', 'F-due-soon', 'G-due-late']);
    expect(ROSTER_ORDER).toHaveLength(7);
  });

  it('breaks a tie by the local reference, so the order is total', () => {
    const [a, b] = [rowWith('X-1'), rowWith('X-2')];
    expect(compareRows(a, b)).toBeLessThan(0);
    expect(compareRows(b, a)).toBeGreaterThan(0);
    expect(compareRows(a, a)).toBe(0);
  });

  it("orders a row's items by due time, undated last, and names the first as next", () => {
    const undated = item({ process: 'dispute' });
    const late = item({ process: 'sprint', dueAt: '2026-12-03T00:00:00Z' });
    const soon = item({ process: 'plan-change', dueAt: '2026-12-01T00:00:00Z' });
    const [row] = orderRoster([rowWith('P', { item: undated }, { item: late }, { item: soon })]);
    expect(row!.items.map((i) => i.workflowId)).toEqual([soon.workflowId, late.workflowId, undated.workflowId]);
    expect(row!.next?.workflowId).toBe(soon.workflowId);
  });
});

describe('roster flags', () => {
  it('counts escalations by tier and keeps the highest', () => {
    const row = rowWith('P', { item: item({ process: 'escalation', escalationTier: 'moderate' }) }, { item: item({ process: 'escalation', escalationTier: 'high' }) }, { item: item({ process: 'escalation', escalationTier: 'moderate' }) });
    expect(row.flags.escalations).toMatchObject({ moderate: 2, high: 1, acute: 0 });
    expect(row.flags.highestEscalationTier).toBe('high');
  });

  it('flags a discharge within 72 hours, the latest one, and not an older one', () => {
    const recent = new Date(NOW.getTime() - 2 * 3600_000);
    const older = new Date(NOW.getTime() - 10 * 3600_000);
    const stale = new Date(NOW.getTime() - RECENT_DISCHARGE_MS - 1);
    expect(rowWith('P', { item: item({ process: 'sprint' }), dischargeAt: older }, { item: item({ process: 'sprint' }), dischargeAt: recent }).flags.recentDischargeAt).toBe(recent.toISOString());
    expect(rowWith('Q', { item: item({ process: 'sprint' }), dischargeAt: stale }).flags.recentDischargeAt).toBeUndefined();
  });

  it('counts a past-due next step as at least one overdue item', () => {
    expect(overdueCountOf('2026-11-30T11:59:59Z', undefined, NOW)).toBe(1);
    expect(overdueCountOf('2026-11-30T11:59:59Z', 3, NOW)).toBe(3);
    expect(overdueCountOf('2026-11-30T12:00:00Z', 0, NOW)).toBe(0);
    expect(overdueCountOf(undefined, 2, NOW)).toBe(2);
  });

  it('reads an escalation tier from its rank, and nothing from no rank', () => {
    expect(tierOfRank(TIER_RANK.acute)).toBe('acute');
    expect(tierOfRank(undefined)).toBeUndefined();
  });
});
