// The plan's own steps (workflows/plan-steps.ts) for the API, the pages, the emailed links and
// the email replies: who may read and act, what is valid, and the hooks that start or signal the
// plan's workflow when a version is published or a post-discharge sprint starts. The workflow
// has the last word on state.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { AppError, parseInput, type AppErrorCode } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader, type AccessCaller } from '../access';
import { findActionToken, spendActionToken, type ActionTokenRow } from '../links/tokens';
import type { Caller } from '../sprints/service';
import type { PlanContent } from '../../domain/plan';
import type { ActionChannel, Actor } from '../../domain/sprint';
import { ZIsoDuration } from '../../domain/sprint-input';
import { isOpen, planStepsWorkflowId, type AgencyUpdateRequest, type PlanActionState, type PlanStepsState, type RapidReviewState } from '../../domain/plan-steps';
import { PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_UPDATE_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import {
  answerAgencyUpdateUpdate,
  markPlanActionDoneUpdate,
  markPlanActionNotDoneUpdate,
  planStepsStateQuery,
  planStepsWorkflow,
  planVersionPublishedSignal,
  rapidReviewTriggeredSignal,
  recordReviewNoChangeUpdate,
  requestAgencyUpdatesUpdate,
  PlanStepsRejection,
} from '../../workflows/plan-steps';

export interface PlanStepsDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// The hooks: one call each from plan create/publish and sprint start.

/**
 * A version was published (or the plan created): the plan's workflow applies it, started first
 * if the plan has none yet. For incident, hospital discharge and safeguarding, the rapid review
 * is due within `rapidReviewWithinMs` (DEFAULT_RAPID_REVIEW_MS when absent).
 */
export async function trackPlanVersion(deps: Pick<PlanStepsDeps, 'temporal' | 'taskQueue'>, v: { planId: string; participantId: string; version: number; rapidReviewWithinMs?: number | null }): Promise<void> {
  const rapidReviewWithinMs = v.rapidReviewWithinMs ?? undefined;
  await deps.temporal.workflow.signalWithStart(planStepsWorkflow, {
    taskQueue: deps.taskQueue,
    workflowId: planStepsWorkflowId(v.planId),
    args: [{ planId: v.planId, participantId: v.participantId, version: v.version, rapidReviewWithinMs }],
    signal: planVersionPublishedSignal,
    signalArgs: [{ version: v.version, rapidReviewWithinMs }],
  });
}

/** A rapid review is due by the end of the post-discharge sprint (72 hours by default), within these bounds. */
const REVIEW_WITHIN_BOUNDS_MS = { min: 10_000, max: 30 * 86_400_000 };

/**
 * A post-discharge sprint started: when the person has a plan, its rapid review starts (once per
 * sprint), due when the sprint closes (72 hours after discharge by default).
 */
export async function triggerRapidReviewOnDischarge(deps: Pick<PlanStepsDeps, 'db' | 'temporal' | 'taskQueue'>, s: { participantId: string; sprintId: string; reviewWithinMs: number }): Promise<void> {
  const plan = await deps.db.carePlan.findUnique({ where: { participantId: s.participantId }, select: { id: true, versions: { orderBy: { number: 'desc' }, take: 1, select: { number: true } } } });
  const latest = plan?.versions[0];
  if (!plan || !latest) return;
  const reviewWithinMs = Math.min(Math.max(s.reviewWithinMs, REVIEW_WITHIN_BOUNDS_MS.min), REVIEW_WITHIN_BOUNDS_MS.max);
  await deps.temporal.workflow.signalWithStart(planStepsWorkflow, {
    taskQueue: deps.taskQueue,
    workflowId: planStepsWorkflowId(plan.id),
    args: [{ planId: plan.id, participantId: s.participantId, version: latest.number }],
    signal: rapidReviewTriggeredSignal,
    signalArgs: [{ trigger: 'hospital_discharge', sprintId: s.sprintId, reviewWithinMs }],
  });
}

// ---------------------------------------------------------------------------------------------
// Inputs

const text = (max: number, missing: string) => z.string({ message: missing }).trim().min(1, missing).max(max, `must be at most ${max} characters`);
export const ZActionDone = z.object({ note: z.string().trim().max(2000, 'must be at most 2000 characters').optional() }).strict();
export const ZActionNotDone = z.object({ reason: text(2000, 'is required: say why it was not done') }).strict();
export const ZReviewNoChange = z.object({ reason: text(2000, 'is required: say why the plan needs no change') }).strict();
export const ZRequestUpdates = z
  .object({
    agencyIds: z.array(z.string().regex(/^[\w-]{1,64}$/, 'must be an agency id'), { message: 'is required: choose at least one agency' }).min(1, 'is required: choose at least one agency').max(50),
    answerWithin: ZIsoDuration.refine((ms) => ms >= 10_000 && ms <= 30 * 86_400_000, 'must be between 10 seconds and 30 days').optional(),
  })
  .strict();
export const ZAnswerUpdate = z.object({ text: text(4000, 'is required: write the update') }).strict();

export type PlanActionChoice = { type: 'done'; note?: string } | { type: 'not-done'; reason: string };

const STEP_KEY = /^[\w.-]{1,160}$/;

/** The workflow's refusals, as the API's. */
const REJECTION_CODES: Record<string, AppErrorCode> = {
  [PlanStepsRejection.unknownStep]: 'NOT_FOUND',
  [PlanStepsRejection.stepEnded]: 'CONFLICT',
  [PlanStepsRejection.notOwner]: 'FORBIDDEN',
  [PlanStepsRejection.noOpenReview]: 'CONFLICT',
  [PlanStepsRejection.alreadyAsked]: 'CONFLICT',
  InvalidInput: 'INVALID_INPUT',
};

function translate(err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = REJECTION_CODES[err.cause.type ?? ''];
    if (code) throw new AppError(code, err.cause.message, { reason: err.cause.type });
  }
  if (err instanceof WorkflowNotFoundError) throw new AppError('CONFLICT', "This plan's actions and reviews are not running yet: they start with the plan's next version.");
  translateTemporalError(err, 'plan');
}

