// A sprint task's emailed link: the task, its owner and due time, and three forms (done, does
// not apply, refused by the participant). A form sent with a problem comes back with the
// problem beside its field and the words typed kept.
import { z } from 'zod';
import type { TaskState } from '../../domain/sprint';
import { AppError, type FieldProblem } from '../errors';
import { html, type SafeHtml } from '../html';
import type { LinkHandler, LinkView } from '../links/registry';
import type { SprintService } from './service';

const ACTIONS = ['complete', 'not-applicable', 'refuse'] as const;
type LinkAction = (typeof ACTIONS)[number];

/** A field sent twice or as anything but text counts as not sent; the service says what is missing. */
const text = z.string().max(10_000).optional().catch(undefined);
const ZTaskLinkForm = z.object({ action: z.enum(ACTIONS, 'Choose one of the buttons on the page.'), note: text, reason: text, managedHow: text });

interface FormState {
  chosen?: LinkAction;
  problems?: FieldProblem[];
  values?: Record<string, string>;
}

function taskForm(view: LinkView, task: TaskState, participantRef: string, opts: FormState = {}): SafeHtml {
  const { token, when } = view;
  const csrf = view.csrfToken();
  const v = opts.values ?? {};
  const p = (field: string) => {
    const problem = opts.chosen ? opts.problems?.find((x) => x.field === field) : undefined;
    return problem ? html`<p class="field-error" id="${field}-error">${problem.message}</p>` : '';
  };
  return html`<section class="card">
  <p class="muted">Post-discharge sprint · participant ${participantRef}</p>
  <h1>${task.title}</h1>
  <p>Owner: ${task.owner.name} · due ${when(task.dueAt)}${task.overdue ? html` · <strong class="overdue">overdue</strong>` : ''}</p>
</section>
<section class="card">
  <h2>Done</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="complete">
    <label for="note">Note (optional)</label>
    <textarea id="note" name="note" rows="2">${opts.chosen === 'complete' ? (v.note ?? '') : ''}</textarea>
    ${opts.chosen === 'complete' ? p('note') : ''}
    <p><button type="submit">Mark as done</button></p>
  </form>
</section>
<section class="card">
  <h2>Does not apply</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="not-applicable">
    <label for="na-reason">Why it does not apply</label>
    <textarea id="na-reason" name="reason" rows="2">${opts.chosen === 'not-applicable' ? (v.reason ?? '') : ''}</textarea>
    ${opts.chosen === 'not-applicable' ? p('reason') : ''}
    <p><button type="submit">Mark as not applicable</button></p>
  </form>
</section>
<section class="card">
  <h2>Refused by the participant</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="refuse">
    <label for="refuse-reason">Why the participant refused</label>
    <textarea id="refuse-reason" name="reason" rows="2">${opts.chosen === 'refuse' ? (v.reason ?? '') : ''}</textarea>
    ${opts.chosen === 'refuse' ? p('reason') : ''}
    <label for="managed">How the refusal was managed</label>
    <textarea id="managed" name="managedHow" rows="2">${opts.chosen === 'refuse' ? (v.managedHow ?? '') : ''}</textarea>
    ${opts.chosen === 'refuse' ? p('managedHow') : ''}
    <p><button type="submit">Record the refusal</button></p>
  </form>
</section>`;
}

export function sprintTaskLink(sprints: SprintService): LinkHandler {
  return {
    async show(view) {
      const { state, task } = await sprints.inspectTaskLink(view.row);
      return { title: task.title, body: taskForm(view, task, state.participant.localRef) };
    },

    async act(view, body) {
      const form = ZTaskLinkForm.safeParse(body);
      if (!form.success) throw new AppError('INVALID_INPUT', 'Choose one of the buttons on the page.');
      const { action: chosen, note, reason, managedHow } = form.data;
      const action =
        chosen === 'complete'
          ? { type: 'complete' as const, ...(note?.trim() ? { note } : {}) }
          : chosen === 'not-applicable'
            ? { type: 'not-applicable' as const, reason: reason ?? '' }
            : { type: 'refuse' as const, reason: reason ?? '', managedHow: managedHow ?? '' };
      try {
        const task = await sprints.actWithTaskLink(view.row, action, view.now);
        const outcome = task.status === 'completed' ? 'done' : task.status === 'rejected' ? 'refused by the participant' : 'not applicable';
        return {
          title: 'Recorded',
          body: html`<section class="card"><h1>Recorded</h1>
<p class="notice">${task.title} is recorded as <strong>${outcome}</strong>. Thank you, ${task.endedBy?.name ?? ''}.</p>
<p class="muted">The coordinator sees this straight away. This link has now been used.</p></section>`,
        };
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
        const { state, task } = await sprints.inspectTaskLink(view.row);
        const values = { note: note ?? '', reason: reason ?? '', managedHow: managedHow ?? '' };
        return { status: 400, title: task.title, body: taskForm(view, task, state.participant.localRef, { chosen, problems: err.details.fields, values }) };
      }
    },
  };
}
