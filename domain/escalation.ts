// Escalation tiers (seed 001 "Escalation tiers"; seed 002, Operational Example 2: the joint
// escalation pathway), as data. Pure and small: the workflow bundle imports it.
import { RISK_LEVELS, type RiskLevel } from './plan';
import type { ActionChannel, StaffRef } from './sprint';

export { RISK_LEVELS, type RiskLevel };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export interface EscalationTier {
  /** What the tier means in practice. */
  label: string;
  /** The chair must acknowledge (take ownership) within this, counted from entering the tier. */
  acknowledgeWithinMs: number;
  /** A response action must be recorded within this, counted from entering the tier. */
  respondWithinMs: number;
  /** The role whose holder chairs the tier. */
  chairRole: 'coordinator' | 'manager';
  /** Roles told about the escalation besides the chair. */
  responderRoles: ('coordinator' | 'manager' | 'staff')[];
  /** Where a missed window takes the escalation; acute has nowhere higher to go. */
  next?: RiskLevel;
}

export interface EscalationPolicy {
  version: string;
  tiers: Record<RiskLevel, EscalationTier>;
  /**
   * Once the raising process says the cause has ended, the chair has this long to confirm the
   * outcome; then the escalation resolves itself with "Cause resolved: <reason>". Default
   * CAUSE_GRACE_MS.
   */
  causeGraceMs?: number;
}

/** How long a chair has to confirm the outcome of an escalation whose cause has ended. */
export const CAUSE_GRACE_MS = DAY_MS;

/** Who resolved an escalation: its chair (or an admin for them), or careloop once its cause ended. */
export type EscalationResolvedBy = 'chair' | 'cause';

/** The policy in force. Change the version whenever a figure changes: each escalation records it. */
export const ESCALATION_POLICY: EscalationPolicy = {
  version: '2026-11-23.1',
  tiers: {
    acute: { label: 'Immediate response', acknowledgeWithinMs: 15 * MINUTE_MS, respondWithinMs: 1 * HOUR_MS, chairRole: 'manager', responderRoles: ['coordinator', 'manager'] },
    high: { label: 'Same-day multi-agency huddle', acknowledgeWithinMs: 1 * HOUR_MS, respondWithinMs: 4 * HOUR_MS, chairRole: 'manager', responderRoles: ['coordinator'], next: 'acute' },
    moderate: { label: 'Review within 24-72 hours', acknowledgeWithinMs: 24 * HOUR_MS, respondWithinMs: 72 * HOUR_MS, chairRole: 'coordinator', responderRoles: ['coordinator'], next: 'high' },
    low: { label: 'Next scheduled review', acknowledgeWithinMs: 3 * DAY_MS, respondWithinMs: 14 * DAY_MS, chairRole: 'coordinator', responderRoles: [], next: 'moderate' },
  },
};

/** Tier numbers for the CareloopEscalationTier search attribute: higher is more urgent. */
export const TIER_RANK: Record<RiskLevel, number> = { low: 1, moderate: 2, high: 3, acute: 4 };

/** Who or what raised an escalation: a person, or another process and its item. */
export interface EscalationSource {
  process: 'sprint' | 'plan-change' | 'plan-steps' | 'dispute' | 'huddle' | 'manual';
  workflowId?: string;
  item?: string;
}

export interface EscalationInput {
  escalationId: string;
  participant: { id: string; localRef: string };
  riskLevel: RiskLevel;
  trigger: string;
  description: string;
  source: EscalationSource;
  raisedBy?: StaffRef;
  /** The agency whose staff chair and respond: the raiser's (or the raising process's coordinator's). */
  agencyId: string;
  /** Chairs a tier when they hold its chair role (the raising process's coordinator, say). */
  preferredChair?: StaffRef;
  /** Told about the escalation whatever the tier (the owner of an overdue task, say). */
  responders: StaffRef[];
  /**
   * The agencies involved in the cause (the overdue task's owner's and the coordinator's, say):
   * each tier's responder roles are found there. Just `agencyId` when absent.
   */
  involvedAgencyIds?: string[];
  /** The policy as resolved when raised, with any windows overridden: a running escalation keeps it. */
  policy: EscalationPolicy;
}

export type EscalationStatus = 'open' | 'acknowledged' | 'responded' | 'resolved';

export interface StepRecord {
  at: string;
  by: { staffId: string; name: string; channel: ActionChannel };
  /** Whether it happened within the timeframe of the tier in force at the time. */
  onTime: boolean;
  tier: RiskLevel;
}

export interface TierRecord {
  tier: RiskLevel;
  chair: StaffRef;
  enteredAt: string;
  acknowledgeDueAt: string;
  respondDueAt: string;
  /** Why the escalation entered this tier. */
  entry: 'raised' | 'acknowledgement-missed' | 'response-missed';
  leftAt?: string;
}

export interface EscalationState {
  escalationId: string;
  policyVersion: string;
  participant: EscalationInput['participant'];
  riskLevel: RiskLevel;
  trigger: string;
  description: string;
  source: EscalationSource;
  raisedBy?: StaffRef;
  raisedAt: string;
  /** The agency whose staff chair and respond. */
  agencyId: string;
  status: EscalationStatus;
  /** The tier in force now; starts at the risk level and only climbs. */
  tier: RiskLevel;
  chair: StaffRef;
  responders: StaffRef[];
  acknowledgeDueAt: string;
  respondDueAt: string;
  /** True once a window passed at the top tier, where there is nowhere higher to go. */
  overdueAtTopTier: boolean;
  tiers: TierRecord[];
  acknowledgement?: StepRecord;
  response?: StepRecord & { action: string };
  outcome?: StepRecord & { outcome: string };
  resolvedAt?: string;
  /** When the raising process said the cause had ended (the task got done, say): no more promotions. */
  causeResolvedAt?: string;
  causeResolvedReason?: string;
  /** Until when the chair may confirm the outcome once the cause has ended; then it resolves itself. */
  causeGraceEndsAt?: string;
  /** Set as it is resolved. */
  resolvedBy?: EscalationResolvedBy;
  /** Notes from the chair and responders, oldest first. */
  notes: { at: string; by: StepRecord['by']; text: string }[];
}

/** One escalation per raising item, ever: the id is derived from it, so a retry finds the first. */
export function childEscalationId(parentWorkflowId: string, item: string): string {
  return `escalation-${parentWorkflowId}-${item}`;
}

/** Applies per-request window overrides to a policy: the working agreement's in force, or careloop's defaults. */
export function policyWith(overrides: Partial<Record<RiskLevel, { acknowledgeWithinMs?: number; respondWithinMs?: number }>> = {}, base: EscalationPolicy = ESCALATION_POLICY): EscalationPolicy {
  const tiers = { ...base.tiers };
  let custom = false;
  for (const level of RISK_LEVELS) {
    const o = overrides[level];
    if (o?.acknowledgeWithinMs || o?.respondWithinMs) custom = true;
    if (o) tiers[level] = { ...tiers[level], ...(o.acknowledgeWithinMs ? { acknowledgeWithinMs: o.acknowledgeWithinMs } : {}), ...(o.respondWithinMs ? { respondWithinMs: o.respondWithinMs } : {}) };
  }
  // Overridden windows (tests, pilots) are told apart from the policy in force in every report.
  return { version: custom ? `${base.version}+custom-windows` : base.version, tiers, ...(base.causeGraceMs !== undefined ? { causeGraceMs: base.causeGraceMs } : {}) };
}
