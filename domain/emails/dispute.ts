// Dispute emails: the interim owner (given the disputed step, reminded before progress is due,
// told when it was missed and when the dispute closes), each stage's representatives, proposals
// and counter-proposals, a declined proposal, and governance's decision. No clinical detail and
// no free text a party wrote: the participant's reference, the subject, what is owed and by when,
// the link (the way in) and the reply commands.
import { emailHtml, PLAIN_FOOTER, SIGNED_IN_FOOTER, type EmailItem } from './html';
import type { EmailContent } from './types';

export type DisputeEmailKind =
  | 'dispute-interim-owner'
  | 'dispute-interim-reminder'
  | 'dispute-interim-overdue'
  | 'dispute-stage'
  | 'dispute-proposal'
  | 'dispute-declined'
  | 'dispute-decision-overdue'
  | 'dispute-closed';

/** Lines only careloop's dispute emails hold: a reply that pastes one back is read no further. */
export const DISPUTE_OWN_TEXT =
  /^(you are the interim owner of|a reminder: progress on|no progress was recorded on|you represent (your agency|partnership governance) at stage|a (resolution|counter-proposal) \(p\d|.{1,120} declined proposal p\d|stage 3 of the dispute|the dispute ".{0,300}" about participant|you can also reply to this email|careloop dispute)/i;

/** The reply commands a party's email shows: on a proposal's email, accept and decline need no number. */
export function disputePartyReplyHelp(proposalId?: string): string[] {
  const p = proposalId ? '' : ' p1';
  return [
    'You can also reply to this email, one command per line:',
    "  position: <your agency's position>",
    '  propose: <the resolution you propose>',
    `  accept${p}`,
    `  decline${p}: <why your agency declines it>`,
    `  counter${p}: <what your agency proposes instead>`,
  ];
}

/** The reply commands the interim owner's emails show. */
export const DISPUTE_INTERIM_REPLY_HELP = ['You can also reply to this email, one command per line:', '  progress: <how the step stands>', '  done: <what was done> (when the step itself is finished)'];

const STATUS_WORDS = { resolved: 'resolved: every party accepted one proposal', decided: 'decided by partnership governance, and the decision binds', withdrawn: 'withdrawn by the person who raised it' } as const;

/** Dispute emails name the participant's reference, the subject, the stage and its deadline; the link is the way in. */
export function disputeEmail(opts: {
  kind: DisputeEmailKind;
  recipientName: string;
  /** The recipient's staff id: a closed dispute's email says whether they carry the step on. */
  recipientId?: string;
  participantRef: string;
  subject: string;
  step?: string;
  stage: number;
  stageLabel: string;
  dueBy: string;
  /** When the interim owner's next progress is due, as people read it. */
  interimDueBy?: string;
  proposal?: { id: string; byName: string; answers?: string };
  declinedBy?: string;
  closed?: { status: 'resolved' | 'decided' | 'withdrawn'; carriesOn: { id: string; name: string } };
  link?: string;
  /** The dispute's page, for someone signed in. */
  pageUrl?: string;
  /** Whether the email has a reply address (its help lines are shown). */
  replyable?: boolean;
  /** The proposal a party's reply acts on without naming one. */
  replyProposalId?: string;
}): EmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const about = `the dispute "${opts.subject}" about participant ${ref}`;
  /** The subject line's cause: the dispute's own subject, cut to stay readable in an inbox. */
  const topic = `: “${opts.subject.length > 60 ? `${opts.subject.slice(0, 59).trimEnd()}…` : opts.subject}”`;
  const step = opts.step ? `"${opts.step}"` : 'the disputed step';
  const open = opts.link ? [`  ${opts.link}`] : [];
  const page = opts.pageUrl ? ['', `Signed in, the dispute's page: ${opts.pageUrl}`] : [];
  const lines = (...l: string[]) => [hello, '', ...l, ''].join('\n');
  /** The HTML part: the same paragraphs without the addresses, one button, the dispute's page as a short link. */
  const html = (subject: string, paragraphs: string[], label: string | undefined, help: readonly string[]) =>
    emailHtml({
      subject,
      greeting: hello,
      paragraphs: paragraphs.filter(Boolean).map((p) => p.replace(/Open the link/g, 'Use the button').replace(/:$/, '.')),
      action: label && opts.link ? { label, url: opts.link } : undefined,
      pageLink: opts.pageUrl ? { label: 'The dispute’s page', url: opts.pageUrl, note: '(sign in)' } : undefined,
      replyHelp: help.filter(Boolean),
      footer: label && opts.link ? undefined : opts.pageUrl ? SIGNED_IN_FOOTER : PLAIN_FOOTER,
    });
  const both = (subject: string, paragraphs: string[], label: string | undefined, help: readonly string[]): EmailContent => ({
    subject,
    text: lines(...paragraphs, ...open, ...(help.length ? ['', ...help] : []), ...page),
    html: html(subject, paragraphs, label, help),
  });
  const partyReply = opts.replyable ? disputePartyReplyHelp(opts.replyProposalId) : [];
  const interimReply = opts.replyable ? DISPUTE_INTERIM_REPLY_HELP : [];
  switch (opts.kind) {
    case 'dispute-interim-owner':
      return both(
        `careloop dispute: you are the interim owner of a step for ${ref}${topic}`,
        [
          `You are the interim owner of ${step} in ${about}. Care does not wait for the dispute: carry on with the step until the dispute closes.`,
          `Record how the step stands by ${opts.interimDueBy ?? opts.dueBy}, and then every few working days; you will be reminded before each is due. Open the link to record progress and see the dispute:`,
        ],
        'Record progress',
        interimReply,
      );
    case 'dispute-interim-reminder':
      return both(
        `careloop reminder: progress on the disputed step for ${ref} is due ${opts.interimDueBy ?? opts.dueBy}${topic}`,
        [`A reminder: progress on ${step}, which you carry while ${about} runs, is due by ${opts.interimDueBy ?? opts.dueBy}.`],
        'Record progress',
        interimReply,
      );
    case 'dispute-interim-overdue':
      return both(
        `careloop OVERDUE: progress on the disputed step for ${ref}${topic}`,
        [`No progress was recorded on ${step} by the time it was due (${opts.interimDueBy ?? opts.dueBy}). You carry the step while ${about} runs, and it has been escalated. Record how it stands:`],
        'Record progress',
        interimReply,
      );
    case 'dispute-stage': {
      const subject = `careloop dispute (stage ${opts.stage}, ${opts.stageLabel.toLowerCase()}) for ${ref}${topic}`;
      return opts.stage === 3
        ? both(subject, [`You represent partnership governance at stage ${opts.stage} (${opts.stageLabel.toLowerCase()}) of ${about}.`, `Record the partnership's binding decision, with its rationale, by ${opts.dueBy}:`], 'Record the decision', [])
        : both(subject, [`You represent your agency at stage ${opts.stage} (${opts.stageLabel.toLowerCase()}) of ${about}.`, `State your agency's position, see the other side's, and agree a resolution by ${opts.dueBy}:`], 'State your position', partyReply);
    }
    case 'dispute-proposal': {
      const what = opts.proposal?.answers ? `A counter-proposal (${opts.proposal.id}, answering ${opts.proposal.answers})` : `A resolution (${opts.proposal?.id ?? ''})`;
      return both(
        `careloop dispute: a ${opts.proposal?.answers ? 'counter-proposal' : 'resolution'} is proposed for ${ref}${topic}`,
        [`${what} to ${about} is proposed by ${opts.proposal?.byName ?? 'a party'}. Read it, then accept it for your agency, decline it with a reason, or answer it with a counter-proposal:`],
        'Answer the proposal',
        partyReply,
      );
    }
    case 'dispute-declined':
      return both(
        `careloop dispute: proposal ${opts.proposal?.id ?? ''} was declined for ${ref}${topic}`,
        [`${opts.declinedBy ?? 'A party'} declined proposal ${opts.proposal?.id ?? ''} in ${about}, and said why. Read the reason, and state a position or make a new proposal by ${opts.dueBy}:`],
        'Read the reason',
        partyReply,
      );
    case 'dispute-decision-overdue':
      return both(`careloop dispute OVERDUE: governance decision for ${ref}${topic}`, [`Stage 3 of ${about} passed its deadline (${opts.dueBy}) without a decision. Record the binding decision now:`], 'Record the decision', []);
    case 'dispute-closed': {
      const c = opts.closed;
      const carrier = !c ? '' : c.carriesOn.id === opts.recipientId ? `You carry ${step} on from here.` : `${c.carriesOn.name} carries ${step} on from here${opts.recipientId ? '; you no longer hold it as interim owner' : ''}.`;
      const subject = `careloop dispute ${c?.status ?? 'closed'} for ${ref}: who carries the step on${topic}`;
      const said = [`The dispute "${opts.subject}" about participant ${ref} is ${c ? STATUS_WORDS[c.status] : 'closed'}.`, carrier];
      return { subject, text: lines(...said, ...page), html: html(subject, said, undefined, []) };
    }
  }
}

