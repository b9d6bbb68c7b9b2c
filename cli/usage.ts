// What every CLI command shares: the usage error (printed without a stack), flag validation with
// zod, and the actor the audit trail names for the CLI.
import { userInfo } from 'node:os';
import type { z } from 'zod';
import type { AdminActor } from '../api/people/staff-service';

export class UsageError extends Error {}

export function need<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--${flag} ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export const cliActor = (): AdminActor => {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the event still says it came from the CLI.
  }
  return { actor: `cli:${user}`, actorId: null };
};

