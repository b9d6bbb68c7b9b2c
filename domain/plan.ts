// The integrated care plan (seed 000) and plan change control (seed 001, Operational Example 3),
// as data. Pure and small: the workflow bundle imports it.
import type { ActionChannel, StaffRef } from './sprint';

export const PLAN_TRIGGERS = ['incident', 'hospital_discharge', 'safeguarding', 'risk_change', 'scheduled_review', 'other'] as const;
export type PlanTrigger = (typeof PLAN_TRIGGERS)[number];

/** Triggers that call for a rapid review of the whole plan within a short window (seed 000). */
export const RAPID_REVIEW_TRIGGERS: readonly PlanTrigger[] = ['incident', 'hospital_discharge', 'safeguarding'];
export const DEFAULT_RAPID_REVIEW_MS = 72 * 3600_000;
export const DEFAULT_ACK_REMINDER_EVERY_MS = 24 * 3600_000;
export const DEFAULT_ACK_DEADLINE_MS = 72 * 3600_000;

export const RISK_LEVELS = ['low', 'moderate', 'high', 'acute'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const SHAREABLE_ELEMENTS = ['goals', 'risks', 'crisisTriggers', 'serviceContacts', 'controls'] as const;
export type ShareableElement = (typeof SHAREABLE_ELEMENTS)[number];

/**
 * Risk flags a huddle's roster sorts by (seed 001, Operational Example 1): a risk may name them;
 * domain/roster.ts `planRiskFlags` also finds them in the words of the risks and crisis triggers.
 */
export const PLAN_RISK_FLAGS = ['missed-visits', 'recent-ed-contact', 'housing-instability', 'caregiver-breakdown'] as const;
export type PlanRiskFlag = (typeof PLAN_RISK_FLAGS)[number];
export const PLAN_RISK_FLAG_WORDS: Record<PlanRiskFlag, string> = {
  'missed-visits': 'Missed visits',
  'recent-ed-contact': 'Recent ED contact',
  'housing-instability': 'Housing instability',
  'caregiver-breakdown': 'Caregiver breakdown',
};

export interface PlanContent {
  goals: { id: string; text: string }[];
  /** `flags`: the roster's risk flags this risk stands for, when its author named them (absent on older plans). */
  risks: { id: string; description: string; level: RiskLevel; flags?: PlanRiskFlag[] }[];
  crisisTriggers: string[];
  serviceContacts: { agencyId: string; name: string; role?: string; phone?: string }[];
  controls: { id: string; description: string; ownerAgencyId: string; ownerStaffId?: string; dueDate?: string }[];
  /** Which elements may be shared beyond the care team, with the person's consent. */
  shareBeyondCareTeam: ShareableElement[];
}

export type AckChannel = Exclude<ActionChannel, 'web'> | 'web';

export interface RecipientState {
  staff: StaffRef;
  acknowledgedAt?: string;
  channel?: AckChannel;
  remindersSent: number;
  escalated: boolean;
}

export type PlanChangeStatus = 'awaiting-acknowledgements' | 'acknowledged' | 'superseded' | 'no-acknowledgement-required';

export interface PlanChangeInput {
  planId: string;
  participant: { id: string; localRef: string };
  version: number;
  versionId: string;
  publishedAt: string;
  publishedBy: StaffRef;
  reason: string;
  trigger: PlanTrigger;
  acknowledgementRequired: boolean;
  recipients: StaffRef[];
  /** Who hears about acknowledgements still missing at the deadline. */
  escalateTo: StaffRef;
  reminderEveryMs: number;
  ackDeadlineMs: number;
  /** For incident, hospital discharge and safeguarding: the whole plan is reviewed within this. */
  rapidReviewMs?: number;
  /** The working agreement version its reminder, deadline and rapid review defaults came from (absent before the agreement was data). */
  agreementVersion?: string;
}

export interface PlanChangeState {
  planId: string;
  version: number;
  status: PlanChangeStatus;
  trigger: PlanTrigger;
  reason: string;
  publishedAt: string;
  /** When change control began; reminders, deadlines and the rapid review count from here. */
  startedAt: string;
  ackDeadlineAt?: string;
  rapidReviewDueAt?: string;
  supersededBy?: number;
  completedAt?: string;
  recipients: RecipientState[];
  /** 'recorded' before escalations ran as their own workflow; 'raised' with the escalation's `workflowId` after. */
  escalations: { raisedAt: string; missing: string[]; status: 'recorded' | 'raised'; workflowId?: string }[];
  /** Reminders the plan-holder sent with "Remind now", besides the scheduled ones (absent before there was one). */
  manualReminders?: { at: string; by: { id: string; name: string }; recipients: string[] }[];
}

export function planChangeWorkflowId(planId: string, version: number): string {
  return `plan-${planId}-v${version}`;
}

// -------------------------------------------------------------------------------------------
// Words for people, and consent to share beyond the care team (issue 15). Pure and small.

/** What triggered a version, as a person reads it. */
export const PLAN_TRIGGER_WORDS: Record<PlanTrigger, string> = {
  incident: 'Incident',
  hospital_discharge: 'Hospital discharge',
  safeguarding: 'Safeguarding concern',
  risk_change: 'Change in risk',
  scheduled_review: 'Scheduled review',
  other: 'Other',
};

export const RISK_LEVEL_WORDS: Record<RiskLevel, string> = { low: 'Low', moderate: 'Moderate', high: 'High', acute: 'Acute' };

/** Each shareable element by the name the plan page gives its section. */
export const SHAREABLE_ELEMENT_WORDS: Record<ShareableElement, string> = {
  goals: 'Goals',
  risks: 'Risks',
  crisisTriggers: 'Crisis triggers',
  serviceContacts: 'Service contacts',
  controls: 'Actions',
};

/** How the person gave (or withdrew) their consent. */
export const CONSENT_HOW = ['in person', 'phone', 'written', 'other'] as const;
export type ConsentHow = (typeof CONSENT_HOW)[number];
export const CONSENT_HOW_WORDS: Record<ConsentHow, string> = { 'in person': 'in person', phone: 'by phone', written: 'in writing', other: 'another way' };

/** One consent record as read: the latest is in force. */
export interface ConsentView {
  given: boolean;
  scope: ShareableElement[];
  recordedBy: string;
  how: string;
  note: string | null;
  at: string;
}

/**
 * The plan as someone outside the care team may see it: only the elements the person consented
 * to share, the others empty. Nothing at all without consent.
 */
export function sharedContent(content: PlanContent, consent: Pick<ConsentView, 'given' | 'scope'> | null | undefined): PlanContent {
  const scope = new Set(consent?.given ? consent.scope : []);
  return {
    goals: scope.has('goals') ? content.goals : [],
    risks: scope.has('risks') ? content.risks : [],
    crisisTriggers: scope.has('crisisTriggers') ? content.crisisTriggers : [],
    serviceContacts: scope.has('serviceContacts') ? content.serviceContacts : [],
    controls: scope.has('controls') ? content.controls : [],
    shareBeyondCareTeam: content.shareBeyondCareTeam.filter((e) => scope.has(e)),
  };
}
