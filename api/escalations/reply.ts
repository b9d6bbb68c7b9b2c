// Acting on a reply to an escalation email (api/inbound.ts hands it in): the commands read from it
// (domain/escalation-reply-commands.ts) become the escalation service's steps, taken as the person
// the email went to, through the same rules as the page and the link. The reply address is not
// spent by a command: it covers every escalation its email listed, for every step, until each of
// them has ended; each command is checked against its escalation's state instead.
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { AppError } from '../errors';
import { linkHolder } from '../access';
import { findActionToken } from '../links/tokens';
import { ESCALATION_REPLY_TOKEN_PURPOSE, TOKEN_PURPOSES } from '../../domain/tokens';
import type { EscalationReplyAction, EscalationReplyCommand } from '../../domain/escalation-reply-commands';
import type { EscalationReplyResult } from '../../domain/emails/escalation-reply-answer';
import type { EscalationService } from './service';

export interface EscalationReplyDeps {
  db: Db;
  escalations: EscalationService;
}

/** What the address's token holds: the escalations its email listed, in the email's order. */
const ZEscalationReplyScope = z.object({ escalations: z.array(z.string().min(1).max(300)).min(1).max(100) });

/** The escalations a reply address covers, or a "not valid" refusal for a scope careloop did not write. */
export function escalationsOfScope(scope: unknown): string[] {
  const parsed = ZEscalationReplyScope.safeParse(scope);
  if (!parsed.success) throw new AppError('NOT_FOUND', 'This reply address is not valid. Open the link in the careloop email instead.');
  return parsed.data.escalations;
}

/** The words for a failure that has no AppError message a person can act on. */
function reasonOf(err: AppError): string {
  const fields = err.details?.fields?.map((f) => f.message).join('; ');
  if (err.code === 'INVALID_INPUT' && fields) return `${err.userMessage.replace(/\.$/, '')}: ${fields}.`;
  if (err.code === 'NOT_FOUND') return 'careloop could not find this escalation, or it is not one you are named in.';
  return err.userMessage;
}

export function createEscalationReplies(deps: EscalationReplyDeps) {
  const { db, escalations } = deps;

  /** The escalations' participant references and whether each has ended, from their reporting rows. */
  async function rowsOf(ids: readonly string[]) {
    const rows = await db.escalation.findMany({ where: { id: { in: [...ids] } }, select: { id: true, status: true, participantId: true } });
    const participants = await db.participant.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.participantId))] } }, select: { id: true, localRef: true } });
    const refOf = new Map(participants.map((p) => [p.id, p.localRef]));
    return new Map(rows.map((r) => [r.id, { ended: r.status === 'resolved', participantRef: refOf.get(r.participantId) }]));
  }

  return {
    /**
     * Whether a reply address still has something to act on: refused (a GONE AppError, in the
     * purpose's words) once every escalation it lists has ended. Checked before a message is
     * accepted, so mail to a finished incident costs no parse.
     */
    async checkAddress(scope: unknown): Promise<void> {
      const ids = escalationsOfScope(scope);
      const rows = await rowsOf(ids);
      if (ids.every((id) => rows.get(id)?.ended)) throw new AppError('GONE', TOKEN_PURPOSES[ESCALATION_REPLY_TOKEN_PURPOSE].noLongerWorks);
    },

    /**
     * Takes each command, in the reply's order, on the escalations it names by number, or on each
     * one the email listed when it names none. Only the person the email went to may act with it
     * (FORBIDDEN otherwise, and nothing is done); a command an escalation's rules refuse (not its
     * chair, not at that step, resolved) is reported with why, and the others still go ahead.
     */
    async actWithEscalationReply(token: string, senderEmail: string, commands: readonly EscalationReplyCommand[], now: Date = new Date()) {
      const row = await findActionToken(db, token, now, [ESCALATION_REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== senderEmail.trim().toLowerCase()) {
        throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      }
      const ids = escalationsOfScope(row.scope);
      const rows = await rowsOf(ids);
      const caller = linkHolder(row.staff, 'reply');

      const take = async (id: string, action: EscalationReplyAction): Promise<{ noteAdded?: boolean }> => {
        switch (action.type) {
          case 'acknowledge':
            await escalations.acknowledge(caller, id, {}, 'email-reply');
            if (!action.note) return {};
            await escalations.addNote(caller, id, { text: action.note }, 'email-reply');
            return { noteAdded: true };
          case 'respond':
            await escalations.respond(caller, id, { responseAction: action.responseAction }, 'email-reply');
            return {};
          case 'resolve':
            await escalations.resolve(caller, id, { outcome: action.outcome }, 'email-reply');
            return {};
          case 'note':
            await escalations.addNote(caller, id, { text: action.text }, 'email-reply');
            return {};
        }
      };

      const results: EscalationReplyResult[] = [];
      for (const c of commands) {
        const numbers = c.numbers ?? ids.map((_, i) => i + 1);
        const missing = numbers.filter((n) => n > ids.length);
        if (missing.length) {
          const listed = ids.length === 1 ? 'The email listed one escalation' : `The email listed ${ids.length} escalations`;
          results.push({ action: c.action.type, ok: false, message: `${listed}: there is no escalation ${missing.join(', ')} in it.` });
        }
        for (const number of numbers.filter((n) => n <= ids.length)) {
          const id = ids[number - 1]!;
          const base = { number, participantRef: rows.get(id)?.participantRef, action: c.action.type };
          try {
            results.push({ ...base, ok: true, message: '', ...(await take(id, c.action)) });
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            results.push({ ...base, ok: false, message: reasonOf(err) });
          }
        }
      }
      return { staff: row.staff, listed: ids.length, participantRefs: [...rows.values()].flatMap((r) => (r.participantRef ? [r.participantRef] : [])), results };
    },
  };
}

export type EscalationReplies = ReturnType<typeof createEscalationReplies>;
