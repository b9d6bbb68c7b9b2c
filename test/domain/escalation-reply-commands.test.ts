// The escalation reply rules (domain/escalation-reply-commands.ts) and the answer to a reply
// (domain/emails/escalation-reply-answer.ts), pure: what a chair or responder may write, what is
// never read (quotes, careloop's own email), and bounded work on hostile text.
import { describe, expect, it } from 'vitest';
import { ESCALATION_REPLY_WORDS, parseEscalationReplyCommands } from '../../domain/escalation-reply-commands';
import { escalationReplyAnswerEmail } from '../../domain/emails/escalation-reply-answer';
import { escalationDigestEmail, type DigestLine } from '../../domain/emails/escalation';
import { MAX_LINE_CHARS } from '../../domain/reply-commands';

const parse = parseEscalationReplyCommands;
const commandsOf = (body: string) => parse(body).commands;

const digestLine = (n: number, role: DigestLine['role']): DigestLine => ({
  kind: 'raised',
  role,
  cause: `Overdue: Discharge summary received (${n})`,
  riskLevel: 'moderate',
  tierLabel: 'Review within 24-72 hours',
  chairName: 'Casey Coordinator',
  acknowledgeBy: 'Tue, 4 Mar 2025, 10:00 UTC',
  respondBy: 'Thu, 6 Mar 2025, 10:00 UTC',
  link: `http://careloop.test/a/cla_${n}abcdefghijklmnopqrstuvwxyz`,
});
/** careloop's own emails, as the lead's template writes them: their example commands must never be acted on. */
const chairEmail = escalationDigestEmail({ recipientName: 'Casey Coordinator', participantRef: 'P-1234', update: 1, lines: [digestLine(1, 'chair'), digestLine(2, 'chair')] }).text;
const singleChairEmail = escalationDigestEmail({ recipientName: 'Casey Coordinator', participantRef: 'P-1234', update: 1, lines: [digestLine(1, 'chair')] }).text;
const responderEmail = escalationDigestEmail({ recipientName: 'Wren Nurse', participantRef: 'P-1234', update: 1, lines: [digestLine(1, 'responder')] }).text;
const quote = (text: string) => text.split('\n').map((l) => (l ? `> ${l}` : '>')).join('\n');

describe('parseEscalationReplyCommands: the commands', () => {
  it('reads acknowledged and its other words, whatever the case and punctuation', () => {
    for (const body of ['acknowledged', 'Acknowledged.', 'ACK', 'ack!', 'acknowledge', 'I take ownership', 'Taking ownership', "I'll take ownership", 'I’ll take ownership', 'I will take ownership', '**acknowledged**', '- acknowledged', 'Acknowledged, thanks']) {
      expect(commandsOf(body), body).toEqual([{ action: { type: 'acknowledge' } }]);
    }
  });

  it('keeps words after acknowledged as a note', () => {
    expect(commandsOf('acknowledged - calling the family now')).toEqual([{ action: { type: 'acknowledge', note: 'calling the family now' } }]);
    expect(commandsOf('Taking ownership: huddle at 2pm')).toEqual([{ action: { type: 'acknowledge', note: 'huddle at 2pm' } }]);
  });

  it('does not take words that merely start like a command', () => {
    for (const body of ['acknowledgement to follow', 'acker', 'responses are in', 'notes from the visit', 'resolvedness', 'outcomes vary']) {
      expect(commandsOf(body), body).toEqual([]);
    }
  });

  it('reads response, resolved and note with their text, and their other words', () => {
    expect(commandsOf('response: joint visit booked for tomorrow')).toEqual([{ action: { type: 'respond', responseAction: 'joint visit booked for tomorrow' } }]);
    for (const word of ['Responded:', 'action:', 'Response action:', 'action taken -', 'response =']) {
      expect(commandsOf(`${word} called the family`), word).toEqual([{ action: { type: 'respond', responseAction: 'called the family' } }]);
    }
    for (const word of ['resolved:', 'Resolve:', 'outcome:', 'Resolution:', 'resolved -', 'resolved —']) {
      expect(commandsOf(`${word} visits back on schedule`), word).toEqual([{ action: { type: 'resolve', outcome: 'visits back on schedule' } }]);
    }
    expect(commandsOf('note: family will call on Friday')).toEqual([{ action: { type: 'note', text: 'family will call on Friday' } }]);
    expect(commandsOf('Note:   spoke to the GP; no change.')).toEqual([{ action: { type: 'note', text: 'spoke to the GP; no change.' } }]);
  });

  it('requires the text after the colon, and a colon before it, saying so in words', () => {
    const problems = (body: string) => parse(body).unrecognised.map((u) => u.problem);
    expect(commandsOf('response:\nresolved\nnote: <a note for the chair and responders>\nresolved: <the outcome>')).toEqual([]);
    expect(problems('response:')).toEqual(['Say what response action was taken after the colon, e.g. "response: joint visit booked for tomorrow".']);
    expect(problems('resolved')).toEqual(['Say what the outcome was after the colon, e.g. "resolved: visits back on schedule".']);
    expect(problems('note: <a note>')).toEqual(['Write the note after the colon, e.g. "note: family will call on Friday".']);
    expect(problems('resolved visits resumed')).toEqual(['Put a colon after "resolved", e.g. "resolved: visits back on schedule".']);
  });

  it('lists every word it reads, so the emails and docs can quote them', () => {
    for (const word of ESCALATION_REPLY_WORDS.acknowledge) expect(commandsOf(word)[0]?.action.type, word).toBe('acknowledge');
    for (const word of ESCALATION_REPLY_WORDS.respond) expect(commandsOf(`${word} x`)[0]?.action.type, word).toBe('respond');
    for (const word of ESCALATION_REPLY_WORDS.resolve) expect(commandsOf(`${word} x`)[0]?.action.type, word).toBe('resolve');
    for (const word of ESCALATION_REPLY_WORDS.note) expect(commandsOf(`${word} x`)[0]?.action.type, word).toBe('note');
  });
});

