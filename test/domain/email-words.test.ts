// Words, not codes, in every email careloop sends: each template in domain/emails/ rendered with
// representative inputs, every kind of each, both parts. No status or reason code, no trigger or
// channel code, no raw timestamp, no "undefined", no link into /api/; the subject names the
// participant’s reference whenever the email is about a participant and every subject says why
// the email came (its cause); no hyphenated code domain/words.ts keeps appears; the HTML part shows no
// address as text and has a button for every link the plain text gives.
import { describe, expect, it } from 'vitest';
import type { EmailContent } from '../../domain/emails/types';
import { sprintEmail, type SprintEmailKind } from '../../domain/emails/sprint';
import { escalationDigestEmail, type DigestLine } from '../../domain/emails/escalation';
import { planEmail, planHandoverEmail, type PlanEmailKind } from '../../domain/emails/plan';
import { planAcknowledgedEmail, planReplyNotUnderstoodEmail } from '../../domain/emails/plan-reply-answer';
import { replyAnswerEmail, taskRecordedWords } from '../../domain/emails/reply-answer';
import { escalationReplyAnswerEmail } from '../../domain/emails/escalation-reply-answer';
import { forgedReplyEmail } from '../../domain/emails/forged-reply';
import { signinLinkEmail } from '../../domain/emails/signin-link';
import { ACTION_REPLY_HELP, planStepReplyAnswerEmail, planStepsEmail, type PlanStepsEmailKind } from '../../domain/emails/plan-steps';
import { huddleEmail, type HuddleEmailKind } from '../../domain/emails/huddle';
import { disputeEmail, disputeReplyAnswerEmail, type DisputeEmailKind } from '../../domain/emails/dispute';
import { digestEmail } from '../../domain/emails/digest';
import { parseReplyCommands } from '../../domain/reply-commands';
import { parseEscalationReplyCommands } from '../../domain/escalation-reply-commands';
import { formatInstant } from '../../domain/format';
import { buttons, visibleText } from '../support/email-html';
import { HYPHENATED_CODES, PLAN_TRIGGER_PHRASE_WORDS } from '../../domain/words';

const REF = 'RX-4821';
const BASE = 'https://careloop.example';
const link = (n: number) => `${BASE}/a/cla_${String(n).repeat(40).slice(0, 40)}`;
const when = (iso: string) => formatInstant(iso, 'Europe/London');
const DUE = when('2026-12-01T09:00:00.000Z');

/** Codes careloop keeps in JSON and FHIR: none may reach a person's inbox. */
const RAW_CODES = [
  // sprint tasks and sprints
  'requested', 'rejected', 'not-done-by-close', 'refused-by-participant', 'not-applicable', 'sprint-cancelled', 'completed-with-gaps',
  // plans and their triggers and channels
  'awaiting-acknowledgements', 'risk_change', 'hospital_discharge', 'scheduled_review', 'email-reply', 'acknowledgement-required',
  // escalations and disputes
  'stage-1', 'stage-2', 'stage-3', 'top-tier-overdue', 'cause-resolved', 'interim-owner',
  // the emails' own kinds
  'plan-ack-request', 'plan-ack-reminder', 'plan-ack-escalation', 'plan-published', 'action-assigned', 'update-requested', 'update-received', 'review-started',
  'huddle-ready', 'decision-assigned', 'decision-overdue', 'dispute-stage', 'dispute-proposal', 'dispute-closed', 'escalation-digest',
  // what a missing value prints as
  'undefined', 'null', 'NaN', '[object Object]',
];
const CODE_PATTERN = new RegExp(`(?<![\\w-])(${RAW_CODES.map((c) => c.replace(/[[\]]/g, '\\$&')).join('|')})(?![\\w-])`);
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** Every hyphenated status and reason code in the vocabulary (domain/words.ts), as a whole word. */
const HYPHENATED_CODE = new RegExp(`(?<![\\w-])(${HYPHENATED_CODES.join('|')})(?![\\w-])`);

interface Rendered {
  name: string;
  /** The participant the email is about, when it is about one. */
  ref?: string;
  /** Links the plain text gives (each must be a button, or a short link, in the HTML part). */
  links: string[];
  /** Why the email came, as its subject must say it: the task, the trigger, the cause, the dispute. */
  cause: string | RegExp;
  email: EmailContent;
}

