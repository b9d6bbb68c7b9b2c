// The daily huddle (seed 001, Operational Example 1), one workflow per huddle, started by the
// agency's Temporal Schedule at its time (or by hand):
// - It captures the agency's roster as it stands, riskiest first, and tells the agency's
//   coordinators and managers the huddle is ready, with its page.
// - While notes are open (until someone finishes the huddle, or DEFAULT_NOTES_OPEN_MS) the page
//   records who attended and each decision: what was decided, about whom, who owns it, when
//   follow-up is due.
// - Each decision is an owned step: its owner is emailed a link to record it done, reminded
//   before follow-up is due, and past it told again while an escalation is raised in the agency.
// The huddle closes once its notes are closed and every decision has been recorded done or not
// done.
import { defineQuery, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ProcessEmail, ProcessEvent } from '../activities';
import type { HuddleRecord } from '../activities/huddle';
import type { HuddleEmailKind } from '../domain/emails/huddle';
import { childEscalationId } from '../domain/escalation';
import { withinDeadline } from '../domain/on-time';
import type { Actor, StaffRef } from '../domain/sprint';
import {
  DEFAULT_NOTES_OPEN_MS,
  decisionRemindAt,
  isDecisionOpen,
  OVERDUE_DECISION_RISK,
  type HuddleAttendee,
  type HuddleDecisionState,
  type HuddleInput,
  type HuddleState,
} from '../domain/huddle';
import { workflowNow, workflowNowIso } from './clock';
import { answerLiveState, endEscalationCause, local, processContext, raiseEscalation, reject, requireText, superviseSteps, type EventSpec, type OwnedStep } from './kit';

// Message names are part of the stored history: never rename them.
export interface HuddleActionBase {
  actor: Actor;
}
export interface HuddleDecisionInput extends HuddleActionBase {
  participant: { id: string; localRef: string };
  text: string;
  owner: StaffRef;
  /** When follow-up is due (ISO instant). */
  dueAt: string;
  /** Who recorded it, as a staff member: chairs the escalation if follow-up is missed, when they hold the tier's chair role. */
  decider?: StaffRef;
}
export const recordHuddleAttendanceUpdate = defineUpdate<HuddleState, [HuddleActionBase & { attendees: StaffRef[] }]>('recordHuddleAttendance');
export const addHuddleDecisionUpdate = defineUpdate<HuddleDecisionState, [HuddleDecisionInput]>('addHuddleDecision');
export const endHuddleDecisionUpdate = defineUpdate<HuddleDecisionState, [HuddleActionBase & { decisionKey: string; outcome: 'done' | 'not-done'; note?: string; actsForHuddle?: boolean }]>('endHuddleDecision');
export const finishHuddleUpdate = defineUpdate<HuddleState, [HuddleActionBase]>('finishHuddle');
export const huddleStateQuery = defineQuery<HuddleState>('huddleState');

/** ApplicationFailure types the API maps to HTTP statuses (api/huddles/service.ts). */
export const HuddleRejection = {
  preparing: 'HuddlePreparing',
  notesClosed: 'HuddleNotesClosed',
  unknownDecision: 'UnknownHuddleDecision',
  decisionEnded: 'HuddleDecisionEnded',
  notOwner: 'NotHuddleDecisionOwner',
} as const;

/** Set by Temporal on a workflow a schedule started: the occurrence's scheduled time. */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const isoAt = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** What one change writes and sends. */
interface Change {
  record: Omit<HuddleRecord, 'workflowId' | 'events'>;
  events: ProcessEvent[];
  emails: ProcessEmail[];
}

