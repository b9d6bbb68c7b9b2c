// Acting on a reply to a dispute email (api/inbound.ts hands it in): the commands read from it
// (domain/dispute-replies.ts) become the dispute service's steps, taken as the person the email
// went to, through the same rules as the page and the link. A party's address takes position,
// propose, accept, decline and counter; the interim owner's takes progress and done. The address
// is not spent by a command: it works until the dispute closes, each command checked against the
// dispute as it stands.
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { AppError } from '../errors';
import { linkHolder } from '../access';
import { findActionToken } from '../links/tokens';
import { DISPUTE_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import { parseDisputeReply, type DisputeReplyCommand } from '../../domain/dispute-replies';
import { disputeReplyAnswerEmail, type DisputeReplyResult } from '../../domain/emails/dispute';
import type { EmailContent } from '../../domain/emails/types';
import type { DisputeState } from '../../domain/dispute';
import { awaitingAnswer, type DisputeAction, type DisputeService } from './service';

export interface DisputeReplyOutcome {
  /** Who the answer goes to: the person the email went to, never the claimed sender. */
  to: string;
  answer: EmailContent;
  recorded: number;
}

/** What the address's token holds: the dispute, whose it is (a party's or the interim owner's), and the proposal its email asked about. */
const ZDisputeReplyScope = z.object({ disputeId: z.string().min(1).max(300), role: z.enum(['party', 'interim']), proposalId: z.string().regex(/^p\d{1,4}$/).optional() });

const PARTY_COMMANDS: readonly DisputeReplyCommand['type'][] = ['position', 'propose', 'accept', 'decline', 'counter'];

/** A command in words, for the answer: "Position", "Decline p2". */
function what(c: DisputeReplyCommand, proposalId?: string): string {
  const p = proposalId ? ` ${proposalId}` : '';
  switch (c.type) {
    case 'position':
      return 'Your agency’s position';
    case 'propose':
      return 'Your proposal';
    case 'accept':
      return `Accept${p}`;
    case 'decline':
      return `Decline${p}`;
    case 'counter':
      return `Counter-proposal to${p || ' a proposal'}`;
    case 'progress':
      return c.done ? 'The step recorded as done' : 'Progress on the step';
  }
}

/** The words of a refusal a person can act on; a field problem with its field's words. */
function reasonOf(err: AppError): string {
  const fields = err.details?.fields?.map((f) => f.message).join('; ');
  if (err.code === 'INVALID_INPUT' && fields) return `${err.userMessage.replace(/\.$/, '')}: ${fields}.`;
  return err.userMessage;
}

export function createDisputeReplies(deps: { db: Db; disputes: DisputeService }) {
  const { db, disputes } = deps;

  /** The proposal a command is about: the one it names, the one the email asked about, or the only one waiting for the agency. */
  function proposalFor(c: { proposalId?: string }, scopeProposal: string | undefined, s: DisputeState, agencyId: string): string {
    if (c.proposalId) return c.proposalId;
    if (scopeProposal) return scopeProposal;
    const waiting = awaitingAnswer(s, agencyId);
    if (waiting.length === 1) return waiting[0]!.id;
    throw new AppError('INVALID_INPUT', waiting.length ? `Name the proposal: ${waiting.map((p) => p.id).join(' and ')} are waiting for your agency’s answer, e.g. "accept ${waiting[0]!.id}".` : 'No proposal is waiting for your agency’s answer.');
  }

  return {
    /**
     * One reply, from `from`, to a dispute reply address. Throws FORBIDDEN when the sender is not
     * the person the email went to (nothing is done), and other AppErrors when the address
     * stopped working meanwhile; otherwise each command is taken in order and the answer says
     * what became of each.
     */
    async act(token: string, from: string, text: string, now: Date = new Date()): Promise<DisputeReplyOutcome> {
      const row = await findActionToken(db, token, now, [DISPUTE_REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== from.trim().toLowerCase()) throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      const scope = ZDisputeReplyScope.safeParse(row.scope);
      if (!scope.success || scope.data.disputeId !== row.workflowId) throw new AppError('NOT_FOUND', 'This reply address is not valid. Open the link in the careloop email instead.');
      const { role, proposalId: scopeProposal } = scope.data;
      const caller = linkHolder(row.staff, 'reply');
      // Read under the one access rule, as the person the email went to; the read is logged.
      let state = await disputes.get(caller, row.workflowId);
      const reply = parseDisputeReply(text);
      const results: DisputeReplyResult[] = [];
      for (const c of reply.commands) {
        const allowed = role === 'interim' ? c.type === 'progress' : PARTY_COMMANDS.includes(c.type);
        if (!allowed) {
          results.push({ what: what(c), ok: false, message: role === 'interim' ? 'This address is for the interim owner’s progress: write "progress: ..." or "done".' : 'This address is for your agency’s steps; progress on the step is the interim owner’s.' });
          continue;
        }
        let label = what(c);
        try {
          const needsProposal = c.type === 'accept' || c.type === 'decline' || c.type === 'counter';
          const pid = needsProposal ? proposalFor(c, scopeProposal, state, row.staff.agencyId) : undefined;
          label = what(c, pid);
          const [action, body]: [DisputeAction, Record<string, unknown>] =
            c.type === 'position'
              ? ['position', { statement: c.statement }]
              : c.type === 'propose'
                ? ['propose', { terms: c.terms }]
                : c.type === 'accept'
                  ? ['accept', { proposalId: pid }]
                  : c.type === 'decline'
                    ? ['decline', { proposalId: pid, reason: c.reason }]
                    : c.type === 'counter'
                      ? ['counter', { proposalId: pid, terms: c.terms }]
                      : ['progress', { note: c.note, done: c.done }];
          state = await disputes.takeAction(caller, row.workflowId, action, body, 'email-reply');
          results.push({ what: label, ok: true });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          results.push({ what: label, ok: false, message: reasonOf(err) });
        }
      }
      const closedWords = state.status !== 'open' ? `The dispute is ${state.status} now.` : undefined;
      const answer = disputeReplyAnswerEmail({ name: row.staff.name, participantRef: state.participant.localRef, results, unrecognised: reply.unrecognised, role, proposalId: scopeProposal, closedWords });
      return { to: row.staff.email, answer, recorded: results.filter((r) => r.ok).length };
    },
  };
}

export type DisputeReplies = ReturnType<typeof createDisputeReplies>;
