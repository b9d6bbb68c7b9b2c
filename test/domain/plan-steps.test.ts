// The plan's own steps as pure rules: when owners are reminded, what the roster reads, how a reply
// to a plan-step email is read, and the evidence figures ("proof the plan drove actions").
import { describe, expect, it } from 'vitest';
import { planIdOfStepsWorkflow, planStepsNextAction, planStepsOverdueCount, planStepsStatus, planStepsWorkflowId, remindAtFor, triggersInWords, type PlanStepsState } from '../../domain/plan-steps';
import { parsePlanActionReply, updateTextOfReply } from '../../domain/plan-steps-replies';
import { planActionFigures, rapidReviewFigures } from '../../domain/evidence';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const staff = (id: string) => ({ id, name: `Staff ${id}`, email: `${id}@example.org`, agencyId: `agency-${id}` });

describe('plan steps: reminders and what the roster reads', () => {
  it('reminds a day before the deadline, or half-way when the window is shorter; never at the start', () => {
    expect(remindAtFor(0, 72 * HOUR)).toBe(48 * HOUR);
    expect(remindAtFor(0, 10 * DAY)).toBe(9 * DAY);
    expect(remindAtFor(0, 2 * 60_000)).toBe(60_000);
    expect(remindAtFor(10, 10)).toBeUndefined();
  });

  it('names the workflow after the plan and reads the plan back from it', () => {
    expect(planStepsWorkflowId('cmabc')).toBe('plan-cmabc-steps');
    expect(planIdOfStepsWorkflow('plan-cmabc-steps')).toBe('cmabc');
    expect(planIdOfStepsWorkflow('plan-cmabc-v2')).toBeUndefined();
    expect(triggersInWords(['hospital_discharge', 'incident', 'hospital_discharge'])).toBe('a hospital discharge and an incident');
  });

  it('puts the open step due first next, counts the overdue ones, and says whether anything is open', () => {
    const base: PlanStepsState = { planId: 'p', participant: { id: 'x', localRef: 'P-1' }, version: 2, actions: [], reviews: 0, agencies: [] };
    expect(planStepsStatus(base)).toBe('nothing-open');
    expect(planStepsNextAction(base)).toBeUndefined();
    const action = (controlId: string, dueAt: string, over: object = {}) => ({ controlId, description: `Action ${controlId}`, owner: staff('owner'), ownerAgencyId: 'agency-owner', dueDate: dueAt.slice(0, 10), dueAt, key: `action-${controlId}-v1`, fromVersion: 1, inVersion: 2, status: 'open' as const, startedAt: '2026-11-01T00:00:00Z', reminded: false, overdue: false, ...over });
    const s: PlanStepsState = {
      ...base,
      actions: [action('c1', '2026-12-10T00:00:00Z'), action('c2', '2026-12-02T00:00:00Z', { overdue: true }), action('c3', '2026-11-01T00:00:00Z', { status: 'done' })],
      review: { key: 'review-1', number: 1, owner: staff('holder'), triggers: [{ trigger: 'incident', at: '2026-11-30T00:00:00Z' }], startedAt: '2026-11-30T00:00:00Z', dueAt: '2026-12-03T00:00:00Z', status: 'open', reminded: false, overdue: false, requests: [] },
    };
    expect(planStepsStatus(s)).toBe('rapid-review');
    expect(planStepsOverdueCount(s)).toBe(1);
    expect(planStepsNextAction(s)).toEqual({ action: 'Plan action: Action c2', ownerId: 'owner', dueAt: '2026-12-02T00:00:00Z' });
    expect(planStepsStatus({ ...s, review: { ...s.review!, status: 'no-change' } })).toBe('actions-open');
  });
});