export function createPlanStepsService(deps: PlanStepsDeps) {
  const access = createAccess({ db: deps.db, now: deps.now });
  const now = () => deps.now?.() ?? new Date();
  const handleOf = (planId: string) => deps.temporal.workflow.getHandle<typeof planStepsWorkflow>(planStepsWorkflowId(planId));

  async function loadPlan(planId: string) {
    if (!/^[\w-]{1,64}$/.test(planId)) throw new AppError('NOT_FOUND', 'No plan with that id.');
    const plan = await deps.db.carePlan.findUnique({
      where: { id: planId },
      select: { id: true, participantId: true, planHolderId: true, participant: { select: { localRef: true } }, versions: { orderBy: { number: 'desc' }, take: 1, select: { content: true } } },
    });
    if (!plan) throw new AppError('NOT_FOUND', 'No plan with that id.');
    return plan;
  }
  type Plan = Awaited<ReturnType<typeof loadPlan>>;

  /** Who the plan names: its holder and the people named on its actions, plus whoever a step was sent to. */
  const partiesOf = (plan: Plan, also: string[] = []) => {
    const content = plan.versions[0]?.content as unknown as PlanContent | undefined;
    return { staffIds: [plan.planHolderId, ...(content?.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])) ?? []), ...also], agencyIds: [] };
  };

  /** The plan, read under the plan's rule (the care team and the people it names), logged; else "no plan". */
  async function readable(caller: AccessCaller, planId: string, notFound = new AppError('NOT_FOUND', 'No plan with that id.'), also: string[] = []) {
    const plan = await loadPlan(planId);
    await access.requireProcess(caller, { participantId: plan.participantId, what: 'plan', item: plan.id, resource: 'plan', parties: partiesOf(plan, also) }, notFound);
    return plan;
  }

  /** The plan-holder, a coordinator of the care team, or an admin: acts for the whole plan. */
  async function actsForPlan(caller: Caller, plan: Plan): Promise<boolean> {
    if (caller.staffId === plan.planHolderId || caller.roles.includes('admin')) return true;
    return caller.roles.includes('coordinator') && access.may(caller, plan.participantId, 'care-team-change');
  }

  async function stateOf(planId: string): Promise<PlanStepsState | undefined> {
    try {
      return await handleOf(planId).query(planStepsStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async function update<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      translate(err);
    }
  }

  const actorOf = (caller: Caller, channel: ActionChannel): Actor => ({ staffId: caller.staffId, name: caller.name, channel });

  /** An action by its key (`action-c1-v2`) or its control's id (`c1`), as the plan stands now. */
  function actionIn(state: PlanStepsState | undefined, ref: string): PlanActionState {
    if (!STEP_KEY.test(ref)) throw new AppError('NOT_FOUND', 'This plan has no such action.');
    const current = state?.actions.filter((a) => a.removedInVersion === undefined) ?? [];
    const found = current.find((a) => a.key === ref) ?? current.find((a) => a.controlId === ref);
    if (!found) throw new AppError('NOT_FOUND', 'This plan has no such action with a due date.');
    return found;
  }

  async function markAction(caller: Caller, plan: Plan, action: PlanActionState, choice: PlanActionChoice, channel: ActionChannel): Promise<PlanActionState> {
    const base = { actor: actorOf(caller, channel), actionKey: action.key, actsForPlan: await actsForPlan(caller, plan) };
    if (!base.actsForPlan && action.owner.id !== caller.staffId) throw new AppError('FORBIDDEN', `“${action.description}” is ${action.owner.name}'s; only they, the plan-holder or a coordinator of the care team may record it.`);
    if (choice.type === 'done') {
      const { note } = parseInput(ZActionDone, { note: choice.note }, 'action');
      return update(() => handleOf(plan.id).executeUpdate(markPlanActionDoneUpdate, { args: [{ ...base, note: note || undefined }] }));
    }
    const { reason } = parseInput(ZActionNotDone, { reason: choice.reason }, 'action');
    return update(() => handleOf(plan.id).executeUpdate(markPlanActionNotDoneUpdate, { args: [{ ...base, reason }] }));
  }

  async function noChange(caller: Caller, plan: Plan, body: unknown, channel: ActionChannel): Promise<RapidReviewState> {
    const { reason } = parseInput(ZReviewNoChange, body, 'review');
    const mayAct = await actsForPlan(caller, plan);
    return update(() => handleOf(plan.id).executeUpdate(recordReviewNoChangeUpdate, { args: [{ actor: actorOf(caller, channel), actsForPlan: mayAct, reason }] }));
  }

  async function askAgencies(caller: Caller, plan: Plan, body: unknown, channel: ActionChannel): Promise<AgencyUpdateRequest[]> {
    const input = parseInput(ZRequestUpdates, body, 'request');
    const state = await stateOf(plan.id);
    if (!state?.review || !isOpen(state.review)) throw new AppError('CONFLICT', 'There is no rapid review of this plan open, so there is nothing to ask agencies about.');
    const requests = input.agencyIds.map((agencyId, i) => {
      const agency = state.agencies.find((a) => a.agencyId === agencyId);
      if (!agency) throw new AppError('INVALID_INPUT', 'The request has invalid fields.', { fields: [{ field: `agencyIds.${i}`, message: 'is not an agency the plan names' }] });
      if (!agency.contact) throw new AppError('INVALID_INPUT', 'The request has invalid fields.', { fields: [{ field: `agencyIds.${i}`, message: `${agency.name} has nobody careloop can ask: name a person for it on an action of the plan, or give it a coordinator` }] });
      return { agencyId, agencyName: agency.name, to: agency.contact };
    });
    const mayAct = await actsForPlan(caller, plan);
    return update(() => handleOf(plan.id).executeUpdate(requestAgencyUpdatesUpdate, { args: [{ actor: actorOf(caller, channel), actsForPlan: mayAct, requests, answerWithinMs: input.answerWithin }] }));
  }

  async function answer(caller: Caller, plan: Plan, requestKey: string, body: unknown, channel: ActionChannel): Promise<AgencyUpdateRequest> {
    const { text: said } = parseInput(ZAnswerUpdate, body, 'update');
    if (!STEP_KEY.test(requestKey)) throw new AppError('NOT_FOUND', 'This plan has no such update request.');
    const mayAct = await actsForPlan(caller, plan);
    return update(() => handleOf(plan.id).executeUpdate(answerAgencyUpdateUpdate, { args: [{ actor: actorOf(caller, channel), actsForPlan: mayAct, requestKey, text: said }] }));
  }

  /** A step's link: the token's scope names the plan and the step; its holder reads under the plan's rule. */
  async function linkContext(row: ActionTokenRow) {
    const scope = z.object({ planId: z.string(), step: z.string().regex(STEP_KEY) }).safeParse(row.scope);
    if (!scope.success) throw LINK_NOT_VALID();
    const plan = await readable(linkReader(row.staff), scope.data.planId, LINK_NOT_VALID(), [row.staff.id]);
    const state = await stateOf(plan.id);
    if (!state) throw LINK_NOT_VALID();
    return { plan, state, step: scope.data.step, caller: linkHolder(row.staff) };
  }
  const requestIn = (state: PlanStepsState, key: string) => state.review?.requests.find((q) => q.key === key);
  const spendUnlessEnded = (err: unknown) => err instanceof AppError && err.code === 'CONFLICT';

  return {
    stateOf,

    /** The plan's steps for a reader of the plan, and whether they may act for the whole plan. */
    async get(caller: Caller, planId: string) {
      const plan = await readable(caller, planId);
      const state = await stateOf(plan.id);
      return { planId: plan.id, participantRef: plan.participant.localRef, planHolderId: plan.planHolderId, actsForPlan: await actsForPlan(caller, plan), state };
    },

    async markAction(caller: Caller, planId: string, actionRef: string, choice: PlanActionChoice, channel: ActionChannel = 'api') {
      const plan = await readable(caller, planId);
      return markAction(caller, plan, actionIn(await stateOf(plan.id), actionRef), choice, channel);
    },

    async recordNoChange(caller: Caller, planId: string, body: unknown, channel: ActionChannel = 'api') {
      return noChange(caller, await readable(caller, planId), body, channel);
    },

    async requestUpdates(caller: Caller, planId: string, body: unknown, channel: ActionChannel = 'api') {
      return askAgencies(caller, await readable(caller, planId), body, channel);
    },

    async answerUpdate(caller: Caller, planId: string, requestKey: string, body: unknown, channel: ActionChannel = 'api') {
      return answer(caller, await readable(caller, planId), requestKey, body, channel);
    },

    // -- Emailed links: checked (and read) on GET, acted on and spent on POST --------------------

    async inspectActionLink(row: ActionTokenRow) {
      const { plan, state, step } = await linkContext(row);
      const action = state.actions.find((a) => a.key === step);
      if (!action) throw LINK_NOT_VALID();
      return { plan: { id: plan.id, participantRef: plan.participant.localRef }, state, action };
    },

    /** Spends the link once the action is recorded; given back if nothing happened (unless it had ended meanwhile). */
    async actWithActionLink(row: ActionTokenRow, choice: PlanActionChoice) {
      const { plan, state, step, caller } = await linkContext(row);
      const action = state.actions.find((a) => a.key === step);
      if (!action) throw LINK_NOT_VALID();
      return spendActionToken(deps.db, row, now(), () => markAction(caller, plan, action, choice, 'link'), spendUnlessEnded);
    },

    async inspectReviewLink(row: ActionTokenRow) {
      const { plan, state, step } = await linkContext(row);
      if (state.review?.key !== step) throw new AppError('GONE', 'This link no longer works: a newer rapid review has replaced this one.');
      return { plan: { id: plan.id, participantRef: plan.participant.localRef }, state, review: state.review };
    },

    /** "Reviewed, no change" spends the review link; asking agencies does not. */
    async noChangeWithReviewLink(row: ActionTokenRow, body: unknown) {
      const { plan, caller } = await linkContext(row);
      await this.inspectReviewLink(row);
      return spendActionToken(deps.db, row, now(), () => noChange(caller, plan, body, 'link'), spendUnlessEnded);
    },

    async requestUpdatesWithReviewLink(row: ActionTokenRow, body: unknown) {
      const { plan, caller } = await linkContext(row);
      await this.inspectReviewLink(row);
      return askAgencies(caller, plan, body, 'link');
    },

    async inspectUpdateLink(row: ActionTokenRow) {
      const { plan, state, step } = await linkContext(row);
      const request = requestIn(state, step);
      if (!request) throw new AppError('GONE', 'This link no longer works: a newer rapid review has replaced the one this update was for.');
      return { plan: { id: plan.id, participantRef: plan.participant.localRef }, state, review: state.review!, request };
    },

    async answerWithUpdateLink(row: ActionTokenRow, body: unknown) {
      const { plan, caller } = await linkContext(row);
      const { request } = await this.inspectUpdateLink(row);
      return spendActionToken(deps.db, row, now(), () => answer(caller, plan, request.key, body, 'link'), spendUnlessEnded);
    },

    // -- Email replies: only from the person the email went to -----------------------------------

    /** "done" / "not done: <why>" in a reply to an action's email. */
    async actWithActionReply(token: string, senderEmail: string, choice: PlanActionChoice) {
      const row = await findActionToken(deps.db, token, now(), [PLAN_ACTION_REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== senderEmail.trim().toLowerCase()) throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      const { plan, state, step } = await linkContext(row);
      const action = state.actions.find((a) => a.key === step);
      if (!action) throw LINK_NOT_VALID();
      const recorded = await markAction(linkHolder(row.staff, 'reply'), plan, action, choice, 'email-reply');
      return { staff: row.staff, participantRef: plan.participant.localRef, action: recorded };
    },

    /** A reply to an update request: its text is the update. */
    async answerWithUpdateReply(token: string, senderEmail: string, said: string) {
      const row = await findActionToken(deps.db, token, now(), [PLAN_UPDATE_REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== senderEmail.trim().toLowerCase()) throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      const { plan, state, step } = await linkContext(row);
      if (!requestIn(state, step)) throw LINK_NOT_VALID();
      const request = await answer(linkHolder(row.staff, 'reply'), plan, step, { text: said }, 'email-reply');
      return { staff: row.staff, participantRef: plan.participant.localRef, request };
    },

    /** Who the reply token belongs to, for the answer email when a reply cannot be read at all. */
    async replyOwner(token: string) {
      const row = await findActionToken(deps.db, token, now(), [PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_UPDATE_REPLY_TOKEN_PURPOSE]);
      return row.staff;
    },
  };
}

export type PlanStepsService = ReturnType<typeof createPlanStepsService>;
