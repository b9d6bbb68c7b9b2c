// The sprint's emails: assignment, reminder, overdue notices. No clinical detail: the
// participant's local reference, the task titles and deadlines, and the links.
import { formatInstant } from '../format';
import { emailHtml, type EmailItem } from './html';
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
  const many = opts.tasks.length > 1;
  const items: EmailItem[] = opts.tasks.map((t, i) => ({
    heading: `${many ? `${i + 1}. ` : ''}${t.title}`,
    lines: [`Due ${due(t)}.`, ...(t.ownerName ? [`Owner: ${t.ownerName}.`] : [])],
    ...(t.link ? { action: { label: opts.kind === 'overdue' ? 'Record what happened' : 'Mark as done', url: t.link } } : {}),
  }));
  const how = many
    ? 'Each button opens its task: mark it done, or record that it does not apply or that the participant refused.'
    : 'The button opens the task: mark it done, or record that it does not apply or that the participant refused.';
  const both = (subject: string, text: string[], intro: string, help: readonly string[]): EmailContent => ({
    subject,
    text: text.join('\n'),
    html: emailHtml({ subject, greeting: hello, paragraphs: [intro, how], items, replyHelp: help }),
  });
  switch (opts.kind) {
    case 'assigned': {
      const intro = `You are the named owner of ${many ? 'these post-discharge tasks' : 'this post-discharge task'} for participant ${ref}.`;
      return both(
        many ? `careloop: ${opts.tasks.length} post-discharge tasks for ${ref}` : `careloop: ${first.title} for ${ref}`,
        [hello, '', intro, 'Open a link to record what happened:', '', ...list, '', ...replyHelp, ''],
        intro,
        replyHelp,
      );
    }
    case 'reminder': {
      const intro = `A reminder: this task for participant ${ref} is still open.`;
      return both(`careloop reminder: ${first.title} for ${ref} is due ${due(first)}`, [hello, '', intro, '', ...list, '', ...REPLY_HELP_ONE, ''], intro, REPLY_HELP_ONE);
    }
    case 'overdue': {
      const intro = `This task for participant ${ref} has passed its deadline and has been escalated to the coordinator.`;
      return both(`careloop OVERDUE: ${first.title} for ${ref}`, [hello, '', intro, '', ...list, '', ...REPLY_HELP_ONE, ''], intro, REPLY_HELP_ONE);
    }
  }
}
