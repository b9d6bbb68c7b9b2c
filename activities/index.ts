// Every side effect careloop has, merged into one object the worker registers.
// Workflows import only the type of this factory's result.
import type { Db } from '../runtime/db';
import type { Mailer } from '../runtime/mailer';
import { recordAuditEvent, type AuditEventInput } from './audit';

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  now?: () => Date;
}

export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes one audit event; idempotent on `idempotencyKey`, so a retry writes nothing new. */
    async recordAudit(input: AuditEventInput & { idempotencyKey: string }): Promise<{ seq: number; hash: string }> {
      const event = await recordAuditEvent(deps.db, { ...input, at: input.at ? new Date(input.at) : deps.now?.() });
      return { seq: event.seq, hash: event.hash };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
