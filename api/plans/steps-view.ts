// The plan's own steps as people read them: a section for the plan's page (the rapid review and
// each action with its owner, due day and state), and the forms the review page, the action page
// and the emailed links share (done / not done, reviewed with no change, ask agencies, send an
// update), GOV.UK style: an error summary at the top linking to each field, the words typed kept.
import type { FieldProblem } from '../errors';
import { html, type SafeHtml } from '../html';
import { formatDay, isOpen, triggersInWords, type AgencyUpdateRequest, type PlanActionState, type PlanStepsState, type RapidReviewState } from '../../domain/plan-steps';
import { withinDeadline } from '../../domain/on-time';
import { relativeDue } from '../evidence/pages';

type Tone = 'open' | 'reminded' | 'overdue' | 'done' | 'na' | 'cancelled' | 'failed';

export interface StepsViewContext {
  planId: string;
  /** A time as people read it, in the partnership's zone. */
  when(iso: string): string;
  now: Date;
}

const planHref = (planId: string) => `/plans/${encodeURIComponent(planId)}`;
export const reviewHref = (planId: string) => `${planHref(planId)}/review`;
export const actionHref = (planId: string, key: string) => `${planHref(planId)}/actions/${encodeURIComponent(key)}`;
const escalationHref = (id: string) => `/escalations/${encodeURIComponent(id)}`;

const pastDue = (dueAt: string, now: Date) => !withinDeadline(now.toISOString(), dueAt);

/** An action's state as a badge: open, overdue, done (on time or late), not done, cancelled. */
export function actionBadge(a: PlanActionState, now: Date): { words: string; tone: Tone } {
  switch (a.status) {
    case 'open':
      return a.overdue || pastDue(a.dueAt, now) ? { words: 'Overdue', tone: 'overdue' } : { words: 'Open', tone: 'open' };
    case 'done':
      return a.onTime ? { words: 'Done on time', tone: 'done' } : { words: 'Done late', tone: 'reminded' };
    case 'not-done':
      return { words: 'Not done', tone: 'failed' };
    case 'cancelled':
      return { words: 'Cancelled', tone: 'cancelled' };
  }
}

export function reviewBadge(r: RapidReviewState, now: Date): { words: string; tone: Tone } {
  if (r.status === 'open') return r.overdue || pastDue(r.dueAt, now) ? { words: 'Overdue', tone: 'overdue' } : { words: 'Open', tone: 'open' };
  const late = r.onTime ? '' : ', late';
  return r.status === 'reviewed' ? { words: `Reviewed${late}`, tone: r.onTime ? 'done' : 'reminded' } : { words: `No change${late}`, tone: r.onTime ? 'done' : 'reminded' };
}

export function requestBadge(q: AgencyUpdateRequest, now: Date): { words: string; tone: Tone } {
  if (q.status === 'open') return q.overdue || pastDue(q.dueAt, now) ? { words: 'Overdue', tone: 'overdue' } : { words: 'Waiting', tone: 'open' };
  if (q.status === 'answered') return q.answer?.onTime ? { words: 'Sent', tone: 'done' } : { words: 'Sent late', tone: 'reminded' };
  return { words: 'No longer needed', tone: 'cancelled' };
}

export const badge = (b: { words: string; tone: Tone }) => html`<span class="badge tone-${b.tone}">${b.words}</span>`;

/** An action's words as the page's heading, or under a short one when they run long. */
export function actionHeading(a: PlanActionState): SafeHtml {
  return a.description.length <= 90 ? html`<h1>${a.description}</h1>` : html`<h1>Plan action</h1><p><strong>${a.description}</strong></p>`;
}

/** What became of an ended action, in a sentence. */
export function actionEndWords(a: PlanActionState, v: StepsViewContext): string {
  const by = a.endedBy ? ` by ${a.endedBy.name}` : '';
  const at = a.endedAt ? ` on ${v.when(a.endedAt)}` : '';
  if (a.status === 'done') return `Recorded as done${by}${at}${a.note ? `: ${a.note}` : '.'}`;
  if (a.status === 'not-done') return `Recorded as not done${by}${at}: ${a.reason ?? ''}`;
  if (a.status === 'cancelled') return `Cancelled${at}: ${a.reason ?? 'no longer in the plan'}.`;
  return '';
}

export function reviewEndWords(r: RapidReviewState, v: StepsViewContext): string {
  const at = r.endedAt ? ` on ${v.when(r.endedAt)}` : '';
  if (r.status === 'reviewed') return `Reviewed: version ${r.byVersion ?? ''} was published as the scheduled review${r.endedBy ? ` by ${r.endedBy.name}` : ''}${at}.`;
  if (r.status === 'no-change') return `Reviewed with no change${r.endedBy ? `, recorded by ${r.endedBy.name}` : ''}${at}: ${r.reason ?? ''}`;
  return '';
}

