// What careloop's emails say. No clinical detail: the participant's local reference, the task
// titles and deadlines, and the links. The link is the way in.

export type SprintEmailKind = 'assigned' | 'reminder' | 'overdue' | 'overdue-coordinator';

export interface EmailTask {
  key: string;
  title: string;
  dueAt: string;
  ownerName?: string;
  /** Filled in by the sender: the task's own action link. */
  link?: string;
}

export interface SprintEmailContent {
  subject: string;
  text: string;
}

export function formatInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
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
  sprintLink: string;
  timeZone: string;
}): SprintEmailContent {
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
    case 'overdue-coordinator':
      return {
        subject: `careloop OVERDUE: ${first.title} for ${ref} (${first.ownerName ?? 'owner'})`,
        text: [hello, '', `A task in the post-discharge sprint you coordinate for participant ${ref} is overdue:`, '', ...list, '', `The sprint: ${opts.sprintLink}`, ''].join('\n'),
      };
  }
}

export type PlanEmailKind = 'plan-published' | 'plan-ack-request' | 'plan-ack-reminder' | 'plan-ack-escalation';

const TRIGGER_WORDS: Record<string, string> = {
  incident: 'an incident',
  hospital_discharge: 'a hospital discharge',
  safeguarding: 'a safeguarding concern',
  risk_change: 'a change in risk',
  scheduled_review: 'a scheduled review',
  other: 'another reason',
};

/** Plan emails say which plan and version and why it matters to the reader, not what it holds. */
export function planEmail(opts: {
  kind: PlanEmailKind;
  recipientName: string;
  participantRef: string;
  version: number;
  trigger: string;
  link?: string;
  planLink: string;
  ackDeadline?: string;
  missing?: string[];
}): SprintEmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const why = TRIGGER_WORDS[opts.trigger] ?? 'a change';
  const replyHelp = ['You can also reply to this email with the word: acknowledged'];
  switch (opts.kind) {
    case 'plan-published':
      return {
        subject: `careloop: plan for ${ref} updated to version ${opts.version}`,
        text: [hello, '', `The integrated plan for participant ${ref} has a new version (${opts.version}), after ${why}.`, 'Read what changed:', `  ${opts.link}`, ''].join('\n'),
      };
    case 'plan-ack-request':
      return {
        subject: `careloop: please acknowledge version ${opts.version} of the plan for ${ref}`,
        text: [hello, '', `The integrated plan for participant ${ref} has changed after ${why}, in a way that alters day-to-day delivery.`, `Please read what changed and acknowledge it${opts.ackDeadline ? ` by ${opts.ackDeadline}` : ''}:`, `  ${opts.link}`, '', ...replyHelp, ''].join('\n'),
      };
    case 'plan-ack-reminder':
      return {
        subject: `careloop reminder: acknowledge version ${opts.version} of the plan for ${ref}`,
        text: [hello, '', `A reminder: version ${opts.version} of the plan for participant ${ref} still needs your acknowledgement${opts.ackDeadline ? ` (by ${opts.ackDeadline})` : ''}.`, `  ${opts.link}`, '', ...replyHelp, ''].join('\n'),
      };
    case 'plan-ack-escalation':
      return {
        subject: `careloop ESCALATION: acknowledgements missing for the plan for ${ref} (version ${opts.version})`,
        text: [hello, '', `The deadline has passed and these people have not acknowledged version ${opts.version} of the plan for participant ${ref}:`, '', ...(opts.missing ?? []).map((m) => `  - ${m}`), '', `Live status: ${opts.planLink}`, ''].join('\n'),
      };
  }
}
