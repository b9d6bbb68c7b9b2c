// Every side effect careloop has, merged into one object the worker registers.
// Workflows import only the type of this factory's result.
import type { Db } from '../runtime/db';
import type { Mailer } from '../runtime/mailer';
import { createDigestActivities } from './digest';
import { createDisputeActivities } from './dispute';
import { createEscalationActivities } from './escalation';
import { createHuddleActivities } from './huddle';
import { createNotificationActivities } from './notifications';
import { createNoticeActivities } from './notices';
import { createPlanActivities } from './plan';
import { createPlanStepsActivities } from './plan-steps';
import { createRecordActivities } from './record';
import { createSprintActivities } from './sprint';
import { createWorkingAgreementActivities } from './working-agreement';

export type { Commit, ProcessEvent, TokenRevocation } from './record';
export type { ProcessEmail } from './notifications';
export type { EscalationNotice, NoticeKind } from './notices';

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  links: {
    /** Where people open careloop: action links in emails start here. */
    publicBaseUrl: string;
    /** Reply-To addresses are ack+<token>@inboundDomain. */
    inboundDomain: string;
    /** Deadlines in emails are shown in this zone. */
    timeZone: string;
  };
  /** Escalation emails about one participant wait this long for each other (activities/notices.ts); default five minutes. */
  notices?: { groupWindowMs: number };
  now?: () => Date;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createRecordActivities(deps),
    ...createNotificationActivities(deps),
    ...createNoticeActivities(deps),
    ...createSprintActivities(deps),
    ...createPlanActivities(deps),
    ...createPlanStepsActivities(deps),
    ...createEscalationActivities(deps),
    ...createDisputeActivities(deps),
    ...createHuddleActivities(deps),
    ...createWorkingAgreementActivities(deps),
    ...createDigestActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
