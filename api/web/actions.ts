// Emailed action links: /a/<token>. GET shows the task and the choices and changes nothing
// (mail scanners prefetch links); only a POST from this page acts, and spends the link.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { formatInstant } from '../../activities/email-content';
import type { TaskState } from '../../domain/sprint';
import type { AppDeps, AppServices, WebHelpers } from '../app';

const ACTIONS = ['complete', 'not-applicable', 'refuse'] as const;
type LinkAction = (typeof ACTIONS)[number];

export function actionPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const when = (iso: string) => formatInstant(iso, deps.config.timeZone);

  const problemFor = (problems: FieldProblem[] | undefined, field: string) => {
    const p = problems?.find((x) => x.field === field);
    return p ? html`<p class="field-error" id="${field}-error">${p.message}</p>` : '';
  };

  const taskForm = (req: Request, res: Response, token: string, task: TaskState, participantRef: string, opts: { chosen?: LinkAction; problems?: FieldProblem[]; values?: Record<string, string> } = {}): SafeHtml => {
    const csrf = web.csrfToken(req, res);
    const v = opts.values ?? {};
    const p = (field: string) => (opts.chosen ? problemFor(opts.problems, field) : '');
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
  };

  router.get('/a/:token', web.tokenLimiter, async (req, res) => {
    const token = String(req.params.token);
    const { state, task } = await services.sprints.inspectTaskToken(token, now());
    res.type('html').send(page({ title: task.title }, taskForm(req, res, token, task, state.participant.localRef)));
  });

  router.post('/a/:token', web.tokenLimiter, web.csrfProtection, async (req, res) => {
    const token = String(req.params.token);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const chosen = body.action as LinkAction;
    if (!ACTIONS.includes(chosen)) throw new AppError('INVALID_INPUT', 'Choose one of the buttons on the page.');
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const action =
      chosen === 'complete'
        ? { type: 'complete' as const, ...(text('note')?.trim() ? { note: text('note') } : {}) }
        : chosen === 'not-applicable'
          ? { type: 'not-applicable' as const, reason: text('reason') ?? '' }
          : { type: 'refuse' as const, reason: text('reason') ?? '', managedHow: text('managedHow') ?? '' };
    try {
      const task = await services.sprints.actWithTaskToken(token, action, now());
      const outcome = task.status === 'completed' ? 'done' : task.status === 'rejected' ? 'refused by the participant' : 'not applicable';
      res.type('html').send(
        page(
          { title: 'Recorded' },
          html`<section class="card"><h1>Recorded</h1>
<p class="notice">${task.title} is recorded as <strong>${outcome}</strong>. Thank you, ${task.endedBy?.name ?? ''}.</p>
<p class="muted">The coordinator sees this straight away. This link has now been used.</p></section>`,
        ),
      );
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields) {
        const { state, task } = await services.sprints.inspectTaskToken(token, now());
        res
          .status(400)
          .type('html')
          .send(page({ title: task.title }, taskForm(req, res, token, task, state.participant.localRef, { chosen, problems: err.details.fields, values: { note: text('note') ?? '', reason: text('reason') ?? '', managedHow: text('managedHow') ?? '' } })));
        return;
      }
      throw err;
    }
  });

  return router;
}
