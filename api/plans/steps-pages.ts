// Signed-in pages for the plan's own steps: the rapid review (/plans/:id/review: where it stands,
// the agencies' updates, "reviewed, no change" and asking agencies for updates) and one action
// (/plans/:id/actions/:key: done, or not done with why). The plan-steps service holds every
// rule; these pages turn forms into its calls and its answers into words.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { callerOf, type Caller } from '../sprints/service';
import type { PlanStepsService } from './steps-service';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { formatInstant } from '../../domain/format';
import { formatDay, isOpen } from '../../domain/plan-steps';
import { actionBadge, actionEndWords, actionForms, actionHeading, actionHref, askAgenciesForm, badge, errorSummary, noChangeForm, planStepsSection, requestsList, reviewHref, reviewSummary, type FormState, type StepForm } from './steps-view';

/** A field sent twice or as anything but text counts as not sent; the service says what is missing. */
const text = z.string().max(10_000).optional().catch(undefined);
const ZPageForm = z.object({ form: z.enum(['done', 'not-done', 'no-change', 'ask']), note: text, reason: text, agencyIds: z.union([z.string(), z.array(z.string())]).optional().catch(undefined) });

const DONE_WORDS: Record<string, string> = {
  'no-change': 'The rapid review is recorded as reviewed with no change.',
  ask: 'The agencies you chose are asked for an update by email now.',
  done: 'The action is recorded as done.',
  'not-done': 'The action is recorded as not done.',
};

/**
 * The plan page's section of the plan's own steps (its rapid review and actions) for a reader of
 * the plan: /plans/:id includes it with one line. The read is the plan's, checked and logged.
 */
export async function planStepsSectionFor(steps: PlanStepsService, caller: Caller, planId: string, when: (iso: string) => string, now: Date = new Date()): Promise<SafeHtml> {
  const got = await steps.get(caller, planId);
  return planStepsSection({ planId: got.planId, state: got.state, when, now, viewerId: caller.staffId, actsForPlan: got.actsForPlan });
}

