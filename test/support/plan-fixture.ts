import { randomUUID } from 'node:crypto';
import type { PlanContent } from '../../domain/plan';
import type { SprintPeople } from './sprint-fixture';

/** The day `days` from now (`YYYY-MM-DD`, UTC). */
export const dayFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A plan whose controls are owned by the hospital and home care people of the sprint fixture. */
export function planContent(p: SprintPeople, over: Partial<PlanContent> = {}): PlanContent {
  return {
    goals: [{ id: 'g1', text: 'Stay safely at home after discharge' }],
    risks: [{ id: 'r1', description: 'Falls at night', level: 'high' }],
    crisisTriggers: ['Refuses medication two days running'],
    serviceContacts: [{ agencyId: p.homecare.agencyId, name: 'Riverside duty line', role: 'Home care', phone: '0100 000 000' }],
    controls: [
      { id: 'c1', description: 'Night-time check call', ownerAgencyId: p.homecare.agencyId, ownerStaffId: p.homecare.id },
      // Due well ahead of any test's time-skipping: a due day in the past shows the action overdue.
      { id: 'c2', description: 'Medication review', ownerAgencyId: p.hospital.agencyId, ownerStaffId: p.hospital.id, dueDate: dayFromNow(60) },
    ],
    shareBeyondCareTeam: ['goals'],
    ...over,
  };
}

export const newLocalRef = () => `P-${randomUUID().slice(0, 8)}`;
