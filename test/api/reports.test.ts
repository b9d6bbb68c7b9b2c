// The evidence report: a scripted month of work written to a real PostgreSQL through the same
// activities the workflows call when sprints close, acknowledgements arrive, escalations and
// disputes move; every figure checked against values worked out by hand in the comments.
// No Temporal here: the report reads the care record only (an unreachable client proves it).
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { createSprintActivities } from '../../activities/sprint';
import { createEscalationActivities } from '../../activities/escalation';
import { createDisputeActivities } from '../../activities/dispute';
import { createPlanActivities } from '../../activities/plan';
import { csvSafe, type TimelinessReport } from '../../api/evidence/reports';
import { planSprint, resolveTiming } from '../../domain/sprint-input';
import { sprintWorkflowId, type SprintStatus, type TaskState } from '../../domain/sprint';
import type { EscalationState } from '../../domain/escalation';
import type { DisputeState } from '../../domain/dispute';
import { buildTestApp, createStaff, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { createParticipant, createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';
import { planContent } from '../support/plan-fixture';

const H = 3600_000;
const M = 60_000;
const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();

describe('GET /api/reports/timeliness: every figure against a hand-worked scenario', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let app: Express;
  let people: SprintPeople;
  let admin: { token: string };

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    admin = await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, roles: ['admin'], agencyId: people.coordinator.agencyId });
    // The partnership is in London: report days are London days (BST until 25 October 2026).
    app = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp, timeZone: 'Europe/London' });
    const deps = { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS };
    const sprints = createSprintActivities(deps);
    const escalations = createEscalationActivities(deps);
    const disputes = createDisputeActivities(deps);
    const plans = createPlanActivities(deps);

    // --- Sprints -----------------------------------------------------------------------------
    // Each sprint is recorded as its workflow does: a row at the start, the outcome at close.
    type Ending = Partial<Pick<TaskState, 'status' | 'statusReason' | 'reason' | 'managedHow'>> & { afterMs?: number };
    const sprint = async (dischargeAt: string, status: SprintStatus | 'open', endings: Record<string, Ending>, rest: Ending | undefined) => {
      const participant = await createParticipant(t.db);
      const timing = resolveTiming(undefined);
      if ('problem' in timing) throw new Error('timing');
      const input = planSprint({
        sprintId: sprintWorkflowId(participant.id, new Date(dischargeAt)),
        participant: { id: participant.id, localRef: participant.localRef, displayName: participant.displayName },
        coordinator: people.coordinator,
        requestedBy: people.coordinator,
        dischargeAt: new Date(dischargeAt),
        owners: ownersByDay(people),
        timing,
      });
      await sprints.startSprint({ input, workflowId: input.sprintId, emails: [] });
      if (status === 'open') return participant.localRef;
      const tasks: TaskState[] = input.tasks.map((task) => {
        const e = endings[task.key] ?? rest;
        const base = { ...task, reminded: false, overdue: false, notes: [], status: 'requested' as const };
        if (!e) return base;
        const endedAt = e.afterMs === undefined ? at(dischargeAt, 72 * H) : at(dischargeAt, e.afterMs);
        return { ...base, status: e.status ?? 'completed', statusReason: e.statusReason, reason: e.reason, managedHow: e.managedHow, endedAt, overdue: Date.parse(endedAt) > Date.parse(task.dueAt) };
      });
      await sprints.recordSprintOutcome({ workflowId: input.sprintId, status, closedAt: at(dischargeAt, 72 * H), dischargeAt, tasks });
      return participant.localRef;
    };
    const failed: Ending = { status: 'failed', statusReason: 'not-done-by-close' as TaskState['statusReason'] };

    // S1, 5 Oct: first contact (medication) at +90 min. Of 10 tasks: 1 not applicable, 1 refused,
    // 2 late (immediate risks at +30 h, due +24 h; equipment at +50 h, due +48 h), 6 on time.
    await sprint('2026-10-05T09:00:00Z', 'completed', {
      'medication-reconciled': { afterMs: 90 * M },
      'discharge-summary-received': { afterMs: 20 * H },
      'immediate-risks-reviewed': { afterMs: 30 * H },
      'first-visit-confirmed': { afterMs: 40 * H },
      'transport-confirmed': { afterMs: 10 * H, status: 'rejected', statusReason: 'refused-by-participant', reason: 'Prefers family to drive', managedHow: 'Daughter confirmed she will drive' },
      'home-environment-rechecked': { afterMs: 12 * H, status: 'cancelled', statusReason: 'not-applicable', reason: 'Moved in with daughter' },
    }, { afterMs: 50 * H });
    // S2, 10 Oct: first visit at +300 min (medication later, +8 h), discharge summary +2 h; the
    // other 7 not done by close. Completed with gaps: 3 on time, 7 not done.
    await sprint('2026-10-10T12:00:00Z', 'completed-with-gaps', {
      'first-visit-confirmed': { afterMs: 300 * M },
      'medication-reconciled': { afterMs: 8 * H },
      'discharge-summary-received': { afterMs: 2 * H },
    }, failed);
    // S3, 20 Oct: no first-contact task done; discharge summary on time; services refused (with a
    // spreadsheet-formula-looking reason); 8 not done.
    await sprint('2026-10-20T08:00:00Z', 'completed-with-gaps', {
      'discharge-summary-received': { afterMs: 1 * H },
      'services-active': { afterMs: 60 * H, status: 'rejected', statusReason: 'refused-by-participant', reason: '=Declined day centre place', managedHow: 'Offered a home-based alternative; accepted' },
    }, failed);
    // S4, 25 Oct: still open. S6, 15 Oct: cancelled. S5, 28 Sep: before the period.
    await sprint('2026-10-25T10:00:00Z', 'open', {}, undefined);
    await sprint('2026-10-15T10:00:00Z', 'cancelled', {}, { status: 'cancelled', statusReason: 'sprint-cancelled' as TaskState['statusReason'], afterMs: 5 * H });
    await sprint('2026-09-28T10:00:00Z', 'completed', {}, { afterMs: 1 * H });

    // --- Acknowledgements ----------------------------------------------------------------------
    const participant = await createParticipant(t.db);
    const plan = await t.db.carePlan.create({ data: { participantId: participant.id, planHolderId: people.coordinator.id } });
    const [ackA, ackB, ackC] = [people.hospital, people.homecare, people.housing];
    const version = (number: number, createdAt: string, acknowledgementRequired: boolean) =>
      t.db.planVersion.create({ data: { planId: plan.id, number, authorId: people.coordinator.id, createdAt: new Date(createdAt), reason: 'r', trigger: 'risk_change', content: planContent(people) as object, acknowledgementRequired } });
    const ack = (versionId: string, staffId: string, createdAt: string, afterMin: number, channel: string) =>
      plans.recordPlanAcknowledgement({ versionId, staffId, acknowledgedAt: at(createdAt, afterMin * M), channel, workflowId: `plan-${plan.id}` });
    const v1 = await version(1, '2026-10-02T10:00:00Z', false);
    void v1;
    // v2: 30, 120 and 600 minutes; v3: 45 and 3000 minutes. Sorted 30, 45, 120, 600, 3000.
    const v2 = await version(2, '2026-10-03T10:00:00Z', true);
    await ack(v2.id, ackA.id, '2026-10-03T10:00:00Z', 30, 'link');
    await ack(v2.id, ackB.id, '2026-10-03T10:00:00Z', 120, 'email-reply');
    await ack(v2.id, ackC.id, '2026-10-03T10:00:00Z', 600, 'api');
    // A second acknowledgement by the same person changes nothing.
    await ack(v2.id, ackA.id, '2026-10-03T10:00:00Z', 900, 'api');
    const v3 = await version(3, '2026-10-12T09:00:00Z', true);
    await ack(v3.id, ackA.id, '2026-10-12T09:00:00Z', 45, 'link');
    await ack(v3.id, ackB.id, '2026-10-12T09:00:00Z', 3000, 'link');
    // After the period (1 Nov, 00:30 London): not counted.
    const v4 = await version(4, '2026-11-01T00:30:00Z', true);
    await ack(v4.id, ackA.id, '2026-11-01T00:30:00Z', 5, 'link');

    // --- Escalations -----------------------------------------------------------------------------
    const escalation = async (id: string, raisedAt: string, riskLevel: EscalationState['riskLevel'], s: { status: EscalationState['status']; promotions?: number; ack?: boolean; respond?: boolean; resolve?: boolean; resolvedBy?: 'chair' | 'cause' }) => {
      const chair = { id: people.manager.id, name: people.manager.name, email: people.manager.email, agencyId: people.manager.agencyId };
      const step = (onTime: boolean | undefined) => (onTime === undefined ? undefined : { at: raisedAt, by: { staffId: chair.id, name: chair.name, channel: 'api' as const }, onTime, tier: riskLevel });
      const tier = { tier: riskLevel, chair, enteredAt: raisedAt, acknowledgeDueAt: raisedAt, respondDueAt: raisedAt, entry: 'raised' as const };
      const state = {
        escalationId: id, policyVersion: 'test', participant: { id: participant.id, localRef: participant.localRef }, riskLevel, trigger: 't', description: 'd',
        source: { process: 'manual' }, raisedAt, agencyId: chair.agencyId, status: s.status, tier: riskLevel, chair, responders: [], acknowledgeDueAt: raisedAt, respondDueAt: raisedAt,
        overdueAtTopTier: false, tiers: Array.from({ length: 1 + (s.promotions ?? 0) }, () => tier),
        acknowledgement: step(s.ack), response: s.respond === undefined ? undefined : { ...step(s.respond)!, action: 'a' }, outcome: s.resolve === undefined ? undefined : { ...step(s.resolve)!, outcome: 'o' }, resolvedBy: s.resolvedBy,
      } as unknown as EscalationState;
      await escalations.recordEscalation({ workflowId: `escalation-${id}-${randomUUID()}`, state });
    };
    // Within timeframe: E1 and E5 (resolved, never promoted, every step on time).
    await escalation('e1', '2026-10-04T10:00:00Z', 'moderate', { status: 'resolved', ack: true, respond: true, resolve: true });
    await escalation('e2', '2026-10-06T10:00:00Z', 'moderate', { status: 'resolved', promotions: 1, ack: true, respond: true, resolve: true });
    // E3 resolved itself once its cause ended and the grace period passed; the others by their chair.
    await escalation('e3', '2026-10-07T10:00:00Z', 'high', { status: 'resolved', ack: true, respond: false, resolve: false, resolvedBy: 'cause' });
    await escalation('e4', '2026-10-08T10:00:00Z', 'acute', { status: 'acknowledged', ack: true });
    // 23:30 UTC on 30 Sep is 00:30 on 1 Oct in London: inside the period.
    await escalation('e5', '2026-09-30T23:30:00Z', 'low', { status: 'resolved', ack: true, respond: true, resolve: true });
    // 22:30 UTC on 30 Sep is 23:30 on 30 Sep in London: outside.
    await escalation('e6', '2026-09-30T22:30:00Z', 'low', { status: 'resolved', ack: true, respond: true, resolve: true });

    // --- Disputes --------------------------------------------------------------------------------
    const dispute = async (startedAt: string, status: DisputeState['status'], stage: 1 | 2 | 3, workingDaysToClose?: number) => {
      const state = {
        disputeId: randomUUID(), participant: { id: participant.id, localRef: participant.localRef }, raisedBy: people.coordinator, interimOwner: people.homecare,
        partyAgencyIds: [people.coordinator.agencyId, people.homecare.agencyId], agreementVersion: 'test', status, stage, startedAt, stages: [],
        outcome: status === 'open' ? undefined : { status, stageReached: stage, at: startedAt, msToClose: 0, workingDaysToClose: workingDaysToClose! },
      } as unknown as DisputeState;
      await disputes.recordDispute({ workflowId: `dispute-${state.disputeId}`, state });
    };
    // Working days to close 2, 5, 12, 1: sorted 1, 2, 5, 12, median 3.5.
    await dispute('2026-10-02T10:00:00Z', 'resolved', 1, 2);
    await dispute('2026-10-09T10:00:00Z', 'resolved', 2, 5);
    await dispute('2026-10-13T10:00:00Z', 'decided', 3, 12);
    await dispute('2026-10-19T10:00:00Z', 'withdrawn', 1, 1);
    await dispute('2026-10-26T10:00:00Z', 'open', 2);
  });
  afterAll(async () => {
    await t?.drop();
    await smtp?.stop();
  });

  const get = (who: { token: string }, query: string) => request(app).get(`/api/reports/timeliness${query}`).set('Authorization', `Bearer ${who.token}`);
  const OCTOBER = '?from=2026-10-01&to=2026-10-31';

  it('reports October as worked out by hand', async () => {
    const res = await get(people.manager, OCTOBER);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body as TimelinessReport;
    // London midnight to London midnight: BST (+01:00) at the start, GMT after 25 October.
    expect(r.period).toEqual({ from: '2026-09-30T23:00:00.000Z', to: '2026-11-01T00:00:00.000Z', timeZone: 'Europe/London' });
    expect(r.scope).toEqual({ agencyId: people.manager.agencyId });
    // S1-S4 and S6 were discharged in October; S4 is open, S6 cancelled, S1-S3 closed.
    expect(r.sprints).toEqual({ discharged: 5, open: 1, cancelled: 1, closed: 3 });
    // First contact 90 (S1) and 300 (S2) minutes, none in S3: median (90 + 300) / 2 = 195;
    // nearest-rank 90th percentile of two values is the 2nd: 300.
    expect(r.firstContact).toEqual({ sprintsClosed: 3, withContact: 2, withoutContact: 1, medianMinutes: 195, p90Minutes: 300 });
    // 30 tasks, 1 not applicable: 29 applicable; on time 6 + 3 + 1 = 10; late 2; refused 2;
    // not done 0 + 7 + 8 = 15. 10 / 29 = 34.48% -> 34.5.
    expect(r.sprintTasks).toEqual({ tasks: 30, notApplicable: 1, applicable: 29, doneOnTime: 10, doneLate: 2, refused: 2, notDone: 15, onTimeShare: 34.5 });
    // 30, 45, 120, 600, 3000 minutes: median 120; 90th percentile rank ceil(4.5) = 5th: 3000.
    expect(r.acknowledgements).toEqual({ versionsRequiringAcknowledgement: 2, acknowledged: 5, medianMinutes: 120, p90Minutes: 3000, byChannel: { link: 3, 'email-reply': 1, api: 1 } });
    // E1-E5: 4 resolved (E1, E2, E5 by their chair, E3 by its cause), E4 not resolved, E2 promoted;
    // within timeframe E1 and E5: 2 of the 3 the chair resolved = 66.7%.
    expect(r.escalations).toEqual({
      raised: 5,
      open: 1,
      resolved: 4,
      resolvedByChair: 3,
      resolvedByCause: 1,
      notResolved: 1,
      promoted: 1,
      withinTimeframe: 2,
      withinTimeframeShare: 66.7,
      byTier: {
        low: { raised: 1, resolved: 1, resolvedByChair: 1, resolvedByCause: 0, notResolved: 0, withinTimeframe: 1, acknowledgedOnTime: 1, respondedOnTime: 1, resolvedOnTime: 1 },
        moderate: { raised: 2, resolved: 2, resolvedByChair: 2, resolvedByCause: 0, notResolved: 0, withinTimeframe: 1, acknowledgedOnTime: 2, respondedOnTime: 2, resolvedOnTime: 2 },
        high: { raised: 1, resolved: 1, resolvedByChair: 0, resolvedByCause: 1, notResolved: 0, withinTimeframe: 0, acknowledgedOnTime: 1, respondedOnTime: 0, resolvedOnTime: 0 },
        acute: { raised: 1, resolved: 0, resolvedByChair: 0, resolvedByCause: 0, notResolved: 1, withinTimeframe: 0, acknowledgedOnTime: 1, respondedOnTime: 0, resolvedOnTime: 0 },
      },
    });
    expect(r.disputes).toEqual({
      raised: 5,
      open: 1,
      byStage: { '1': { resolved: 1, decided: 0, withdrawn: 1, open: 0 }, '2': { resolved: 1, decided: 0, withdrawn: 0, open: 1 }, '3': { resolved: 0, decided: 1, withdrawn: 0, open: 0 } },
      medianWorkingDaysToClose: 3.5,
    });
    expect(r.refusals.map(({ taskKey, reason, managedHow, owner, endedAt }) => ({ taskKey, reason, managedHow, owner, endedAt }))).toEqual([
      { taskKey: 'transport-confirmed', reason: 'Prefers family to drive', managedHow: 'Daughter confirmed she will drive', owner: people.homecare.name, endedAt: '2026-10-05T19:00:00.000Z' },
      { taskKey: 'services-active', reason: '=Declined day centre place', managedHow: 'Offered a home-based alternative; accepted', owner: people.housing.name, endedAt: '2026-10-22T20:00:00.000Z' },
    ]);
  });

  it('gives the same figures as CSV, and the refusals as a CSV of their own with formulas defused', async () => {
    const json = (await get(people.manager, OCTOBER)).body as TimelinessReport;
    const res = await get(people.manager, `${OCTOBER}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('careloop-timeliness-2026-09-30_2026-11-01.csv');
    const rows = parse(res.text, { columns: true }) as { section: string; measure: string; value: string; unit: string; words: string }[];
    const cell = (section: string, measure: string) => rows.find((row) => row.section === section && row.measure === measure);
    expect(cell('firstContact', 'medianMinutes')).toEqual({ section: 'firstContact', measure: 'medianMinutes', value: '195', unit: 'minutes', words: 'First contact after discharge: median minutes' });
    // Each measure in words too: tiers, stages and channels as careloop names them.
    expect(cell('escalations', 'byTier.high.resolvedByCause')?.words).toBe('Escalations: by tier, high tier, resolved by cause');
    expect(cell('disputes', 'byStage.3.decided')?.words).toBe('Disputes: by stage, stage 3, decided');
    expect(cell('acknowledgements', 'byChannel.email-reply')?.words).toBe('Plan change acknowledgements: by channel, by replying to the email');
    expect(cell('acknowledgements', 'p90Minutes')?.words).toBe('Plan change acknowledgements: 90th percentile minutes');
    expect(cell('sprintTasks', 'onTimeShare')).toMatchObject({ value: '34.5', unit: 'percent' });
    expect(cell('acknowledgements', 'p90Minutes')?.value).toBe('3000');
    expect(cell('escalations', 'byTier.moderate.withinTimeframe')?.value).toBe('1');
    expect([cell('escalations', 'resolvedByChair')?.value, cell('escalations', 'resolvedByCause')?.value, cell('escalations', 'notResolved')?.value]).toEqual(['3', '1', '1']);
    expect(cell('escalations', 'byTier.high.resolvedByCause')?.value).toBe('1');
    expect(cell('disputes', 'byStage.3.decided')?.value).toBe('1');
    expect(cell('disputes', 'medianWorkingDaysToClose')).toMatchObject({ value: '3.5', unit: 'working days' });
    // Every number in the JSON is a row of the CSV: sprints 4, first contact 5, tasks 8,
    // acknowledgements 4 + 3 channels, escalations 9 + 4 tiers of 9, disputes 2 + 3 stages of 4 + 1,
    // the plan's actions 8 and its rapid reviews 11 (none by trigger in this scenario), huddles 15.
    const numbers = rows.filter((row) => !['period', 'scope'].includes(row.section));
    expect(numbers.length).toBe(4 + 5 + 8 + (4 + 3) + (9 + 4 * 9) + (2 + 3 * 4 + 1) + 8 + 11 + 15);
    expect(json.sprints.discharged).toBe(Number(cell('sprints', 'discharged')?.value));

    // Accept: text/csv works too; refusals come as their own table.
    const accept = await request(app).get(`/api/reports/timeliness${OCTOBER}&part=refusals`).set('Authorization', `Bearer ${people.manager.token}`).set('Accept', 'text/csv');
    const refusals = parse(accept.text, { columns: true }) as Record<string, string>[];
    expect(refusals.map((row) => [row.taskKey, row.reason, row.managedHow])).toEqual([
      ['transport-confirmed', 'Prefers family to drive', 'Daughter confirmed she will drive'],
      ['services-active', "'=Declined day centre place", 'Offered a home-based alternative; accepted'],
    ]);
    expect(csvSafe('+1')).toBe("'+1");
    expect(csvSafe('Plain')).toBe('Plain');
  });

  it("limits a manager to their agency's work, lets an admin choose, and answers bad periods with 400", async () => {
    // The outsider's agency took no part in any of it.
    const outsider = await get(people.outsider, OCTOBER);
    expect(outsider.status).toBe(200);
    expect(outsider.body.sprints).toEqual({ discharged: 0, open: 0, cancelled: 0, closed: 0 });
    expect(outsider.body.escalations.raised).toBe(0);
    expect(outsider.body.disputes.raised).toBe(0);
    expect(outsider.body.acknowledgements.acknowledged).toBe(0);
    expect((await get(people.outsider, `${OCTOBER}&agency=${people.manager.agencyId}`)).status).toBe(403);
    const all = await get(admin, OCTOBER);
    expect(all.body.scope).toEqual({ agencyId: null });
    expect(all.body.sprints.discharged).toBe(5);
    expect((await get(people.coordinator, OCTOBER)).status).toBe(403);
    expect((await request(app).get(`/api/reports/timeliness${OCTOBER}`)).status).toBe(401);

    const backwards = await get(people.manager, '?from=2026-10-31&to=2026-10-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.fields).toEqual([{ field: 'from', message: 'must be before to' }]);
    const bad = await get(people.manager, '?from=yesterday&to=2026-13-01&format=xlsx');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['format', 'from', 'to']);
    expect((await get(people.manager, '?from=2020-01-01&to=2026-01-01')).body.error.fields).toEqual([{ field: 'to', message: 'the period may be at most 400 days' }]);
  });
});
