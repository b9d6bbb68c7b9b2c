// What an emailed link or reply address may do: its purpose (which handler acts on it), the
// scope stored with it, how long it lives, and what a holder is told once it stops working. One
// list for the activities that mint tokens and the API that reads them.

/** A link to one sprint task: show it, then complete / not applicable / refuse. */
export const TASK_TOKEN_PURPOSE = 'sprint-task';
/** The reply address of a sprint email: the tasks it listed, by number. */
export const REPLY_TOKEN_PURPOSE = 'sprint-reply';
/** A link to one plan version's change note: acknowledge it. */
export const PLAN_TOKEN_PURPOSE = 'plan-version';
/** The reply address of a plan-change email: "acknowledged". */
export const PLAN_REPLY_TOKEN_PURPOSE = 'plan-reply';
/** A chair's link to an escalation. */
export const ESCALATION_TOKEN_PURPOSE = 'escalation';
/** A responder's link to read an escalation (never spent; changes nothing). */
export const ESCALATION_VIEW_TOKEN_PURPOSE = 'escalation-view';
/** The reply address of an escalation email: the escalations it listed, by number. */
export const ESCALATION_REPLY_TOKEN_PURPOSE = 'escalation-reply';
/** A party's link to state its position at a dispute stage. */
export const DISPUTE_POSITION_TOKEN_PURPOSE = 'dispute-position';
/** A party's link to accept one proposal. */
export const DISPUTE_ACCEPT_TOKEN_PURPOSE = 'dispute-accept';
/** Governance's link to record the binding decision at stage 3. */
export const DISPUTE_DECISION_TOKEN_PURPOSE = 'dispute-decision';
/** The interim owner's link: record progress on the disputed step, see the dispute. */
export const DISPUTE_INTERIM_TOKEN_PURPOSE = 'dispute-interim';
/** The reply address of a dispute email: a party's position, proposal, acceptance, decline or counter-proposal; the interim owner's progress. */
export const DISPUTE_REPLY_TOKEN_PURPOSE = 'dispute-reply';
/** An owner's link to one of the plan's actions: done, or not done with why. */
export const PLAN_ACTION_TOKEN_PURPOSE = 'plan-action';
/** The reply address of a plan action's email: "done" or "not done: <why>". */
export const PLAN_ACTION_REPLY_TOKEN_PURPOSE = 'plan-action-reply';
/** The plan-holder's link to a rapid review: "reviewed, no change" with a reason, and asking agencies for updates. */
export const PLAN_REVIEW_TOKEN_PURPOSE = 'plan-review';
/** An agency contact's link to send an update on changed risk factors for a rapid review. */
export const PLAN_UPDATE_TOKEN_PURPOSE = 'plan-update';
/** The reply address of an update request: the reply's text is the update. */
export const PLAN_UPDATE_REPLY_TOKEN_PURPOSE = 'plan-update-reply';
/** A huddle decision's owner's link: see what was decided, record it done or not done. */
export const HUDDLE_DECISION_TOKEN_PURPOSE = 'huddle-decision';

export type LinkPurpose =
  | typeof TASK_TOKEN_PURPOSE
  | typeof PLAN_TOKEN_PURPOSE
  | typeof ESCALATION_TOKEN_PURPOSE
  | typeof ESCALATION_VIEW_TOKEN_PURPOSE
  | typeof DISPUTE_POSITION_TOKEN_PURPOSE
  | typeof DISPUTE_ACCEPT_TOKEN_PURPOSE
  | typeof DISPUTE_DECISION_TOKEN_PURPOSE
  | typeof DISPUTE_INTERIM_TOKEN_PURPOSE
  | typeof PLAN_ACTION_TOKEN_PURPOSE
  | typeof PLAN_REVIEW_TOKEN_PURPOSE
  | typeof PLAN_UPDATE_TOKEN_PURPOSE
  | typeof HUDDLE_DECISION_TOKEN_PURPOSE;
export type ReplyPurpose =
  | typeof REPLY_TOKEN_PURPOSE
  | typeof PLAN_REPLY_TOKEN_PURPOSE
  | typeof ESCALATION_REPLY_TOKEN_PURPOSE
  | typeof PLAN_ACTION_REPLY_TOKEN_PURPOSE
  | typeof PLAN_UPDATE_REPLY_TOKEN_PURPOSE
  | typeof DISPUTE_REPLY_TOKEN_PURPOSE;