/** One command of a reply and what became of it. */
export interface DisputeReplyResult {
  /** The command in words: "Position", "Accept p2". */
  what: string;
  ok: boolean;
  /** Why it was not recorded, in words a person can act on. */
  message?: string;
}

/** The answer to a reply to a dispute email: what was recorded, what was not and why, and the commands. */
export function disputeReplyAnswerEmail(opts: {
  name: string;
  participantRef?: string;
  results: readonly DisputeReplyResult[];
  unrecognised: readonly { line: string; problem: string }[];
  role: 'party' | 'interim';
  proposalId?: string;
  closedWords?: string;
}): EmailContent {
  const recorded = opts.results.filter((r) => r.ok).map((r) => `  ${r.what}`);
  const failed = opts.results.filter((r) => !r.ok).map((r) => `  ${r.what}: ${r.message ?? 'not recorded'}`);
  const unclear = opts.unrecognised.map((u) => `  "${u.line}": ${u.problem}`);
  const about = opts.participantRef ? ` on the dispute about ${opts.participantRef}` : '';
  const subject =
    opts.results.length === 0
      ? `careloop: your reply${about} could not be read`
      : failed.length === 0
        ? `careloop: recorded from your reply${about}`
        : recorded.length === 0
          ? `careloop: nothing was recorded from your reply${about}`
          : `careloop: part of your reply${about} was not recorded`;
  const help = opts.role === 'interim' ? DISPUTE_INTERIM_REPLY_HELP : disputePartyReplyHelp(opts.proposalId);
  const text = [
    `Hello ${opts.name},`,
    '',
    ...(opts.results.length === 0 ? ['careloop found no command it knows in your reply, so nothing was recorded.', ''] : []),
    ...(recorded.length ? ['Recorded:', ...recorded, ''] : []),
    ...(failed.length ? ['Not recorded:', ...failed, ''] : []),
    ...(unclear.length ? ['Not understood, so nothing was done with these lines:', ...unclear, ''] : []),
    ...(opts.closedWords ? [opts.closedWords, ''] : []),
    ...(failed.length || unclear.length || opts.results.length === 0 ? [...help.map((l) => l.replace(/^You can also reply to this email, /, 'Reply again, ')), 'Or open the link in the email.', ''] : []),
  ].join('\n');
  const trim = (l: string[]) => l.map((x) => x.trim());
  const items: EmailItem[] = [
    ...(recorded.length ? [{ heading: 'Recorded', lines: trim(recorded) }] : []),
    ...(failed.length ? [{ heading: 'Not recorded', lines: trim(failed) }] : []),
    ...(unclear.length ? [{ heading: 'Not understood, so nothing was done with these lines', lines: trim(unclear) }] : []),
  ];
  const html = emailHtml({
    subject,
    greeting: `Hello ${opts.name},`,
    paragraphs: opts.results.length === 0 ? ['careloop found no command it knows in your reply, so nothing was recorded.'] : [],
    items,
    after: opts.closedWords ? [opts.closedWords] : [],
    replyHelp:
      failed.length || unclear.length || opts.results.length === 0
        ? [...help.map((l) => l.replace(/^You can also reply to this email, /, 'Reply again, ')), 'Or use the button in the email careloop sent you.']
        : undefined,
    footer: PLAIN_FOOTER,
  });
  return { subject, text, html };
}
