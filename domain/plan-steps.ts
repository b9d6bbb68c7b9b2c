// The plan's own steps (seed 000): the rapid review of the whole plan after an incident, a
// hospital discharge or a safeguarding concern, the updates on changed risk factors it asks of
// the agencies named in the plan, and the plan's actions ("Negotiated Actions with timelines and
// responsibilities"), each an owned step with a deadline, reminders and an escalation when missed.
// Pure and small: the workflow bundle imports it.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { PlanTrigger } from './plan';
import type { Actor, StaffRef } from './sprint';
import type { NextAction } from './next-action';
import { nextActionAttributes } from './next-action';
import { CareloopAgencies, CareloopOverdueCount, CareloopStatus } from './search-attributes';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** An agency asked for an update answers within this, unless the plan-holder says otherwise. */
export const DEFAULT_UPDATE_WITHIN_MS = DAY_MS;
/** Owners are reminded this long before a deadline (or half-way there, when that is later). */
export const REMINDER_LEAD_MS = DAY_MS;
/** Past this many history events the workflow continues as new, carrying its state. */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 5_000;

export function planStepsWorkflowId(planId: string): string {
  return `plan-${planId}-steps`;
}

/** The plan a plan-steps workflow id belongs to, or undefined for any other id. */
export function planIdOfStepsWorkflow(workflowId: string): string | undefined {
  return /^plan-([\w-]+)-steps$/.exec(workflowId)?.[1];
}

/** When the owner is reminded: a day before the deadline, or half-way there when that is later; never at the start. */
export function remindAtFor(startMs: number, dueMs: number): number | undefined {
  const at = Math.max(startMs + (dueMs - startMs) / 2, dueMs - REMINDER_LEAD_MS);
  return at > startMs && at < dueMs ? Math.round(at) : undefined;
}

export const TRIGGER_WORDS: Record<PlanTrigger, string> = {
  incident: 'an incident',
  hospital_discharge: 'a hospital discharge',
  safeguarding: 'a safeguarding concern',
  risk_change: 'a change in risk',
  scheduled_review: 'a scheduled review',
  other: 'another reason',
};

