// "Who owes what next" for each process: the one next action, its owner and when it is due.
// Workflows publish it as search attributes whenever their state changes, so the huddle roster
// is answered from Temporal visibility, not by querying every workflow.
// Pure: the workflow bundle imports it.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { DisputeState } from './dispute';
import type { EscalationState } from './escalation';
import type { PlanChangeState } from './plan';
import { CareloopNextAction, CareloopNextDue, CareloopNextOwner } from './search-attributes';
import { isEnded, type SprintState } from './sprint';

export interface NextAction {
  /** What is to be done, in a few words a huddle reads aloud. */
  action: string;
  /** The staff id of the one person who owes it. */
  ownerId: string;
  /** ISO-8601 instant. */
  dueAt: string;
}

/** Keyword values are indexed whole: keep them short. */
const MAX_ACTION_LENGTH = 160;
const short = (s: string) => (s.length > MAX_ACTION_LENGTH ? `${s.slice(0, MAX_ACTION_LENGTH - 1)}…` : s);

/** The open task due first (an overdue one, when there is one): its owner does it next. */
export function sprintNextAction(s: SprintState): NextAction | undefined {
  if (s.status !== 'open') return undefined;
  const open = s.tasks.filter((t) => !isEnded(t)).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  const first = open[0];
  return first && { action: short(`Sprint task: ${first.title}`), ownerId: first.owner.id, dueAt: first.dueAt };
}

/** The first recipient still to acknowledge, by the acknowledgement deadline. */
export function planChangeNextAction(s: PlanChangeState): NextAction | undefined {
  if (s.status !== 'awaiting-acknowledgements' || !s.ackDeadlineAt) return undefined;
  const pending = s.recipients.filter((r) => !r.acknowledgedAt);
  const first = pending[0];
  if (!first) return undefined;
  const others = pending.length > 1 ? ` (and ${pending.length - 1} more)` : '';
  return { action: short(`Acknowledge plan version ${s.version}${others}`), ownerId: first.staff.id, dueAt: s.ackDeadlineAt };
}

/** The chair's next step in the tier in force, by that tier's window. */
export function escalationNextAction(s: EscalationState): NextAction | undefined {
  // Its cause has ended: the chair only confirms the outcome, before it resolves itself.
  if (s.status !== 'resolved' && s.causeGraceEndsAt) return { action: short(`Confirm the outcome of the ${s.tier} escalation`), ownerId: s.chair.id, dueAt: s.causeGraceEndsAt };
  switch (s.status) {
    case 'open':
      return { action: short(`Acknowledge the ${s.tier} escalation`), ownerId: s.chair.id, dueAt: s.acknowledgeDueAt };
    case 'acknowledged':
      return { action: short(`Record the response to the ${s.tier} escalation`), ownerId: s.chair.id, dueAt: s.respondDueAt };
    case 'responded':
      return { action: short(`Record the outcome of the ${s.tier} escalation`), ownerId: s.chair.id, dueAt: s.respondDueAt };
    default:
      return undefined;
  }
}

/**
 * The interim owner carries on with the disputed step while the stage's representatives agree who
 * owns it, by the stage's deadline.
 */
export function disputeNextAction(s: DisputeState): NextAction | undefined {
  const stage = s.stages[s.stages.length - 1];
  if (s.status !== 'open' || !stage) return undefined;
  // The interim owner's progress on the disputed step, while it is open; then the stage's deadline.
  if (s.interimStep?.status === 'open') return { action: short(`Carry on with "${s.step}" and record progress while the dispute runs`), ownerId: s.interimStep.owner.id, dueAt: s.interimStep.dueAt };
  return { action: short(`Interim owner of "${s.step}" while stage ${stage.stage} (${stage.label}) decides`), ownerId: s.interimOwner.id, dueAt: stage.dueAt };
}

/** The search attribute updates for a next action, or their removal when nothing is owed. */
export function nextActionAttributes(next: NextAction | undefined): SearchAttributeUpdatePair[] {
  return [
    { key: CareloopNextAction, value: next?.action ?? null },
    { key: CareloopNextOwner, value: next?.ownerId ?? null },
    { key: CareloopNextDue, value: next ? new Date(next.dueAt) : null },
  ];
}
