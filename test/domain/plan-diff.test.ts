import { describe, expect, it } from 'vitest';
import { diffPlans } from '../../domain/plan-diff';
import type { PlanContent } from '../../domain/plan';

const base: PlanContent = {
  goals: [{ id: 'g1', text: 'Stay at home' }],
  risks: [
    { id: 'r1', description: 'Falls at night', level: 'high' },
    { id: 'r2', description: 'Missed meals', level: 'moderate' },
  ],
  crisisTriggers: ['Stops eating'],
  serviceContacts: [{ agencyId: 'a-home', name: 'Duty line' }],
  controls: [{ id: 'c1', description: 'Night check call', ownerAgencyId: 'a-home' }],
  shareBeyondCareTeam: [],
};
const names = (id: string) => ({ 'a-home': 'Riverside Home Care', 'a-housing': 'Harbour Housing', 's-1': 'Hollis' })[id] ?? id;

describe('plan diff (pure)', () => {
  it('reads like a change note: added, removed and changed items by field', () => {
    const next: PlanContent = {
      ...base,
      risks: [
        { id: 'r1', description: 'Falls at night', level: 'acute' },
        { id: 'r3', description: 'Housing loss', level: 'high' },
      ],
      controls: [{ id: 'c1', description: 'Night check call', ownerAgencyId: 'a-housing', ownerStaffId: 's-1', dueDate: '2026-12-01' }],
      crisisTriggers: ['Stops eating', 'Eviction notice'],
      shareBeyondCareTeam: ['goals'],
    };
    expect(diffPlans(base, next, names).map((c) => c.text)).toEqual([
      'Risk "Falls at night": level high → acute',
      'Risk added (high): "Housing loss"',
      'Risk removed: "Missed meals"',
      'Control "Night check call": owner Riverside Home Care → Hollis (Harbour Housing)',
      'Control "Night check call": due none → 2026-12-01',
      'Crisis trigger added: "Eviction notice"',
      'Shared beyond the care team added: "goals"',
    ]);
  });

  it('finds no change between identical versions', () => {
    expect(diffPlans(base, structuredClone(base), names)).toEqual([]);
  });

  it('describes changed fields with their old and new values', () => {
    const next = { ...base, goals: [{ id: 'g1', text: 'Stay at home with support' }] };
    expect(diffPlans(base, next)).toEqual([
      { kind: 'changed', element: 'goal', id: 'g1', field: 'text', from: 'Stay at home', to: 'Stay at home with support', text: 'Goal reworded: "Stay at home" → "Stay at home with support"' },
    ]);
  });
});