export function planStepsPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const planIdOf = (req: Request) => String(req.params.id);
  const planLink = (planId: string) => html`<p class="muted"><a href="/plans/${encodeURIComponent(planId)}">Back to the plan</a></p>`;
  const doneNotice = (req: Request) => {
    const done = typeof req.query.done === 'string' ? DONE_WORDS[req.query.done] : undefined;
    return done ? html`<p class="notice" role="status">${done}</p>` : '';
  };
  const readForm = (body: unknown, allowed: readonly StepForm[]) => {
    const f = ZPageForm.safeParse(body);
    if (!f.success || !allowed.includes(f.data.form)) throw new AppError('INVALID_INPUT', 'Use one of the buttons on the page.');
    return f.data;
  };
  const kept = (err: unknown, form: StepForm, values: FormState['values']): FormState => {
    if (err instanceof AppError && (err.code === 'INVALID_INPUT' || err.code === 'CONFLICT' || err.code === 'FORBIDDEN')) {
      return { form, problems: err.details?.fields?.length ? err.details.fields : [{ field: '(form)', message: err.userMessage }], values };
    }
    throw err;
  };
  const agencyIdsOf = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  // -------------------------------------------------------------------------------------------
  // The rapid review

  async function reviewPage(req: Request, res: Response, form: FormState = {}, status = 200) {
    const caller = callerOf(req.principal!);
    const got = await services.planSteps.get(caller, planIdOf(req));
    const at = now();
    const v = { planId: got.planId, when, now: at };
    const review = got.state?.review;
    const title = `Rapid review: plan for ${got.participantRef}`;
    let body: SafeHtml;
    if (!got.state || !review) {
      body = html`<section class="card">${planLink(got.planId)}<h1>Rapid review</h1>
<p class="muted">Integrated plan · participant ${got.participantRef}</p>
<p>No rapid review of this plan has started. An incident, hospital discharge or safeguarding concern starts one: a version published with that trigger, or a post-discharge sprint for the person. It is due within 72 hours, and its owner is the plan-holder.</p></section>`;
    } else {
      const open = isOpen(review);
      const action = reviewHref(got.planId);
      const csrf = web.csrfToken(req, res);
      body = html`${errorSummary(form)}${doneNotice(req)}<section class="card">
  ${planLink(got.planId)}
  <p class="muted">Integrated plan · participant ${got.participantRef}</p>
  <h1>Rapid review${review.number > 1 ? ` ${review.number}` : ''}</h1>
  ${reviewSummary(review, v)}
  ${open ? html`<p class="muted">It ends when a new version is published with the trigger “Scheduled review”, or with “reviewed, no change” and the reason, below.</p>` : ''}
</section>
<section class="card" id="updates"><h2>Updates from agencies</h2>${requestsList(review, v, { withText: true })}</section>
${
  open && got.actsForPlan
    ? html`${askAgenciesForm({ action, csrf, state: got.state, review, form })}${noChangeForm({ action, csrf, state: form })}`
    : open
      ? html`<section class="card"><p class="muted">${review.owner.name} owns this review, as plan-holder; they or a coordinator of the care team record it.</p></section>`
      : ''
}`;
    }
    res
      .status(status)
      .type('html')
      .send(page({ title: form.problems?.length ? `Error: ${title}` : title, signedInAs: signedInAs(req, res) }, body));
  }

  router.get('/plans/:id/review', web.requireSignedIn, (req, res) => reviewPage(req, res));

  router.post('/plans/:id/review', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const planId = planIdOf(req);
    const f = readForm(req.body, ['no-change', 'ask']);
    try {
      if (f.form === 'no-change') await services.planSteps.recordNoChange(caller, planId, { reason: f.reason ?? '' }, 'web');
      else await services.planSteps.requestUpdates(caller, planId, { agencyIds: agencyIdsOf(f.agencyIds) }, 'web');
    } catch (err) {
      const state = kept(err, f.form, f.form === 'no-change' ? { reason: f.reason ?? '' } : { agencyIds: agencyIdsOf(f.agencyIds) });
      await reviewPage(req, res, state, err instanceof AppError ? err.status : 400);
      return;
    }
    res.redirect(303, `${reviewHref(planId)}?done=${f.form}`);
  });

  // -------------------------------------------------------------------------------------------
  // One action

  async function actionPage(req: Request, res: Response, form: FormState = {}, status = 200) {
    const caller = callerOf(req.principal!);
    const got = await services.planSteps.get(caller, planIdOf(req));
    const key = String(req.params.key);
    const a = got.state?.actions.find((x) => x.key === key || (x.controlId === key && x.removedInVersion === undefined));
    if (!a) throw new AppError('NOT_FOUND', 'This plan has no such action with a due day.');
    const at = now();
    const mayRecord = got.actsForPlan || a.owner.id === caller.staffId;
    const title = `Plan action for ${got.participantRef}`;
    const body = html`${errorSummary(form)}${doneNotice(req)}<section class="card">
  ${planLink(got.planId)}
  <p class="muted">Integrated plan · participant ${got.participantRef}</p>
  ${actionHeading(a)}
  <p>${badge(actionBadge(a, at))} Owner: ${a.owner.name} · due ${formatDay(a.dueDate)}</p>
  ${isOpen(a) && mayRecord && a.owner.id !== caller.staffId ? html`<p class="muted">You record it for ${a.owner.name}, as the plan-holder or a coordinator of the care team.</p>` : ''}
  ${isOpen(a) ? '' : html`<p class="notice">${actionEndWords(a, { planId: got.planId, when, now: at })}</p>`}
  ${a.escalationId ? html`<p><a href="/escalations/${encodeURIComponent(a.escalationId)}">The escalation it raised</a></p>` : ''}
</section>
${isOpen(a) ? (mayRecord ? actionForms({ action: actionHref(got.planId, a.key), csrf: web.csrfToken(req, res), state: form }) : html`<section class="card"><p class="muted">${a.owner.name} owns this action; they, the plan-holder or a coordinator of the care team record it.</p></section>`) : ''}`;
    res
      .status(status)
      .type('html')
      .send(page({ title: form.problems?.length ? `Error: ${title}` : title, signedInAs: signedInAs(req, res) }, body));
  }

  router.get('/plans/:id/actions/:key', web.requireSignedIn, (req, res) => actionPage(req, res));

  router.post('/plans/:id/actions/:key', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const planId = planIdOf(req);
    const key = String(req.params.key);
    const f = readForm(req.body, ['done', 'not-done']);
    try {
      await services.planSteps.markAction(caller, planId, key, f.form === 'done' ? { type: 'done', note: f.note } : { type: 'not-done', reason: f.reason ?? '' }, 'web');
    } catch (err) {
      await actionPage(req, res, kept(err, f.form, { note: f.note ?? '', reason: f.reason ?? '' }), err instanceof AppError ? err.status : 400);
      return;
    }
    res.redirect(303, `${actionHref(planId, key)}?done=${f.form}`);
  });

  return router;
}