describe('parseEscalationReplyCommands: escalation numbers', () => {
  it('reads the usual ways of writing a number, and a command without one applies to each', () => {
    expect(commandsOf('2 resolved: visits resumed')).toEqual([{ numbers: [2], action: { type: 'resolve', outcome: 'visits resumed' } }]);
    for (const body of ['1. acknowledged', '1) acknowledged', '#1 acknowledged', '1: acknowledged', '1 - acknowledged', 'Escalation 1: acknowledged']) {
      expect(commandsOf(body), body).toEqual([{ numbers: [1], action: { type: 'acknowledge' } }]);
    }
    expect(commandsOf('2, 1 and 3 note: all discussed at the huddle')).toEqual([{ numbers: [1, 2, 3], action: { type: 'note', text: 'all discussed at the huddle' } }]);
    expect(commandsOf('acknowledged')).toEqual([{ action: { type: 'acknowledge' } }]);
  });

  it('reads one command per line, in order, from start to finish', () => {
    expect(commandsOf('Hi Casey,\n\n1 acknowledged\n1 response: huddle held\n1 resolved: plan updated\n2 note: waiting for the GP\n\nThanks\nMorgan')).toEqual([
      { numbers: [1], action: { type: 'acknowledge' } },
      { numbers: [1], action: { type: 'respond', responseAction: 'huddle held' } },
      { numbers: [1], action: { type: 'resolve', outcome: 'plan updated' } },
      { numbers: [2], action: { type: 'note', text: 'waiting for the GP' } },
    ]);
  });

  it('reports a number that cannot be an escalation, a number with no command, and a time of day', () => {
    const parsed = parse('0 acknowledged\n100 acknowledged\n3 call me\n10:30 called');
    expect(parsed.commands).toEqual([]);
    expect(parsed.unrecognised.map((u) => u.problem)).toEqual([
      'There is no escalation with that number in the email.',
      'There is no escalation with that number in the email.',
      'After the escalation number write acknowledged, response: <the response action taken>, resolved: <the outcome> or note: <text>.',
      'Not a command careloop knows.',
    ]);
  });
});