function renderAll(): Rendered[] {
  const out: Rendered[] = [];
  const add = (name: string, email: EmailContent, ref: string | undefined, links: string[], cause: string | RegExp) => out.push({ name, email, ref, links, cause });

  const tasks = [
    { key: 'summary', title: 'Discharge summary received', dueAt: '2026-12-01T09:00:00.000Z', ownerName: 'Ada Lovelace', link: link(1) },
    { key: 'visit', title: 'First home visit confirmed', dueAt: '2026-12-02T09:00:00.000Z', link: link(2) },
  ];
  for (const kind of ['assigned', 'reminder', 'overdue'] as SprintEmailKind[]) {
    const few = kind === 'assigned' ? tasks : tasks.slice(0, 1);
    add(`sprint ${kind}`, sprintEmail({ kind, recipientName: 'Ada', participantRef: REF, tasks: few, timeZone: 'Europe/London' }), REF, few.map((t) => t.link), few.length > 1 ? /\d+ post-discharge tasks/ : few[0]!.title);
  }

  const line = (over: Partial<DigestLine>): DigestLine => ({
    kind: 'raised', role: 'chair', cause: 'Overdue: Discharge summary received', riskLevel: 'high', tierLabel: 'Same-day multi-agency huddle', chairName: 'Cy Chair',
    acknowledgeBy: DUE, respondBy: when('2026-12-01T13:00:00.000Z'), link: link(3), ...over,
  });
  add('escalation raised', escalationDigestEmail({ recipientName: 'Ada', participantRef: REF, update: 1, lines: [line({})] }), REF, [link(3)], 'Overdue: Discharge summary received');
  add('escalation digest', escalationDigestEmail({
    recipientName: 'Ada', participantRef: REF, update: 2,
    lines: [
      line({ kind: 'promoted', riskLevel: 'acute', tierLabel: 'Immediate response' }),
      line({ kind: 'top-tier-overdue', riskLevel: 'acute', tierLabel: 'Immediate response', link: link(4) }),
      line({ kind: 'cause-resolved', causeReason: '“Discharge summary received” was done by Bo', graceEndsAt: DUE, link: link(5) }),
      line({ role: 'responder', link: link(6) }),
    ],
  }), REF, [link(3), link(4), link(5), link(6)], 'Overdue: Discharge summary received');

  for (const kind of ['plan-published', 'plan-ack-request', 'plan-ack-reminder', 'plan-ack-escalation'] as PlanEmailKind[]) {
    for (const trigger of ['risk_change', 'hospital_discharge', 'scheduled_review', 'incident', 'safeguarding', 'other']) {
      const withLink = kind !== 'plan-ack-escalation';
      const cause = kind === 'plan-ack-escalation' ? 'acknowledgements missing' : `after ${(PLAN_TRIGGER_PHRASE_WORDS as Record<string, string>)[trigger]}`;
      add(`plan ${kind} (${trigger})`, planEmail({ kind, recipientName: 'Ada', participantRef: REF, version: 3, trigger, link: withLink ? link(7) : undefined, ackDeadline: DUE, missing: ['Bo Brown (Housing)', 'Cy Chair (Hospital)'] }), REF, withLink ? [link(7)] : [], cause);
    }
  }
  for (const role of ['new', 'previous'] as const) {
    add(`plan handover (${role})`, planHandoverEmail({ role, recipientName: 'Ada', participantRef: REF, previousName: 'Bo Brown', newName: 'Ada Lovelace', byName: 'Cy Chair', link: `${BASE}/plans/plan_1` }), REF, [`${BASE}/plans/plan_1`], role === 'new' ? 'you now hold the plan' : 'is now held by Ada Lovelace');
  }
  for (const channel of ['email-reply', 'link', 'web', 'api']) {
    add(`plan acknowledged (${channel})`, planAcknowledgedEmail({ name: 'Ada', version: 3, at: '2026-11-30T12:00:00.000Z', channel, participantRef: REF, timeZone: 'Europe/London' }), REF, [], 'acknowledgement');
  }
  add('plan acknowledged, no reference', planAcknowledgedEmail({ name: 'Ada', version: 3, at: '2026-11-30T12:00:00.000Z', channel: 'email-reply' }), undefined, [], 'acknowledgement');
  add('plan reply not understood', planReplyNotUnderstoodEmail({ name: 'Ada' }), undefined, [], 'your reply');

  // The sprint reply's answer, with what the service records for each status (taskRecordedWords).
  const statuses = [
    { status: 'completed', statusReason: undefined },
    { status: 'rejected', statusReason: 'refused-by-participant' },
    { status: 'cancelled', statusReason: 'not-applicable' },
    { status: 'cancelled', statusReason: 'sprint-cancelled' },
    { status: 'failed', statusReason: 'not-done-by-close' },
    { status: 'requested', statusReason: undefined },
  ] as const;
  const recorded = statuses.map((s) => ({ taskKey: 'summary', ok: true, message: taskRecordedWords({ title: 'Discharge summary received', ...s }) }));
  add('sprint reply answer', replyAnswerEmail('Ada', parseReplyCommands(statuses.map((_, i) => `${i + 1} done`).join('\n')), recorded, REF), REF, [], 'your reply');
  add('sprint reply answer, part', replyAnswerEmail('Ada', parseReplyCommands('1 done\n2 done\nplease call me'), [recorded[0]!, { taskKey: '', ok: false, message: 'ignored' }]), undefined, [], 'your reply');
  add('sprint reply answer, nothing', replyAnswerEmail('Ada', parseReplyCommands('thanks!'), []), undefined, [], 'your reply');

  const escReply = parseEscalationReplyCommands('1 acknowledged\n2 response: called the family\nwhat now?');
  add('escalation reply answer', escalationReplyAnswerEmail({
    name: 'Ada', listed: 2, participantRefs: [REF], reply: escReply,
    results: [
      { number: 1, participantRef: REF, action: 'acknowledge', ok: true, message: '' },
      { number: 2, participantRef: REF, action: 'respond', ok: false, message: 'Take ownership first: the response action is recorded by the chair who has.' },
    ],
  }), REF, [], 'your reply');
  add('escalation reply answer, nothing', escalationReplyAnswerEmail({ name: 'Ada', listed: 1, participantRefs: [REF], reply: parseEscalationReplyCommands('thanks'), results: [] }), REF, [], 'your reply');

  add('forged reply', forgedReplyEmail({ ownerName: 'Ada', ownerEmail: 'ada@ward.example', claimedFrom: 'mallory@evil.example' }), undefined, [], 'a reply to your email was not accepted');
  add('sign-in link', signinLinkEmail({ name: 'Ada', link: `${BASE}/signin/cls_${'9'.repeat(40)}`, minutes: 15 }), undefined, [`${BASE}/signin/cls_${'9'.repeat(40)}`], 'sign-in link');

  const stepKinds: PlanStepsEmailKind[] = ['action-assigned', 'action-reminder', 'action-overdue', 'action-cancelled', 'review-started', 'review-reminder', 'review-overdue', 'update-requested', 'update-reminder', 'update-overdue', 'update-received'];
  for (const kind of stepKinds) {
    const withLink = kind !== 'action-cancelled';
    add(`plan steps ${kind}`, planStepsEmail({ kind, recipientName: 'Ada', participantRef: REF, dueBy: DUE, why: 'a hospital discharge', version: 4, askedBy: 'Bo Brown', agencyName: 'Housing', link: withLink ? link(8) : undefined }), REF, withLink ? [link(8)] : [], kind.startsWith('action') ? /plan action|action in the plan/ : kind === 'update-received' ? 'sent its update' : 'after a hospital discharge');
  }
  add('plan step answer, recorded', planStepReplyAnswerEmail({ name: 'Ada', participantRef: REF, recorded: 'the action is done.', help: [] }), REF, [], 'your reply');
  add('plan step answer, not recorded', planStepReplyAnswerEmail({ name: 'Ada', participantRef: REF, problem: 'Say why it was not done.', line: 'not done', help: ACTION_REPLY_HELP }), REF, [], 'your reply');

  const huddleKinds: HuddleEmailKind[] = ['huddle-ready', 'decision-assigned', 'decision-reminder', 'decision-overdue'];
  for (const kind of huddleKinds) {
    const about = kind === 'huddle-ready' ? undefined : REF;
    add(`huddle ${kind}`, huddleEmail({ kind, recipientName: 'Ada', agencyName: 'County care team', heldAt: when('2026-11-30T09:30:00.000Z'), rosterRows: 12, participantRef: about, dueBy: DUE, link: link(9) }), about, [link(9)], about ? 'huddle decision' : 'huddle is ready');
  }
  add('huddle ready, roster problem', huddleEmail({ kind: 'huddle-ready', recipientName: 'Ada', agencyName: 'County care team', heldAt: DUE, rosterRows: 1, rosterProblem: true, link: `${BASE}/huddles/h1` }), undefined, [`${BASE}/huddles/h1`], 'huddle is ready');

  const disputeKinds: DisputeEmailKind[] = ['dispute-interim-owner', 'dispute-interim-reminder', 'dispute-interim-overdue', 'dispute-stage', 'dispute-proposal', 'dispute-declined', 'dispute-decision-overdue', 'dispute-closed'];
  for (const kind of disputeKinds) {
    for (const stage of kind === 'dispute-stage' ? [1, 3] : [2]) {
      add(`dispute ${kind} (stage ${stage})`, disputeEmail({
        kind, recipientName: 'Ada', recipientId: 's1', participantRef: REF, subject: 'Who arranges the ramp', step: 'Arrange the ramp', stage, stageLabel: stage === 3 ? 'Partnership governance' : 'Team leads', dueBy: DUE, interimDueBy: DUE,
        proposal: { id: 'p2', byName: 'Housing', answers: 'p1' }, declinedBy: 'Hospital', closed: { status: 'decided', carriesOn: { id: 's2', name: 'Bo Brown' } },
        link: kind === 'dispute-closed' ? undefined : link(10), pageUrl: `${BASE}/disputes/d1`, replyable: true,
      }), REF, kind === 'dispute-closed' ? [`${BASE}/disputes/d1`] : [link(10), `${BASE}/disputes/d1`], '“Who arranges the ramp”');
    }
  }
  add('dispute reply answer', disputeReplyAnswerEmail({ name: 'Ada', participantRef: REF, results: [{ what: 'Position', ok: true }, { what: 'Accept p2', ok: false, message: 'p2 is not waiting for your agency’s answer.' }], unrecognised: [{ line: 'hm', problem: 'Not a command careloop knows.' }], role: 'party' }), REF, [], 'your reply');
  add('weekly digest', digestEmail({
    recipientName: 'Ada', timeZone: 'Europe/London', homeUrl: `${BASE}/`,
    items: [
      { words: 'Sprint task “Discharge summary received”', participantRef: REF, dueBy: DUE, overdue: true, link: { url: link(11), signIn: false } },
      { words: 'Rapid review of the plan', participantRef: REF, dueBy: DUE, overdue: false, link: { url: `${BASE}/plans/p1/review`, signIn: true } },
      { words: 'Weekly huddle notes', overdue: false },
    ],
  }), undefined, [link(11), `${BASE}/plans/p1/review`, `${BASE}/`], /open items/);
  return out;
}