describe('plan steps: replies', () => {
  it('reads "done" (with a note) and "not done: <why>" on the first line of the person\'s own text', () => {
    expect(parsePlanActionReply('Done')).toEqual({ command: { type: 'done' } });
    expect(parsePlanActionReply('Hi Casey,\n\ndone - booked for Friday\n\nThanks\nWren')).toEqual({ command: { type: 'done', note: 'booked for Friday' } });
    expect(parsePlanActionReply('not done: the person was in hospital\n> done')).toEqual({ command: { type: 'not-done', reason: 'the person was in hospital' } });
    expect(parsePlanActionReply('Not-done - family cancelled')).toEqual({ command: { type: 'not-done', reason: 'family cancelled' } });
  });

  it('asks for the why, refuses other words, and never reads the quoted email', () => {
    expect(parsePlanActionReply('not done')).toMatchObject({ problem: expect.stringContaining('Say why it was not done') });
    expect(parsePlanActionReply('not done: <why it was not done>')).toMatchObject({ problem: expect.stringContaining('Say why') });
    expect(parsePlanActionReply('will do it tomorrow')).toMatchObject({ problem: 'Write "done", or "not done: <why>", on the first line.', line: 'will do it tomorrow' });
    expect(parsePlanActionReply('On Mon, 30 Nov 2026 at 10:00, careloop <c@care.test> wrote:\n> done')).toMatchObject({ problem: 'The reply held no words careloop could read.' });
    // careloop's own email pasted back without quote marks: reading stops there.
    expect(parsePlanActionReply('You own an action in the integrated plan for participant P-1\ndone')).toMatchObject({ problem: expect.any(String) });
  });

  it('takes an update as written, without greeting, sign-off or the email it answers, and bounded', () => {
    expect(updateTextOfReply('Hello Casey,\n\nTwo falls this week.\nOT booked.\n\nKind regards\nWren\n\n> Please send a brief update')).toBe('Two falls this week.\nOT booked.');
    expect(updateTextOfReply('> only quoted text')).toBe('');
    expect(updateTextOfReply('x'.repeat(900) + '\n' + 'y'.repeat(900) + '\n' + 'z'.repeat(900) + '\n' + 'w'.repeat(900) + '\n' + 'v'.repeat(900)).length).toBe(4000);
  });
});

describe('plan steps: evidence figures', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  it('counts the actions due: done on time, late, not done, still open (overdue), and leaves the cancelled out', () => {
    const at = (iso: string) => new Date(iso);
    const f = planActionFigures(
      [
        { status: 'done', onTime: true, dueAt: at('2026-11-10T00:00:00Z') },
        { status: 'done', onTime: true, dueAt: at('2026-11-11T00:00:00Z') },
        { status: 'done', onTime: false, dueAt: at('2026-11-12T00:00:00Z') },
        { status: 'not-done', onTime: false, dueAt: at('2026-11-13T00:00:00Z') },
        { status: 'open', onTime: null, dueAt: at('2026-11-20T00:00:00Z') },
        { status: 'open', onTime: null, dueAt: at('2026-12-20T00:00:00Z') },
        { status: 'cancelled', onTime: false, dueAt: at('2026-11-14T00:00:00Z') },
      ],
      now,
    );
    expect(f).toEqual({ due: 6, doneOnTime: 2, doneLate: 1, notDone: 1, open: 2, overdue: 1, cancelled: 1, onTimeShare: 33.3 });
    expect(planActionFigures([], now)).toMatchObject({ due: 0, onTimeShare: undefined });
  });

  it('counts rapid reviews by trigger and ending, and the updates they asked of agencies', () => {
    const f = rapidReviewFigures(
      [
        { status: 'reviewed', onTime: true, dueAt: new Date('2026-11-05T00:00:00Z'), triggers: ['incident'], updateRequests: [{ status: 'answered', onTime: true }, { status: 'cancelled', onTime: null }] },
        { status: 'no-change', onTime: false, dueAt: new Date('2026-11-08T00:00:00Z'), triggers: ['hospital_discharge', 'safeguarding'], updateRequests: [{ status: 'answered', onTime: false }] },
        { status: 'open', onTime: null, dueAt: new Date('2026-11-29T00:00:00Z'), triggers: ['hospital_discharge'], updateRequests: [] },
      ],
      now,
    );
    expect(f).toEqual({
      started: 3,
      byTrigger: { incident: 1, hospital_discharge: 2, safeguarding: 1 },
      reviewedOnTime: 1,
      reviewedLate: 1,
      byNewVersion: 1,
      noChange: 1,
      open: 1,
      overdue: 1,
      onTimeShare: 33.3,
      updatesAsked: 3,
      updatesSent: 2,
      updatesSentOnTime: 1,
    });
  });
});
