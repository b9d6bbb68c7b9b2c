// A sprint task's emailed link: the task, its owner and due time, and three forms (done, does
// not apply, refused by the participant). A form sent with a problem comes back GOV.UK style: the
// problems at the top, each a link to its field, in full sentences, beside the field too, and the
// words typed kept. A link that no longer works says what became of the task, by whom and when,
// and what the holder can do now (api/links/ended.ts).
import { z } from 'zod';
import type { SprintState, TaskState } from '../../domain/sprint';
import { AppError, type FieldProblem } from '../errors';
import { html, type SafeHtml } from '../html';
import { askForNewLink, channelWords, endedAnswer, personWords } from '../links/ended';
import type { LinkAnswer, LinkHandler, LinkView } from '../links/registry';
import type { SprintService } from './service';

const ACTIONS = ['complete', 'not-applicable', 'refuse'] as const;
type LinkAction = (typeof ACTIONS)[number];

/** A field sent twice or as anything but text counts as not sent; the service says what is missing or too long. */
const text = z.string().max(100_000).optional().catch(undefined);
const ZTaskLinkForm = z.object({ action: z.enum(ACTIONS, 'Choose one of the buttons on the page.'), note: text, reason: text, managedHow: text });

interface FormState {
  chosen?: LinkAction;
  problems?: FieldProblem[];
  values?: Record<string, string>;
}

/** Each form's fields: the element's id, and what the field asks in words for its messages. */
const FIELDS: Record<LinkAction, Record<string, { id: string; what: string }>> = {
  complete: { note: { id: 'note', what: 'The note' } },
  'not-applicable': { reason: { id: 'na-reason', what: 'why the task does not apply' } },
  refuse: { reason: { id: 'refuse-reason', what: 'why the participant refused' }, managedHow: { id: 'managed', what: 'how the refusal was managed' } },
};

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Enter why the task does not apply", not "is required: why the task does not apply". */
function sentence(chosen: LinkAction, p: FieldProblem): string {
  const what = FIELDS[chosen][p.field]?.what ?? 'this';
  if (p.message.startsWith('is required')) return `Enter ${what}`;
  const max = /(\d+) characters|<=\s*(\d+)/.exec(p.message);
  if (max) return `${capital(what === 'The note' ? 'the note' : what)} must be ${max[1] ?? max[2]} characters or fewer`;
  return capital(p.message);
}

/** The problems of the form sent, each with the id of its field. */
function problemsOf(opts: FormState): { id: string; field: string; text: string }[] {
  const chosen = opts.chosen;
  if (!chosen) return [];
  return (opts.problems ?? []).map((p) => ({ id: FIELDS[chosen][p.field]?.id ?? FIELDS[chosen][Object.keys(FIELDS[chosen])[0]!]!.id, field: p.field, text: sentence(chosen, p) }));
}

function errorSummary(opts: FormState): SafeHtml | '' {
  const problems = problemsOf(opts);
  if (!problems.length) return '';
  return html`<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" style="margin-bottom: 1.5rem">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul>${problems.map((p) => html`<li><a href="#${p.id}">${p.text}</a></li>`)}</ul>
</div>`;
}

