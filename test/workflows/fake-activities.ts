// Typed fake activities for the unit tier and for recording histories: no database, no SMTP.
// A history records what activities returned, not how, so these are enough for both; the
// calls are kept so a unit test can say what the workflow asked for.
import type { Activities, Commit, EscalationNotice, ProcessEmail, ProcessEvent } from '../../activities';
import type { StaffRef } from '../../domain/sprint';
import type { ResolvedPlanVersion } from '../../domain/plan-steps';
import type { PlanStepsRecord } from '../../activities/plan-steps';
import type { HuddleRecord } from '../../activities/huddle';
import { ESCALATION_POLICY } from '../../domain/escalation';

const staff = (id: string, agencyId: string): StaffRef => ({ id, name: `Staff ${id}`, email: `${id}@example.org`, agencyId });

export interface FakeActivityLog {
  /** Every audit event the workflow committed, in the order the activities ran. */
  events: ProcessEvent[];
  /** Every email the workflow asked to send. */
  emails: ProcessEmail[];
  /** Every escalation notice held for a grouped email, and the batches asked to be sent. */
  notices: EscalationNotice[];
  batchesSent: string[];
  revocations: NonNullable<Commit['revoke']>;
  /** Activity names in the order they were called. */
  calls: string[];
  /** The plan versions resolvePlanVersion answers with, by number (set by the test). */
  planVersions: Map<number, ResolvedPlanVersion>;
  /** Every write of the plan's steps (rows, events, links ended). */
  planStepRecords: PlanStepsRecord[];
  /** Every write of a huddle's record (status, attendance, decisions, links ended). */
  huddleRecords: HuddleRecord[];
}

export function createFakeActivities(overrides: Partial<Activities> = {}): { activities: Activities; log: FakeActivityLog } {
  const log: FakeActivityLog = { events: [], emails: [], notices: [], batchesSent: [], revocations: [], calls: [], planVersions: new Map(), planStepRecords: [], huddleRecords: [] };
  const commit = (name: string, c: Commit) => {
    log.calls.push(name);
    // Idempotent like the real ones: a retried commit writes its keyed events once.
    for (const e of c.events ?? []) if (!log.events.some((x) => x.idempotencyKey === e.idempotencyKey)) log.events.push(e);
    log.revocations.push(...(c.revoke ?? []));
  };
  const activities: Activities = {
    async recordEvents(c) {
      commit('recordEvents', c);
    },
    async recordAudit() {
      log.calls.push('recordAudit');
      return { seq: 1, hash: 'f'.repeat(64) };
    },
    async notify(input) {
      commit('notify', input);
      log.emails.push(...input.emails);
      return { sent: input.emails.length };
    },
    // Each notice its own batch, due when its hold (capped at the five-minute window) ends.
    async holdEscalationNotices(input) {
      commit('holdEscalationNotices', input);
      const fresh = input.notices.filter((n) => !log.notices.some((x) => x.key === n.key));
      log.notices.push(...fresh);
      return { batches: input.notices.map((n) => ({ id: n.key, sendAt: new Date(input.now + Math.min(n.holdAtMostMs, 5 * 60_000)).toISOString() })) };
    },
    async sendNoticeBatch(input) {
      log.calls.push('sendNoticeBatch');
      const first = !log.batchesSent.includes(input.batchId);
      if (first) log.batchesSent.push(input.batchId);
      return { sent: first };
    },
    async startSprint(input) {
      commit('startSprint', input);
      log.emails.push(...input.emails);
      return { sent: input.emails.length };
    },
    async recordSprintOutcome(input) {
      commit('recordSprintOutcome', input);
      return { firstContactMinutes: 30, tasksOnTime: input.tasks.filter((t) => t.status === 'completed').length };
    },
    async recordPlanAcknowledgement(input) {
      commit('recordPlanAcknowledgement', input);
    },
    async findEscalationPeople(input) {
      log.calls.push('findEscalationPeople');
      const chair = input.tier.chairRole === 'manager' ? staff('manager', 'county') : (input.preferredChair ?? staff('coordinator', 'county'));
      return { chair, responders: input.named };
    },
    async recordEscalation(input) {
      commit('recordEscalation', input);
    },
    async findDisputeRepresentatives(input) {
      log.calls.push('findDisputeRepresentatives');
      if (input.governance) return [staff('governance', 'county')];
      return input.agencyIds.map((agencyId) => ({ id: `${input.roles[0]}-${agencyId}`, name: `Staff ${agencyId}`, email: `${agencyId}@example.org`, agencyId }));
    },
    async recordDispute(input) {
      commit('recordDispute', input);
    },
    // The working agreement in force: careloop's defaults, unless a test overrides it.
    async escalationPolicyInForce() {
      log.calls.push('escalationPolicyInForce');
      return ESCALATION_POLICY;
    },
    // A plan's version: its actions and agencies come from the test (`planVersions`), else none.
    async resolvePlanVersion(input) {
      log.calls.push('resolvePlanVersion');
      return log.planVersions.get(input.version) ?? { version: input.version, trigger: 'other', reason: 'created', publishedBy: { staffId: 'coordinator', name: 'Staff coordinator' }, participantRef: 'P-1', planHolder: staff('coordinator', 'county'), actions: [], agencies: [] };
    },
    async recordPlanSteps(input) {
      commit('recordPlanSteps', input);
      log.planStepRecords.push(input);
    },
    // A huddle of the agency's coordinator and manager, with two people on its roster.
    async prepareHuddle(input) {
      commit('prepareHuddle', input);
      return { agencyName: `Agency ${input.agencyId}`, invited: [staff('coordinator', input.agencyId), staff('manager', input.agencyId)], rosterRows: 2 };
    },
    async recordHuddle(input) {
      commit('recordHuddle', input);
      log.huddleRecords.push(input);
    },
    // The weekly digest: two people chose it; the first owes something, the second nothing.
    async digestRecipients() {
      log.calls.push('digestRecipients');
      return ['homecare', 'housing'];
    },
    async sendWeeklyDigest(input) {
      log.calls.push(`sendWeeklyDigest:${input.staffId}`);
      return input.staffId === 'homecare' ? { outcome: 'sent', items: 2 } : { outcome: 'nothing-open', items: 0 };
    },
    ...overrides,
  };
  return { activities, log };
}
