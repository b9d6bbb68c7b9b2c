// The sprint's emails: assignment, reminder, overdue notices. No clinical detail: the
// participant's local reference, the task titles and deadlines, and the links.
import { formatInstant } from '../format';
import type { EmailContent } from './types';

export type SprintEmailKind = 'assigned' | 'reminder' | 'overdue';

export interface EmailTask {
  key: string;
  title: string;
  dueAt: string;
  ownerName?: string;
  /** Filled in by the sender: the task's own action link. */
  link?: string;
}

const REPLY_HELP_ONE = [
  'You can also reply to this email. Write one of these on the first line:',
  '  done',
  '  not applicable: <why it does not apply>',
  '  refused: <why the participant refused> / managed: <how it was managed>',
];

const replyHelpMany = (count: number) => [
  'You can also reply to this email, one line per task, starting with the task number:',
  '  1 done',
  `  2 not applicable: <why it does not apply>`,
  `  ${Math.min(3, count)} refused: <why the participant refused> / managed: <how it was managed>`,
];

export function sprintEmail(opts: {
  kind: SprintEmailKind;
  recipientName: string;
  participantRef: string;
  tasks: EmailTask[];
  timeZone: string;
}): EmailContent {
  const due = (t: EmailTask) => formatInstant(t.dueAt, opts.timeZone);
  const list = opts.tasks.map((t, i) => `${opts.tasks.length > 1 ? `${i + 1}. ` : ''}${t.title}${t.ownerName ? ` (owner: ${t.ownerName})` : ''}\n   due ${due(t)}${t.link ? `\n   ${t.link}` : ''}`);
  const first = opts.tasks[0]!;
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const replyHelp = opts.tasks.length > 1 ? replyHelpMany(opts.tasks.length) : REPLY_HELP_ONE;
  switch (opts.kind) {
    case 'assigned':
      return {
        subject: opts.tasks.length > 1 ? `careloop: ${opts.tasks.length} post-discharge tasks for ${ref}` : `careloop: ${first.title} for ${ref}`,
        text: [hello, '', `You are the named owner of ${opts.tasks.length > 1 ? 'these post-discharge tasks' : 'this post-discharge task'} for participant ${ref}.`, 'Open a link to record what happened:', '', ...list, '', ...replyHelp, ''].join('\n'),
      };
    case 'reminder':
      return {
        subject: `careloop reminder: ${first.title} for ${ref} is due ${due(first)}`,
        text: [hello, '', `A reminder: this task for participant ${ref} is still open.`, '', ...list, '', ...REPLY_HELP_ONE, ''].join('\n'),
      };
    case 'overdue':
      return {
        subject: `careloop OVERDUE: ${first.title} for ${ref}`,
        text: [hello, '', `This task for participant ${ref} has passed its deadline and has been escalated to the coordinator.`, '', ...list, '', ...REPLY_HELP_ONE, ''].join('\n'),
      };
  }
}
