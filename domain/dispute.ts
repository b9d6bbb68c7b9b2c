// Inter-agency dispute resolution (seed 002, Operational Example 3, step 4): the working agreement
// as versioned data, and the dispute's workflow input and state. Pure and small: the workflow
// bundle imports it.
import type { PartnershipCalendar } from './calendar';
import type { RiskLevel } from './escalation';
import type { Role } from './roles';
import type { ActionChannel, StaffRef } from './sprint';

export type DisputeStageNumber = 1 | 2 | 3;

export interface DisputeStagePolicy {
  stage: DisputeStageNumber;
  label: string;
  /** Working days on the partnership calendar before the stage's deadline. */
  workingDays: number;
  /** The roles that represent each party agency at this stage (stage 3: partnership governance). */
  representativeRoles: Role[];
  /** Stage 3 only: the governance decision binds every party. */
  binding: boolean;
}

export interface DisputeAgreement {
  /** Bump on every change: a dispute keeps the version it was raised under. */
  version: string;
  stages: [DisputeStagePolicy, DisputeStagePolicy, DisputeStagePolicy];
  calendar: PartnershipCalendar;
  /** How the interim owner's step is supervised; DEFAULT_INTERIM_STEP when absent. */
  interimStep?: InterimStepPolicy;
}

/**
 * The interim owner's step (care does not wait for the dispute): they record progress on the
 * disputed step at least every so many working days, are reminded before each is due, and a
 * missed one raises an escalation at this risk level.
 */
export interface InterimStepPolicy {
  progressEveryWorkingDays: number;
  /** Hours before progress is due that the interim owner is reminded. */
  remindHoursBefore: number;
  riskLevel: RiskLevel;
}

export const DEFAULT_INTERIM_STEP: InterimStepPolicy = { progressEveryWorkingDays: 2, remindHoursBefore: 4, riskLevel: 'moderate' };

/** England and Wales bank holidays, 2026 and 2027 (gov.uk). */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS_2026_2027 = [
  '2026-01-01',
  '2026-04-03',
  '2026-04-06',
  '2026-05-04',
  '2026-05-25',
  '2026-08-31',
  '2026-12-25',
  '2026-12-28',
  '2027-01-01',
  '2027-03-26',
  '2027-03-29',
  '2027-05-03',
  '2027-05-31',
  '2027-08-30',
  '2027-12-27',
  '2027-12-28',
] as const;

export const DEFAULT_PARTNERSHIP_CALENDAR: PartnershipCalendar = {
  timeZone: 'Europe/London',
  workingHours: { start: '09:00', end: '17:00' },
  workingWeekdays: [1, 2, 3, 4, 5],
  holidays: [...ENGLAND_AND_WALES_BANK_HOLIDAYS_2026_2027],
};

export const DISPUTE_AGREEMENT: DisputeAgreement = {
  version: '2026-11-disputes-1',
  stages: [
    { stage: 1, label: 'Frontline leads', workingDays: 2, representativeRoles: ['staff', 'coordinator'], binding: false },
    { stage: 2, label: 'Service managers', workingDays: 5, representativeRoles: ['manager'], binding: false },
    { stage: 3, label: 'Partnership governance decision', workingDays: 10, representativeRoles: ['admin'], binding: true },
  ],
  calendar: DEFAULT_PARTNERSHIP_CALENDAR,
  interimStep: DEFAULT_INTERIM_STEP,
};

export type DisputeStatus = 'open' | 'resolved' | 'decided' | 'withdrawn';

/** Who acts on a dispute: the caller, or the person an emailed link was sent to. */
export interface DisputeActor {
  staffId: string;
  name: string;
  agencyId: string;
  roles: string[];
  channel: ActionChannel;
}

export interface DisputeInput {
  disputeId: string;
  participant: { id: string; localRef: string };
  subject: string;
  description: string;
  outcomeSought: string;
  /** The next step in dispute, which the interim owner carries on with meanwhile. */
  step: string;
  raisedBy: StaffRef;
  interimOwner: StaffRef;
  /** The raiser's agency first, then the agencies disputed against. */
  partyAgencyIds: string[];
  /** Named frontline leads at the other agencies; otherwise each agency's holder of the stage role. */
  namedContacts: StaffRef[];
  agreement: DisputeAgreement;
}

