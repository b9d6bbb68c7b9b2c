// What the huddle pages and the decision link share: a decision in words and its badge, the
// forms that record it done or not done, and GOV.UK-style problems (a summary at the top linking
// to each field, the problem again beside it, the words typed kept).
import { html, type SafeHtml } from '../html';
import type { FieldProblem } from '../errors';
import type { HuddleDecisionView } from './service';
import { DECISION_STATUS_WORDS } from '../../domain/words';

export interface FormState {
  /** Which form on the page the problems belong to. */
  form?: string;
  problems?: FieldProblem[];
  values?: Record<string, string>;
}

export const fieldId = (form: string, field: string) => `f-${form}-${field}`.replace(/[^A-Za-z0-9-]+/g, '-');

export const problemOf = (state: FormState, form: string, field: string) => (state.form === form ? state.problems?.find((p) => p.field === field || p.field.startsWith(`${field}.`)) : undefined);
export const valueOf = (state: FormState, form: string, field: string) => (state.form === form ? (state.values?.[field] ?? '') : '');

/** The problems at the top of the page, each linking to its field (or to the form when none). */
export function errorSummary(state: FormState, anchorOf: (field: string) => string): SafeHtml | '' {
  if (!state.form || !state.problems?.length) return '';
  return html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${state.problems.map((p) => html`<li><a href="#${anchorOf(p.field)}">${p.message}</a></li>`)}</ul>
</div>`;
}

/** The field's problem beside it, and the attributes that tie it to the input. */
export function fieldError(state: FormState, form: string, field: string): { box: string; error: SafeHtml | ''; attrs: SafeHtml | '' } {
  const p = problemOf(state, form, field);
  const fid = fieldId(form, field);
  return p
    ? { box: ' has-error', error: html`<p class="field-error" id="${fid}-error">${p.message}</p>`, attrs: html` aria-invalid="true" aria-describedby="${fid}-error"` }
    : { box: '', error: '', attrs: '' };
}

/** A decision's state in a few words, with its tone. */
export function decisionBadge(d: Pick<HuddleDecisionView, 'status' | 'onTime' | 'overdue'>): SafeHtml {
  if (d.status === 'done') return html`<span class="badge tone-${d.onTime ? 'done' : 'reminded'}">${d.onTime ? 'Done on time' : 'Done late'}</span>`;
  if (d.status === 'not-done') return html`<span class="badge tone-refused">${DECISION_STATUS_WORDS['not-done']}</span>`;
  return d.overdue ? html`<span class="badge tone-overdue">Overdue</span>` : html`<span class="badge tone-open">${DECISION_STATUS_WORDS.open}</span>`;
}

/** Who recorded the decision's end, when, and what they said. */
export function decisionEndWords(d: HuddleDecisionView, when: (iso: string) => string): string {
  if (d.status === 'open') return '';
  const by = d.endedBy ? ` by ${d.endedBy}` : '';
  const at = d.endedAt ? ` on ${when(d.endedAt)}` : '';
  return d.status === 'done' ? `Recorded as done${by}${at}${d.note ? `: ${d.note}` : '.'}` : `Recorded as not done${by}${at}: ${d.note ?? ''}`;
}

/**
 * The two ways to record a decision: done (with an optional note) and not done (with why). `form`
 * names them on a page with several (`end-decision-2`); the outcome travels as a hidden field.
 */
export function endDecisionForms(opts: { action: string; csrf: string; form: string; state: FormState; headings?: boolean }): SafeHtml {
  const done = fieldError(opts.state, `${opts.form}-done`, 'note');
  const notDone = fieldError(opts.state, `${opts.form}-not-done`, 'note');
  const h = (words: string) => (opts.headings === false ? '' : html`<h3>${words}</h3>`);
  return html`<form method="post" action="${opts.action}" novalidate class="end-decision">
  <input type="hidden" name="_csrf" value="${opts.csrf}"><input type="hidden" name="outcome" value="done">
  ${h('Done')}
  <div class="field${done.box}">
    <label for="${fieldId(`${opts.form}-done`, 'note')}">Note (optional)</label>
    <p class="hint">What was done, if there is something worth recording.</p>
    ${done.error}
    <textarea id="${fieldId(`${opts.form}-done`, 'note')}" name="note" rows="2" maxlength="2000"${done.attrs}>${valueOf(opts.state, `${opts.form}-done`, 'note')}</textarea>
  </div>
  <p><button type="submit">It is done</button></p>
</form>
<form method="post" action="${opts.action}" novalidate class="end-decision">
  <input type="hidden" name="_csrf" value="${opts.csrf}"><input type="hidden" name="outcome" value="not-done">
  ${h('Not done')}
  <div class="field${notDone.box}">
    <label for="${fieldId(`${opts.form}-not-done`, 'note')}">Why it was not done</label>
    <p class="hint">Whoever runs the huddle reads this and decides what happens next.</p>
    ${notDone.error}
    <textarea id="${fieldId(`${opts.form}-not-done`, 'note')}" name="note" rows="3" maxlength="2000"${notDone.attrs}>${valueOf(opts.state, `${opts.form}-not-done`, 'note')}</textarea>
  </div>
  <p><button type="submit" class="secondary">It was not done</button></p>
</form>`;
}
