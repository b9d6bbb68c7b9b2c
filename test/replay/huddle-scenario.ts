// The huddle's path for replay (record-histories.ts saves its history): prepared and announced,
// attendance with someone from another agency, two decisions, one done on time by its owner, the
// notes finished, the other's follow-up missed (reminded, then escalated), then done late for its
// owner; the huddle closes. Driven through the workflow's own messages on a time-skipping server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { childEscalationId } from '../../domain/escalation';
import { HOUR_MS, type Actor, type StaffRef } from '../../domain/sprint';
import { addHuddleDecisionUpdate, endHuddleDecisionUpdate, finishHuddleUpdate, huddleStateQuery, huddleWorkflow, recordHuddleAttendanceUpdate } from '../../workflows/huddle';

const staff = (id: string, agencyId: string): StaffRef => ({ id, name: `Staff ${id}`, email: `${id}@example.org`, agencyId });
const coordinator = staff('coordinator', 'county');
const homecare = staff('homecare', 'homecare');
const hospital = staff('hospital', 'hospital');
const by = (s: StaffRef): Actor => ({ staffId: s.id, name: s.name, channel: 'web' });

export async function runHuddle(env: TestWorkflowEnvironment, taskQueue: string, huddleId: string): Promise<void> {
  const h = await env.client.workflow.start(huddleWorkflow, { taskQueue, workflowId: huddleId, args: [{ agencyId: 'county', huddleId, notesOpenForMs: 2 * HOUR_MS }] });
  while ((await h.query(huddleStateQuery)).status !== 'open') await new Promise((r) => setTimeout(r, 50));
  const at = async (ms: number) => new Date((await env.currentTimeMs()) + ms).toISOString();
  const person = { id: 'participant-1', localRef: 'P-1' };
  await h.executeUpdate(recordHuddleAttendanceUpdate, { args: [{ actor: by(coordinator), attendees: [coordinator, homecare] }] });
  await h.executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: by(coordinator), participant: person, text: 'Call the landlord', owner: homecare, dueAt: await at(6 * HOUR_MS), decider: coordinator }] });
  await h.executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: by(coordinator), participant: person, text: 'Medication review booked', owner: hospital, dueAt: await at(48 * HOUR_MS), decider: coordinator }] });
  await h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(hospital), decisionKey: 'decision-2', outcome: 'done', note: 'Booked for Friday' }] });
  await h.executeUpdate(finishHuddleUpdate, { args: [{ actor: by(coordinator) }] });
  // Past the first decision's reminder (3 h) and follow-up (6 h), clear of every timer (temporalio/sdk-java#3088).
  await env.sleep(7 * HOUR_MS + HOUR_MS / 3);
  await h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(coordinator), decisionKey: 'decision-1', outcome: 'done', actsForHuddle: true }] });
  await h.result();
  // The escalation outlives the huddle: it ends here, so its timers hold up no later recording.
  await env.client.workflow
    .getHandle(childEscalationId(huddleId, 'decision-1'))
    .terminate('replay recording over')
    .catch(() => undefined);
}
