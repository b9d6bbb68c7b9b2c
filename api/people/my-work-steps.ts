// Signed-in pages for the two steps that had only an emailed link, so that every item on "My
// work" has a page where it is done: a sprint task (/sprints/:id/tasks/:key: done, does not
// apply, refused by the participant) and an agency's update for a rapid review
// (/plans/:id/updates/:key). The same forms and rules as the links; the sprint and plan-steps
// services hold every rule and check who may read and act. GOV.UK-style problems: a summary at
// the top linking to each field, the problem beside its field, "Error:" in the title, the words
// typed kept.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { actsForSprint, callerOf, type TaskAction } from '../sprints/service';
import { taskTone, TONE_LABEL } from '../sprints/present';
import { formatInstant } from '../../domain/format';
import { isEnded, type SprintState, type TaskState } from '../../domain/sprint';
import { isOpen, triggersInWords } from '../../domain/plan-steps';
import { answerForm, badge, errorSummary as stepsErrorSummary, requestBadge, type FormState as StepsFormState } from '../plans/steps-view';
import { relativeDue } from '../evidence/pages';

const ACTIONS = ['complete', 'not-applicable', 'refuse'] as const;
type TaskFormAction = (typeof ACTIONS)[number];

/** A field sent twice or as anything but text counts as not sent. */
const text = z.string().max(10_000).optional().catch(undefined);
const ZTaskForm = z.object({ action: z.enum(ACTIONS, 'Choose one of the buttons on the page.'), note: text, reason: text, managedHow: text });
const ZUpdateForm = z.object({ form: z.literal('answer', 'Use the button on the page.'), text });

/** Each form's fields: id, name, label, and what to say when it is missing. */
const TASK_FIELDS: Record<TaskFormAction, { name: 'note' | 'reason' | 'managedHow'; id: string; label: string; hint?: string; missing?: string }[]> = {
  complete: [{ name: 'note', id: 'f-done-note', label: 'Note (optional)', hint: 'Anything the coordinator should know.' }],
  'not-applicable': [{ name: 'reason', id: 'f-na-reason', label: 'Why the task does not apply', missing: 'Say why the task does not apply' }],
  refuse: [
    { name: 'reason', id: 'f-refuse-reason', label: 'Why the participant refused', missing: 'Say why the participant refused' },
    { name: 'managedHow', id: 'f-refuse-managedHow', label: 'How the refusal was managed', hint: 'Who was told, and what happens instead.', missing: 'Say how the refusal was managed' },
  ],
};
const MAX_WORDS = 2000;

interface TaskFormState {
  chosen?: TaskFormAction;
  problems?: { field: string; message: string }[];
  values?: Record<string, string>;
  /** A problem that belongs to no field (the task ended meanwhile). */
  other?: string;
}

/** The form's own check, in full sentences, before the service's. */
function taskProblems(action: TaskFormAction, v: Record<string, string>): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const f of TASK_FIELDS[action]) {
    const value = (v[f.name] ?? '').trim();
    if (f.missing && !value) out.push({ field: f.name, message: f.missing });
    else if (value.length > MAX_WORDS) out.push({ field: f.name, message: `${f.label.replace(/ \(optional\)$/, '')} must be ${MAX_WORDS} characters or fewer` });
  }
  return out;
}

