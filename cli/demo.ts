// The demo commands: `sprint demo` starts a sprint for the seeded demo staff of `npm start`,
// due in minutes; `huddle demo` fills a manager's dashboard with one of each kind of open work
// and starts a huddle of the county team on it.
import type { Client } from '@temporalio/client';
import { createSprintService, type Caller } from '../api/sprints/service';
import { createPlanService } from '../api/plans/service';
import { createEscalationService } from '../api/escalations/service';
import { createDisputeService } from '../api/disputes/service';
import { SPRINT_TEMPLATE } from '../domain/sprint';
import { grantCareTeamNow } from '../record/care-team';
import type { Db } from '../runtime/db';
import { cliActor, UsageError } from './usage';
import { manualHuddleId, type HuddleInput } from '../domain/huddle';
import { huddleWorkflow } from '../workflows/huddle';

type Out = (line: string) => void;
interface Temporal {
  client: Client;
  taskQueue: string;
}

export const DEMO_EMAILS = { coordinator: 'coordinator@careloop.test', ward: 'ward.nurse@careloop.test', homecare: 'homecare.lead@careloop.test', housing: 'housing.officer@careloop.test' } as const;

const baseUrl = () => process.env.PUBLIC_BASE_URL || `http://localhost:${process.env.PORT || 3000}`;

/** The seeded demo staff of `npm start`, as callers of the services. */
async function demoStaff(db: Db): Promise<Record<keyof typeof DEMO_EMAILS, Caller>> {
  const staff = await db.staff.findMany({ where: { email: { in: Object.values(DEMO_EMAILS) } }, select: { id: true, email: true, name: true, agencyId: true, roles: true } });
  const byEmail = new Map(staff.map((s) => [s.email, { staffId: s.id, name: s.name, agencyId: s.agencyId, roles: s.roles }]));
  const pick = (email: string) => {
    const s = byEmail.get(email);
    if (!s) throw new UsageError('the demo staff are missing: `npm start` seeds them into its embedded database');
    return s;
  };
  return { coordinator: pick(DEMO_EMAILS.coordinator), ward: pick(DEMO_EMAILS.ward), homecare: pick(DEMO_EMAILS.homecare), housing: pick(DEMO_EMAILS.housing) };
}

/** A sprint for the demo staff: day 0 to the ward, day 1 to home care, days 2-3 to housing. */
function startDemoSprint(sprints: ReturnType<typeof createSprintService>, demo: Record<keyof typeof DEMO_EMAILS, Caller>, ref: string, minutes: number) {
  const ownerByDay = { '0': demo.ward, '1': demo.homecare, '2-3': demo.housing } as const;
  const iso = (m: number) => `PT${Math.round(m * 60)}S`;
  return sprints.start(demo.coordinator, {
    participant: { localRef: ref, displayName: `Demo participant ${ref}` },
    dischargeAt: new Date().toISOString(),
    owners: Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.key, ownerByDay[t.day].staffId])),
    timing: { dueOffsets: { '0': iso(minutes), '1': iso(2 * minutes), '2-3': iso(3 * minutes) }, reminderLead: iso(minutes / 3) },
  });
}

