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

export { formatInstant } from '../domain/format';
import { formatInstant } from '../domain/format';

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

export type EscalationEmailKind = 'escalation-chair' | 'escalation-responder' | 'escalation-top-tier-overdue';

/** Escalation emails name the participant's reference, the tier and its deadlines; the link is the way in. */
export function escalationEmail(opts: {
  kind: EscalationEmailKind;
  recipientName: string;
  participantRef: string;
  tierLabel: string;
  riskLevel: string;
  promoted: boolean;
  link?: string;
  statusLink: string;
  acknowledgeBy: string;
  respondBy: string;
}): SprintEmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const what = `${opts.promoted ? 'An escalation has been promoted' : 'An escalation has been raised'} for participant ${ref}: ${opts.riskLevel} risk, ${opts.tierLabel.toLowerCase()}.`;
  switch (opts.kind) {
    case 'escalation-chair':
      return {
        subject: `careloop ESCALATION (${opts.riskLevel}): you chair the ${opts.tierLabel.toLowerCase()} for ${ref}`,
        text: [hello, '', what, `You chair this tier. Acknowledge that you take ownership by ${opts.acknowledgeBy}, and record the response action by ${opts.respondBy}:`, `  ${opts.link}`, '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
    case 'escalation-responder':
      return {
        subject: `careloop ESCALATION (${opts.riskLevel}) for ${ref}`,
        text: [hello, '', what, `You are a responder. The chair must record the response action by ${opts.respondBy}.`, '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
    case 'escalation-top-tier-overdue':
      return {
        subject: `careloop ESCALATION OVERDUE (${opts.riskLevel}) for ${ref}`,
        text: [hello, '', `The escalation you chair for participant ${ref} has passed its ${opts.tierLabel.toLowerCase()} window, and there is no higher tier. Act now:`, ...(opts.link ? [`  ${opts.link}`] : []), '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
  }
}

export type DisputeEmailKind = 'dispute-interim-owner' | 'dispute-stage' | 'dispute-proposal' | 'dispute-decision-overdue';

/** Dispute emails name the participant's reference, the subject, the stage and its deadline; the link is the way in. */
export function disputeEmail(opts: {
  kind: DisputeEmailKind;
  recipientName: string;
  participantRef: string;
  subject: string;
  stage: number;
  stageLabel: string;
  dueBy: string;
  proposal?: { id: string; byName: string };
  link?: string;
  statusLink: string;
}): SprintEmailContent {
  const ref = opts.participantRef;
  const hello = `Hello ${opts.recipientName},`;
  const about = `the dispute "${opts.subject}" about participant ${ref}`;
  switch (opts.kind) {
    case 'dispute-interim-owner':
      return {
        subject: `careloop dispute: you are the interim owner of a step for ${ref}`,
        text: [hello, '', `You are the interim owner of the disputed step in ${about}. Care does not wait for the dispute: carry on with the step until it is resolved.`, '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
    case 'dispute-stage':
      return {
        subject: `careloop dispute (stage ${opts.stage}, ${opts.stageLabel.toLowerCase()}) for ${ref}`,
        text: [hello, '', `You represent your agency at stage ${opts.stage} (${opts.stageLabel.toLowerCase()}) of ${about}.`, opts.stage === 3 ? `Record the partnership's binding decision by ${opts.dueBy}.` : `State your agency's position, and agree a resolution by ${opts.dueBy}:`, ...(opts.link ? [`  ${opts.link}`] : []), '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
    case 'dispute-proposal':
      return {
        subject: `careloop dispute: a resolution is proposed for ${ref}`,
        text: [hello, '', `${opts.proposal?.byName ?? 'A party'} has proposed a resolution (${opts.proposal?.id ?? ''}) to ${about}. Read it and accept it for your agency:`, ...(opts.link ? [`  ${opts.link}`] : []), '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
    case 'dispute-decision-overdue':
      return {
        subject: `careloop dispute OVERDUE: governance decision for ${ref}`,
        text: [hello, '', `Stage 3 of ${about} passed its deadline (${opts.dueBy}) without a decision. Record the binding decision now.`, '', `Live status: ${opts.statusLink}`, ''].join('\n'),
      };
  }
}