const rendered = renderAll();

describe('words, not codes, in every email', () => {
  it.each(rendered.map((r) => [r.name, r] as const))('%s: no raw code, timestamp or /api/ link in either part', (_name, r) => {
    const { subject, text, html } = r.email;
    expect(html, 'every email has an HTML part').toBeTruthy();
    for (const [part, words] of [['subject', subject], ['text', text], ['html', visibleText(html!)]] as const) {
      expect(words, `${part} holds a raw code`).not.toMatch(CODE_PATTERN);
      expect(words, `${part} holds a raw timestamp`).not.toMatch(ISO_TIME);
      expect(words, `${part} holds a link into /api/`).not.toContain('/api/');
    }
    expect(html!, 'the HTML links into /api/').not.toContain('/api/');
  });

  it.each(rendered.filter((r) => r.ref).map((r) => [r.name, r] as const))('%s: the subject names the participant', (_name, r) => {
    expect(r.email.subject).toContain(r.ref!);
  });

  it.each(rendered.map((r) => [r.name, r] as const))('%s: the subject says why the email came', (_name, r) => {
    if (typeof r.cause === 'string') expect(r.email.subject).toContain(r.cause);
    else expect(r.email.subject).toMatch(r.cause);
  });

  it.each(rendered.map((r) => [r.name, r] as const))('%s: no code words.ts keeps reaches the subject, the text or the HTML', (_name, r) => {
    const { subject, text, html } = r.email;
    for (const [part, words] of [['subject', subject], ['text', text], ['html', html!], ['html text', visibleText(html!)]] as const) {
      expect(words, `${part} holds a code`).not.toMatch(HYPHENATED_CODE);
    }
  });

  it.each(rendered.map((r) => [r.name, r] as const))('%s: the HTML part shows no address as text, and each link is a button', (_name, r) => {
    const html = r.email.html!;
    expect(visibleText(html)).not.toMatch(/https?:\/\/|\/a\/cla_|cls_/);
    const hrefs = buttons(html).map((b) => b.href);
    for (const l of r.links) {
      expect(r.email.text, 'the plain text keeps the address').toContain(l);
      expect(hrefs, 'a button for each link').toContain(l);
    }
    expect(hrefs.length).toBe(new Set(r.links).size);
    // Every button says what it does, in words.
    for (const b of buttons(html)) expect(b.label).toMatch(/^[A-Z][a-z]+( [a-z’]+)*$/);
  });

  it('catches a code when one slips in', () => {
    expect('Task 1: recorded as not-done-by-close').toMatch(CODE_PATTERN);
    expect('the step stage-1 is open').toMatch(CODE_PATTERN);
    expect('after risk_change').toMatch(CODE_PATTERN);
    expect('Version 3 of the plan (requested)').toMatch(CODE_PATTERN);
    expect('your update was requested by Bo').toMatch(CODE_PATTERN);
    expect('post-discharge tasks, not applicable: why').not.toMatch(CODE_PATTERN);
    expect('Version 3: awaiting-acknowledgements').toMatch(HYPHENATED_CODE);
    expect('the review ended with no-change').toMatch(HYPHENATED_CODE);
    expect('a follow-up of the decision, not done').not.toMatch(HYPHENATED_CODE);
  });
});
