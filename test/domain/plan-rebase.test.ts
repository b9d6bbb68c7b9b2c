// Re-applying an author's edits on a newer version (a stale base), and the change note without
// clinical detail: pure functions of domain/plan-diff.ts.
import { describe, expect, it } from 'vitest';
import { changeCounts, planChangeLines, rebasePlan } from '../../domain/plan-diff';
import { sharedContent, type PlanContent } from '../../domain/plan';

const base: PlanContent = {
  goals: [{ id: 'g1', text: 'Stay at home' }],
  risks: [
    { id: 'r1', description: 'Falls at night', level: 'high' },
    { id: 'r2', description: 'Missed meals', level: 'moderate' },
  ],
  crisisTriggers: ['Stops eating', 'Refuses visits'],
  serviceContacts: [{ agencyId: 'a-home', name: 'Duty line' }],
  controls: [{ id: 'c1', description: 'Night check call', ownerAgencyId: 'a-home' }],
  shareBeyondCareTeam: ['goals'],
};
const names = (id: string) => ({ 'a-home': 'Riverside Home Care', 'a-housing': 'Harbour Housing', 's-1': 'Hollis' })[id] ?? id;

describe('rebasePlan (three-way)', () => {
  it('applies edits to different things from both sides, with no clash', () => {
    const theirs: PlanContent = { ...base, goals: [{ id: 'g1', text: 'Stay at home with support' }], crisisTriggers: ['Stops eating'] };
    const mine: PlanContent = {
      ...base,
      risks: [{ id: 'r1', description: 'Falls at night', level: 'acute' }, base.risks[1]!],
      crisisTriggers: [...base.crisisTriggers, 'Misses two visits'],
      controls: [{ id: 'c1', description: 'Night check call', ownerAgencyId: 'a-housing', ownerStaffId: 's-1', dueDate: '2026-12-01' }],
    };
    const r = rebasePlan(base, theirs, mine, names);
    expect(r.clashes).toEqual([]);
    expect(r.content).toEqual({
      ...base,
      goals: theirs.goals,
      risks: mine.risks,
      crisisTriggers: ['Stops eating', 'Misses two visits'],
      controls: mine.controls,
    });
  });

  it('keeps the newer version where both changed the same field, or one removed what the other changed, and says so', () => {
    const theirs: PlanContent = { ...base, risks: [{ id: 'r1', description: 'Falls at night', level: 'moderate' }], controls: [{ id: 'c1', description: 'Night check call, twice', ownerAgencyId: 'a-home' }] };
    const mine: PlanContent = { ...base, risks: [{ id: 'r1', description: 'Falls at night', level: 'acute' }, { id: 'r2', description: 'Missed meals and drinks', level: 'moderate' }], controls: [] };
    const r = rebasePlan(base, theirs, mine, names);
    expect(r.content.risks).toEqual(theirs.risks);
    expect(r.content.controls).toEqual(theirs.controls);
    expect(r.clashes).toEqual([
      'You changed the level of risk "Falls at night", but the newer version changed it too: the newer version’s is kept.',
      'You changed risk "Missed meals and drinks", but the newer version removed it: it stays removed.',
      'You removed action "Night check call", but the newer version changed it: it is kept.',
    ]);
  });

  it('gives an item both sides added under the same id a fresh id, so neither is lost', () => {
    const theirs: PlanContent = { ...base, goals: [...base.goals, { id: 'g2', text: 'See friends weekly' }] };
    const mine: PlanContent = { ...base, goals: [...base.goals, { id: 'g2', text: 'Cook one meal a day' }] };
    expect(rebasePlan(base, theirs, mine).content.goals).toEqual([...theirs.goals, { id: 'g2-2', text: 'Cook one meal a day' }]);
  });
});

describe('the change note for pages and link pages', () => {
  const next: PlanContent = {
    ...base,
    risks: [{ id: 'r1', description: 'Falls at night', level: 'acute' }],
    controls: [...base.controls, { id: 'c2', description: 'Grab rails', ownerAgencyId: 'a-housing', dueDate: '2026-12-01' }],
  };

  it('reads in the page’s words: actions, raised levels, dates', () => {
    expect(planChangeLines(base, next, names).map((l) => `${l.section}: ${l.words}`)).toEqual([
      'risks: Risk "Falls at night": level raised from high to acute',
      'risks: Risk removed: "Missed meals"',
      'controls: Action added: "Grab rails", owned by Harbour Housing, due 1 December 2026',
    ]);
  });

  it('counts without saying what changed, and only what a reader outside the team may see', () => {
    expect(changeCounts(planChangeLines(base, next, names))).toEqual(['1 risk changed, 1 risk removed', '1 action added']);
    const consent = { given: true, scope: ['goals' as const, 'controls' as const] };
    expect(changeCounts(planChangeLines(sharedContent(base, consent), sharedContent(next, consent), names))).toEqual(['1 action added']);
    expect(sharedContent(next, { given: false, scope: ['goals'] })).toMatchObject({ goals: [], risks: [], controls: [], crisisTriggers: [], serviceContacts: [] });
  });
});