function taskForm(view: LinkView, task: TaskState, participantRef: string, opts: FormState = {}): SafeHtml {
  const { token, when } = view;
  const csrf = view.csrfToken();
  const v = opts.values ?? {};
  const problems = problemsOf(opts);
  const textarea = (form: LinkAction, field: string, label: string, hint?: string) => {
    const id = FIELDS[form][field]!.id;
    const problem = opts.chosen === form ? problems.find((p) => p.field === field) : undefined;
    const describedBy = [hint ? `${id}-hint` : '', problem ? `${field}-error` : ''].filter(Boolean).join(' ');
    return html`<div class="field${problem ? ' has-error' : ''}">
    <label for="${id}">${label}</label>
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
    ${problem ? html`<p class="field-error" id="${field}-error"><span class="visually-hidden">Error:</span> ${problem.text}</p>` : ''}
    <textarea id="${id}" name="${field}" rows="2"${describedBy ? html` aria-describedby="${describedBy}"` : ''}${problem ? html` aria-invalid="true"` : ''}>${opts.chosen === form ? (v[field] ?? '') : ''}</textarea>
  </div>`;
  };
  const form = (action: LinkAction, inner: SafeHtml, button: string) => html`<form method="post" action="/a/${token}" novalidate>
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="${action}">
    ${inner}
    <p><button type="submit">${button}</button></p>
  </form>`;
  return html`${errorSummary(opts)}<section class="card">
  <p class="muted">Post-discharge sprint · participant ${participantRef}</p>
  <h1>${task.title}</h1>
  <p>Owner: ${task.owner.name} · due ${when(task.dueAt)}${task.overdue ? html` · <strong class="overdue">overdue</strong>` : ''}</p>
</section>
<section class="card">
  <h2>Done</h2>
  ${form('complete', textarea('complete', 'note', 'Note (optional)'), 'Mark as done')}
</section>
<section class="card">
  <h2>Does not apply</h2>
  ${form('not-applicable', textarea('not-applicable', 'reason', 'Why it does not apply'), 'Mark as not applicable')}
</section>
<section class="card">
  <h2>Refused by the participant</h2>
  ${form('refuse', html`${textarea('refuse', 'reason', 'Why the participant refused')}${textarea('refuse', 'managedHow', 'How the refusal was managed', 'For example, who was told and what happens instead.')}`, 'Record the refusal')}
</section>`;
}

/** How a task ended, after "recorded as": "done", "refused by the participant"… */
function outcomeWords(task: TaskState): string {
  if (task.status === 'completed') return 'done';
  if (task.status === 'rejected') return 'refused by the participant';
  if (task.statusReason === 'not-applicable') return 'not applicable';
  if (task.status === 'failed') return 'not done when the sprint closed';
  return 'cancelled';
}

/**
 * What became of a task whose link no longer works (or that ended before its form was sent), read
 * from the sprint: cancelled with the sprint, recorded by the holder or by someone else, passed
 * to another owner, or still open with the link expired or replaced.
 */
