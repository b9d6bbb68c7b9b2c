// The emailed links to an escalation. The chair's leads through every step, one at a time, each
// its own confirm-and-submit form: take ownership, record the response action, record the outcome
// (or, once the cause has ended, confirm it). It stays usable between steps and is spent by the
// outcome; afterwards it shows what was recorded. A responder's link only shows where the
// escalation stands: no description, response, outcome or notes, nothing the email does not hold.
import { z } from 'zod';
import { ESCALATION_POLICY, type EscalationState, type StepRecord } from '../../domain/escalation';
import { SPRINT_TEMPLATE, type ActionChannel } from '../../domain/sprint';
import { AppError, type FieldProblem } from '../errors';
import { html, type SafeHtml } from '../html';
import { endedAnswer, personWords } from '../links/ended';
import type { LinkAnswer, LinkHandler, LinkView } from '../links/registry';
import type { EscalationService } from './service';

const ACTIONS = ['acknowledge', 'respond', 'resolve'] as const;
type LinkAction = (typeof ACTIONS)[number];

/** A field sent twice or as anything but text counts as not sent; the service says what is missing. */
const text = z.string().max(10_000).optional().catch(undefined);
const ZEscalationLinkForm = z.object({ action: z.enum(ACTIONS), responseAction: text, outcome: text });

/** The one thing the chair does next, or nothing once resolved. */
type NextStep = { action: 'acknowledge' } | { action: 'respond' } | { action: 'resolve'; confirm: boolean };

