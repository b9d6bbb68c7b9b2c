// What an emailed link or reply address may do: its purpose (which handler acts on it) and the
// scope stored with it. One list for the activities that mint tokens and the API that reads them.

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
/** A party's link to state its position at a dispute stage. */
export const DISPUTE_POSITION_TOKEN_PURPOSE = 'dispute-position';
/** A party's link to accept one proposal. */
export const DISPUTE_ACCEPT_TOKEN_PURPOSE = 'dispute-accept';

export const REPLY_TOKEN_PURPOSES: readonly string[] = [REPLY_TOKEN_PURPOSE, PLAN_REPLY_TOKEN_PURPOSE];