describe('parseEscalationReplyCommands: only the new text counts', () => {
  it('never acts on careloop’s own email quoted back, chair’s or responder’s, single or grouped', () => {
    expect(chairEmail).toContain('1 acknowledged');
    expect(responderEmail).toContain('note: <your note>');
    for (const original of [chairEmail, singleChairEmail, responderEmail]) {
      expect(parse(`\n\n${quote(original)}`)).toEqual({ commands: [], unrecognised: [] });
      expect(commandsOf(`2 acknowledged\n\nOn Mon, 3 Mar 2025 at 10:00, careloop <careloop@test.local> wrote:\n${quote(original)}`)).toEqual([{ numbers: [2], action: { type: 'acknowledge' } }]);
      expect(commandsOf(`acknowledged\n\n-----Original Message-----\n${original}`)).toEqual([{ action: { type: 'acknowledge' } }]);
    }
  });

  it('never acts on careloop’s own email pasted back without quote marks or a separator', () => {
    for (const original of [chairEmail, singleChairEmail, responderEmail]) {
      expect(parse(`note: seen\n\n${original}`)).toEqual({ commands: [{ action: { type: 'note', text: 'seen' } }], unrecognised: [] });
    }
    // Even from the list on: its lines are reported, the example commands under the links never read.
    const fromList = parse(`1 acknowledged\n\n${chairEmail.slice(chairEmail.indexOf('1. Overdue'))}`);
    expect(fromList.commands).toEqual([{ numbers: [1], action: { type: 'acknowledge' } }]);
    expect(fromList.unrecognised.length).toBeGreaterThan(0);
    // The emails careloop sent before escalations were grouped read the same way.
    const older = 'Hello Casey,\n\nAn escalation has been raised for participant P-1: moderate risk.\nYou chair this tier. Acknowledge that you take ownership by Tue:\n  http://careloop.test/a/cla_x\n';
    expect(parse(`resolved: done\n${older}`)).toEqual({ commands: [{ action: { type: 'resolve', outcome: 'done' } }], unrecognised: [] });
  });

  it('reads answers written between quoted lines', () => {
    expect(commandsOf('> 1. Overdue: Discharge summary received (1)\n1 acknowledged\n> 2. Overdue: Medication list\n2 note: ward clerk chasing')).toEqual([
      { numbers: [1], action: { type: 'acknowledge' } },
      { numbers: [2], action: { type: 'note', text: 'ward clerk chasing' } },
    ]);
  });

  it('reports lines that are not commands, shortened, next to the commands it did read', () => {
    const long = 'I will sort this out tomorrow morning when the pharmacy opens and the list is back from the ward clerk';
    const parsed = parse(`acknowledged\n${long}\nyes`);
    expect(parsed.commands).toEqual([{ action: { type: 'acknowledge' } }]);
    expect(parsed.unrecognised).toHaveLength(2);
    expect(parsed.unrecognised[0]!.line.length).toBeLessThanOrEqual(80);
    expect(parsed.unrecognised[1]).toEqual({ line: 'yes', problem: 'Not a command careloop knows.' });
  });
});