async function taskEnded(view: LinkView, state: SprintState, task: TaskState, opts: { status?: number; gone?: AppError } = {}): Promise<LinkAnswer> {
  const { when } = view;
  const context = `Post-discharge sprint · participant ${state.participant.localRef} · ${task.title}`;
  const signedInPage = { href: `/sprints/${encodeURIComponent(state.sprintId)}/tasks/${encodeURIComponent(task.key)}`, what: 'the task’s page' };
  const coordinator = state.coordinator;
  const askCoordinator = await askForNewLink(view, coordinator);
  const tellCoordinator = async (what: string) => (coordinator.id === view.row.staff.id ? html`` : html` If ${what}, tell ${await personWords(view, coordinator)}${coordinator.email ? html` by email: <a href="mailto:${coordinator.email}">${coordinator.email}</a>` : ''}.`);
  const base = { status: opts.status ?? 410, context, signedInPage, gone: opts.gone };
  const nothingNew = view.req.method === 'POST' ? ' Nothing new was recorded.' : '';

  if (task.statusReason === 'sprint-cancelled') {
    const by = await personWords(view, task.endedBy);
    return endedAnswer(view, {
      ...base,
      title: 'The sprint was cancelled',
      happened: `${capital(by)} cancelled the sprint for participant ${state.participant.localRef} on ${when(task.endedAt ?? state.closedAt ?? view.now.toISOString())}${state.cancelReason ? `, saying: “${state.cancelReason}”` : ''}. “${task.title}” ended with it.${nothingNew}`,
      todo: 'Nothing more is needed from you for this task.',
    });
  }
  if (task.status === 'failed') {
    return endedAnswer(view, {
      ...base,
      title: 'The sprint closed before this task was recorded',
      happened: `The sprint closed on ${when(task.endedAt ?? state.closedAt ?? view.now.toISOString())} and “${task.title}” is recorded as not done by the close.${nothingNew}`,
      todo: html`The sprint’s record can no longer change.${await tellCoordinator('the task was done')}`,
    });
  }
  if (task.status !== 'requested') {
    const by = await personWords(view, task.endedBy);
    const yours = task.endedBy?.staffId === view.row.staff.id;
    const how = channelWords(task.endedBy?.channel);
    const said = [
      task.note ? { label: 'Note', text: task.note } : undefined,
      task.reason ? { label: task.status === 'rejected' ? 'Why the participant refused' : 'Why it does not apply', text: task.reason } : undefined,
      task.managedHow ? { label: 'How the refusal was managed', text: task.managedHow } : undefined,
    ].filter((x): x is { label: string; text: string } => Boolean(x));
    return endedAnswer(view, {
      ...base,
      title: yours ? `You have already recorded this task as ${outcomeWords(task)}` : `This task was already recorded as ${outcomeWords(task)}`,
      happened: `${yours ? 'You' : by} recorded “${task.title}” as ${outcomeWords(task)}${how ? ` ${how}` : ''} on ${when(task.endedAt ?? view.now.toISOString())}.${nothingNew}`,
      details: said.length ? html`<dl class="facts">${said.map((s) => html`<div><dt>${s.label}</dt><dd style="white-space: pre-wrap">${s.text}</dd></div>`)}</dl>` : undefined,
      todo: yours ? 'Nothing more is needed from you.' : html`Nothing more is needed from you for this task.${await tellCoordinator('that is not right')}`,
    });
  }
  if (task.owner.id !== view.row.staff.id) {
    const moved = [...state.timeline].reverse().find((e) => e.type === 'task.reassigned' && e.taskKey === task.key);
    const owner = await personWords(view, task.owner);
    return endedAnswer(view, {
      ...base,
      title: 'This task was passed to someone else',
      happened: `${moved?.actor ?? 'The coordinator'} passed “${task.title}” to ${owner}${moved ? ` on ${when(moved.at)}` : ''}. It is due ${when(task.dueAt)}.${nothingNew}`,
      todo: `Nothing more is needed from you for this task: ${task.owner.name} owns it now.`,
    });
  }
  const kind = view.ending?.kind;
  return endedAnswer(view, {
    ...base,
    // The expiry is said above, with its time.
    gone: kind === 'expired' ? undefined : opts.gone,
    title: kind === 'expired' ? 'This link has expired' : kind === 'revoked' ? 'This link has been replaced' : 'This link has already been used',
    happened: `${kind === 'expired' ? `This link expired on ${when(view.ending!.at)}.` : kind === 'revoked' ? 'A newer email from careloop carries a new link for this task.' : 'This link has been used.'} “${task.title}” is still open and yours, due ${when(task.dueAt)}.${nothingNew}`,
    todo: kind === 'revoked' ? html`Use the link in the latest email about this task. ${askCoordinator}` : askCoordinator,
  });
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
        return {
          title: 'Recorded',
          body: html`<section class="card"><h1>Recorded</h1>
<p class="notice" role="status">${task.title} is recorded as <strong>${outcomeWords(task)}</strong>. Thank you, ${task.endedBy?.name ?? ''}.</p>
<p class="muted">The coordinator sees this straight away. This link has now been used; opening it again shows what was recorded.</p></section>`,
        };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const { state, task } = await sprints.inspectTaskLink(view.row);
        // The task ended, or the sprint closed, since the page was opened: say what became of it.
        if (err.code === 'CONFLICT' || err.code === 'GONE') return taskEnded(view, state, task, { status: 409 });
        if (!(err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
        const values = { note: note ?? '', reason: reason ?? '', managedHow: managedHow ?? '' };
        return { status: 400, title: `Error: ${task.title}`, body: taskForm(view, task, state.participant.localRef, { chosen, problems: err.details.fields, values }) };
      }
    },

    async ended(view, gone) {
      const { state, task } = await sprints.inspectTaskLink(view.row);
      return taskEnded(view, state, task, { gone });
    },
  };
}