/** The rapid review in a few lines: why, whose, by when, where it stands. */
export function reviewSummary(r: RapidReviewState, v: StepsViewContext): SafeHtml {
  const open = isOpen(r);
  const asked = r.requests.length;
  const answered = r.requests.filter((q) => q.status === 'answered').length;
  const updates = asked === 1 ? `1 agency asked for an update; ${answered ? 'it has sent it' : 'it has not sent it yet'}.` : `${asked} agencies asked for an update; ${answered === 0 ? 'none has sent it yet' : answered === asked ? 'all have sent it' : `${answered} have sent it`}.`;
  return html`<p>${badge(reviewBadge(r, v.now))} After ${triggersInWords(r.triggers.map((t) => t.trigger))}. Owned by ${r.owner.name}, due by ${v.when(r.dueAt)}${open ? html` <span class="${r.overdue || pastDue(r.dueAt, v.now) ? 'overdue' : 'muted'}">(${relativeDue(r.dueAt, v.now)})</span>` : ''}.</p>
${open ? '' : html`<p>${reviewEndWords(r, v)}</p>`}
${asked ? html`<p class="muted">${updates}</p>` : ''}
${r.escalationId ? html`<p><a href="${escalationHref(r.escalationId)}">The escalation it raised</a></p>` : ''}`;
}

/** Lists of steps: one block each, no bullets (the badges mark them). */
const LIST_STYLE = 'list-style: none; padding: 0; margin: 0';
const ITEM_STYLE = 'padding: .6rem 0; border-bottom: 1px solid var(--line)';

/** One action: what, whose, due when, where it stands; a link to record it for those who may. */
function actionItem(a: PlanActionState, v: StepsViewContext, mayRecord: boolean): SafeHtml {
  return html`<li class="plan-action" data-action="${a.controlId}" style="${ITEM_STYLE}">
  <p><strong>${a.description}</strong> ${badge(actionBadge(a, v.now))}</p>
  <p class="muted">${a.owner.name} · due ${formatDay(a.dueDate)}${isOpen(a) ? html` · <span class="${a.overdue || pastDue(a.dueAt, v.now) ? 'overdue' : ''}">${relativeDue(a.dueAt, v.now)}</span>` : ''}${a.removedInVersion ? ` · not in version ${a.removedInVersion}` : ''}</p>
  ${isOpen(a) ? '' : html`<p>${actionEndWords(a, v)}</p>`}
  ${isOpen(a) && mayRecord ? html`<p><a href="${actionHref(v.planId, a.key)}">Record whether it is done</a></p>` : ''}
  ${a.escalationId ? html`<p><a href="${escalationHref(a.escalationId)}">The escalation it raised</a></p>` : ''}
</li>`;
}

/**
 * The plan page's section: the rapid review (open or the last one) and the plan's actions with a
 * due day, each with its owner and state. `viewerId` and `actsForPlan` decide who sees "record".
 */