describe('parseEscalationReplyCommands: hostile text, bounded work', () => {
  const N = 200 * 1024;
  const line = (unit: string, before = '', after = '') => before + unit.repeat(Math.ceil(N / unit.length)) + after;
  const SHAPES: [string, string][] = [
    ['a line of *', line('*')],
    ['a line of spaces after a command', line(' ', 'resolved', 'x')],
    ['" -" after acknowledged', line(' -', 'acknowledged', 'x')],
    ['" -" after response:', line(' -', 'response:', 'x')],
    ['colons after note', line(':', 'note', 'x')],
    ['numbers', line('1,', '', 'x')],
    ['numbers and "and"', line('1 and ', '', '!')],
    ['"escalation" and numbers', line('escalation 1 ', '', 'x')],
    ['"I take" before ownership', line('i take ', '', 'ownershi')],
    ['"On" and "wrote"', line(' wrote', 'On ')],
    ['many full lines of " -" after resolved', Array.from({ length: 250 }, () => `resolved: x${' -'.repeat(MAX_LINE_CHARS)}x`).join('\n')],
    ['many quoted lines', Array.from({ length: 5000 }, () => `> 1 acknowledged${' -'.repeat(40)}`).join('\n')],
    ['empty lines', '\n'.repeat(N)],
  ];

  it.each(SHAPES)('parses %s in well under 200 ms', (name, body) => {
    expect(body.length).toBeGreaterThanOrEqual(N);
    parse(body.slice(0, 100)); // compiles the patterns outside the timing
    const started = performance.now();
    const parsed = parse(body);
    const ms = performance.now() - started;
    console.log(`escalation reply parsing, ${name} (${(body.length / 1024).toFixed(0)} kB): ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(200);
    // Whatever came out is bounded too: a reply's worth of lines, each shown shortened.
    expect(parsed.commands.length + parsed.unrecognised.length).toBeLessThanOrEqual(60);
    expect(parsed.unrecognised.every((u) => u.line.length <= 80)).toBe(true);
    expect(parsed.commands.every((c) => (c.numbers?.length ?? 0) <= 99)).toBe(true);
  });

  it('keeps a command readable when the text after it is cut', () => {
    expect(commandsOf(`resolved: ${'y'.repeat(5000)}`)).toEqual([{ action: { type: 'resolve', outcome: 'y'.repeat(MAX_LINE_CHARS - 10) } }]);
    expect(commandsOf(Array.from({ length: 500 }, () => 'note: x').join('\n'))).toHaveLength(60);
  });
});

describe('escalationReplyAnswerEmail', () => {
  it('says what was recorded and what was not, by number when the email listed several, without the person’s own text', () => {
    const reply = parse('1 acknowledged - calling now\n2 resolved: family agreed to daily calls\nplease advise');
    const answer = escalationReplyAnswerEmail({
      name: 'Casey Coordinator',
      listed: 2,
      participantRefs: ['P-1234'],
      reply,
      results: [
        { number: 1, participantRef: 'P-1234', action: 'acknowledge', ok: true, message: '', noteAdded: true },
        { number: 2, participantRef: 'P-1234', action: 'resolve', ok: false, message: 'Record the response action before the outcome.' },
      ],
    });
    expect(answer.subject).toBe('careloop: part of your reply about escalations (P-1234) was not recorded');
    expect(answer.text).toContain('Escalation 1 (participant P-1234): Acknowledged: you have taken ownership.');
    expect(answer.text).toContain('Escalation 2 (participant P-1234): the outcome was not recorded. Record the response action before the outcome.');
    expect(answer.text).toContain('"please advise": Not a command careloop knows.');
    expect(answer.text).toContain('  1 resolved: <the outcome>');
    expect(answer.text).not.toContain('family agreed');
    expect(answer.text).not.toContain('calling now');
  });

  it('says what comes next for each escalation, unless the same reply took that step too', () => {
    const ok = (action: 'acknowledge' | 'respond', number = 1) => ({ number, participantRef: 'P-1', action, ok: true, message: '' });
    const answer = escalationReplyAnswerEmail({ name: 'Casey', listed: 1, participantRefs: ['P-1'], reply: parse('ack\nresponse: called'), results: [ok('acknowledge'), ok('respond')] });
    expect(answer.text).toContain('The escalation (participant P-1): Acknowledged: you have taken ownership.\n');
    expect(answer.text).toContain('The escalation (participant P-1): Response action recorded. When it is settled, record the outcome (reply "resolved: <the outcome>").');
    const one = escalationReplyAnswerEmail({ name: 'Casey', listed: 2, participantRefs: ['P-1'], reply: parse('ack\n1 response: called'), results: [ok('acknowledge', 1), ok('acknowledge', 2), ok('respond', 1)] });
    expect(one.text).toContain('Escalation 2 (participant P-1): Acknowledged: you have taken ownership. Next, record the response action (reply "response: <the response action taken>").');
  });

  it('reads as all recorded, or as nothing understood', () => {
    const done = escalationReplyAnswerEmail({ name: 'Casey', listed: 1, participantRefs: ['P-1'], reply: parse('resolved: ok'), results: [{ number: 1, participantRef: 'P-1', action: 'resolve', ok: true, message: '' }] });
    expect(done.subject).toBe('careloop: recorded from your reply about an escalation (P-1)');
    expect(done.text).toContain('The escalation (participant P-1): Outcome recorded: the escalation is resolved.');
    expect(done.text).not.toContain('Write one command per line');
    const nothing = escalationReplyAnswerEmail({ name: 'Casey', listed: 1, participantRefs: ['P-1'], reply: parse('what now?'), results: [] });
    expect(nothing.subject).toBe('careloop: your reply about an escalation (P-1) could not be read');
    expect(nothing.text).toContain('careloop found no command it knows in your reply');
    expect(nothing.text).toContain('  acknowledged\n  response: <the response action taken>');
  });
});
