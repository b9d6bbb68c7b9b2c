// The answer to a reply to an escalation email: what was recorded, what was not and why, and how
// to write a reply careloop can read. No clinical detail: the escalation's number in the email
// and the participant's reference, never the text the person wrote back.
import { escalationReplySyntax, type EscalationReplyAction, type ParsedEscalationReply } from '../escalation-reply-commands';
import { emailHtml, PLAIN_FOOTER, type EmailItem } from './html';
import type { EmailContent } from './types';

/** What happened to one command on one escalation, in the reply's order. */
export interface EscalationReplyResult {
  /** The escalation's number in the email; absent when the number written matches none. */
  number?: number;
  /** The participant's reference, when the escalation is known. */
  participantRef?: string;
  action: EscalationReplyAction['type'];
  ok: boolean;
  /** Why it was not recorded, in words (from the escalation's rules); empty when recorded. */
  message: string;
  /** An acknowledgement's words after the command, added as a note. */
  noteAdded?: boolean;
}

/** What was recorded, and the next step when the same reply did not take it. */
const RECORDED: Record<EscalationReplyAction['type'], { done: string; next?: string }> = {
  acknowledge: { done: 'Acknowledged: you have taken ownership.', next: 'Next, record the response action (reply "response: <the response action taken>").' },
  respond: { done: 'Response action recorded.', next: 'When it is settled, record the outcome (reply "resolved: <the outcome>").' },
  resolve: { done: 'Outcome recorded: the escalation is resolved.' },
  note: { done: 'Note added; the chair and responders see it with the escalation.' },
};
const isStep = (r: EscalationReplyResult) => r.ok && r.action !== 'note';

const STEP: Record<EscalationReplyAction['type'], string> = {
  acknowledge: 'acknowledgement',
  respond: 'response action',
  resolve: 'outcome',
  note: 'note',
};

/**
 * `listed`: how many escalations the email listed; the escalations are named by their number when
 * it listed several. `participantRefs`: the participants they concern (one, in practice).
 */
export function escalationReplyAnswerEmail(opts: { name: string; listed: number; participantRefs: readonly string[]; reply: ParsedEscalationReply; results: readonly EscalationReplyResult[] }): EmailContent {
  const numbered = opts.listed > 1;
  const label = (r: EscalationReplyResult) => {
    if (r.number === undefined) return 'No escalation';
    const which = numbered ? `Escalation ${r.number}` : 'The escalation';
    return r.participantRef ? `${which} (participant ${r.participantRef})` : which;
  };
  const recorded = opts.results.flatMap((r, i) => {
    if (!r.ok) return [];
    const { done, next } = RECORDED[r.action];
    const nextTaken = opts.results.slice(i + 1).some((later) => isStep(later) && later.number === r.number);
    return [`  ${label(r)}: ${[done, r.noteAdded ? 'Your words after "acknowledged" were added as a note.' : '', next && !nextTaken ? next : ''].filter(Boolean).join(' ')}`];
  });
  const failed = opts.results.flatMap((r) =>
    r.ok ? [] : [r.number === undefined ? `  ${r.message}` : `  ${label(r)}: the ${STEP[r.action]} was not recorded. ${r.message}`],
  );
  const unclear = opts.reply.unrecognised.map((u) => `  "${u.line}": ${u.problem}`);
  const refs = [...new Set(opts.participantRefs)];
  const about = `${opts.listed > 1 ? 'escalations' : 'an escalation'}${refs.length ? ` (${refs.join(', ')})` : ''}`;
  const subject =
    opts.results.length === 0
      ? `careloop: your reply about ${about} could not be read`
      : failed.length === 0
        ? `careloop: recorded from your reply about ${about}`
        : recorded.length === 0
          ? `careloop: nothing was recorded from your reply about ${about}`
          : `careloop: part of your reply about ${about} was not recorded`;
  const syntaxIntro = numbered ? 'Write one command per line, starting with the escalation\'s number in the email (without a number it applies to each one):' : 'Write one command per line:';
  const showSyntax = failed.length || unclear.length || opts.results.length === 0;
  const none = 'careloop found no command it knows in your reply, so nothing was recorded.';
  const text = [
    `Hello ${opts.name},`,
    '',
    ...(opts.results.length === 0 ? [none, ''] : []),
    ...(recorded.length ? ['Recorded:', ...recorded, ''] : []),
    ...(failed.length ? ['Not recorded:', ...failed, ''] : []),
    ...(unclear.length ? ['Not understood, so nothing was done with these lines:', ...unclear, ''] : []),
    ...(showSyntax ? [syntaxIntro, ...escalationReplySyntax(numbered), 'Or open the link in the email.', ''] : []),
  ].join('\n');
  const trim = (lines: string[]) => lines.map((l) => l.trim());
  const items: EmailItem[] = [
    ...(recorded.length ? [{ heading: 'Recorded', lines: trim(recorded) }] : []),
    ...(failed.length ? [{ heading: 'Not recorded', lines: trim(failed) }] : []),
    ...(unclear.length ? [{ heading: 'Not understood, so nothing was done with these lines', lines: trim(unclear) }] : []),
  ];
  const html = emailHtml({
    subject,
    greeting: `Hello ${opts.name},`,
    paragraphs: opts.results.length === 0 ? [none] : [],
    items,
    replyHelp: showSyntax ? [syntaxIntro, ...escalationReplySyntax(numbered), 'Or use the button in the email careloop sent you.'] : undefined,
    footer: PLAIN_FOOTER,
  });
  return { subject, text, html };
}
