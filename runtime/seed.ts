// Demo agencies and staff for the embedded default. Idempotent: safe on every start.
import type { Db } from './db';
import type { Role } from '../domain/roles';

export const DEMO_AGENCIES = [
  { key: 'county-hospital', name: 'County General Hospital', kind: 'hospital' },
  { key: 'homecare', name: 'Riverside Home Care', kind: 'home care' },
  { key: 'behavioural-health', name: 'Northfield Behavioural Health', kind: 'behavioural health' },
  { key: 'housing', name: 'Harbour Housing Trust', kind: 'housing' },
  { key: 'county-team', name: 'County Care Coordination Team', kind: 'county team' },
] as const;

export const DEMO_STAFF: { email: string; name: string; agency: string; roles: Role[] }[] = [
  { email: 'coordinator@careloop.test', name: 'Casey Coordinator', agency: 'county-team', roles: ['coordinator'] },
  { email: 'manager@careloop.test', name: 'Morgan Manager', agency: 'county-team', roles: ['manager'] },
  { email: 'admin@careloop.test', name: 'Alex Admin', agency: 'county-team', roles: ['admin', 'manager'] },
  { email: 'ward.nurse@careloop.test', name: 'Wren Ward-Nurse', agency: 'county-hospital', roles: ['staff'] },
  { email: 'pharmacist@careloop.test', name: 'Parker Pharmacist', agency: 'county-hospital', roles: ['staff'] },
  { email: 'homecare.lead@careloop.test', name: 'Harper Homecare', agency: 'homecare', roles: ['staff', 'coordinator'] },
  { email: 'bh.lead@careloop.test', name: 'Blake Behavioural', agency: 'behavioural-health', roles: ['staff'] },
  { email: 'housing.officer@careloop.test', name: 'Hollis Housing', agency: 'housing', roles: ['staff'] },
];

export async function seedDemo(db: Db): Promise<{ agencies: number; staff: number }> {
  for (const a of DEMO_AGENCIES) {
    await db.agency.upsert({ where: { key: a.key }, update: {}, create: { ...a } });
  }
  for (const s of DEMO_STAFF) {
    const agency = await db.agency.findUniqueOrThrow({ where: { key: s.agency } });
    await db.staff.upsert({
      where: { email: s.email },
      update: {},
      create: { email: s.email, name: s.name, roles: s.roles, agencyId: agency.id },
    });
  }
  return { agencies: DEMO_AGENCIES.length, staff: DEMO_STAFF.length };
}