export type TokenPurpose = LinkPurpose | ReplyPurpose;

export interface TokenPurposeRule {
  /** `link`: opened at /a/<token> (GET shows, POST acts and spends it); `reply`: the Reply-To of an email. */
  channel: 'link' | 'reply';
  /** What the scope column holds. */
  scope: string;
  /** How long it lives; the workflow that mints it sets `expiresAt` by this rule. */
  lifetime: string;
  /** Said to a holder once the token is revoked. */
  noLongerWorks: string;
}

export const TOKEN_PURPOSES: Record<TokenPurpose, TokenPurposeRule> = {
  [TASK_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ task: <task key> }',
    lifetime: 'until the sprint closes',
    noLongerWorks: 'This link no longer works: the task has ended, been reassigned, or the sprint has closed.',
  },
  [REPLY_TOKEN_PURPOSE]: {
    channel: 'reply',
    scope: '{ tasks: [<task key>, ...] } in the order the email listed them',
    lifetime: 'until the sprint closes; stays usable for the email\'s other tasks',
    noLongerWorks: 'This reply address no longer works: its tasks have ended or the sprint has closed.',
  },
  [PLAN_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ planId, version }',
    lifetime: 'twice the acknowledgement deadline, at least 30 days',
    noLongerWorks: 'This link no longer works: it has been acknowledged, or a newer version of the plan has replaced this one.',
  },
  [PLAN_REPLY_TOKEN_PURPOSE]: {
    channel: 'reply',
    scope: '{ planId, version }',
    lifetime: 'twice the acknowledgement deadline, at least 30 days',
    noLongerWorks: 'This reply address no longer works: the plan change has been acknowledged, or a newer version of the plan has replaced it.',
  },
  [ESCALATION_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ escalationId, tier }',
    lifetime: "7 days after the tier's response deadline; it leads through every step and is spent when the outcome is recorded",
    noLongerWorks: 'This link no longer works: the escalation has moved to another chair or been resolved.',
  },
  [ESCALATION_VIEW_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ escalationId }',
    lifetime: "7 days after the tier's response deadline; read-only, never spent",
    noLongerWorks: 'This link no longer works: the escalation has been resolved.',
  },
  [ESCALATION_REPLY_TOKEN_PURPOSE]: {
    channel: 'reply',
    scope: '{ escalations: [<escalation id>, ...] } in the order the email listed them',
    lifetime: '7 days after the latest response deadline among them; one escalation ending does not end it (each command is checked against its escalation)',
    noLongerWorks: 'This reply address no longer works: its escalations have ended.',
  },
  [DISPUTE_POSITION_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ disputeId, stage }',
    lifetime: "30 days after the stage's deadline; carries every party action (position, proposal, accept, decline, counter-proposal) and is never spent; ends when the dispute closes",
    noLongerWorks: 'This link no longer works: the dispute has closed.',
  },
  [DISPUTE_ACCEPT_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ disputeId, proposalId }',
    lifetime: "30 days after the stage's deadline; accept, decline or counter-propose, and every other party action; never spent; ends when the dispute closes",
    noLongerWorks: 'This link no longer works: the dispute has closed.',
  },
  [DISPUTE_DECISION_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ disputeId, stage: 3 }',
    lifetime: "30 days after stage 3's deadline; spent by the decision",
    noLongerWorks: 'This link no longer works: the dispute has closed.',
  },
  [DISPUTE_INTERIM_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ disputeId }',
    lifetime: '30 days after the progress it asks for is due; never spent; ends when the dispute closes',
    noLongerWorks: 'This link no longer works: the dispute has closed, and the step is carried on as its outcome says.',
  },
  [DISPUTE_REPLY_TOKEN_PURPOSE]: {
    channel: 'reply',
    scope: "{ disputeId, role: 'party' | 'interim', proposalId? }",
    lifetime: "30 days after the deadline its email was sent for; ends when the dispute closes",
    noLongerWorks: 'This reply address no longer works: the dispute has closed.',
  },
  [PLAN_ACTION_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ planId, step: <action step key> }',
    lifetime: "30 days after the action's deadline; ends when the action ends, moves to another owner or leaves the plan",
    noLongerWorks: 'This link no longer works: the action has been recorded, moved to someone else, or is no longer in the plan.',
  },
  [PLAN_ACTION_REPLY_TOKEN_PURPOSE]: {
    channel: 'reply',
    scope: '{ planId, step: <action step key> }',
    lifetime: "30 days after the action's deadline; ends with the action",
    noLongerWorks: 'This reply address no longer works: the action has been recorded, moved to someone else, or is no longer in the plan.',
  },
  [PLAN_REVIEW_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ planId, step: review-<n> }',
    lifetime: "30 days after the review's deadline; stays usable for asking agencies, spent by \"reviewed, no change\", ends with the review",
    noLongerWorks: 'This link no longer works: the rapid review has ended.',
  },
  [PLAN_UPDATE_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ planId, step: <update request key> }',
    lifetime: "30 days after the update's deadline; ends when the update is sent or the review ends",
    noLongerWorks: 'This link no longer works: the update has been sent, or the rapid review has ended.',
  },
  [PLAN_UPDATE_REPLY_TOKEN_PURPOSE]: {
    channel: 'reply',
    scope: '{ planId, step: <update request key> }',
    lifetime: "30 days after the update's deadline; ends when the update is sent or the review ends",
    noLongerWorks: 'This reply address no longer works: the update has been sent, or the rapid review has ended.',
  },
  [HUDDLE_DECISION_TOKEN_PURPOSE]: {
    channel: 'link',
    scope: '{ huddleId, decision: decision-<n> }',
    lifetime: "30 days after the decision's follow-up is due; spent when it is recorded done or not done",
    noLongerWorks: 'This link no longer works: the decision has been recorded as done or not done.',
  },
};