export interface DisputeStageState {
  stage: DisputeStageNumber;
  label: string;
  startedAt: string;
  dueAt: string;
  /** The stage's length in working days, and the roles that speak for a party at it, as the agreement set them. */
  workingDays?: number;
  representativeRoles?: Role[];
  representatives: StaffRef[];
  endedAt?: string;
  /** The deadline passed before the dispute closed. */
  deadlinePassed: boolean;
}

/** An agency's answer to a proposal: who gave it, when and how. */
export interface DisputeAnswer {
  agencyId: string;
  by: { id: string; name: string };
  at: string;
  channel: ActionChannel;
}

export interface DisputeProposal {
  id: string;
  stage: DisputeStageNumber;
  agencyId: string;
  by: { id: string; name: string };
  terms: string;
  at: string;
  acceptances: DisputeAnswer[];
  /** Agencies that declined it, each with why (an agency that later accepts keeps its decline on record). */
  declines?: (DisputeAnswer & { reason: string })[];
  /** A counter-proposal: the proposal it answers. */
  answers?: string;
  /** Who carries the disputed step on once this is agreed; the interim owner when absent. */
  carriesOn?: StaffRef;
}

/** The interim owner's step: the disputed step, carried on while the dispute runs. */
export interface DisputeInterimStep {
  owner: StaffRef;
  /** open while the dispute runs; done when the interim owner finished the step; closed with the dispute. */
  status: 'open' | 'done' | 'closed';
  /** When progress is next due, and the reminder before it (none when that would be at once). */
  dueAt: string;
  remindAt?: string;
  progress: { at: string; by: { id: string; name: string }; note: string; channel: ActionChannel; done?: boolean }[];
  /** The progress now due was missed. */
  overdue: boolean;
  /** One escalation per missed progress; ended when progress is recorded or the dispute closes. */
  escalations: { id: string; raisedAt: string; missedDueAt: string; endedAt?: string }[];
  endedAt?: string;
}

/** What the dispute is about, as raised; the live state adds how it stands. */
export interface DisputeState
  extends Pick<DisputeInput, 'disputeId' | 'participant' | 'subject' | 'description' | 'outcomeSought' | 'step' | 'raisedBy' | 'interimOwner' | 'partyAgencyIds'> {
  agreementVersion: string;
  status: DisputeStatus;
  stage: DisputeStageNumber;
  startedAt: string;
  stages: DisputeStageState[];
  positions: { stage: DisputeStageNumber; agencyId: string; by: { id: string; name: string }; statement: string; at: string; channel: ActionChannel }[];
  proposals: DisputeProposal[];
  decision?: { by: { id: string; name: string }; decision: string; rationale: string; at: string; binding: true; carriesOn?: StaffRef };
  withdrawal?: { by: { id: string; name: string }; reason: string; at: string };
  outcome?: {
    status: Exclude<DisputeStatus, 'open'>;
    stageReached: DisputeStageNumber;
    at: string;
    msToClose: number;
    workingDaysToClose: number;
    proposalId?: string;
    /** Who carries the disputed step on from the close: named by the decision or the agreed proposal, else the interim owner. */
    carriesOn?: StaffRef;
  };
  /** The partnership calendar the stage clock counts in. */
  calendar?: PartnershipCalendar;
  interimStep?: DisputeInterimStep;
}

export function disputeSearchStatus(s: Pick<DisputeState, 'status' | 'stage'>): string {
  return s.status === 'open' ? `stage-${s.stage}` : s.status;
}

/**
 * A party's voice at the current stage: its representative, the raiser, or anyone of a party
 * agency holding the role of a stage reached so far (a frontline lead keeps a voice at stage 2).
 * The workflow decides with the agreement's roles; pages ask with those its stages recorded.
 */
export function speaksForParty(s: Pick<DisputeState, 'partyAgencyIds' | 'raisedBy' | 'stages'>, a: { staffId: string; agencyId: string; roles: readonly string[] }, rolesSoFar: readonly string[]): boolean {
  if (!s.partyAgencyIds.includes(a.agencyId)) return false;
  const current = s.stages[s.stages.length - 1];
  if (current?.representatives.some((r) => r.id === a.staffId) || a.staffId === s.raisedBy.id) return true;
  return a.roles.some((r) => rolesSoFar.includes(r));
}