export function planStepsSection(opts: { planId: string; state: PlanStepsState | undefined; when(iso: string): string; now: Date; viewerId?: string; actsForPlan?: boolean }): SafeHtml {
  const v: StepsViewContext = { planId: opts.planId, when: opts.when, now: opts.now };
  const s = opts.state;
  if (!s) {
    return html`<section class="card" id="plan-steps"><h2>Actions and rapid review</h2>
<p class="muted">careloop starts tracking this plan’s actions and rapid reviews with its next published version.</p></section>`;
  }
  const current = s.actions.filter((a) => a.removedInVersion === undefined);
  const removed = s.actions.filter((a) => a.removedInVersion !== undefined);
  const mayRecord = (a: PlanActionState) => !!opts.actsForPlan || a.owner.id === opts.viewerId;
  const open = current.filter(isOpen).length;
  const overdue = current.filter((a) => isOpen(a) && (a.overdue || pastDue(a.dueAt, opts.now))).length;
  return html`<section class="card" id="plan-steps">
  <h2>Rapid review</h2>
  ${s.review ? html`${reviewSummary(s.review, v)}<p><a href="${reviewHref(opts.planId)}">${isOpen(s.review) && opts.actsForPlan ? 'Work on the review' : 'See the review'}</a></p>` : html`<p class="muted">No rapid review yet. An incident, hospital discharge or safeguarding concern starts one, due within 72 hours.</p>`}
  <h2>The plan’s actions</h2>
  ${
    current.length
      ? html`<p class="muted">${current.length} action${current.length === 1 ? '' : 's'} with a due day · ${open} open${overdue ? html` · <strong class="overdue">${overdue} overdue</strong>` : ''}</p>
  <ul class="plan-actions" style="${LIST_STYLE}">${current.map((a) => actionItem(a, v, mayRecord(a)))}</ul>`
      : html`<p class="muted">No action in this version has a due day, so none is tracked.</p>`
  }
  ${removed.length ? html`<h3>Left the plan in version ${removed[0]!.removedInVersion}</h3><ul class="plan-actions" style="${LIST_STYLE}">${removed.map((a) => actionItem(a, v, false))}</ul>` : ''}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Forms

export type StepForm = 'done' | 'not-done' | 'no-change' | 'ask' | 'answer';

/** Each form's one field: its id, name, label, and what to say when it is missing or too long. */
const FIELDS: Record<StepForm, { id: string; name: string; noun: string; missing: string }> = {
  done: { id: 'done-note', name: 'note', noun: 'The note', missing: 'Write a note, or leave it empty' },
  'not-done': { id: 'not-done-reason', name: 'reason', noun: 'The reason', missing: 'Say why the action was not done' },
  'no-change': { id: 'no-change-reason', name: 'reason', noun: 'The reason', missing: 'Say why the plan needs no change' },
  ask: { id: 'agencyIds', name: 'agencyIds', noun: 'The agencies', missing: 'Choose at least one agency to ask for an update' },
  answer: { id: 'update-text', name: 'text', noun: 'The update', missing: 'Write the update on changed risk factors' },
};

/** A problem as a sentence a person acts on. */
export function problemSentence(form: StepForm, p: FieldProblem): string {
  const f = FIELDS[form];
  if (/^is required/.test(p.message)) return f.missing;
  const max = /must be at most (\d+) characters/.exec(p.message);
  if (max) return `${f.noun} must be ${max[1]} characters or fewer`;
  if (/^(is|must) /.test(p.message)) return `${f.noun} ${p.message}`;
  return p.message.charAt(0).toUpperCase() + p.message.slice(1);
}

export interface FormState {
  form?: StepForm;
  problems?: FieldProblem[];
  values?: Record<string, string | string[]>;
}

/** The error summary, GOV.UK style: at the top, each problem a link to its field. */
export function errorSummary(state: FormState): SafeHtml | '' {
  if (!state.form || !state.problems?.length) return '';
  const f = FIELDS[state.form];
  return html`<div class="problem error-summary" role="alert" tabindex="-1" style="margin-bottom: 1.5rem">
  <h2>There is a problem</h2>
  <ul>${state.problems.map((p) => html`<li><a href="#${f.id}">${problemSentence(state.form!, p)}</a></li>`)}</ul>
</div>`;
}

const valueOf = (state: FormState, form: StepForm, name: string): string => {
  const v = state.form === form ? state.values?.[name] : undefined;
  return typeof v === 'string' ? v : '';
};

function textarea(form: StepForm, state: FormState, label: string, hint: string, rows = 3): SafeHtml {
  const f = FIELDS[form];
  const problem = state.form === form ? state.problems?.[0] : undefined;
  return html`<div class="field${problem ? ' has-error' : ''}">
  <label for="${f.id}">${label}</label>
  <p class="hint" id="${f.id}-hint">${hint}</p>
  ${problem ? html`<p class="field-error" id="${f.id}-error">${problemSentence(form, problem)}</p>` : ''}
  <textarea id="${f.id}" name="${f.name}" rows="${rows}" maxlength="${form === 'answer' ? 4000 : 2000}" aria-describedby="${f.id}-hint${problem ? ` ${f.id}-error` : ''}"${problem ? html` aria-invalid="true"` : ''}>${valueOf(state, form, f.name)}</textarea>
</div>`;
}

const hidden = (csrf: string, form: StepForm) => html`<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="form" value="${form}">`;

/** Done (with an optional note) and not done (with why), each its own form. */
export function actionForms(opts: { action: string; csrf: string; state?: FormState }): SafeHtml {
  const state = opts.state ?? {};
  return html`<section class="card" id="record-done">
  <h2>Done</h2>
  <form method="post" action="${opts.action}" novalidate>
    ${hidden(opts.csrf, 'done')}
    ${textarea('done', state, 'Note (optional)', 'What was done, if there is something worth recording.', 2)}
    <p><button type="submit">It is done</button></p>
  </form>
</section>
<section class="card" id="record-not-done">
  <h2>Not done</h2>
  <form method="post" action="${opts.action}" novalidate>
    ${hidden(opts.csrf, 'not-done')}
    ${textarea('not-done', state, 'Why it was not done', 'The plan-holder reads this and decides what happens next.')}
    <p><button type="submit">It was not done</button></p>
  </form>
</section>`;
}

/** "Reviewed, no change" with its reason. */
export function noChangeForm(opts: { action: string; csrf: string; state?: FormState }): SafeHtml {
  return html`<section class="card" id="record-no-change">
  <h2>Reviewed, no change</h2>
  <p>If the plan still holds after the review, record that with the reason. Otherwise publish a new version of the plan with the trigger “Scheduled review”: that ends the review too.</p>
  <form method="post" action="${opts.action}" novalidate>
    ${hidden(opts.csrf, 'no-change')}
    ${textarea('no-change', opts.state ?? {}, 'Why the plan needs no change', 'For example: “Discussed with home care and the ward; risks and actions still hold.” It goes into the plan’s record.')}
    <p><button type="submit">Record: reviewed, no change</button></p>
  </form>
</section>`;
}

/** Checkboxes of the agencies the plan names, each with who would be asked; those already asked and waiting are shown, not offered. */
export function askAgenciesForm(opts: { action: string; csrf: string; state: PlanStepsState; review: RapidReviewState; form?: FormState }): SafeHtml {
  const form = opts.form ?? {};
  const waiting = new Set(opts.review.requests.filter(isOpen).map((q) => q.agencyId));
  const choices = opts.state.agencies.filter((a) => !waiting.has(a.agencyId));
  const chosen = new Set([form.form === 'ask' ? form.values?.agencyIds : undefined].flat().filter((x): x is string => typeof x === 'string'));
  const problem = form.form === 'ask' ? form.problems?.[0] : undefined;
  if (!choices.length) {
    return html`<section class="card" id="ask-agencies"><h2>Ask agencies for an update</h2>
<p class="muted">${opts.state.agencies.length ? 'Every agency the plan names has been asked and has not answered yet.' : 'The plan names no agency to ask.'}</p></section>`;
  }
  return html`<section class="card" id="ask-agencies">
  <h2>Ask agencies for an update</h2>
  <p>Each agency you choose is asked by email for a brief update on changed risk factors and interventions, due within a day. They answer by the link in the email or by replying to it.</p>
  <form method="post" action="${opts.action}" novalidate>
    ${hidden(opts.csrf, 'ask')}
    <fieldset class="radios${problem ? ' has-error' : ''}"${problem ? html` aria-invalid="true" aria-describedby="agencyIds-error"` : ''}>
      <legend>Which agencies?</legend>
      ${problem ? html`<p class="field-error" id="agencyIds-error">${problemSentence('ask', problem)}</p>` : ''}
      ${choices.map(
        (a, i) => html`<div class="radio">
        <input type="checkbox" id="${i === 0 ? 'agencyIds' : `agencyIds-${i}`}" name="agencyIds" value="${a.agencyId}"${chosen.has(a.agencyId) ? html` checked` : ''}${a.contact ? '' : html` disabled`}>
        <label for="${i === 0 ? 'agencyIds' : `agencyIds-${i}`}">${a.name}</label>
        <p class="hint">${a.contact ? `Sent to ${a.contact.name}.` : 'Nobody to ask: name a person for it on an action, or give it a coordinator.'}</p>
      </div>`,
      )}
    </fieldset>
    <p><button type="submit">Ask for updates</button></p>
  </form>
</section>`;
}

/** The updates asked for in a review: whose, due when, where they stand, and what was said (for readers of the plan). */
export function requestsList(r: RapidReviewState, v: StepsViewContext, opts: { withText: boolean }): SafeHtml {
  if (!r.requests.length) return html`<p class="muted">No agency has been asked for an update yet.</p>`;
  return html`<ul class="plan-actions" style="${LIST_STYLE}">${r.requests.map(
    (q) => html`<li data-agency="${q.agencyId}" style="${ITEM_STYLE}">
  <p><strong>${q.agencyName}</strong> ${badge(requestBadge(q, v.now))}</p>
  <p class="muted">Asked of ${q.to.name} by ${q.askedBy.name} on ${v.when(q.askedAt)} · due by ${v.when(q.dueAt)}</p>
  ${q.answer ? html`<p>Sent by ${q.answer.by.name} on ${v.when(q.answer.at)}${opts.withText ? html`:</p><p style="white-space: pre-wrap; border-left: 4px solid var(--line); padding-left: .8rem">${q.answer.text}</p>` : html`.</p>`}` : ''}
  ${q.status === 'cancelled' ? html`<p class="muted">${q.endedReason ?? 'No longer needed.'}</p>` : ''}
  ${q.escalationId ? html`<p><a href="${escalationHref(q.escalationId)}">The escalation it raised</a></p>` : ''}
</li>`,
  )}</ul>`;
}

/** An agency's update on changed risk factors. */
export function answerForm(opts: { action: string; csrf: string; state?: FormState }): SafeHtml {
  return html`<section class="card" id="send-update">
  <h2>Your update</h2>
  <form method="post" action="${opts.action}" novalidate>
    ${hidden(opts.csrf, 'answer')}
    ${textarea('answer', opts.state ?? {}, 'What has changed in the risk factors and interventions?', 'A few lines: what your agency has seen, and what it is doing. The plan-holder reads it for the review.', 6)}
    <p><button type="submit">Send the update</button></p>
  </form>
</section>`;
}