/** "Tue, 1 Dec 2026": a day as the plan states it (`2026-12-01`). */
export function formatDay(day: string): string {
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** "a hospital discharge and a safeguarding concern" */
export function triggersInWords(triggers: readonly PlanTrigger[]): string {
  const words = [...new Set(triggers)].map((t) => TRIGGER_WORDS[t] ?? t);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : (words[0] ?? 'a trigger');
}

// ---------------------------------------------------------------------------------------------
// The plan's actions

/** open until its owner says done (or not done, with why); cancelled when a new version drops it. */
export type PlanActionStatus = 'open' | 'done' | 'not-done' | 'cancelled';

/** An action as a version of the plan states it, its owner and deadline resolved (activities/plan-steps.ts). */
export interface PlanActionSpec {
  /** The control's id in the plan: a new version with the same id carries the action on. */
  controlId: string;
  description: string;
  /** The named person, else the owning agency's coordinator, else the plan-holder. */
  owner: StaffRef;
  ownerAgencyId: string;
  /** As the plan says it: `2026-12-01`. */
  dueDate: string;
  /** The end of that day in the partnership's time zone. */
  dueAt: string;
}

export interface PlanActionState extends PlanActionSpec {
  /** `action-<control id>-v<version it started in>`: its links, audit events and escalation hang on this. */
  key: string;
  fromVersion: number;
  /** The latest version that carries it. */
  inVersion: number;
  status: PlanActionStatus;
  startedAt: string;
  remindAt?: string;
  reminded: boolean;
  overdue: boolean;
  endedAt?: string;
  endedBy?: Actor;
  /** The owner's note when done. */
  note?: string;
  /** Why it was not done, or why it was cancelled. */
  reason?: string;
  /** Done by its deadline. */
  onTime?: boolean;
  escalationId?: string;
  /** Set when a version no longer carries it: it stays on show until the next version. */
  removedInVersion?: number;
}

export const planActionKey = (controlId: string, version: number) => `action-${controlId}-v${version}`;

// ---------------------------------------------------------------------------------------------
// The rapid review and the updates it asks of agencies

export type AgencyUpdateStatus = 'open' | 'answered' | 'cancelled';

export interface AgencyUpdateRequest {
  /** `review-<n>-update-<agency id>-<k>` */
  key: string;
  agencyId: string;
  agencyName: string;
  /** The person named for the agency in the plan, else its coordinator. */
  to: StaffRef;
  askedAt: string;
  askedBy: Actor;
  dueAt: string;
  remindAt?: string;
  status: AgencyUpdateStatus;
  reminded: boolean;
  overdue: boolean;
  answer?: { at: string; by: Actor; text: string; onTime: boolean };
  /** Why it no longer needs an answer. */
  endedReason?: string;
  endedAt?: string;
  escalationId?: string;
}

/** reviewed: a version published with trigger `scheduled_review`; no-change: "reviewed, no change" with a reason. */
export type RapidReviewStatus = 'open' | 'reviewed' | 'no-change';

export interface RapidReviewTrigger {
  trigger: PlanTrigger;
  at: string;
  /** The version published with this trigger. */
  version?: number;
  /** The post-discharge sprint that started it. */
  sprintId?: string;
}

export interface RapidReviewState {
  /** `review-<n>` */
  key: string;
  number: number;
  /** The plan-holder when it started. */
  owner: StaffRef;
  triggers: RapidReviewTrigger[];
  startedAt: string;
  dueAt: string;
  remindAt?: string;
  status: RapidReviewStatus;
  reminded: boolean;
  overdue: boolean;
  endedAt?: string;
  endedBy?: Actor;
  reason?: string;
  byVersion?: number;
  onTime?: boolean;
  escalationId?: string;
  requests: AgencyUpdateRequest[];
}

/** An agency the plan names (owning an action or as a service contact), and who answers for it. */
export interface PlanAgency {
  agencyId: string;
  name: string;
  contact?: StaffRef;
}

export interface PlanStepsState {
  planId: string;
  participant: { id: string; localRef: string };
  planHolder?: StaffRef;
  /** The latest version applied; 0 before the first. */
  version: number;
  actions: PlanActionState[];
  /** The current rapid review, or the last one. */
  review?: RapidReviewState;
  /** Rapid reviews started so far. */
  reviews: number;
  agencies: PlanAgency[];
}

/** A published version to apply: the workflow reads it from the record (activities/plan-steps.ts). */
export interface PlanVersionPublished {
  version: number;
  /** For incident, hospital discharge and safeguarding: the rapid review is due within this. */
  rapidReviewWithinMs?: number;
}

/** A trigger from outside the plan's versions: a post-discharge sprint started for the person. */
export interface RapidReviewTriggered {
  trigger: PlanTrigger;
  sprintId?: string;
  reviewWithinMs: number;
}

export type PlanStepsMessage = ({ kind: 'version' } & PlanVersionPublished) | ({ kind: 'trigger' } & RapidReviewTriggered);

export interface PlanStepsInput {
  planId: string;
  participantId: string;
  /** The version in force when the workflow starts; it is applied first. */
  version: number;
  rapidReviewWithinMs?: number;
  /** Continued as new: the state so far and the messages not yet applied. */
  carried?: { state: PlanStepsState; pending: PlanStepsMessage[]; generation: number };
  /** Tests: continue as new after this many history events (default CONTINUE_AS_NEW_AFTER_EVENTS). */
  continueAfterEvents?: number;
}

/** What a version of the plan says, resolved against the record (owners, deadlines, names). */
export interface ResolvedPlanVersion {
  version: number;
  trigger: PlanTrigger;
  reason: string;
  publishedBy: { staffId: string; name: string };
  participantRef: string;
  planHolder: StaffRef;
  actions: PlanActionSpec[];
  agencies: PlanAgency[];
}

// ---------------------------------------------------------------------------------------------
// What the roster reads

export const isOpen = (s: { status: string }) => s.status === 'open';

/** The open steps, each with what is owed, by whom and by when. */
export function openPlanSteps(s: PlanStepsState): NextAction[] {
  const out: NextAction[] = [];
  const review = s.review && isOpen(s.review) ? s.review : undefined;
  if (review) {
    out.push({ action: 'Rapid review of the plan', ownerId: review.owner.id, dueAt: review.dueAt });
    for (const r of review.requests.filter(isOpen)) out.push({ action: `Update on changed risk factors from ${r.agencyName}`, ownerId: r.to.id, dueAt: r.dueAt });
  }
  for (const a of s.actions.filter(isOpen)) out.push({ action: `Plan action: ${a.description}`, ownerId: a.owner.id, dueAt: a.dueAt });
  return out;
}

const MAX_ACTION_LENGTH = 160;

/** The open step due first: its owner does it next. */
export function planStepsNextAction(s: PlanStepsState): NextAction | undefined {
  const first = openPlanSteps(s).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
  if (!first) return undefined;
  return { ...first, action: first.action.length > MAX_ACTION_LENGTH ? `${first.action.slice(0, MAX_ACTION_LENGTH - 1)}…` : first.action };
}

/** rapid-review while a review is open, actions-open while an action is, else nothing-open (not on the roster). */
export function planStepsStatus(s: PlanStepsState): 'rapid-review' | 'actions-open' | 'nothing-open' {
  if (s.review && isOpen(s.review)) return 'rapid-review';
  return s.actions.some(isOpen) ? 'actions-open' : 'nothing-open';
}

export function planStepsOverdueCount(s: PlanStepsState): number {
  const review = s.review && isOpen(s.review) ? [s.review, ...s.review.requests.filter(isOpen)] : [];
  return [...review, ...s.actions.filter(isOpen)].filter((x) => x.overdue).length;
}

export function planStepsSearchAttributes(s: PlanStepsState): SearchAttributeUpdatePair[] {
  const agencies = new Set([...(s.planHolder ? [s.planHolder.agencyId] : []), ...s.actions.filter(isOpen).map((a) => a.owner.agencyId), ...(s.review?.requests.filter(isOpen).map((r) => r.to.agencyId) ?? [])]);
  return [
    { key: CareloopStatus, value: planStepsStatus(s) },
    { key: CareloopAgencies, value: [...agencies] },
    { key: CareloopOverdueCount, value: planStepsOverdueCount(s) },
    ...nextActionAttributes(planStepsNextAction(s)),
  ];
}
