// "My work": what one person owes now, in every process, and what they started or coordinate.
// The home page lists it, the header of every signed-in page counts it, and the weekly digest
// emails it. Each source is one query on the record (the live links careloop emailed them, the
// plan's actions and reviews, escalations, disputes, huddle decisions); the home page and the
// digest then read the few live workflows that hold what the record does not (a sprint task's
// title and due time, a plan change's acknowledgement deadline, a dispute's interim step).
// Everything listed is the person's own: they own it, chair it, respond to it, were sent it or
// speak for their agency in it, so it is theirs to see; each person it names is logged as read.
import type { Client } from '@temporalio/client';
import type { Db } from '../../runtime/db';
import { createAccess } from '../access';
import type { Caller } from '../sprints/service';
import { isEnded, SPRINT_TEMPLATE, type SprintState } from '../../domain/sprint';
import type { PlanChangeState } from '../../domain/plan';
import type { DisputeStageState, DisputeState } from '../../domain/dispute';
import { mayAccess } from '../../domain/access';
import {
  HUDDLE_DECISION_TOKEN_PURPOSE,
  PLAN_ACTION_TOKEN_PURPOSE,
  PLAN_REPLY_TOKEN_PURPOSE,
  PLAN_REVIEW_TOKEN_PURPOSE,
  PLAN_TOKEN_PURPOSE,
  PLAN_UPDATE_TOKEN_PURPOSE,
  TASK_TOKEN_PURPOSE,
  TOKEN_EXPIRY,
} from '../../domain/tokens';
import { planStepsWorkflowId } from '../../domain/plan-steps';
import { withinDeadline } from '../../domain/on-time';
import { sprintStateQuery } from '../../workflows/sprint';
import { planChangeStateQuery } from '../../workflows/plan-change';
import { disputeStateQuery } from '../../workflows/dispute';
import { TIER_NAME, triggerWords } from '../escalations/list';
import type { EscalationStatus, RiskLevel } from '../../domain/escalation';
import { ESCALATION_STATUS_WORDS } from '../../domain/words';

/** What kind of thing is owed; each has a page where it is done. */
export type OwedKind = 'sprint-task' | 'plan-acknowledgement' | 'plan-action' | 'plan-review' | 'plan-update' | 'escalation' | 'dispute' | 'huddle-decision';

export interface WorkParticipant {
  id: string;
  localRef: string;
  displayName: string;
}

export interface OwedItem {
  kind: OwedKind;
  /** Stable for one item: the process and the step (`<sprint id>:<task key>`). */
  key: string;
  participant?: WorkParticipant;
  /** What is owed, in a person's words: the task's title, "Acknowledge version 3 of the plan". */
  title: string;
  /** Where it comes from, in words: "Post-discharge sprint task", "High escalation · you chair it". */
  context: string;
  /** When it is due (ISO-8601); absent when nothing is due by a time (a responder follows an escalation). */
  dueAt?: string;
  overdue: boolean;
  /** The signed-in page where it is done: the same step the emailed link leads to. */
  href?: string;
  /** The button's words on that page's way in: "Record the task", "Take ownership". */
  action: string;
  /** What it is in words that hold no clinical detail, for emails (the weekly digest). */
  plain: string;
  /**
   * For an email that gives the step again (the weekly digest): the action link its own email
   * carried, as careloop mints it (purpose, workflow, scope, expiry), so the new link works and
   * stops working exactly as that one does. Absent where the way in is a signed-in page.
   */
  relink?: { purpose: string; workflowId: string; scope: Record<string, string | number>; expiresAt: string };
  /** When there is no page for this person to act on: how they do it instead. */
  howElse?: string;
}

export type StartedKind = 'sprint' | 'plan' | 'escalation' | 'dispute';

export interface StartedItem {
  kind: StartedKind;
  key: string;
  participant?: WorkParticipant;
  title: string;
  /** How it stands, in words. */
  status: string;
  /** Your part in it: "you coordinate it", "you hold it", "you raised it". */
  role: string;
  href: string;
  /** The next deadline that matters to it, when there is one. */
  dueAt?: string;
  overdue: boolean;
}