const DAY_MS = 86_400_000;
const isoAt = (ms: number) => new Date(ms).toISOString();

/**
 * When the links and reply addresses of each process's emails expire: the lifetimes in
 * TOKEN_PURPOSES as arithmetic. Pure and clock-free, so workflows may call them.
 */
export const TOKEN_EXPIRY = {
  /** A sprint's task links and reply address: until it closes. */
  sprint: (closesAtIso: string): string => closesAtIso,
  /** A plan change's links and reply address: twice the acknowledgement deadline, at least 30 days. */
  planChange: (startMs: number, ackDeadlineMs: number): string => isoAt(startMs + Math.max(ackDeadlineMs * 2, 30 * DAY_MS)),
  /** A chair's link: 7 days after the tier's response deadline. */
  escalation: (respondDueAtIso: string): string => isoAt(Date.parse(respondDueAtIso) + 7 * DAY_MS),
  /** A party's dispute links: 30 days after the stage's deadline. */
  dispute: (stageDueAtIso: string): string => isoAt(Date.parse(stageDueAtIso) + 30 * DAY_MS),
  /** A plan step's links and reply address (an action, the review, an update): 30 days after its deadline. */
  planStep: (dueAtIso: string): string => isoAt(Date.parse(dueAtIso) + 30 * DAY_MS),
  /** A huddle decision's link: 30 days after its follow-up is due. */
  huddleDecision: (dueAtIso: string): string => isoAt(Date.parse(dueAtIso) + 30 * DAY_MS),
} as const;

/** The purposes opened as /a/<token> pages; the others are reply addresses. */
export const LINK_PURPOSES = (Object.keys(TOKEN_PURPOSES) as TokenPurpose[]).filter((p): p is LinkPurpose => TOKEN_PURPOSES[p].channel === 'link');

export const REPLY_TOKEN_PURPOSES: readonly string[] = [REPLY_TOKEN_PURPOSE, PLAN_REPLY_TOKEN_PURPOSE, ESCALATION_REPLY_TOKEN_PURPOSE, PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_UPDATE_REPLY_TOKEN_PURPOSE, DISPUTE_REPLY_TOKEN_PURPOSE];

export function isTokenPurpose(purpose: string): purpose is TokenPurpose {
  return Object.hasOwn(TOKEN_PURPOSES, purpose);
}

/** A sign-in link lives 15 minutes and is spent once used. */
export const SIGNIN_LINK_TTL_MS = 15 * 60_000;

/** Tokens are base64url of at least 128 random bits; anything else is not worth a lookup. */
export const TOKEN_SHAPE = /^[\w-]{20,100}$/;

/**
 * What a link or reply holder may do: act as the person it was sent to, on the item its scope
 * names, with their own roles but never an administrator's (a link in a mailbox is not a
 * signed-in administrator).
 */
export function linkHolderRoles<R extends string>(roles: readonly R[]): R[] {
  return roles.filter((r) => r !== 'admin');
}
