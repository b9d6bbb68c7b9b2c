// The huddle roster's rules: what makes a person's row, and the order rows are read in (riskiest
// first). Pure: api/evidence/roster.ts gathers the open processes and names, this file decides.
import { RISK_LEVELS, TIER_RANK, type RiskLevel } from './escalation';
import { withinDeadline } from './on-time';
import { PLAN_RISK_FLAGS, type PlanContent, type PlanRiskFlag } from './plan';

/** plan-steps: the plan's own actions and its rapid review (workflows/plan-steps.ts). */
export type RosterProcess = 'sprint' | 'plan-change' | 'escalation' | 'dispute' | 'plan-steps';

export interface RosterItem {
  workflowId: string;
  process: RosterProcess;
  status: string;
  action: string;
  owner?: { id: string; name: string; agency: string };
  dueAt?: string;
  overdue: boolean;
  /** Open overdue tasks of a sprint, or escalated acknowledgements of a plan change. */
  overdueCount: number;
  escalationTier?: RiskLevel;
  /** Where it is looked at: the sprint's, the escalation's or the dispute's page, or the plan's (for a plan change and the plan's actions and review). */
  href: string;
}

export interface RosterRow {
  participant: { id: string; localRef: string; displayName: string };
  flags: {
    /** Open escalations by tier, and the highest. */
    escalations: Record<RiskLevel, number>;
    highestEscalationTier?: RiskLevel;
    overdue: number;
    /** Discharged in the last 72 hours: a post-discharge sprint is running. */
    recentDischargeAt?: string;
    unacknowledgedPlanChanges: number;
    openDisputes: number;
    /** The current plan's risk flags (`planRiskFlags`); absent on rosters captured before they were read. */
    planRisks?: PlanRiskFlag[];
  };
  /** The item due first: who owes what next. */
  next?: RosterItem;
  items: RosterItem[];
}

/** The order rows are in, as people read it; `compareRows` is the same order as code. */
export const ROSTER_ORDER = [
  'highest open escalation tier',
  'overdue items',
  "risk flags in the person's plan (missed visits, recent ED contact, housing instability, caregiver breakdown)",
  'discharged within 72 h',
  'unacknowledged plan changes',
  'open disputes',
  'next due time',
];

/** How long after discharge a person counts as recently discharged: the sprint's 72 hours. */
export const RECENT_DISCHARGE_MS = 72 * 3600_000;

const TIER_BY_RANK = Object.fromEntries(Object.entries(TIER_RANK).map(([k, v]) => [v, k])) as Record<number, RiskLevel>;

/** The tier an escalation's search attribute (its rank) names, if any. */
export function tierOfRank(rank: number | undefined): RiskLevel | undefined {
  return rank === undefined ? undefined : TIER_BY_RANK[rank];
}

/** Overdue items of one process: what it counts itself, and at least one when its next step is past due. */
export function overdueCountOf(nextDueAt: string | undefined, counted: number | undefined, now: Date): number {
  const pastDue = nextDueAt !== undefined && !withinDeadline(now.toISOString(), nextDueAt);
  return Math.max(counted ?? 0, pastDue ? 1 : 0);
}

export function emptyRosterRow(participant: RosterRow['participant']): RosterRow {
  return {
    participant,
    flags: { escalations: Object.fromEntries(RISK_LEVELS.map((l) => [l, 0])) as Record<RiskLevel, number>, overdue: 0, unacknowledgedPlanChanges: 0, openDisputes: 0 },
    items: [],
  };
}

/** Adds one process to a person's row and raises the row's flags by it. */
export function addRosterItem(row: RosterRow, item: RosterItem, opts: { dischargeAt?: Date; now: Date }): void {
  row.items.push(item);
  row.flags.overdue += item.overdueCount;
  const tier = item.escalationTier;
  if (tier) {
    row.flags.escalations[tier] += 1;
    if (!row.flags.highestEscalationTier || TIER_RANK[tier] > TIER_RANK[row.flags.highestEscalationTier]) row.flags.highestEscalationTier = tier;
  }
  if (item.process === 'plan-change') row.flags.unacknowledgedPlanChanges += 1;
  if (item.process === 'dispute') row.flags.openDisputes += 1;
  const discharge = opts.dischargeAt;
  if (item.process === 'sprint' && discharge && opts.now.getTime() - discharge.getTime() <= RECENT_DISCHARGE_MS) {
    const iso = discharge.toISOString();
    if (!row.flags.recentDischargeAt || iso > row.flags.recentDischargeAt) row.flags.recentDischargeAt = iso;
  }
}

