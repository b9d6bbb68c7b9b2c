import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, MAX_TEXT_LINES, newTextLines, parseReplyCommands, saysAcknowledged } from '../../domain/reply-commands';
import type { SprintService } from '../../api/sprints/service';

const commandsOf = (body: string) => parseReplyCommands(body).commands;

// What careloop sent, as the person's client quotes it back.
const ORIGINAL = [
  'Hello Wren Nurse,',
  '',
  'You are the named owner of these post-discharge tasks for participant P-1234.',
  'Open a link to record what happened:',
  '',
  '1. Discharge summary received',
  '   due Tue, 4 Mar 2025, 10:00 UTC',
  '   http://careloop.test/a/cla_abc',
  '2. Medication list reconciled',
  '   due Tue, 4 Mar 2025, 10:00 UTC',
  '',
  'You can also reply to this email, one line per task, starting with the task number:',
  '  1 done',
  '  2 not applicable: <why it does not apply>',
  '  3 refused: <why the participant refused> / managed: <how it was managed>',
];
const quoted = ORIGINAL.map((l) => (l ? `> ${l}` : '>')).join('\n');

describe('parseReplyCommands: single commands', () => {
  it('reads done and complete(d), whatever the case, spacing and punctuation', () => {
    for (const body of ['done', 'Done', 'DONE', '  done  ', 'done.', 'Done!', 'complete', 'Completed', 'completed.', '- done', '* **done**', 'done\u00A0']) {
      expect(parseReplyCommands(body), JSON.stringify(body)).toEqual({ commands: [{ action: { type: 'complete' } }], unrecognised: [] });
    }
  });

  it('keeps what follows done as a note', () => {
    expect(commandsOf('done - spoke with her daughter at 10:00')).toEqual([{ action: { type: 'complete', note: 'spoke with her daughter at 10:00' } }]);
    expect(commandsOf('Done: summary filed in EPR')).toEqual([{ action: { type: 'complete', note: 'summary filed in EPR' } }]);
  });

  it('does not take words that merely start like a command', () => {
    const parsed = parseReplyCommands('completely unclear what this is\nnot done yet\ndonezo');
    expect(parsed.commands).toEqual([]);
    expect(parsed.unrecognised.map((u) => u.line)).toEqual(['completely unclear what this is', 'not done yet', 'donezo']);
  });

  it('reads not applicable and n/a with a reason', () => {
    for (const body of ['not applicable: family drives', 'Not applicable : family drives', 'NOT APPLICABLE - family drives', 'not-applicable: family drives', 'n/a: family drives', 'N/A family drives', 'n / a — family drives']) {
      expect(commandsOf(body), body).toEqual([{ action: { type: 'not-applicable', reason: 'family drives' } }]);
    }
  });

  it('refuses not applicable without a reason, or with the placeholder from the email', () => {
    for (const body of ['not applicable', 'n/a:', 'not applicable: <why it does not apply>']) {
      const parsed = parseReplyCommands(body);
      expect(parsed.commands, body).toEqual([]);
      expect(parsed.unrecognised, body).toEqual([{ line: body, problem: expect.stringMatching(/why it does not apply/) }]);
    }
  });

  it('reads a refusal with how it was managed, on the same line or the next', () => {
    const expected = [{ action: { type: 'refuse', reason: 'did not want a visit today', managedHow: 'daughter will call; visit moved to Friday' } }];
    expect(commandsOf('refused: did not want a visit today / managed: daughter will call; visit moved to Friday')).toEqual(expected);
    expect(commandsOf('Refused: did not want a visit today/managed:daughter will call; visit moved to Friday')).toEqual(expected);
    expect(commandsOf('refused - did not want a visit today; managed - daughter will call; visit moved to Friday')).toEqual(expected);
    expect(commandsOf('refused: did not want a visit today\nmanaged: daughter will call; visit moved to Friday')).toEqual(expected);
    expect(commandsOf('refused: did not want a visit today /\n\nManaged how: daughter will call; visit moved to Friday')).toEqual(expected);
  });

  it('keeps "managed" inside a reason when it is not the managed: part', () => {
    expect(commandsOf('refused: says it is managed by family / managed: GP informed')).toEqual([{ action: { type: 'refuse', reason: 'says it is managed by family', managedHow: 'GP informed' } }]);
  });

  it('refuses a refusal without a reason or without how it was managed', () => {
    expect(parseReplyCommands('refused: declined').unrecognised).toEqual([{ line: 'refused: declined', problem: expect.stringMatching(/managed/) }]);
    expect(parseReplyCommands('refused / managed: GP told').unrecognised).toEqual([{ line: 'refused / managed: GP told', problem: expect.stringMatching(/why the participant refused/) }]);
    expect(parseReplyCommands('refused: <why the participant refused> / managed: <how it was managed>').commands).toEqual([]);
    expect(parseReplyCommands('managed: GP told').unrecognised).toEqual([{ line: 'managed: GP told', problem: expect.stringMatching(/after a "refused/) }]);
  });
});

describe('parseReplyCommands: task numbers', () => {
  it('reads the usual ways of writing a task number', () => {
    for (const body of ['2 done', '2. done', '2.done', '#2 done', '# 2 done', '2: done', '2) done', '2 - done', 'Task 2: done', 'task #2 done', '  2   done  ']) {
      expect(commandsOf(body), body).toEqual([{ taskIndex: 2, action: { type: 'complete' } }]);
    }
  });

  it('reads one line per task', () => {
    const body = '1 done\n2: not applicable: family drives\n3. refused: declined the review / managed: booked for Friday\n';
    expect(parseReplyCommands(body)).toEqual({
      commands: [
        { taskIndex: 1, action: { type: 'complete' } },
        { taskIndex: 2, action: { type: 'not-applicable', reason: 'family drives' } },
        { taskIndex: 3, action: { type: 'refuse', reason: 'declined the review', managedHow: 'booked for Friday' } },
      ],
      unrecognised: [],
    });
  });

  it('applies one command to several numbered tasks', () => {
    expect(commandsOf('1, 2 and 4 done').map((c) => c.taskIndex)).toEqual([1, 2, 4]);
    expect(commandsOf('#1 & #3 n/a: moved out of area')).toEqual([
      { taskIndex: 1, action: { type: 'not-applicable', reason: 'moved out of area' } },
      { taskIndex: 3, action: { type: 'not-applicable', reason: 'moved out of area' } },
    ]);
  });

  it('reports a number that cannot be a task, and a number followed by no command', () => {
    const parsed = parseReplyCommands('0 done\n120 done\n2 finished it');
    expect(parsed.commands).toEqual([]);
    expect(parsed.unrecognised.map((u) => u.problem)).toEqual([
      'There is no task with that number in the email.',
      'There is no task with that number in the email.',
      expect.stringMatching(/After the task number write done/),
    ]);
  });

  it('does not read a time of day as a task number', () => {
    expect(parseReplyCommands('10:30 visited, all fine').commands).toEqual([]);
  });
});

describe('parseReplyCommands: only the new text counts', () => {
  it('ignores quoted lines, including quoted example commands', () => {
    expect(parseReplyCommands(`1 done\n2 not applicable: family drives\n\n${quoted}`)).toEqual({
      commands: [
        { taskIndex: 1, action: { type: 'complete' } },
        { taskIndex: 2, action: { type: 'not-applicable', reason: 'family drives' } },
      ],
      unrecognised: [],
    });
  });

  it('stops at a Gmail "On ... wrote:" line, also when it is wrapped', () => {
    const gmail = `1 done\n\nOn Mon, 3 Mar 2025 at 10:00, careloop <careloop@example.org> wrote:\n\n${quoted}\n`;
    expect(commandsOf(gmail)).toEqual([{ taskIndex: 1, action: { type: 'complete' } }]);
    const wrapped = `2 done\r\n\r\nOn Mon, Mar 3, 2025 at 10:00 AM careloop <\r\ncareloop@example.org> wrote:\r\n\r\n${quoted.replace(/\n/g, '\r\n')}`;
    expect(parseReplyCommands(wrapped)).toEqual({ commands: [{ taskIndex: 2, action: { type: 'complete' } }], unrecognised: [] });
  });

  it('stops at an Apple Mail or Thunderbird header and at other languages', () => {
    const done = { commands: [{ action: { type: 'complete' } }], unrecognised: [] };
    expect(parseReplyCommands(`done\n\nOn 3 Mar 2025, at 10:00, careloop <careloop@example.org> wrote:\n\n${quoted}`)).toEqual(done);
    // Unquoted originals below, so only the header line stops the reading.
    const tasks = ORIGINAL.slice(5).join('\n');
    expect(parseReplyCommands(`done\n\nAm 03.03.2025 um 10:00 schrieb careloop <careloop@example.org>:\n${tasks}`)).toEqual(done);
    expect(parseReplyCommands(`done\n\nLe lun. 3 mars 2025 à 10:00, careloop <careloop@example.org> a écrit :\n${tasks}`)).toEqual(done);
  });

  it('stops at an Outlook header block, with or without the rule above it', () => {
    const header = ['From: careloop <careloop@example.org>', 'Sent: Monday, March 3, 2025 10:00 AM', 'To: Wren Nurse <wren@hospital.example>', 'Subject: careloop: 3 post-discharge tasks for P-1234', ''];
    const desktop = ['3 n/a: seen by GP already', '', '________________________________', ...header, ...ORIGINAL].join('\r\n');
    expect(parseReplyCommands(desktop)).toEqual({ commands: [{ taskIndex: 3, action: { type: 'not-applicable', reason: 'seen by GP already' } }], unrecognised: [] });
    const web = ['done', '', ...header.map((l) => l.replace(/^(\w+):/, '*$1:*')), ...ORIGINAL].join('\n');
    expect(parseReplyCommands(web)).toEqual({ commands: [{ action: { type: 'complete' } }], unrecognised: [] });
    const original = ['done', '', '-----Original Message-----', ...header, ...ORIGINAL].join('\n');
    expect(parseReplyCommands(original)).toEqual({ commands: [{ action: { type: 'complete' } }], unrecognised: [] });
  });

  it('keeps a "From:" line that is not a header block', () => {
    expect(parseReplyCommands('From: the ward, by phone\ndone').commands).toEqual([{ action: { type: 'complete' } }]);
  });

  it('stops at a signature and at mobile footers', () => {
    expect(parseReplyCommands('done\n-- \nWren Nurse\nWard 7, County General\n07700 900000')).toEqual({ commands: [{ action: { type: 'complete' } }], unrecognised: [] });
    expect(parseReplyCommands('done\n\nSent from my iPhone\n\n> 1 done')).toEqual({ commands: [{ action: { type: 'complete' } }], unrecognised: [] });
    expect(parseReplyCommands('done\n\nGet Outlook for Android\n').unrecognised).toEqual([]);
  });

  it('passes over a greeting and stops at a sign-off and the name under it', () => {
    const body = 'Hi careloop,\n\n2 done\n1 not applicable: already reconciled on the ward\n\nThanks,\nWren\nCounty General';
    expect(parseReplyCommands(body)).toEqual({
      commands: [
        { taskIndex: 2, action: { type: 'complete' } },
        { taskIndex: 1, action: { type: 'not-applicable', reason: 'already reconciled on the ward' } },
      ],
      unrecognised: [],
    });
  });

  it('never acts on careloop’s own example lines when a client pastes the original without quote marks', () => {
    expect(parseReplyCommands(`done\n\n${ORIGINAL.join('\n')}`)).toEqual({ commands: [{ action: { type: 'complete' } }], unrecognised: [] });
    // Even from the task list on: its lines are reported, the examples under it never read.
    const fromList = parseReplyCommands(`done\n\n${ORIGINAL.slice(5).join('\n')}`);
    expect(fromList.commands).toEqual([{ action: { type: 'complete' } }]);
    expect(fromList.unrecognised.map((u) => u.line)).toEqual(ORIGINAL.slice(5, 11).filter(Boolean).map((l) => l.trim()));
  });

  it('reads answers written between quoted lines', () => {
    const inline = '> 1. Discharge summary received\n1 done\n> 2. Medication list reconciled\n2 refused: wants own GP to do it\nmanaged: GP letter sent\n';
    expect(commandsOf(inline)).toEqual([
      { taskIndex: 1, action: { type: 'complete' } },
      { taskIndex: 2, action: { type: 'refuse', reason: 'wants own GP to do it', managedHow: 'GP letter sent' } },
    ]);
  });

  it('reports lines that are not commands, shortened, next to the commands it did read', () => {
    const long = `I will sort this out tomorrow morning when the pharmacy opens and the list is back from the ward clerk`;
    const parsed = parseReplyCommands(`1 done\n${long}\nyes`);
    expect(parsed.commands).toEqual([{ taskIndex: 1, action: { type: 'complete' } }]);
    expect(parsed.unrecognised).toHaveLength(2);
    expect(parsed.unrecognised[0]!.line.length).toBeLessThanOrEqual(80);
    expect(parsed.unrecognised[0]!.line.endsWith('…')).toBe(true);
    expect(parsed.unrecognised[1]).toEqual({ line: 'yes', problem: 'Not a command careloop knows.' });
  });

  it('finds nothing in an empty or quote-only reply', () => {
    expect(parseReplyCommands('')).toEqual({ commands: [], unrecognised: [] });
    expect(parseReplyCommands(`\n\n${quoted}`)).toEqual({ commands: [], unrecognised: [] });
    expect(newTextLines('\uFEFFdone\r\n> x').filter(Boolean)).toEqual(['done']);
  });

  it('reads no more than a reply’s worth of lines', () => {
    const parsed = parseReplyCommands(Array.from({ length: 500 }, () => 'blah').join('\n'));
    expect(parsed.unrecognised.length).toBeLessThanOrEqual(60);
  });

  it('returns commands in the shape the sprint service takes', () => {
    const commands: Parameters<SprintService['actWithReplyToken']>[2] = parseReplyCommands('1 done').commands;
    expect(commands).toEqual([{ taskIndex: 1, action: { type: 'complete' } }]);
  });
});

describe('saysAcknowledged', () => {
  it('reads the first line of the person’s own text', () => {
    for (const body of ['acknowledged', 'Acknowledged, thanks.\n\n> Please read what changed', '\uFEFF  Received', '> quoted\nyes', '**OK**', 'read and understood']) {
      expect(saysAcknowledged(body), JSON.stringify(body)).toBe(true);
    }
    for (const body of ['', '> acknowledged', 'not yet\nacknowledged', 'acknowledgement to follow', 'okay-ish']) {
      expect(saysAcknowledged(body), JSON.stringify(body)).toBe(false);
    }
  });
});

describe('hostile text: bounded work', () => {
  const N = 200 * 1024;
  const line = (unit: string, before = '', after = '') => before + unit.repeat(Math.ceil(N / unit.length)) + after;
  // Each of the single lines took seconds to tens of seconds before the patterns were rewritten
  // (x*x 44 s, _x 31 s, "n/a: x - - -x" 44 s, "refused: x ; ; ;y" 37 s at 200 kB).
  const SHAPES: [string, string][] = [
    ['a line of *', line('*')],
    ['a line of " -"', line(' -')],
    ['a line of _', line('_')],
    ['a line of spaces', line(' ', 'a', 'b')],
    ['a line of tabs and spaces', line(' \t', 'done', 'x')],
    ['* between letters', line('*', 'x', 'x')],
    ['_ after a word', line('_', 'x', ' x')],
    ['" -" after a word', line(' -', 'x')],
    ['not applicable and " -"', line(' -', 'n/a: x', 'x')],
    ['refused and " ;"', line(' ;', 'refused: x', 'y')],
    ['refused and " /"', line(' /', 'refused: x', 'y')],
    ['refused and "managed"', line(' managed', 'refused: x')],
    ['done and dashes before a line separator', line('-', 'done', '\u2028x')],
    ['task numbers', line('1,', '', 'x')],
    ['task numbers and "and"', line('1 and ', '', '!')],
    ['"On" and "wrote"', line(' wrote', 'On ')],
    ['"On" and colons', line(' :', 'On x wrote')],
    ['dashes like an original-message rule', line('-', '--original message')],
    ['underscores like an Outlook rule', line('_', '', ' x')],
    ['a greeting and spaces', line(' ', 'hi', ':')],
    ['a sign-off and commas', line(',', 'thanks', 'x')],
    ['many full lines of " -" after n/a', Array.from({ length: 250 }, () => `n/a: x${' -'.repeat(MAX_LINE_CHARS)}x`).join('\n')],
    ['many full lines of *', Array.from({ length: 250 }, () => `x${'*'.repeat(MAX_LINE_CHARS)}x`).join('\n')],
    ['many quoted lines', Array.from({ length: 5000 }, () => `> x${' -'.repeat(40)}x`).join('\n')],
    ['many "On" lines', Array.from({ length: 5000 }, () => `On ${'a '.repeat(40)}`).join('\n')],
    ['many "From:" lines', Array.from({ length: 5000 }, () => `From: ${'a '.repeat(40)}`).join('\n')],
    ['empty lines', '\n'.repeat(N)],
    ['carriage returns', '\r'.repeat(N)],
  ];

  it.each(SHAPES)('parses %s in well under 50 ms', (name, body) => {
    expect(body.length).toBeGreaterThanOrEqual(N);
    parseReplyCommands(body.slice(0, 100)); // compiles the patterns outside the timing
    const started = performance.now();
    const parsed = parseReplyCommands(body);
    const acknowledged = saysAcknowledged(body);
    const ms = performance.now() - started;
    console.log(`reply parsing, ${name} (${(body.length / 1024).toFixed(0)} kB): ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(200);
    // Whatever came out is bounded too: a reply's worth of lines, each shown shortened.
    expect(parsed.commands.length + parsed.unrecognised.length).toBeLessThanOrEqual(60 * 99);
    expect(parsed.unrecognised.every((u) => u.line.length <= 80)).toBe(true);
    expect(typeof acknowledged).toBe('boolean');
  });

  it('reads at most the first 60 lines of new text, each cut at 1,000 characters', () => {
    const lines = newTextLines(`${'x'.repeat(5000)}\n${Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n')}`);
    expect(lines[0]).toBe('x'.repeat(MAX_LINE_CHARS));
    expect(lines.filter(Boolean).length).toBeLessThanOrEqual(61);
    // A command stays readable when the long note after it is cut.
    expect(parseReplyCommands(`1 done ${'y'.repeat(5000)}`).commands).toEqual([{ taskIndex: 1, action: { type: 'complete', note: 'y'.repeat(MAX_LINE_CHARS - 7) } }]);
    // Quoted lines do not count as the person's lines, but nothing past the caps is read.
    const farCommand = `${'> quoted\n'.repeat(MAX_TEXT_LINES)}2 done`;
    expect(parseReplyCommands(farCommand).commands).toEqual([]);
    expect(parseReplyCommands(`${'> quoted\n'.repeat(100)}2 done`).commands).toEqual([{ taskIndex: 2, action: { type: 'complete' } }]);
  });

  it('keeps the emphasis and punctuation rules the patterns had', () => {
    expect(commandsOf('**done**')).toEqual([{ action: { type: 'complete' } }]);
    expect(commandsOf('__1 done__')).toEqual([{ taskIndex: 1, action: { type: 'complete' } }]);
    expect(commandsOf('* done *')).toEqual([{ action: { type: 'complete', note: '*' } }]);
    expect(commandsOf('n/a: - family drives - / ;')).toEqual([{ action: { type: 'not-applicable', reason: 'family drives' } }]);
    expect(commandsOf('refused: no thanks ; managed - GP told ;')).toEqual([{ action: { type: 'refuse', reason: 'no thanks', managedHow: 'GP told' } }]);
    expect(parseReplyCommands('***').unrecognised).toEqual([]);
  });
});
