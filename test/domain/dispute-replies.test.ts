// The dispute reply rules (domain/dispute-replies.ts), pure: what a party's representative and the
// interim owner may write, what is never read (quotes, careloop's own email pasted back), and
// bounded work on hostile text.
import { describe, expect, it } from 'vitest';
import { DONE_WITHOUT_WORDS, parseDisputeReply } from '../../domain/dispute-replies';
import { disputeEmail } from '../../domain/emails/dispute';
import { MAX_LINE_CHARS } from '../../domain/reply-commands';

const commandsOf = (body: string) => parseDisputeReply(body).commands;
const problemsOf = (body: string) => parseDisputeReply(body).unrecognised.map((u) => u.problem);
const proposalEmail = disputeEmail({ kind: 'dispute-proposal', recipientName: 'Harper', participantRef: 'P-1', subject: 'Who arranges the visit', step: 'First visit', stage: 1, stageLabel: 'Frontline leads', dueBy: 'Wed', proposal: { id: 'p2', byName: 'Wren' }, link: 'http://careloop.test/a/cla_abcdefghijklmnopqrstuvwxyz', replyable: true, replyProposalId: 'p2' }).text;

describe('parseDisputeReply', () => {
  it('reads each party command, with or without a proposal number', () => {
    expect(commandsOf('position: The ward books it\npropose: Home care books it\naccept\naccept P3\ndecline: not in our package\ndecline p1 - no budget\ncounter: joint visit\ncounter-proposal p4: the ward books it')).toEqual([
      { type: 'position', statement: 'The ward books it' },
      { type: 'propose', terms: 'Home care books it' },
      { type: 'accept' },
      { type: 'accept', proposalId: 'p3' },
      { type: 'decline', reason: 'not in our package' },
      { type: 'decline', proposalId: 'p1', reason: 'no budget' },
      { type: 'counter', terms: 'joint visit' },
      { type: 'counter', proposalId: 'p4', terms: 'the ward books it' },
    ]);
  });

  it('reads the interim owner’s progress and done', () => {
    expect(commandsOf('progress: visit booked\nDone: it took place\ndone')).toEqual([
      { type: 'progress', note: 'visit booked', done: false },
      { type: 'progress', note: 'it took place', done: true },
      { type: 'progress', note: DONE_WITHOUT_WORDS, done: true },
    ]);
  });

  it('says what is missing: the reason after decline, the colon, the example’s placeholder', () => {
    expect(problemsOf('decline')).toEqual(['Say why your agency declines it after the colon, e.g. "decline: the package does not include visits".']);
    expect(problemsOf('decline p2 no budget')).toEqual(['Put a colon after "decline p2", e.g. "decline: the package does not include visits".']);
    expect(problemsOf('position: <your agency’s position>')).toEqual(['Write your agency’s position after the colon, e.g. "position: the ward books first visits".']);
    expect(problemsOf('what about Tuesday?')).toEqual(['Not a command careloop knows.']);
  });

  it('never reads the quoted email or careloop’s own email pasted back, and skips greetings and sign-offs', () => {
    expect(commandsOf(`Hi Wren,\n\ndecline: not ours\n\nThanks,\nHarper\naccept`)).toEqual([{ type: 'decline', reason: 'not ours' }]);
    expect(commandsOf(`accept\n\nOn Mon, 30 Nov 2026 at 10:00, careloop wrote:\n${proposalEmail.split('\n').map((l) => `> ${l}`).join('\n')}`)).toEqual([{ type: 'accept' }]);
    // Pasted back without quote marks: its example commands are not acted on.
    expect(parseDisputeReply(`accept\n${proposalEmail}`)).toEqual({ commands: [{ type: 'accept' }], unrecognised: [] });
  });

  it.each([
    ['a long line of spaces', `decline:${' '.repeat(50_000)}x`],
    ['a long word', `counter p1${'a'.repeat(MAX_LINE_CHARS * 50)}`],
    ['many lines', 'accept\n'.repeat(20_000)],
  ])('parses %s in well under 200 ms', (_name, body) => {
    const started = performance.now();
    parseDisputeReply(body);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
