// Every side effect careloop has, merged into one object the worker registers.
// Workflows import only the type of this factory's result.
import type { Db } from '../runtime/db';
import type { Mailer } from '../runtime/mailer';
import { recordAuditEvent, type AuditEventInput } from './audit';
import { createDisputeActivities } from './dispute';
import { createEscalationActivities } from './escalation';
import { createNotificationActivities } from './notifications';
import { createSprintActivities } from './sprint';

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
  now?: () => Date;
}

export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes one audit event; idempotent on `idempotencyKey`, so a retry writes nothing new. */
    async recordAudit(input: Omit<AuditEventInput, 'at'> & { idempotencyKey: string; at?: string }): Promise<{ seq: number; hash: string }> {
      const event = await recordAuditEvent(deps.db, { ...input, at: input.at ? new Date(input.at) : deps.now?.() });
      return { seq: event.seq, hash: event.hash };
    },
    ...createNotificationActivities(deps),
    ...createSprintActivities(deps),
    ...createEscalationActivities(deps),
    ...createDisputeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