/** Items due first come first; items with no due time last. */
export function compareRosterItems(a: RosterItem, b: RosterItem): number {
  const due = (i: RosterItem) => (i.dueAt ? Date.parse(i.dueAt) : Number.MAX_SAFE_INTEGER);
  return due(a) - due(b);
}

/** ROSTER_ORDER, then the local reference so the order is total. */
export function compareRows(a: RosterRow, b: RosterRow): number {
  const rank = (r: RosterRow) => (r.flags.highestEscalationTier ? TIER_RANK[r.flags.highestEscalationTier] : 0);
  const due = (r: RosterRow) => (r.next?.dueAt ? Date.parse(r.next.dueAt) : Number.MAX_SAFE_INTEGER);
  return (
    rank(b) - rank(a) ||
    b.flags.overdue - a.flags.overdue ||
    (b.flags.planRisks?.length ?? 0) - (a.flags.planRisks?.length ?? 0) ||
    Number(!!b.flags.recentDischargeAt) - Number(!!a.flags.recentDischargeAt) ||
    b.flags.unacknowledgedPlanChanges - a.flags.unacknowledgedPlanChanges ||
    b.flags.openDisputes - a.flags.openDisputes ||
    due(a) - due(b) ||
    a.participant.localRef.localeCompare(b.participant.localRef)
  );
}

/** Each row's items by due time, its next item, and the rows in ROSTER_ORDER. */
export function orderRoster(rows: Iterable<RosterRow>): RosterRow[] {
  const out = [...rows];
  for (const row of out) {
    row.items.sort(compareRosterItems);
    row.next = row.items[0];
  }
  return out.sort(compareRows);
}

// ---------------------------------------------------------------------------------------------
// The plan's risk flags (seed 001: "sorted by risk flags (missed visits, recent ED contact,
// housing instability ... caregiver stress)"). A risk may name its flags; older plans, and plans
// written in words only, are read for them: each flag's words in a risk's description or a crisis
// trigger. Words are matched as a person would write them in a plan, not as clinical codes.

const FLAG_WORDS: Record<PlanRiskFlag, RegExp[]> = {
  'missed-visits': [/\bmissed\b[^.;]{0,30}\b(visit|call|appointment)s?\b/i, /\bno[- ]shows?\b/i, /\b(visit|call)s? (were |was )?missed\b/i],
  'recent-ed-contact': [/\bA ?& ?E\b/, /\bED\b/, /\bemergency department\b/i, /\baccident and emergency\b/i, /\bambulance\b/i, /\b999\b/],
  'housing-instability': [/\bevict/i, /\bhomeless/i, /\brent arrears\b/i, /\bsofa[- ]surf/i, /\bno fixed abode\b/i, /\btenancy\b[^.;]{0,30}\b(risk|end|ending|notice|breakdown)/i, /\bhousing\b[^.;]{0,20}\b(loss|lost|risk|instab|insecur|unstable|crisis)/i],
  'caregiver-breakdown': [
    /\b(carer|care-?giver|family carer)s?\b[^.;]{0,40}\b(breakdown|break down|breaking down|burn ?out|burnt out|stress|strain|exhaust|cannot cope|can't cope|unable to cope|unwell)/i,
    /\b(breakdown|burn ?out|stress|strain|exhaustion)\b[^.;]{0,20}\b(of|in) (the )?(carer|care-?giver|family carer)/i,
  ],
};

/** The flags a plan's current content raises, in PLAN_RISK_FLAGS order: named on a risk, or found in its words. */
export function planRiskFlags(content: Pick<PlanContent, 'risks' | 'crisisTriggers'> | null | undefined): PlanRiskFlag[] {
  if (!content) return [];
  const found = new Set<PlanRiskFlag>();
  const texts: string[] = [];
  for (const r of content.risks ?? []) {
    for (const f of r.flags ?? []) if ((PLAN_RISK_FLAGS as readonly string[]).includes(f)) found.add(f);
    texts.push(r.description ?? '');
  }
  texts.push(...(content.crisisTriggers ?? []));
  for (const flag of PLAN_RISK_FLAGS) {
    if (!found.has(flag) && texts.some((t) => FLAG_WORDS[flag].some((re) => re.test(t)))) found.add(flag);
  }
  return PLAN_RISK_FLAGS.filter((f) => found.has(f));
}