export async function huddleWorkflow(input: HuddleInput): Promise<HuddleState> {
  const info = workflowInfo();
  // Escalations are named from the huddle's business id, never the workflow id: a recorded
  // history replays under another. A scheduled huddle's is its schedule's id and the
  // occurrence's time, as Temporal names the workflow.
  const scheduledAt = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  const businessId = input.huddleId ?? (input.scheduleId && scheduledAt ? `${input.scheduleId}-${scheduledAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}` : info.workflowId);
  const startedMs = workflowNow();
  const notesCloseMs = startedMs + (input.notesOpenForMs ?? DEFAULT_NOTES_OPEN_MS);
  const state: HuddleState = {
    huddleId: businessId,
    agencyId: input.agencyId,
    agencyName: '',
    status: 'preparing',
    startedAt: isoAt(startedMs)!,
    notesCloseAt: isoAt(notesCloseMs)!,
    rosterRows: 0,
    attendance: [],
    decisions: [],
  };
  // A huddle is about many people: each event names the person its decision is about, or none.
  const ctx = processContext({ process: 'huddle', participantId: '', searchAttributes: () => [] });
  const { workflowId } = ctx;
  const ev = (action: string, spec: EventSpec = {}, participantId?: string): ProcessEvent => ({ ...ctx.event(action, spec), participantId: participantId ?? null });
  const change = (): Change => ({ record: {}, events: [], emails: [] });
  const email = (kind: HuddleEmailKind, to: StaffRef, key: string, d?: HuddleDecisionState): ProcessEmail => ({
    process: 'huddle',
    kind,
    idempotencyKey: ctx.key(key),
    to,
    agencyName: state.agencyName,
    startedAt: state.startedAt,
    ...(d ? { decision: { key: d.key, participantRef: d.participant.localRef, dueAt: d.dueAt } } : { rosterRows: state.rosterRows, rosterProblem: !!state.rosterProblem }),
  });
  /** The change's rows, events and ended links in one write; then its emails. */
  const commit = async (c: Change) => {
    await local.recordHuddle({ workflowId, ...c.record, events: c.events });
    if (c.emails.length) await ctx.notify(c.emails);
  };
  const attendanceRow = (a: HuddleAttendee) => ({ staffId: a.staff.id, invited: a.invited, attended: a.attended, recordedById: a.recordedBy?.staffId, recordedAt: a.recordedAt });

  // -------------------------------------------------------------------------------------------
  // Decisions: each an owned step with one owner, a reminder before follow-up is due, and an
  // escalation once it passes.

  const escalateTo = new Map<string, StaffRef | undefined>();

  const remind = async (d: HuddleDecisionState) => {
    d.reminded = true;
    const c = change();
    c.record.decisions = [d];
    c.events.push(ev('huddle.decision-reminder-sent', { item: d.key, data: { to: d.owner.id } }, d.participant.id));
    c.emails.push(email('decision-reminder', d.owner, `reminder:${d.key}:${d.owner.id}`, d));
    await commit(c);
  };

  const overdue = async (d: HuddleDecisionState) => {
    d.overdue = true;
    const id = childEscalationId(businessId, d.key);
    d.escalationId = id;
    const reason = `The follow-up of a decision from the ${state.agencyName} huddle (owner ${d.owner.name}) passed its due time without being recorded as done`;
    const escalation = raiseEscalation({
      escalationId: id,
      participant: d.participant,
      riskLevel: OVERDUE_DECISION_RISK,
      trigger: 'Huddle decision overdue',
      description: reason,
      source: { process: 'huddle', workflowId, item: d.key },
      agencyId: state.agencyId,
      involvedAgencyIds: [...new Set([state.agencyId, d.owner.agencyId])],
      preferredChair: escalateTo.get(d.key),
      responders: [d.owner],
    });
    const c = change();
    c.record.decisions = [d];
    c.events.push(ev('huddle.decision-overdue', { item: d.key, data: { owner: d.owner.id } }, d.participant.id), ev('escalation.raised', { item: d.key, reason, data: { escalationId: id } }, d.participant.id));
    c.emails.push(email('decision-overdue', d.owner, `overdue:${d.key}:${d.owner.id}`, d));
    await Promise.all([escalation, commit(c)]);
  };

  const stepOf = (d: HuddleDecisionState): OwnedStep => ({
    ended: () => !isDecisionOpen(d),
    remindAt: () => (d.reminded || !d.remindAt ? undefined : Date.parse(d.remindAt)),
    dueAt: () => (d.overdue ? undefined : Date.parse(d.dueAt)),
    onReminder: () => remind(d),
    onOverdue: () => overdue(d),
  });

  // Notes close at their time unless someone finishes the huddle first: a step with no owner.
  const closeNotes = async (by?: Actor) => {
    if (state.status !== 'open') return;
    const open = state.decisions.filter(isDecisionOpen).length;
    Object.assign(state, { status: 'following-up', notesClosedAt: workflowNowIso(), notesClosedBy: by });
    const c = change();
    // With nothing left to follow up the huddle closes straight after: its record goes from open to closed.
    c.record = { ...(open ? { status: 'following-up' as const } : {}), notesClosedAt: state.notesClosedAt };
    c.events.push(ev('huddle.notes-closed', { actor: by, reason: by ? undefined : 'the notes closed at their time', data: { decisionsOpen: open } }));
    await commit(c);
  };
  const steps: OwnedStep[] = [{ ended: () => state.status !== 'open', dueAt: () => notesCloseMs, onOverdue: () => closeNotes() }];

  // -------------------------------------------------------------------------------------------
  // Messages

  answerLiveState(huddleStateQuery, state);
  const takingNotes = () => {
    if (state.status === 'preparing') reject(HuddleRejection.preparing, 'The huddle is still being prepared: try again in a moment.');
    if (state.status !== 'open') reject(HuddleRejection.notesClosed, `Notes for this huddle were closed${state.notesClosedBy ? ` by ${state.notesClosedBy.name}` : ''}: attendance and decisions can no longer change.`);
  };

  setHandler(
    recordHuddleAttendanceUpdate,
    async (m) => {
      const at = workflowNowIso();
      const wanted = new Set(m.attendees.map((s) => s.id));
      const changed: HuddleAttendee[] = [];
      for (const a of state.attendance) {
        if (a.attended === wanted.has(a.staff.id)) continue;
        Object.assign(a, { attended: wanted.has(a.staff.id), recordedBy: m.actor, recordedAt: at });
        changed.push(a);
      }
      for (const s of m.attendees) {
        if (state.attendance.some((a) => a.staff.id === s.id)) continue;
        const a: HuddleAttendee = { staff: s, invited: false, attended: true, recordedBy: m.actor, recordedAt: at };
        state.attendance.push(a);
        changed.push(a);
      }
      if (!changed.length) return state;
      const c = change();
      c.record.attendance = changed.map(attendanceRow);
      c.events.push(ev('huddle.attendance-recorded', { actor: m.actor, data: { attended: [...wanted], changed: changed.map((a) => ({ staffId: a.staff.id, attended: a.attended, invited: a.invited })) } }));
      await commit(c);
      return state;
    },
    { validator: (_m) => takingNotes() },
  );

  setHandler(
    addHuddleDecisionUpdate,
    async (m) => {
      const nowMs = workflowNow();
      const number = state.decisions.length + 1;
      const d: HuddleDecisionState = {
        key: `decision-${number}`,
        number,
        participant: m.participant,
        text: m.text.trim(),
        owner: m.owner,
        dueAt: m.dueAt,
        decidedAt: isoAt(nowMs)!,
        decidedBy: m.actor,
        remindAt: isoAt(decisionRemindAt(nowMs, Date.parse(m.dueAt))),
        status: 'open',
        reminded: false,
        overdue: false,
      };
      state.decisions.push(d);
      escalateTo.set(d.key, m.decider);
      steps.push(stepOf(d));
      const c = change();
      c.record.decisions = [d];
      c.events.push(ev('huddle.decision-recorded', { item: d.key, actor: m.actor, data: { owner: d.owner.id, dueAt: d.dueAt } }, d.participant.id));
      c.emails.push(email('decision-assigned', d.owner, `assigned:${d.key}:${d.owner.id}`, d));
      await commit(c);
      return d;
    },
    {
      validator: (m) => {
        takingNotes();
        requireText(m.text, 'Say what was decided.');
        if (!m.participant?.id) reject('InvalidInput', 'Say whom the decision is about.');
        if (!m.owner?.id) reject('InvalidInput', 'Choose who owns the decision.');
        const due = Date.parse(m.dueAt);
        if (Number.isNaN(due) || due <= workflowNow()) reject('InvalidInput', 'The follow-up must be due after now.');
      },
    },
  );

  const decisionOf = (key: string) => state.decisions.find((d) => d.key === key) ?? reject(HuddleRejection.unknownDecision, 'This huddle has no such decision.');
  setHandler(
    endHuddleDecisionUpdate,
    async (m) => {
      const d = decisionOf(m.decisionKey);
      const at = workflowNowIso();
      const note = m.note?.trim() || undefined;
      Object.assign(d, { status: m.outcome, endedAt: at, endedBy: m.actor, note, onTime: m.outcome === 'done' && withinDeadline(at, d.dueAt) });
      const words = m.outcome === 'done' ? `was recorded as done by ${m.actor.name}` : `was recorded as not done by ${m.actor.name}: ${note ?? ''}`;
      if (d.escalationId) void ctx.inFlight(() => endEscalationCause(d.escalationId!, `the huddle decision ${words}`));
      const c = change();
      c.record = { decisions: [d], endDecisionLinks: [d.key] };
      c.events.push(ev(m.outcome === 'done' ? 'huddle.decision-done' : 'huddle.decision-not-done', { item: d.key, actor: m.actor, reason: note, data: { onTime: d.onTime, wasOverdue: d.overdue } }, d.participant.id));
      await commit(c);
      return d;
    },
    {
      validator: (m) => {
        if (state.status === 'preparing') reject(HuddleRejection.preparing, 'The huddle is still being prepared: try again in a moment.');
        const d = decisionOf(m.decisionKey);
        if (!isDecisionOpen(d)) reject(HuddleRejection.decisionEnded, `This decision was already recorded as ${d.status === 'done' ? 'done' : 'not done'}${d.endedBy ? ` by ${d.endedBy.name}` : ''}.`);
        if (!m.actsForHuddle && m.actor.staffId !== d.owner.id) reject(HuddleRejection.notOwner, `This decision is ${d.owner.name}'s; only they, or a coordinator or manager of the huddle's agency, may record it.`);
        if (m.outcome === 'not-done') requireText(m.note, 'Say why it was not done.');
      },
    },
  );

  setHandler(
    finishHuddleUpdate,
    async (m) => {
      await closeNotes(m.actor);
      return state;
    },
    { validator: (_m) => takingNotes() },
  );

  // -------------------------------------------------------------------------------------------
  // The huddle: prepared, announced, its notes taken and its decisions followed up.

  const prepared = await local.prepareHuddle({
    workflowId,
    agencyId: input.agencyId,
    scheduleId: input.scheduleId,
    startedAt: state.startedAt,
    notesCloseAt: state.notesCloseAt,
    events: [ev('huddle.started', { data: { scheduleId: input.scheduleId ?? null, notesCloseAt: state.notesCloseAt } })],
  });
  Object.assign(state, {
    agencyName: prepared.agencyName,
    rosterRows: prepared.rosterRows,
    rosterProblem: prepared.rosterProblem,
    status: 'open',
    attendance: prepared.invited.map((staff): HuddleAttendee => ({ staff, invited: true, attended: false })),
  });
  const ready = change();
  ready.events.push(ev('huddle.prepared', { data: { rosterRows: prepared.rosterRows, rosterRead: !prepared.rosterProblem, invited: prepared.invited.map((s) => s.id) } }));
  ready.emails.push(...prepared.invited.map((to) => email('huddle-ready', to, `ready:${to.id}`)));
  await commit(ready);

  await superviseSteps(steps, { until: () => state.status !== 'open' && !state.decisions.some(isDecisionOpen), inFlight: ctx.inFlight });
  // Whatever handlers and reminders started finish first.
  await ctx.settled();
  Object.assign(state, { status: 'closed', closedAt: workflowNowIso() });
  const done = state.decisions.filter((d) => d.status === 'done').length;
  await local.recordHuddle({
    workflowId,
    status: 'closed',
    closedAt: state.closedAt,
    events: [ev('huddle.closed', { data: { attended: state.attendance.filter((a) => a.attended).length, decisions: state.decisions.length, done, onTime: state.decisions.filter((d) => d.onTime).length } })],
  });
  return state;
}