function nextStep(s: EscalationState): NextStep | undefined {
  if (s.status === 'resolved') return undefined;
  // Once the cause has ended the chair only confirms the outcome.
  if (s.causeResolvedAt) return { action: 'resolve', confirm: true };
  if (s.status === 'open') return { action: 'acknowledge' };
  if (s.status === 'acknowledged') return { action: 'respond' };
  return { action: 'resolve', confirm: false };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Moderate risk", and what the tier means: "review within 24-72 hours". */
const tierInWords = (s: EscalationState) => html`<span class="badge risk-${s.tier}">${capital(s.tier)} risk</span> ${ESCALATION_POLICY.tiers[s.tier].label}`;

/** The cause by name: the overdue task, the plan change, or the raiser's own words. */
function causeInWords(s: EscalationState): string {
  if (s.trigger === 'sprint-task-overdue') return `Overdue: ${SPRINT_TEMPLATE.find((t) => t.key === s.source.item)?.title ?? 'a sprint task'}`;
  if (s.trigger === 'plan-acknowledgements-missing') return `Plan version ${s.source.item?.replace(/^v/, '') ?? ''} not acknowledged`.replace('  ', ' ');
  return s.trigger;
}

const CHANNEL_WORDS: Record<ActionChannel, string> = { link: 'by the emailed link', 'email-reply': 'by email reply', web: 'on the careloop page', api: 'through careloop' };
const who = (by: StepRecord['by']) => (by.staffId === 'careloop' ? 'careloop' : html`${by.name} <span class="muted">${CHANNEL_WORDS[by.channel] ?? ''}</span>`);
const timeliness = (step: StepRecord) => (step.onTime ? html`<span class="badge tone-done">on time</span>` : html`<span class="badge tone-overdue">late</span>`);

/** Where the escalation stands, in words; `you` when the reader chairs it. */
function whereItStands(s: EscalationState, view: LinkView, you: boolean): string {
  const chair = you ? 'you' : s.chair.name;
  const top = s.overdueAtTopTier ? ' It is overdue at the top tier.' : '';
  if (s.status === 'resolved') {
    return s.resolvedBy === 'cause' ? `Resolved by careloop on ${view.when(s.resolvedAt ?? s.outcome?.at ?? '')}, after its cause ended and nobody confirmed the outcome in time.` : `Resolved: ${s.outcome?.by.name ?? 'the chair'} recorded the outcome on ${view.when(s.outcome?.at ?? '')}.`;
  }
  if (s.causeResolvedAt) return `Its cause has ended. Waiting for ${chair} to confirm the outcome${s.causeGraceEndsAt ? ` by ${view.when(s.causeGraceEndsAt)}; after that careloop records it as resolved by its cause` : ''}.`;
  if (s.status === 'open') return `Waiting for ${chair} to take ownership.${top}`;
  if (s.status === 'acknowledged') return `${s.acknowledgement?.by.name ?? 'The chair'} has taken ownership. Waiting for the response action.${top}`;
  return `The response action is recorded. Waiting for the outcome.${top}`;
}

/** What the escalation is, who chairs it, its deadlines and where it stands. */
function summary(s: EscalationState, view: LinkView, opts: { you: boolean; withDescription: boolean }): SafeHtml {
  const { when } = view;
  // The deadlines still ahead of the chair: a step taken shows in the history instead.
  const due = (label: string, iso: string) => html`<div><dt>${label}</dt><dd>${when(iso)}${Date.parse(iso) < view.now.getTime() ? html` <strong class="overdue">overdue</strong>` : ''}</dd></div>`;
  const deadlines =
    s.status === 'resolved'
      ? ''
      : s.causeResolvedAt
        ? s.causeGraceEndsAt
          ? due('Confirm the outcome by', s.causeGraceEndsAt)
          : ''
        : s.status === 'open'
          ? html`${due('Take ownership by', s.acknowledgeDueAt)}${due('Record the response by', s.respondDueAt)}`
          : due(s.status === 'acknowledged' ? 'Record the response by' : 'Record the outcome by', s.respondDueAt);
  return html`<section class="card">
  <p class="muted">Escalation · participant ${s.participant.localRef}</p>
  <h1>${causeInWords(s)}</h1>
  <p>${tierInWords(s)}${s.tiers.length > 1 ? html` <span class="muted">moved up from ${s.tiers[0]!.tier} risk after a missed window</span>` : ''}</p>
  <p class="notice">${whereItStands(s, view, opts.you)}</p>
  <dl class="facts">
    <div><dt>Chair</dt><dd>${s.chair.name}${opts.you ? ' (you)' : ''}</dd></div>
    ${deadlines}
    <div><dt>Raised</dt><dd>${when(s.raisedAt)}${s.raisedBy ? ` by ${s.raisedBy.name}` : s.source.process === 'sprint' ? ' by the sprint' : s.source.process === 'plan-change' ? ' by the plan change' : s.source.process === 'plan-steps' ? ' by the plan' : ''}</dd></div>
  </dl>
  ${opts.withDescription && s.description ? html`<h2>What was reported</h2><p style="white-space: pre-wrap">${s.description}</p>` : ''}
</section>`;
}

/** The steps done, oldest first: who, when, and whether in time; with the words recorded only for the chair. */
function history(s: EscalationState, view: LinkView, withText: boolean): SafeHtml {
  const items: { at: string; what: SafeHtml }[] = [{ at: s.raisedAt, what: html`Raised at ${s.tiers[0]!.tier} risk; ${s.tiers[0]!.chair.name} chairs.` }];
  for (const t of s.tiers.slice(1)) {
    const missed = t.entry === 'acknowledgement-missed' ? 'nobody took ownership in time' : 'no response action was recorded in time';
    items.push({ at: t.enteredAt, what: html`Moved up to ${t.tier} risk: ${missed}. ${t.chair.name} chairs.` });
  }
  if (s.acknowledgement) items.push({ at: s.acknowledgement.at, what: html`Ownership taken by ${who(s.acknowledgement.by)} ${timeliness(s.acknowledgement)}` });
  if (s.response) items.push({ at: s.response.at, what: html`Response action recorded by ${who(s.response.by)} ${timeliness(s.response)}${withText ? html`<br><span style="white-space: pre-wrap">${s.response.action}</span>` : ''}` });
  if (s.causeResolvedAt) items.push({ at: s.causeResolvedAt, what: html`Its cause ended${s.causeResolvedReason ? `: ${s.causeResolvedReason}` : ''}. No more moves up.` });
  if (s.outcome) items.push({ at: s.outcome.at, what: html`Outcome recorded by ${who(s.outcome.by)} ${timeliness(s.outcome)}${withText ? html`<br><span style="white-space: pre-wrap">${s.outcome.outcome}</span>` : ''}` });
  if (withText) for (const n of s.notes) items.push({ at: n.at, what: html`Note from ${who(n.by)}<br><span style="white-space: pre-wrap">${n.text}</span>` });
  items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return html`<section class="card">
  <h2>What has happened</h2>
  <ol class="timeline">${items.map((i) => html`<li><time datetime="${i.at}">${view.when(i.at)}</time> ${i.what}</li>`)}</ol>
</section>`;
}

/** "Enter the response action", not "responseAction is required: …". */
function sentence(p: FieldProblem): string {
  const what = p.field === 'responseAction' ? 'the response action' : p.field === 'outcome' ? 'the outcome' : 'this';
  if (p.message.startsWith('is required')) return `Enter ${what}`;
  const max = /must be at most (\d+) characters/.exec(p.message);
  if (max) return `${capital(what)} must be ${max[1]} characters or fewer`;
  return capital(p.message);
}

interface FormState {
  problems?: FieldProblem[];
  values?: { responseAction?: string; outcome?: string };
  /** Said at the top of the page: a step already taken (a notice), or why the button did nothing (a problem). */
  notice?: { text: string; problem?: boolean };
}

/** The one next step as a form, with its problem beside the field and the words typed kept. */
function stepForm(s: EscalationState, view: LinkView, step: NextStep, opts: FormState): SafeHtml {
  const hidden = html`<input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="${step.action}">`;
  const problem = (field: string) => opts.problems?.find((p) => p.field === field);
  const textarea = (field: 'responseAction' | 'outcome', label: string, hint: string, value: string) => {
    const p = problem(field);
    return html`<div class="field${p ? ' has-error' : ''}">
    <label for="${field}">${label}</label>
    <p class="hint" id="${field}-hint">${hint}</p>
    ${p ? html`<p class="field-error" id="${field}-error">${sentence(p)}</p>` : ''}
    <textarea id="${field}" name="${field}" rows="4" aria-describedby="${field}-hint${p ? ` ${field}-error` : ''}"${p ? html` aria-invalid="true"` : ''}>${value}</textarea>
  </div>`;
  };
  const form = (inner: SafeHtml, button: string) => html`<form method="post" action="/a/${view.token}" novalidate>${hidden}${inner}<p><button type="submit">${button}</button></p></form>`;
  switch (step.action) {
    case 'acknowledge':
      return html`<section class="card" id="next-step"><h2>Take ownership</h2>
  <p>Confirm that you chair this escalation. You record the response action next, by ${view.when(s.respondDueAt)}.</p>
  ${form(html``, 'I take ownership')}</section>`;
    case 'respond':
      return html`<section class="card" id="next-step"><h2>Record the response action</h2>
  ${form(textarea('responseAction', 'What was done in response?', `Who did what, and when. Due by ${view.when(s.respondDueAt)}.`, opts.values?.responseAction ?? ''), 'Record the response action')}</section>`;
    case 'resolve': {
      const prefilled = step.confirm ? `Cause resolved: ${s.causeResolvedReason ?? 'the raising process ended it'}` : '';
      const value = opts.values?.outcome ?? prefilled;
      return step.confirm
        ? html`<section class="card" id="next-step"><h2>Confirm the outcome</h2>
  <p>The cause of this escalation has ended${s.causeResolvedReason ? `: ${s.causeResolvedReason}` : ''}. Confirm the outcome to resolve it; change the words first if there is more to record.</p>
  ${form(textarea('outcome', 'Outcome', s.causeGraceEndsAt ? `If nobody confirms by ${view.when(s.causeGraceEndsAt)}, careloop records this outcome itself.` : 'Recorded as the outcome.', value), 'Confirm the outcome')}</section>`
        : html`<section class="card" id="next-step"><h2>Record the outcome and resolve</h2>
  ${form(textarea('outcome', 'What was the outcome?', 'This resolves the escalation; it can no longer change afterwards.', value), 'Record the outcome and resolve')}</section>`;
    }
  }
}

const stepTitle = (step: NextStep) => (step.action === 'acknowledge' ? 'Take ownership' : step.action === 'respond' ? 'Record the response action' : step.confirm ? 'Confirm the outcome' : 'Record the outcome');

/** The error summary, GOV.UK style: at the top, each problem a link to its field. */
function errorSummary(problems: FieldProblem[] | undefined): SafeHtml | '' {
  if (!problems?.length) return '';
  return html`<div class="problem error-summary" role="alert" tabindex="-1" style="margin-bottom: 1.5rem">
  <h2>There is a problem</h2>
  <ul>${problems.map((p) => html`<li><a href="#${p.field}">${sentence(p)}</a></li>`)}</ul>
</div>`;
}

/** The chair's page: the escalation, its history, and the one next step (or, for anyone else, where it stands). */
function chairPage(s: EscalationState, view: LinkView, opts: FormState & { status?: number } = {}): LinkAnswer {
  const you = s.chair.id === view.row.staff.id;
  const step = you ? nextStep(s) : undefined;
  const next = step
    ? stepForm(s, view, step, opts)
    : s.status === 'resolved'
      ? ''
      : html`<section class="card"><p class="problem">${s.chair.name} chairs this escalation now; this link can no longer record its steps.</p></section>`;
  const title = step ? `${stepTitle(step)}: escalation for ${s.participant.localRef}` : `Escalation for ${s.participant.localRef}`;
  const notice = opts.notice ? html`<p class="${opts.notice.problem ? 'problem' : 'notice'}" role="status">${opts.notice.text}</p>` : '';
  return {
    status: opts.status,
    title: opts.problems?.length ? `Error: ${title}` : title,
    body: html`${errorSummary(opts.problems)}${notice}${summary(s, view, { you, withDescription: true })}${next}${history(s, view, true)}`,
  };
}

/** The record of the step a POST asked for, when it has already been taken (a second click, or another channel first). */
function alreadyDone(s: EscalationState, action: LinkAction): StepRecord | undefined {
  return action === 'acknowledge' ? s.acknowledgement : action === 'respond' ? s.response : s.outcome;
}

const DONE_WORDS: Record<LinkAction, string> = { acknowledge: 'acknowledged', respond: 'recorded the response', resolve: 'resolved' };

/** After a step: what was recorded, and the button to the next step on the same link. */
function confirmation(s: EscalationState, view: LinkView, heading: string, said: string, recorded?: string): LinkAnswer {
  const step = nextStep(s);
  const next = step
    ? html`<p>Next: ${step.action === 'acknowledge' ? 'take ownership' : step.action === 'respond' ? `record the response action by ${view.when(s.respondDueAt)}` : step.confirm ? 'confirm the outcome' : 'record the outcome and resolve the escalation'}.</p>
<p><a class="button" href="/a/${view.token}?step=${step.action}#next-step">${stepTitle(step)}</a></p>
<p class="muted">This link stays yours until the outcome is recorded.</p>`
    : html`<p class="muted">The escalation is resolved. This link has now been used; opening it again shows what was recorded.</p>`;
  // The button's address differs from this answer's (a POST to the same link) by its query: a bare
  // #fragment on the same address would only scroll this page, not open the next step.
  return {
    title: heading,
    body: html`<section class="card"><h1>${heading}</h1>
<p class="notice">${said}</p>
${recorded ? html`<p>You recorded:</p><blockquote style="white-space: pre-wrap; margin: .5rem 0; padding-left: 1rem; border-left: 4px solid var(--line)">${recorded}</blockquote>` : ''}
${next}</section>`,
  };
}

export function escalationLink(escalations: EscalationService): LinkHandler {
  return {
    async show(view) {
      const { state } = await escalations.inspectEscalationLink(view.row);
      return chairPage(state, view);
    },

    async act(view, body) {
      const form = ZEscalationLinkForm.safeParse(body);
      if (!form.success) throw new AppError('INVALID_INPUT', 'Use the button on the page.');
      const { action, responseAction, outcome } = form.data;
      const values = { responseAction: responseAction ?? '', outcome: outcome ?? '' };
      try {
        if (action === 'acknowledge') {
          const s = await escalations.acknowledgeWithEscalationLink(view.row);
          return confirmation(s, view, 'You have taken ownership', `You chair the ${s.tier} risk escalation for ${s.participant.localRef}: ownership recorded on ${view.when(s.acknowledgement?.at ?? '')}, ${s.acknowledgement?.onTime ? 'on time' : 'late'}.`);
        }
        if (action === 'respond') {
          const s = await escalations.respondWithEscalationLink(view.row, { responseAction: values.responseAction });
          return confirmation(s, view, 'Response action recorded', `Recorded on ${view.when(s.response?.at ?? '')}, ${s.response?.onTime ? 'on time' : 'late'}.`, s.response?.action);
        }
        const s = await escalations.resolveWithEscalationLink(view.row, { outcome: values.outcome });
        return confirmation(s, view, 'Escalation resolved', `The outcome for ${s.participant.localRef} is recorded on ${view.when(s.outcome?.at ?? '')}, ${s.outcome?.onTime ? 'on time' : 'late'}.`, s.outcome?.outcome);
      } catch (err) {
        if (!(err instanceof AppError) || !['INVALID_INPUT', 'CONFLICT', 'GONE'].includes(err.code)) throw err;
        const { state } = await escalations.inspectEscalationLink(view.row);
        // Missing words: the form again, the problem beside the field, the words kept.
        if (err.code === 'INVALID_INPUT' && err.details?.fields) return chairPage(state, view, { status: 400, problems: err.details.fields, values });
        // A second click, or another channel got there first: say so from the record.
        const done = alreadyDone(state, action);
        const already = done && `Already ${DONE_WORDS[action]} by ${done.by.name} on ${view.when(done.at)}.`;
        if (state.status === 'resolved') return resolvedRecord(state, view, already || `Already resolved by ${state.outcome?.by.name ?? 'careloop'} on ${view.when(state.resolvedAt ?? '')}.`);
        if (already) return chairPage(state, view, { notice: { text: already } });
        if (err.code === 'GONE') throw err;
        return chairPage(state, view, { status: 409, notice: { text: err.userMessage, problem: true } });
      }
    },

    async ended(view, gone) {
      let state: EscalationState;
      try {
        state = (await escalations.inspectEscalationLink(view.row)).state;
      } catch {
        // Nothing to show beyond the link's own refusal.
        return undefined;
      }
      const isPost = view.req.method === 'POST';
      if (state.status === 'resolved') return { ...resolvedRecord(state, view, isPost ? `${gone.userMessage} The escalation is already resolved.` : undefined), status: isPost ? 410 : 200 };
      return stillOpen(state, view, gone);
    },
  };
}

/**
 * An escalation still open whose link no longer works: moved up to another chair (who, when and
 * why), or the link expired while the holder still chairs it (where it stands, and what to do).
 */
async function stillOpen(s: EscalationState, view: LinkView, gone: AppError): Promise<LinkAnswer> {
  const context = `Escalation · participant ${s.participant.localRef} · ${causeInWords(s)}`;
  const signedInPage = { href: `/escalations/${encodeURIComponent(s.escalationId)}`, what: 'the escalation’s page' };
  const chair = await personWords(view, s.chair);
  if (s.chair.id !== view.row.staff.id) {
    const moved = s.tiers.length > 1 ? s.tiers[s.tiers.length - 1]! : undefined;
    const why = moved?.entry === 'acknowledgement-missed' ? 'nobody took ownership in time' : moved?.entry === 'response-missed' ? 'no response action was recorded in time' : undefined;
    return endedAnswer(view, {
      context,
      signedInPage,
      gone,
      title: 'This escalation has a new chair',
      happened: moved
        ? `It moved up to ${moved.tier} risk on ${view.when(moved.enteredAt)}${why ? ` because ${why}` : ''}; ${chair} chairs it now.`
        : `${capital(chair)} chairs it now.`,
      todo: `Nothing more is needed from you as its chair: ${s.chair.name} records its steps.`,
    });
  }
  return endedAnswer(view, {
    context,
    signedInPage,
    gone: view.ending?.kind === 'expired' ? undefined : gone,
    title: view.ending?.kind === 'expired' ? 'This link has expired' : 'This link no longer works',
    happened: `${view.ending?.kind === 'expired' ? `This link expired on ${view.when(view.ending.at)}. ` : ''}You still chair this escalation. ${whereItStands(s, view, true)}`,
    todo: 'Record its next step signed in to careloop, from the escalation’s page.',
  });
}

/** A resolved escalation, read from the chair's spent link: what was recorded, by whom and when. */
function resolvedRecord(s: EscalationState, view: LinkView, notice?: string): LinkAnswer {
  return {
    title: `Resolved: escalation for ${s.participant.localRef}`,
    body: html`${notice ? html`<p class="notice">${notice}</p>` : ''}${summary(s, view, { you: s.chair.id === view.row.staff.id, withDescription: true })}${history(s, view, true)}`,
  };
}

/** A responder's read-only link: what the escalation is about and where it stands; no actions, no recorded words. */
export function escalationViewLink(escalations: EscalationService): LinkHandler {
  return {
    async show(view) {
      const { state } = await escalations.inspectEscalationLink(view.row);
      return {
        title: `Escalation for ${state.participant.localRef}`,
        body: html`${summary(state, view, { you: state.chair.id === view.row.staff.id, withDescription: false })}${history(state, view, false)}
<section class="card"><p class="muted">${state.chair.name} chairs this escalation and records its steps; this page shows where it stands and changes nothing.</p></section>`,
      };
    },
    async act() {
      throw new AppError('INVALID_INPUT', 'This link only shows the escalation; its chair records the steps.');
    },
    async ended(view, gone) {
      // Resolved: who resolved it and when, none of the words recorded (as while the link worked).
      const { state } = await escalations.inspectEscalationLink(view.row);
      if (state.status !== 'resolved') return undefined;
      return endedAnswer(view, {
        context: `Escalation · participant ${state.participant.localRef} · ${causeInWords(state)}`,
        signedInPage: { href: `/escalations/${encodeURIComponent(state.escalationId)}`, what: 'the escalation’s page' },
        gone,
        title: 'This escalation is resolved',
        happened: whereItStands(state, view, false),
        todo: 'Nothing more is needed from you.',
      });
    },
  };
}
