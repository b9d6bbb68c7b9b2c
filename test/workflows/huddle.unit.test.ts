// Unit tier: the huddle on the time-skipping server with typed fake activities (no database, no
// SMTP): prepared and announced, attendance and decisions taken while notes are open, each
// decision reminded and escalated when its follow-up passes, and the huddle closing once its
// notes are closed and every decision recorded.
import { describe, expect, it } from 'vitest';
import { childEscalationId } from '../../domain/escalation';
import { addHuddleDecisionUpdate, endHuddleDecisionUpdate, finishHuddleUpdate, huddleStateQuery, huddleWorkflow, recordHuddleAttendanceUpdate } from '../../workflows';
import { staff } from '../replay/scenarios';
import { actions, failureOf, timeSkippingServer, type UnitRun } from './unit-harness';

const HOUR = 3600_000;
const coordinator = staff('coordinator', 'county');
const manager = staff('manager', 'county');
const homecare = staff('homecare', 'homecare');
const by = (s: { id: string; name: string }) => ({ staffId: s.id, name: s.name, channel: 'web' as const });
const person = { id: 'participant-1', localRef: 'P-1' };

describe('huddle workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();
  let n = 0;
  const start = async (run: UnitRun, notesOpenForMs?: number) => {
    n += 1;
    const huddleId = `huddle-county-unit-${n}`;
    const h = await run.env.client.workflow.start(huddleWorkflow, { taskQueue: run.taskQueue, workflowId: huddleId, args: [{ agencyId: 'county', huddleId, notesOpenForMs }] });
    await expect.poll(async () => (await h.query(huddleStateQuery)).status).toBe('open');
    return h;
  };
  const dueIn = async (ms: number) => new Date((await server.env.currentTimeMs()) + ms).toISOString();
  const kinds = (run: UnitRun) => run.log.emails.flatMap((e) => (e.process === 'huddle' ? [[e.kind, e.to.id]] : []));

  it('tells the coordinators and managers the huddle is ready, then records attendance, decisions and the finish', async () => {
    await server.run(async (run) => {
      const h = await start(run);
      const s = await h.query(huddleStateQuery);
      expect(s).toMatchObject({ agencyName: 'Agency county', rosterRows: 2, attendance: [{ staff: { id: 'coordinator' }, invited: true, attended: false }, { staff: { id: 'manager' }, invited: true, attended: false }] });
      expect(kinds(run)).toEqual([
        ['huddle-ready', 'coordinator'],
        ['huddle-ready', 'manager'],
      ]);

      // The coordinator attended, and someone from home care joined.
      const after = await h.executeUpdate(recordHuddleAttendanceUpdate, { args: [{ actor: by(coordinator), attendees: [coordinator, homecare] }] });
      expect(after.attendance.map((a) => [a.staff.id, a.invited, a.attended])).toEqual([
        ['coordinator', true, true],
        ['manager', true, false],
        ['homecare', false, true],
      ]);
      const d = await h.executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: by(coordinator), participant: person, text: 'Joint visit with home care this week', owner: homecare, dueAt: await dueIn(72 * HOUR), decider: coordinator }] });
      expect(d).toMatchObject({ key: 'decision-1', status: 'open', owner: { id: 'homecare' } });
      // Reminded a day before follow-up is due.
      expect(Date.parse(d.dueAt) - Date.parse(d.remindAt!)).toBe(24 * HOUR);
      expect(kinds(run)).toContainEqual(['decision-assigned', 'homecare']);
      // Follow-up in the past, or no words: refused before anything is written.
      expect((await failureOf(h.executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: by(coordinator), participant: person, text: 'x', owner: homecare, dueAt: await dueIn(-HOUR) }] }))).type).toBe('InvalidInput');
      expect((await failureOf(h.executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: by(coordinator), participant: person, text: ' ', owner: homecare, dueAt: await dueIn(HOUR) }] }))).type).toBe('InvalidInput');

      await h.executeUpdate(finishHuddleUpdate, { args: [{ actor: by(coordinator) }] });
      expect((await h.query(huddleStateQuery)).status).toBe('following-up');
      // Notes are closed: attendance and decisions no longer change.
      expect((await failureOf(h.executeUpdate(recordHuddleAttendanceUpdate, { args: [{ actor: by(coordinator), attendees: [] }] }))).type).toBe('HuddleNotesClosed');
      // Only its owner (or someone acting for the huddle) records the decision; "not done" needs a reason.
      expect((await failureOf(h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(manager), decisionKey: 'decision-1', outcome: 'done' }] }))).type).toBe('NotHuddleDecisionOwner');
      expect((await failureOf(h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(homecare), decisionKey: 'decision-1', outcome: 'not-done' }] }))).type).toBe('InvalidInput');
      const done = await h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(homecare), decisionKey: 'decision-1', outcome: 'done', note: 'Visited Tuesday' }] });
      expect(done).toMatchObject({ status: 'done', onTime: true, note: 'Visited Tuesday' });

      const final = await h.result();
      expect(final).toMatchObject({ status: 'closed', notesClosedBy: { staffId: 'coordinator' } });
      expect(actions(run.log)).toEqual(['huddle.started', 'huddle.prepared', 'huddle.attendance-recorded', 'huddle.decision-recorded', 'huddle.notes-closed', 'huddle.decision-done', 'huddle.closed']);
      // Each decision event names the person it is about; the huddle's own events name nobody.
      expect(run.log.events.find((e) => e.action === 'huddle.decision-recorded')?.participantId).toBe('participant-1');
      expect(run.log.events.find((e) => e.action === 'huddle.prepared')?.participantId).toBeNull();
      // The decision's links stop working once it is recorded.
      expect(run.log.huddleRecords.flatMap((r) => r.endDecisionLinks ?? [])).toEqual(['decision-1']);
      expect(run.log.huddleRecords.at(-1)).toMatchObject({ status: 'closed' });
    });
  });

  it('closes at once when its notes close with nothing to follow up', async () => {
    await server.run(async (run) => {
      const h = await start(run, HOUR);
      // Waiting on the result skips time to the notes' close.
      expect(await h.result()).toMatchObject({ status: 'closed', decisions: [] });
      expect(run.log.huddleRecords.map((r) => r.status).filter(Boolean)).toEqual(['closed']);
    });
  });

  it('reminds the owner, then escalates a missed follow-up in the agency and tells the escalation when it is done late', async () => {
    await server.run(async (run) => {
      const h = await start(run, 2 * HOUR);
      await h.executeUpdate(addHuddleDecisionUpdate, { args: [{ actor: by(coordinator), participant: person, text: 'Call the landlord', owner: homecare, dueAt: await dueIn(6 * HOUR), decider: coordinator }] });
      // Notes close at their time; the decision stays open and is followed up.
      await server.env.sleep(3 * HOUR);
      expect((await h.query(huddleStateQuery)).status).toBe('following-up');
      expect(kinds(run)).toContainEqual(['decision-reminder', 'homecare']);
      await server.env.sleep(4 * HOUR);
      const s = await h.query(huddleStateQuery);
      const escalationId = childEscalationId(s.huddleId, 'decision-1');
      expect(s.decisions[0]).toMatchObject({ overdue: true, escalationId });
      expect(kinds(run)).toContainEqual(['decision-overdue', 'homecare']);
      // The escalation is a child of the huddle, about the decision's person, chaired in the agency.
      const escalation = run.env.client.workflow.getHandle(escalationId);
      const described = await escalation.describe();
      expect(described.type).toBe('escalationWorkflow');
      expect(actions(run.log)).toEqual(expect.arrayContaining(['huddle.decision-reminder-sent', 'huddle.decision-overdue', 'escalation.raised']));

      // Done late: recorded as not on time, and the escalation told its cause ended.
      const late = await h.executeUpdate(endHuddleDecisionUpdate, { args: [{ actor: by(coordinator), decisionKey: 'decision-1', outcome: 'done', actsForHuddle: true }] });
      expect(late).toMatchObject({ status: 'done', onTime: false, overdue: true });
      expect(await h.result()).toMatchObject({ status: 'closed' });
      await expect.poll(async () => run.log.events.some((e) => e.workflowId === escalationId && e.action === 'escalation.cause-resolved')).toBe(true);
      // The escalation outlives its huddle (and this test's worker): it ends with the test. Last in
      // the file: the test server's clock has been seen to stall a while after it.
      await escalation.terminate('the test is over');
    });
  });
});