export interface MyWork {
  generatedAt: string;
  /** Overdue first (the longest overdue at the top), then the soonest due, then what has no due time. */
  owed: OwedItem[];
  started: StartedItem[];
  /** What could not be read just now, in words; the lists hold what could. */
  problems: string[];
}

/** Who the work is for: a signed-in person, or the digest's recipient. */
export type WorkOwner = Pick<Caller, 'staffId' | 'agencyId' | 'roles'>;

/** Live workflows one home page reads at most; beyond this the record's words stand in. */
const MAX_LIVE_READS = 40;
/** How long one workflow query may take before the page goes on without it. */
const QUERY_DEADLINE_MS = 3000;
/** Rows one list shows at most of each kind; a person with more is told to narrow by page. */
const MAX_ROWS = 200;

const TASK_TITLES = new Map(SPRINT_TEMPLATE.map((t) => [t.key, t.title]));

const enc = encodeURIComponent;
export const sprintTaskHref = (sprintId: string, taskKey: string) => `/sprints/${enc(sprintId)}/tasks/${enc(taskKey)}`;
export const planUpdateHref = (planId: string, requestKey: string) => `/plans/${enc(planId)}/updates/${enc(requestKey)}`;

/** The step key of a PlanAction row: its id is `<workflow id>:<step key>`. */
const stepKeyOf = (rowId: string) => rowId.slice(rowId.indexOf(':') + 1);

/** Overdue first (longest overdue first), then soonest due, then undated; ties by title. */
export function compareOwed(a: Pick<OwedItem, 'overdue' | 'dueAt' | 'title'>, b: Pick<OwedItem, 'overdue' | 'dueAt' | 'title'>): number {
  const due = (i: Pick<OwedItem, 'dueAt'>) => (i.dueAt ? Date.parse(i.dueAt) : Number.MAX_SAFE_INTEGER);
  return Number(b.overdue) - Number(a.overdue) || due(a) - due(b) || a.title.localeCompare(b.title);
}

/** An agency's update as the rapid review's reporting row keeps it (activities/plan-steps.ts). */
interface StoredUpdateRequest {
  key: string;
  agencyName: string;
  toId: string;
  dueAt: string;
  status: string;
  overdue: boolean;
}

interface DisputeRow {
  id: string;
  participantId: string;
  raisedById: string;
  interimOwnerId: string;
  partyAgencyIds: string[];
  stage: number;
  stages: unknown;
}

/** What the access log says was read, for each kind of item. */
const READ_AS: Record<OwedKind | StartedKind, string> = {
  'sprint-task': 'sprint',
  sprint: 'sprint',
  'plan-acknowledgement': 'plan',
  'plan-action': 'plan',
  'plan-review': 'plan',
  'plan-update': 'plan',
  plan: 'plan',
  escalation: 'escalation',
  dispute: 'dispute',
  'huddle-decision': 'huddle',
};

/** The events that say where a party stands at a dispute (workflows/dispute.ts), for counting without the workflow. */
const DISPUTE_PARTY_EVENTS = ['dispute.position-stated', 'dispute.resolution-proposed', 'dispute.counter-proposed', 'dispute.proposal-accepted', 'dispute.proposal-declined'];