export function myWorkStepPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const back = html`<p class="muted"><a href="/">Back to My work</a></p>`;

  // -------------------------------------------------------------------------------------------
  // A sprint task

  const taskHref = (s: SprintState, t: TaskState) => `/sprints/${encodeURIComponent(s.sprintId)}/tasks/${encodeURIComponent(t.key)}`;

  function endedWords(t: TaskState): string {
    const by = t.endedBy ? ` by ${t.endedBy.name}` : '';
    const at = t.endedAt ? ` on ${when(t.endedAt)}` : '';
    return `This task is recorded as ${TONE_LABEL[taskTone(t)].toLowerCase()}${by}${at}.${t.reason ? ` Why: ${t.reason}` : ''}`;
  }

  function taskForms(s: SprintState, t: TaskState, csrf: string, st: TaskFormState): SafeHtml {
    const action = taskHref(s, t);
    const field = (a: TaskFormAction, f: (typeof TASK_FIELDS)[TaskFormAction][number]) => {
      const problem = st.chosen === a ? st.problems?.find((p) => p.field === f.name) : undefined;
      const value = st.chosen === a ? (st.values?.[f.name] ?? '') : '';
      return html`<div class="field${problem ? ' has-error' : ''}">
    <label for="${f.id}">${f.label}</label>
    ${f.hint ? html`<p class="hint">${f.hint}</p>` : ''}
    ${problem ? html`<p class="field-error" id="${f.id}-error"><span class="visually-hidden">Error:</span> ${problem.message}</p>` : ''}
    <textarea id="${f.id}" name="${f.name}" rows="2" maxlength="${MAX_WORDS}"${problem ? html` aria-invalid="true" aria-describedby="${f.id}-error"` : ''}>${value}</textarea>
  </div>`;
    };
    const form = (a: TaskFormAction, heading: string, button: string, secondary = false) => html`<section class="card">
  <h2>${heading}</h2>
  <form method="post" action="${action}" novalidate class="step-form">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="${a}">
    ${TASK_FIELDS[a].map((f) => field(a, f))}
    <p><button type="submit"${secondary ? html` class="secondary-plain"` : ''}>${button}</button></p>
  </form>
</section>`;
    return html`${form('complete', 'Done', 'Mark as done')}${form('not-applicable', 'Does not apply', 'Mark as not applicable', true)}${form('refuse', 'Refused by the participant', 'Record the refusal', true)}`;
  }

  async function taskPage(req: Request, res: Response, st: TaskFormState = {}, status = 200) {
    const caller = callerOf(req.principal!);
    const state = await services.sprints.get(caller, String(req.params.id));
    const task = state.tasks.find((t) => t.key === String(req.params.key));
    if (!task) throw new AppError('NOT_FOUND', 'This sprint has no such task.');
    const mayAct = task.owner.id === caller.staffId || actsForSprint(caller, state);
    const open = !isEnded(task) && state.status === 'open';
    const tone = taskTone(task);
    const summary = st.problems?.length || st.other
      ? html`<div class="problem error-summary step-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul>${st.other ? html`<li>${st.other}</li>` : ''}${(st.problems ?? []).map((p) => {
    const f = st.chosen ? TASK_FIELDS[st.chosen].find((x) => x.name === p.field) : undefined;
    return html`<li>${f ? html`<a href="#${f.id}">${p.message}</a>` : p.message}</li>`;
  })}</ul>
</div>`
      : '';
    const title = `${task.title} · ${state.participant.localRef}`;
    const body = html`${summary}<section class="card">
  ${back}
  <p class="muted">Post-discharge sprint task, day ${task.day}</p>
  <h1>${task.title}</h1>
  <p>For <a href="/sprints/${encodeURIComponent(state.sprintId)}"><strong class="nowrap">${state.participant.localRef}</strong> ${state.participant.displayName}</a> <span class="muted">(the sprint’s page)</span></p>
  <p><span class="badge tone-${tone}">${TONE_LABEL[tone]}</span></p>
  <dl class="facts">
    <div><dt>Owner</dt><dd>${task.owner.name}</dd></div>
    <div><dt>Due</dt><dd>${when(task.dueAt)}${open ? html` <span class="${task.overdue ? 'overdue' : 'muted'} nowrap">· ${relativeDue(task.dueAt, now())}</span>` : ''}</dd></div>
    <div><dt>Coordinator</dt><dd>${state.coordinator.name}</dd></div>
  </dl>
  ${!open ? html`<p class="notice">${isEnded(task) ? endedWords(task) : `The sprint is closed: its tasks take no more actions.`}</p>` : ''}
  ${open && !mayAct ? html`<p class="notice">${task.owner.name} owns this task. They, or the sprint’s coordinator ${state.coordinator.name}, record it.</p>` : ''}
  ${open && mayAct && task.owner.id !== caller.staffId ? html`<p class="notice">You are recording this for ${task.owner.name}, as the sprint’s coordinator.</p>` : ''}
</section>
${open && mayAct ? taskForms(state, task, web.csrfToken(req, res), st) : ''}`;
    res
      .status(status)
      .type('html')
      .send(page({ title: st.problems?.length || st.other ? `Error: ${title}` : title, signedInAs: signedInAs(req, res) }, body));
  }

  router.get('/sprints/:id/tasks/:key', web.requireSignedIn, (req, res) => taskPage(req, res));

  router.post('/sprints/:id/tasks/:key', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const form = ZTaskForm.safeParse(req.body);
    if (!form.success) throw new AppError('INVALID_INPUT', 'Choose one of the buttons on the task’s page.');
    const { action: chosen, note, reason, managedHow } = form.data;
    const values = { note: note ?? '', reason: reason ?? '', managedHow: managedHow ?? '' };
    const problems = taskProblems(chosen, values);
    if (problems.length) return taskPage(req, res, { chosen, problems, values }, 400);
    const action: TaskAction =
      chosen === 'complete' ? { type: 'complete', ...(values.note.trim() ? { note: values.note } : {}) } : chosen === 'not-applicable' ? { type: 'not-applicable', reason: values.reason } : { type: 'refuse', reason: values.reason, managedHow: values.managedHow };
    try {
      await services.sprints.act(callerOf(req.principal!), String(req.params.id), String(req.params.key), action, 'web');
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields?.length) {
        // The service's words ("is required: why the task does not apply") as the form's own sentences.
        const sentence = (p: FieldProblem): string => {
          const f = TASK_FIELDS[chosen].find((x) => x.name === p.field);
          if (f?.missing && /^is required/.test(p.message)) return f.missing;
          const atMost = /(\d+)/.exec(p.message)?.[1];
          if (f && /at most|too big|too long/i.test(p.message)) return `${f.label.replace(/ \(optional\)$/, '')} must be ${atMost ?? MAX_WORDS} characters or fewer`;
          return f ? `Check “${f.label.replace(/ \(optional\)$/, '')}”: careloop could not record it as written` : 'Check your answer: careloop could not record it as written';
        };
        return taskPage(req, res, { chosen, problems: err.details.fields.map((p: FieldProblem) => ({ field: p.field, message: sentence(p) })), values }, 400);
      }
      // It ended meanwhile (someone else recorded it, or the sprint closed): say so, on the page.
      if (err instanceof AppError && err.code === 'CONFLICT') return taskPage(req, res, { chosen, other: err.userMessage, values }, 409);
      throw err;
    }
    res.redirect(303, '/?done=sprint-task#owed');
  });

  // -------------------------------------------------------------------------------------------
  // An agency's update for a rapid review

  async function updatePage(req: Request, res: Response, form: StepsFormState = {}, status = 200) {
    const caller = callerOf(req.principal!);
    const got = await services.planSteps.get(caller, String(req.params.id));
    const review = got.state?.review;
    const request = review?.requests.find((q) => q.key === String(req.params.key));
    if (!review || !request) throw new AppError('NOT_FOUND', 'This plan has no such update request.');
    const at = now();
    const mine = request.to.id === caller.staffId || got.actsForPlan;
    const title = `Update for the plan of ${got.participantRef}`;
    const body = html`${stepsErrorSummary(form)}<section class="card">
  ${back}
  <p class="muted">Rapid review of the integrated plan · <a href="/plans/${encodeURIComponent(got.planId)}">participant ${got.participantRef}</a></p>
  <h1>An update from ${request.agencyName}</h1>
  <p>${badge(requestBadge(request, at))} ${request.askedBy.name} is reviewing the integrated plan after ${triggersInWords(review.triggers.map((t) => t.trigger))}, and asks ${request.agencyName} for a brief update on changed risk factors and interventions by ${when(request.dueAt)}.</p>
  ${request.answer ? html`<p class="notice">${request.answer.by.name} sent the update on ${when(request.answer.at)}.</p>` : ''}
  ${request.status === 'cancelled' ? html`<p class="notice">${request.endedReason ?? 'This update is no longer needed.'}</p>` : ''}
  ${isOpen(request) && !mine ? html`<p class="notice">This update was asked of ${request.to.name}; they send it.</p>` : ''}
</section>
${isOpen(request) && mine ? answerForm({ action: `/plans/${encodeURIComponent(got.planId)}/updates/${encodeURIComponent(request.key)}`, csrf: web.csrfToken(req, res), state: form }) : ''}`;
    res
      .status(status)
      .type('html')
      .send(page({ title: form.problems?.length ? `Error: ${title}` : title, signedInAs: signedInAs(req, res) }, body));
  }

  router.get('/plans/:id/updates/:key', web.requireSignedIn, (req, res) => updatePage(req, res));

  router.post('/plans/:id/updates/:key', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const form = ZUpdateForm.safeParse(req.body);
    if (!form.success) throw new AppError('INVALID_INPUT', 'Use the button on the update’s page.');
    const said = form.data.text ?? '';
    try {
      await services.planSteps.answerUpdate(callerOf(req.principal!), String(req.params.id), String(req.params.key), { text: said }, 'web');
    } catch (err) {
      if (err instanceof AppError && (err.code === 'INVALID_INPUT' || err.code === 'CONFLICT')) {
        const problems = err.details?.fields?.length ? err.details.fields : [{ field: '(form)', message: err.userMessage }];
        return updatePage(req, res, { form: 'answer', problems, values: { text: said } }, err.code === 'CONFLICT' ? 409 : 400);
      }
      throw err;
    }
    res.redirect(303, '/?done=plan-update#owed');
  });

  return router;
}
