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

export interface PlanContent {
  goals: { id: string; text: string }[];
  risks: { id: string; description: string; level: RiskLevel }[];
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
}

export function planChangeWorkflowId(planId: string, version: number): string {
  return `plan-${planId}-v${version}`;
}