export async function sprintDemo(db: Db, { client, taskQueue }: Temporal, opts: { minutes: number; participant?: string }, out: Out): Promise<void> {
  const { minutes } = opts;
  const demo = await demoStaff(db);
  const ref = opts.participant ?? `DEMO-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
  const { sprintId, created } = await startDemoSprint(createSprintService({ db, temporal: client, taskQueue }), demo, ref, minutes);
  out(`${created ? 'started' : 'found existing'} sprint ${sprintId} for ${ref}: days due in ${minutes}, ${2 * minutes} and ${3 * minutes} minutes`);
  out(`watch it: ${baseUrl()}/sprints/${sprintId} (signed in as ${DEMO_EMAILS.coordinator})`);
}

export async function huddleDemo(db: Db, { client, taskQueue }: Temporal, out: Out): Promise<void> {
  const demo = await demoStaff(db);
  const tag = new Date().toISOString().slice(5, 16).replace(/[-:T]/g, '');
  const sprints = createSprintService({ db, temporal: client, taskQueue });
  const overdue = await startDemoSprint(sprints, demo, `HUDDLE-${tag}-A`, 1);
  out(`sprint ${overdue.sprintId}: day-0 tasks fall due in 1 minute, then overdue`);
  const fresh = await startDemoSprint(sprints, demo, `HUDDLE-${tag}-B`, 60);
  out(`sprint ${fresh.sprintId}: day-0 tasks due in an hour`);
  const plans = createPlanService({ db, temporal: client, taskQueue });
  const content = {
    goals: [{ id: 'g1', text: 'Stay safely at home' }],
    risks: [{ id: 'r1', description: 'Falls at night', level: 'high' }],
    controls: [
      { id: 'c1', description: 'Night-time check call', ownerAgencyId: demo.homecare.agencyId, ownerStaffId: demo.homecare.staffId },
      { id: 'c2', description: 'Medication review', ownerAgencyId: demo.ward.agencyId, ownerStaffId: demo.ward.staffId },
    ],
  };
  const plan = await plans.create(demo.coordinator, { participant: { localRef: `HUDDLE-${tag}-C`, displayName: `Demo participant HUDDLE-${tag}-C` }, content });
  await plans.publish(demo.coordinator, plan.planId, {
    baseVersion: 1,
    content: { ...content, crisisTriggers: ['Refuses medication two days running', 'Two missed home care visits in a week'] },
    reason: 'Medication changed after a fall',
    trigger: 'incident',
    acknowledgementRequired: true,
  });
  out(`plan ${plan.planId} version 2: home care and the ward must acknowledge it`);
  const escalations = createEscalationService({ db, temporal: client, taskQueue });
  // Escalations and disputes are raised about a person already in the raiser's care team:
  // the demo puts the county team and home care in it, as a coordinator would.
  for (const ref of [`HUDDLE-${tag}-D`, `HUDDLE-${tag}-E`]) {
    const person = await db.participant.upsert({ where: { localRef: ref }, update: {}, create: { localRef: ref, displayName: `Demo participant ${ref}` } });
    await grantCareTeamNow(db, { participantId: person.id, agencyIds: [demo.coordinator.agencyId, demo.homecare.agencyId], source: 'cli', addedBy: cliActor().actor, reason: 'huddle demo' });
  }
  const escalation = await escalations.raise(demo.coordinator, { participantLocalRef: `HUDDLE-${tag}-D`, riskLevel: 'high', trigger: 'Eviction notice served', description: 'Housing at risk this week' });
  out(`escalation ${escalation.escalationId}: high, the chair acknowledges within the hour`);
  // Raised by the county team, so the county's manager sees it on their roster.
  const dispute = await createDisputeService({ db, temporal: client, taskQueue }).raise(demo.coordinator, {
    participantLocalRef: `HUDDLE-${tag}-E`,
    subject: 'Who arranges transport home',
    description: 'The county team says home care books it; home care says the ward does.',
    outcomeSought: 'Home care books transport for discharges it accepts.',
    step: 'Transport confirmed',
    interimOwnerId: demo.homecare.staffId,
    respondentAgencyIds: [demo.homecare.agencyId],
  });
  out(`dispute ${dispute.disputeId}: stage 1, home care carries on with transport meanwhile`);
  out(`see it: ${baseUrl()}/dashboard (signed in as manager@careloop.test)`);
  // A huddle of the county team now: the roster above, captured, with its plan's risk flag (missed visits).
  const county = await db.agency.findUniqueOrThrow({ where: { id: demo.coordinator.agencyId }, select: { key: true } });
  const huddleId = manualHuddleId(county.key, new Date());
  const input: HuddleInput = { agencyId: demo.coordinator.agencyId, huddleId };
  await client.workflow.start(huddleWorkflow, { taskQueue, workflowId: huddleId, args: [input] }).catch((err: Error) => {
    if (err.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
  });
  out(`huddle ${huddleId}: ${baseUrl()}/huddles/${encodeURIComponent(huddleId)} (signed in as ${DEMO_EMAILS.coordinator}: record who attended and a decision)`);
}
