// The answer to a reply to a sprint email: what was recorded, what was not and why, and how to
// write a reply careloop can read.
import type { ParsedReply, ReplyCommand } from '../reply-commands';
import type { TaskStatus, TaskStatusReason } from '../sprint';
import { emailHtml, PLAIN_FOOTER, type EmailItem } from './html';
import type { EmailContent } from './types';

export const REPLY_SYNTAX = [
  'Write one line per task, starting with its number if the email listed several:',
  '  1 done',
  '  2 not applicable: <why it does not apply>',
  '  3 refused: <why the participant refused> / managed: <how it was managed>',
  'Or open the link in the email.',
];

/** What a reply recorded on a task, in words: "Discharge summary received: recorded as done". */
export function taskRecordedWords(task: { title: string; status: TaskStatus; statusReason?: TaskStatusReason }): string {
  const words =
    task.status === 'completed'
      ? 'recorded as done'
      : task.status === 'rejected'
        ? 'recorded as refused by the participant'
        : task.status === 'cancelled'
          ? task.statusReason === 'not-applicable'
            ? 'recorded as not applicable'
            : 'recorded as cancelled'
          : task.status === 'failed'
            ? 'recorded as not done'
            : 'still open';
  return `${task.title}: ${words}`;
}

/** One result per command, in the reply's order; `taskKey` is empty when no task matched. */
export interface ReplyResult {
  taskKey: string;
  ok: boolean;
  message: string;
}

/** `participantRef`, when known, names the participant in the subject. */
export function replyAnswerEmail(name: string, reply: ParsedReply, results: readonly ReplyResult[], participantRef?: string): EmailContent {
  const label = (c: ReplyCommand | undefined) => (c?.taskIndex !== undefined ? `Task ${c.taskIndex}: ` : '');
  const recorded = results.flatMap((r, i) => (r.ok ? [`  ${label(reply.commands[i])}${r.message}`] : []));
  const failed = results.flatMap((r, i) => {
    if (r.ok) return [];
    const c = reply.commands[i];
    // No task matched the number: say so, rather than ask for a number that was given.
    const message = !r.taskKey && c?.taskIndex !== undefined ? 'The email has no task with that number.' : r.message;
    return [`  ${label(c)}${message}`];
  });
  const unclear = reply.unrecognised.map((u) => `  "${u.line}": ${u.problem}`);
  const about = participantRef ? ` about ${participantRef}` : '';
  const subject =
    results.length === 0
      ? `careloop: your reply${about} could not be read`
      : failed.length === 0
        ? `careloop: recorded from your reply${about}`
        : recorded.length === 0
          ? `careloop: nothing was recorded from your reply${about}`
          : `careloop: part of your reply${about} was not recorded`;
  const text = [
    `Hello ${name},`,
    '',
    ...(results.length === 0 ? ['careloop found no command it knows in your reply, so nothing was recorded.', ''] : []),
    ...(recorded.length ? ['Recorded:', ...recorded, ''] : []),
    ...(failed.length ? ['Not recorded:', ...failed, ''] : []),
    ...(unclear.length ? ['Not understood, so nothing was done with these lines:', ...unclear, ''] : []),
    ...(failed.length || unclear.length || results.length === 0 ? [...REPLY_SYNTAX, ''] : []),
  ].join('\n');
  const trim = (lines: string[]) => lines.map((l) => l.trim());
  const items: EmailItem[] = [
    ...(recorded.length ? [{ heading: 'Recorded', lines: trim(recorded) }] : []),
    ...(failed.length ? [{ heading: 'Not recorded', lines: trim(failed) }] : []),
    ...(unclear.length ? [{ heading: 'Not understood, so nothing was done with these lines', lines: trim(unclear) }] : []),
  ];
  const html = emailHtml({
    subject,
    greeting: `Hello ${name},`,
    paragraphs: results.length === 0 ? ['careloop found no command it knows in your reply, so nothing was recorded.'] : [],
    items,
    replyHelp: failed.length || unclear.length || results.length === 0 ? [...REPLY_SYNTAX.slice(0, -1), 'Or use the button in the email careloop sent you.'] : undefined,
    footer: PLAIN_FOOTER,
  });
  return { subject, text, html };
}