export function createMyWork(deps: { db: Db; temporal: Client; now?: () => Date }) {
  const db = deps.db;
  const now = () => deps.now?.() ?? new Date();
  const access = createAccess({ db, now: deps.now });

  /** One workflow query, or undefined when the workflow does not answer in time. */
  async function queryLive<T>(workflowId: string, run: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T | undefined> {
    try {
      return await deps.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => run(deps.temporal.workflow.getHandle(workflowId)));
    } catch {
      return undefined;
    }
  }

  /** The record's rows behind what the person owes: one query per source, all at once. */
  async function ownedRows(who: WorkOwner, at: Date) {
    const [tokens, actions, reviews, updates, escalations, disputes, decisions] = await Promise.all([
      // The links careloop emailed them and that still work: a task's until it ends, a plan
      // change's reply address until they acknowledge (or the version is replaced).
      db.actionToken.findMany({
        where: { staffId: who.staffId, usedAt: null, revokedAt: null, expiresAt: { gt: at }, purpose: { in: [TASK_TOKEN_PURPOSE, PLAN_REPLY_TOKEN_PURPOSE] } },
        select: { purpose: true, workflowId: true, scope: true },
        take: 2000,
      }),
      db.planAction.findMany({ where: { ownerId: who.staffId, status: 'open' }, select: { id: true, planId: true, participantId: true, description: true, dueAt: true }, orderBy: { dueAt: 'asc' }, take: MAX_ROWS }),
      db.planReview.findMany({ where: { ownerId: who.staffId, status: 'open' }, select: { id: true, planId: true, participantId: true, dueAt: true }, take: MAX_ROWS }),
      // Updates asked of them for an open rapid review, not yet sent.
      db.planReview.findMany({
        where: { status: 'open', updateRequests: { array_contains: [{ toId: who.staffId, status: 'open' }] } },
        select: { id: true, planId: true, participantId: true, updateRequests: true },
        take: MAX_ROWS,
      }),
      db.escalation.findMany({
        where: { status: { not: 'resolved' }, OR: [{ chairId: who.staffId }, { responderIds: { has: who.staffId } }] },
        select: { id: true, participantId: true, riskLevel: true, trigger: true, status: true, tier: true, chairId: true, acknowledgeDueAt: true, respondDueAt: true, causeResolvedAt: true },
        take: MAX_ROWS,
      }),
      db.dispute.findMany({
        where: { status: 'open', OR: [{ interimOwnerId: who.staffId }, { stages: { array_contains: [{ representatives: [{ id: who.staffId }] }] } }] },
        select: { id: true, participantId: true, raisedById: true, interimOwnerId: true, partyAgencyIds: true, stage: true, stages: true },
        take: MAX_ROWS,
      }),
      db.huddleDecision.findMany({
        where: { ownerId: who.staffId, status: 'open' },
        select: { id: true, huddleId: true, key: true, participantId: true, text: true, dueAt: true, huddle: { select: { agencyId: true } } },
        take: MAX_ROWS,
      }),
    ]);
    return { tokens, actions, reviews, updates, escalations, disputes, decisions };
  }

  /** Sprint tasks and plan changes the live links point at, de-duplicated (each email carries its own). */
  function linkTargets(tokens: { purpose: string; workflowId: string | null; scope: unknown }[]) {
    const tasks = new Map<string, Set<string>>();
    const planChanges = new Map<string, { planId: string; version: number }>();
    for (const t of tokens) {
      if (!t.workflowId) continue;
      const scope = (t.scope ?? {}) as { task?: unknown; planId?: unknown; version?: unknown };
      if (t.purpose === TASK_TOKEN_PURPOSE && typeof scope.task === 'string') {
        const set = tasks.get(t.workflowId) ?? new Set<string>();
        set.add(scope.task);
        tasks.set(t.workflowId, set);
      } else if (t.purpose === PLAN_REPLY_TOKEN_PURPOSE && typeof scope.planId === 'string' && typeof scope.version === 'number') {
        planChanges.set(t.workflowId, { planId: scope.planId, version: scope.version });
      }
    }
    return { tasks, planChanges };
  }

  const stagesOf = (d: DisputeRow) => (Array.isArray(d.stages) ? d.stages : []) as DisputeStageState[];
  const currentStage = (d: DisputeRow) => stagesOf(d)[stagesOf(d).length - 1];

  /**
   * What a representative's agency owes at a dispute's current stage, from its audit events: an
   * answer to each other agency's proposal, else its position. Undefined when it owes nothing now.
   */
  function partyOwes(d: DisputeRow, who: WorkOwner, events: { workflowId: string | null; action: string; item: string | null; at: Date; data: unknown }[]): { title: string; proposals: string[] } | undefined {
    const stage = currentStage(d);
    if (!stage || !d.partyAgencyIds.includes(who.agencyId) || !stage.representatives?.some((r) => r.id === who.staffId)) return undefined;
    const mine = events.filter((e) => e.workflowId === d.id);
    const agencyOf = (e: { data: unknown }) => ((e.data ?? {}) as { agencyId?: string }).agencyId;
    const proposed = mine.filter((e) => (e.action === 'dispute.resolution-proposed' || e.action === 'dispute.counter-proposed') && e.item && agencyOf(e) !== who.agencyId);
    const answered = new Set(mine.filter((e) => (e.action === 'dispute.proposal-accepted' || e.action === 'dispute.proposal-declined') && agencyOf(e) === who.agencyId).map((e) => e.item));
    const waiting = proposed.filter((e) => !answered.has(e.item)).map((e) => e.item!);
    if (waiting.length) return { title: waiting.length === 1 ? `Answer proposal ${waiting[0]} for your agency` : `Answer proposals ${waiting.join(', ')} for your agency`, proposals: waiting };
    const stated = mine.some((e) => e.action === 'dispute.position-stated' && agencyOf(e) === who.agencyId && e.at.getTime() >= Date.parse(stage.startedAt));
    if (stated) return undefined;
    return { title: `State your agency’s position at stage ${stage.stage} (${stage.label.toLowerCase()})`, proposals: [] };
  }

  /** Stage 3: partnership governance records the binding decision. */
  const governanceOwes = (d: DisputeRow, who: WorkOwner) => {
    const stage = currentStage(d);
    return !!stage && stage.stage === 3 && !!stage.representatives?.some((r) => r.id === who.staffId);
  };

  async function disputeEvents(disputes: DisputeRow[]) {
    if (!disputes.length) return [];
    return db.auditEvent.findMany({ where: { workflowId: { in: disputes.map((d) => d.id) }, action: { in: DISPUTE_PARTY_EVENTS } }, select: { workflowId: true, action: true, item: true, at: true, data: true } });
  }

  const pastDue = (dueAt: string | undefined, at: Date) => !!dueAt && !withinDeadline(at.toISOString(), dueAt);

  /**
   * What the person owes now. With `live`, the workflows behind sprint tasks, plan changes and
   * interim steps are read for titles and due times (the home page, the digest); without, the
   * record alone answers (the header's count on every page).
   */
  async function owedItems(who: WorkOwner, opts: { live: boolean }): Promise<{ items: (Omit<OwedItem, 'participant'> & { participantId?: string })[]; problems: string[] }> {
    const at = now();
    const rows = await ownedRows(who, at);
    const { tasks, planChanges } = linkTargets(rows.tokens);
    const events = await disputeEvents(rows.disputes);
    const items: (Omit<OwedItem, 'participant'> & { participantId?: string })[] = [];
    const problems: string[] = [];
    let liveBudget = opts.live ? MAX_LIVE_READS : 0;
    const readLive = async <T>(workflowId: string, run: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<T>) => {
      if (liveBudget <= 0) return undefined;
      liveBudget -= 1;
      return queryLive(workflowId, run);
    };

    // Sprint tasks: the live sprint says each task's title, due time and whether it is still theirs.
    const sprints = await Promise.all(
      [...tasks.entries()].map(async ([sprintId, keys]) => ({ sprintId, keys, state: opts.live ? await readLive(sprintId, (h) => h.query(sprintStateQuery)) : undefined })),
    );
    for (const { sprintId, keys, state } of sprints) {
      if (state) {
        for (const t of (state as SprintState).tasks) {
          if (t.owner.id !== who.staffId || isEnded(t) || state.status !== 'open') continue;
          items.push({
            kind: 'sprint-task',
            key: `${sprintId}:${t.key}`,
            participantId: state.participant.id,
            title: t.title,
            context: `Post-discharge sprint task, day ${t.day}`,
            dueAt: t.dueAt,
            overdue: t.overdue || pastDue(t.dueAt, at),
            href: sprintTaskHref(sprintId, t.key),
            action: 'Record the task',
            plain: `Sprint task “${t.title}”`,
            relink: { purpose: TASK_TOKEN_PURPOSE, workflowId: sprintId, scope: { task: t.key }, expiresAt: TOKEN_EXPIRY.sprint(state.closesAt) },
          });
        }
        continue;
      }
      if (opts.live) problems.push('A sprint did not answer just now, so its tasks show without their due times. Open the task to see it.');
      for (const key of keys) {
        const title = TASK_TITLES.get(key) ?? 'A sprint task';
        items.push({ kind: 'sprint-task', key: `${sprintId}:${key}`, title, context: 'Post-discharge sprint task', overdue: false, href: sprintTaskHref(sprintId, key), action: 'Record the task', plain: `Sprint task “${title}”` });
      }
    }

    // Plan changes sent to them to acknowledge.
    const planIds = [...new Set([...planChanges.values()].map((p) => p.planId))];
    // Whom each is for matters to a list, not to a count.
    const plans = planIds.length && opts.live ? await db.carePlan.findMany({ where: { id: { in: planIds } }, select: { id: true, participantId: true } }) : [];
    const participantOfPlan = new Map(plans.map((p) => [p.id, p.participantId]));
    const changes = await Promise.all(
      [...planChanges.entries()].map(async ([workflowId, p]) => ({ workflowId, ...p, state: opts.live ? ((await readLive(workflowId, (h) => h.query(planChangeStateQuery))) as PlanChangeState | undefined) : undefined })),
    );
    for (const c of changes) {
      if (c.state && (c.state.status !== 'awaiting-acknowledgements' || !c.state.recipients.some((r) => r.staff.id === who.staffId && !r.acknowledgedAt))) continue;
      items.push({
        kind: 'plan-acknowledgement',
        key: c.workflowId,
        participantId: participantOfPlan.get(c.planId),
        title: `Read and acknowledge version ${c.version} of the plan`,
        context: 'Integrated plan: a change that alters day-to-day delivery',
        ...(c.state?.ackDeadlineAt ? { dueAt: c.state.ackDeadlineAt } : {}),
        overdue: pastDue(c.state?.ackDeadlineAt, at),
        href: `/plans/${enc(c.planId)}#acknowledgements`,
        action: 'Read and acknowledge',
        plain: `Read and acknowledge version ${c.version} of the plan`,
        ...(c.state?.ackDeadlineAt
          ? {
              relink: {
                purpose: PLAN_TOKEN_PURPOSE,
                workflowId: c.workflowId,
                scope: { planId: c.planId, version: c.version },
                expiresAt: TOKEN_EXPIRY.planChange(Date.parse(c.state.startedAt), Date.parse(c.state.ackDeadlineAt) - Date.parse(c.state.startedAt)),
              },
            }
          : {}),
      });
    }

    for (const a of rows.actions) {
      const dueAt = a.dueAt.toISOString();
      items.push({ kind: 'plan-action', key: a.id, participantId: a.participantId, title: a.description, context: 'Action in the integrated plan', dueAt, overdue: pastDue(dueAt, at), href: `/plans/${enc(a.planId)}/actions/${enc(stepKeyOf(a.id))}`, action: 'Record whether it is done', plain: 'An action you own in the plan: record whether it is done',
        relink: { purpose: PLAN_ACTION_TOKEN_PURPOSE, workflowId: planStepsWorkflowId(a.planId), scope: { planId: a.planId, step: stepKeyOf(a.id) }, expiresAt: TOKEN_EXPIRY.planStep(dueAt) },
      });
    }
    for (const r of rows.reviews) {
      const dueAt = r.dueAt.toISOString();
      items.push({ kind: 'plan-review', key: r.id, participantId: r.participantId, title: 'Carry out the rapid review of the plan', context: 'Integrated plan: you hold it', dueAt, overdue: pastDue(dueAt, at), href: `/plans/${enc(r.planId)}/review`, action: 'Open the rapid review', plain: 'The rapid review of the plan, which you hold',
        relink: { purpose: PLAN_REVIEW_TOKEN_PURPOSE, workflowId: planStepsWorkflowId(r.planId), scope: { planId: r.planId, step: stepKeyOf(r.id) }, expiresAt: TOKEN_EXPIRY.planStep(dueAt) },
      });
    }
    for (const r of rows.updates) {
      // The reporting row's shape of each request (activities/plan-steps.ts).
      const requests = (Array.isArray(r.updateRequests) ? r.updateRequests : []) as unknown as StoredUpdateRequest[];
      for (const q of requests.filter((x) => x.toId === who.staffId && x.status === 'open')) {
        items.push({
          kind: 'plan-update',
          key: `${r.id}:${q.key}`,
          participantId: r.participantId,
          title: `Send ${q.agencyName}’s update on changed risk factors`,
          context: 'Rapid review of the integrated plan',
          dueAt: q.dueAt,
          overdue: q.overdue || pastDue(q.dueAt, at),
          href: planUpdateHref(r.planId, q.key),
          action: 'Send the update',
          plain: `${q.agencyName}’s update for the rapid review of the plan`,
          relink: { purpose: PLAN_UPDATE_TOKEN_PURPOSE, workflowId: planStepsWorkflowId(r.planId), scope: { planId: r.planId, step: q.key }, expiresAt: TOKEN_EXPIRY.planStep(q.dueAt) },
        });
      }
    }

    for (const e of rows.escalations) {
      const tier = TIER_NAME[e.tier as RiskLevel] ?? e.tier;
      const href = `/escalations/${enc(e.id)}`;
      if (e.chairId === who.staffId) {
        const step = e.causeResolvedAt
          ? { path: 'confirm', action: 'Confirm the outcome', title: 'Confirm the outcome: its cause has ended' }
          : e.status === 'open'
            ? { path: 'acknowledge', action: 'Take ownership', title: 'Take ownership', due: e.acknowledgeDueAt }
            : e.status === 'acknowledged'
              ? { path: 'respond', action: 'Record the response action', title: 'Record the response action', due: e.respondDueAt }
              : { path: 'resolve', action: 'Record the outcome', title: 'Record the outcome and resolve', due: e.respondDueAt };
        const dueAt = 'due' in step && step.due ? step.due.toISOString() : undefined;
        items.push({
          kind: 'escalation',
          key: e.id,
          participantId: e.participantId,
          title: `${step.title}: ${triggerWords(e.trigger)}`,
          context: `${tier} escalation · you chair it`,
          ...(dueAt ? { dueAt } : {}),
          // Past a window the escalation climbs and finds a new chair: a step still here past its due time is late.
          overdue: pastDue(dueAt, at),
          href: `${href}/${step.path}`,
          action: step.action,
          plain: `${tier} escalation, which you chair: ${step.action.toLowerCase()}`,
        });
      } else {
        items.push({ kind: 'escalation', key: e.id, participantId: e.participantId, title: `Follow the escalation: ${triggerWords(e.trigger)}`, context: `${tier} escalation · you are a responder`, overdue: false, href, action: 'Open the escalation', plain: `${tier} escalation, which you follow as a responder` });
      }
    }

    const interim = rows.disputes.filter((d) => d.interimOwnerId === who.staffId);
    const interimStates = new Map(
      await Promise.all(interim.map(async (d) => [d.id, opts.live ? ((await readLive(d.id, (h) => h.query(disputeStateQuery))) as DisputeState | undefined) : undefined] as const)),
    );
    for (const d of rows.disputes) {
      const href = `/disputes/${enc(d.id)}`;
      const stage = currentStage(d);
      const stageDue = stage?.dueAt;
      if (governanceOwes(d, who)) {
        items.push({ kind: 'dispute', key: `${d.id}:decision`, participantId: d.participantId, title: 'Record partnership governance’s binding decision', context: 'Dispute between agencies, stage 3', ...(stageDue ? { dueAt: stageDue } : {}), overdue: pastDue(stageDue, at), href, action: 'Open the dispute', plain: 'A dispute between agencies: record partnership governance’s binding decision' });
      } else {
        const party = partyOwes(d, who, events);
        if (party) {
          items.push({ kind: 'dispute', key: `${d.id}:party`, participantId: d.participantId, title: party.title, context: `Dispute between agencies, stage ${d.stage} of 3 · you speak for your agency`, ...(stageDue ? { dueAt: stageDue } : {}), overdue: pastDue(stageDue, at), href, action: 'Open the dispute', plain: `A dispute between agencies: ${party.title.charAt(0).toLowerCase()}${party.title.slice(1)}` });
        }
      }
      if (d.interimOwnerId === who.staffId) {
        const step = interimStates.get(d.id)?.interimStep;
        if (step && step.status !== 'open') continue;
        items.push({
          kind: 'dispute',
          key: `${d.id}:interim`,
          participantId: d.participantId,
          title: 'Carry on with the disputed step and record progress',
          context: 'Dispute between agencies · you carry the step while it runs',
          ...(step ? { dueAt: step.dueAt } : {}),
          overdue: !!step && (step.overdue || pastDue(step.dueAt, at)),
          href,
          action: 'Record progress',
          plain: 'A dispute between agencies: carry on with the disputed step and record progress',
        });
      }
    }

    for (const h of rows.decisions) {
      const dueAt = h.dueAt.toISOString();
      // The huddle's page is for those who run the agency's huddles; the decision's owner from elsewhere uses its emailed link.
      const runsIt = who.roles.includes('admin') || (h.huddle.agencyId === who.agencyId && who.roles.some((r) => r === 'coordinator' || r === 'manager'));
      items.push({
        kind: 'huddle-decision',
        key: h.id,
        ...(h.participantId ? { participantId: h.participantId } : {}),
        title: h.text,
        context: 'Follow-up decided at a huddle',
        dueAt,
        overdue: pastDue(dueAt, at),
        ...(runsIt ? { href: `/huddles/${enc(h.huddleId)}#${enc(h.key)}` } : { howElse: 'Record it done or not done with the link in the email about it.' }),
        action: 'Record the follow-up',
        plain: 'A follow-up decided at a huddle',
        relink: { purpose: HUDDLE_DECISION_TOKEN_PURPOSE, workflowId: h.huddleId, scope: { huddleId: h.huddleId, decision: h.key }, expiresAt: TOKEN_EXPIRY.huddleDecision(dueAt) },
      });
    }

    items.sort(compareOwed);
    return { items, problems: [...new Set(problems)] };
  }

  async function participantsById(ids: (string | undefined)[]): Promise<Map<string, WorkParticipant>> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    if (!wanted.length) return new Map();
    const rows = await db.participant.findMany({ where: { id: { in: wanted } }, select: { id: true, localRef: true, displayName: true } });
    return new Map(rows.map((p) => [p.id, p]));
  }

  /** What they started or coordinate: open sprints, plans held, escalations and disputes raised. */
  async function startedItems(who: WorkOwner, at: Date): Promise<(Omit<StartedItem, 'participant'> & { participantId: string })[]> {
    const [sprints, plans, manual, disputes] = await Promise.all([
      db.sprint.findMany({ where: { coordinatorId: who.staffId, status: 'open' }, select: { id: true, participantId: true, closesAt: true, dischargeAt: true }, orderBy: { closesAt: 'asc' }, take: MAX_ROWS }),
      db.carePlan.findMany({ where: { planHolderId: who.staffId }, select: { id: true, participantId: true, versions: { orderBy: { number: 'desc' }, take: 1, select: { number: true, createdAt: true } } }, take: MAX_ROWS }),
      // Raised by hand: who raised one is in its first audit event (indexed by the escalation's id).
      db.escalation.findMany({ where: { status: { not: 'resolved' }, sourceProcess: 'manual' }, select: { id: true, participantId: true, trigger: true, tier: true, status: true, chairId: true, responderIds: true }, orderBy: { raisedAt: 'desc' }, take: 1000 }),
      db.dispute.findMany({ where: { raisedById: who.staffId, status: 'open' }, select: { id: true, participantId: true, stage: true, stages: true }, take: MAX_ROWS }),
    ]);
    const raisedEvents = manual.length
      ? await db.auditEvent.findMany({ where: { workflowId: { in: manual.map((e) => e.id) }, action: 'escalation.raised', actorId: who.staffId }, select: { workflowId: true } })
      : [];
    const raisedIds = new Set(raisedEvents.map((e) => e.workflowId));
    // Raising gives no access of its own: an escalation raised is shown while the person may still see it.
    const raised = manual.filter((e) => raisedIds.has(e.id));
    const relations = await access.relations(who, raised.map((e) => e.participantId));
    const visibleRaised = raised.filter((e) => mayAccess(who.roles, { ...relations.get(e.participantId)!, party: e.chairId === who.staffId || e.responderIds.includes(who.staffId) }, 'escalation'));
    const disputeTitles = new Map(
      disputes.length
        ? (await db.auditEvent.findMany({ where: { workflowId: { in: disputes.map((d) => d.id) }, action: 'dispute.raised' }, select: { workflowId: true, data: true } })).map((e) => [e.workflowId, ((e.data ?? {}) as { subject?: string }).subject])
        : [],
    );
    return [
      ...sprints.map((s) => ({
        kind: 'sprint' as const,
        key: s.id,
        participantId: s.participantId,
        title: 'Post-discharge sprint',
        status: 'Open',
        role: 'you coordinate it',
        href: `/sprints/${enc(s.id)}`,
        dueAt: s.closesAt.toISOString(),
        overdue: false,
      })),
      ...plans.map((p) => ({
        kind: 'plan' as const,
        key: p.id,
        participantId: p.participantId,
        title: 'Integrated plan',
        status: p.versions[0] ? `Version ${p.versions[0].number}` : 'No version yet',
        role: 'you hold it',
        href: `/plans/${enc(p.id)}`,
        overdue: false,
      })),
      ...visibleRaised.map((e) => ({
        kind: 'escalation' as const,
        key: e.id,
        participantId: e.participantId,
        title: `${TIER_NAME[e.tier as RiskLevel] ?? e.tier} escalation: ${triggerWords(e.trigger)}`,
        status: ESCALATION_STATUS_WORDS[e.status as EscalationStatus] ?? 'Not resolved',
        role: 'you raised it',
        href: `/escalations/${enc(e.id)}`,
        overdue: false,
      })),
      ...disputes.map((d) => {
        const stage = currentStage(d as DisputeRow);
        return {
          kind: 'dispute' as const,
          key: d.id,
          participantId: d.participantId,
          title: disputeTitles.get(d.id) ?? 'Dispute between agencies',
          status: `Stage ${d.stage} of 3${stage?.label ? `, ${stage.label.toLowerCase()}` : ''}`,
          role: 'you raised it',
          href: `/disputes/${enc(d.id)}`,
          ...(stage?.dueAt ? { dueAt: stage.dueAt } : {}),
          overdue: pastDue(stage?.dueAt, at),
        };
      }),
    ];
  }

  return {
    /** How many things the person owes now, from the record alone: the header's count on every page. */
    async owedCount(who: WorkOwner): Promise<number> {
      return (await owedItems(who, { live: false })).items.length;
    },

    /**
     * The person's work, with names; `read` logs each person it names as read through that
     * channel (a page view). The digest passes none: an email to the person is not a read.
     */
    async load(who: WorkOwner & { channel?: Caller['channel'] }, opts: { log?: boolean } = {}): Promise<MyWork> {
      const at = now();
      const [{ items, problems }, started] = await Promise.all([owedItems(who, { live: true }), startedItems(who, at)]);
      const people = await participantsById([...items.map((i) => i.participantId), ...started.map((s) => s.participantId)]);
      const withPerson = <T extends { participantId?: string }>(x: T) => {
        const { participantId, ...rest } = x;
        const p = participantId ? people.get(participantId) : undefined;
        return { ...rest, ...(p ? { participant: p } : {}) };
      };
      const work: MyWork = { generatedAt: at.toISOString(), owed: items.map(withPerson) as OwedItem[], started: started.map(withPerson) as StartedItem[], problems };
      if (opts.log) {
        const reads = new Map<string, { participantId: string; what: string; item: string }>();
        for (const i of [...items, ...started]) if (i.participantId) reads.set(`${i.participantId}:${i.key}`, { participantId: i.participantId, what: READ_AS[i.kind], item: i.key });
        await access.logReads(who, [...reads.values()], who.channel ?? 'page');
      }
      return work;
    },

    /** Everyone who chose the weekly digest and still works here. */
    async digestRecipients(): Promise<string[]> {
      const rows = await db.staff.findMany({ where: { weeklyDigest: true, active: true }, select: { id: true }, orderBy: { id: 'asc' } });
      return rows.map((r) => r.id);
    },

    async digestChoice(staffId: string): Promise<boolean> {
      return (await db.staff.findUnique({ where: { id: staffId }, select: { weeklyDigest: true } }))?.weeklyDigest ?? false;
    },
  };
}

export type MyWorkService = ReturnType<typeof createMyWork>;
