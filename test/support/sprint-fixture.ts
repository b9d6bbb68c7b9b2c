// People and a participant for sprint tests, and the workflow input built from them.
import { randomUUID } from 'node:crypto';
import { planSprint, resolveTiming, type TStartSprint } from '../../domain/sprint-input';
import { SPRINT_TEMPLATE, sprintWorkflowId, type SprintInput, type StaffRef } from '../../domain/sprint';
import type { Db } from '../../runtime/db';
import { createAgency, createStaff } from './app';
import { grantCareTeamNow } from '../../activities/care-team';

export interface SprintPeople {
  coordinator: StaffRef & { token: string };
  hospital: StaffRef & { token: string };
  homecare: StaffRef & { token: string };
  housing: StaffRef & { token: string };
  manager: StaffRef & { token: string };
  outsider: StaffRef & { token: string };
}

export async function createSprintPeople(db: Db): Promise<SprintPeople> {
  const tag = randomUUID().slice(0, 8);
  const [county, hospital, homecare, housing, elsewhere] = await Promise.all(
    ['county', 'hospital', 'homecare', 'housing', 'elsewhere'].map((k) => createAgency(db, `${k}-${tag}`)),
  );
  const make = async (email: string, name: string, roles: ('coordinator' | 'staff' | 'manager' | 'admin')[], agencyId: string) => {
    const { staff, token } = await createStaff(db, { email: `${email}.${tag}@care.test`, name, roles, agencyId });
    return { id: staff.id, name: staff.name, email: staff.email, agencyId: staff.agencyId, token };
  };
  return {
    coordinator: await make('casey', 'Casey Coordinator', ['coordinator'], county!.id),
    hospital: await make('wren', 'Wren Nurse', ['staff'], hospital!.id),
    homecare: await make('harper', 'Harper Homecare', ['staff'], homecare!.id),
    housing: await make('hollis', 'Hollis Housing', ['staff'], housing!.id),
    manager: await make('morgan', 'Morgan Manager', ['manager'], county!.id),
    outsider: await make('olly', 'Olly Outsider', ['staff', 'manager'], elsewhere!.id),
  };
}

/** Day 0 tasks to the hospital, day 1 to home care, day 2-3 to housing. */
export function ownersByDay(p: SprintPeople): Record<string, StaffRef> {
  const byDay = { '0': p.hospital, '1': p.homecare, '2-3': p.housing } as const;
  return Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.key, byDay[t.day]]));
}

/** A person, with these agencies in their care team (added by hand, as a coordinator would). */
export async function createParticipant(db: Db, careTeamAgencyIds: readonly string[] = []) {
  const localRef = `P-${randomUUID().slice(0, 8)}`;
  const participant = await db.participant.create({ data: { localRef, displayName: `Person ${localRef}` } });
  await grantCareTeamNow(db, { participantId: participant.id, agencyIds: careTeamAgencyIds, source: 'manual', addedBy: 'test fixture', reason: 'works with this person in the test' });
  return participant;
}

export async function sprintInput(db: Db, p: SprintPeople, dischargeAt: Date, timing?: TStartSprint['timing']): Promise<SprintInput> {
  const participant = await createParticipant(db);
  const resolved = resolveTiming(timing);
  if ('problem' in resolved) throw new Error(resolved.problem.message);
  return planSprint({
    sprintId: sprintWorkflowId(participant.id, dischargeAt),
    participant: { id: participant.id, localRef: participant.localRef, displayName: participant.displayName },
    coordinator: p.coordinator,
    requestedBy: p.coordinator,
    dischargeAt,
    owners: ownersByDay(p),
    timing: resolved,
  });
}
