// The emailed links of the plan's own steps (api/links/routes.ts registers them): an action's
// owner records it done or not done (with why); the plan-holder records the rapid review as
// "reviewed, no change" (with why) or asks agencies for updates; an agency's contact sends its
// update on changed risk factors. A form sent with a problem comes back with the problem at the
// top and beside its field, and the words typed kept.
import { z } from 'zod';
import { AppError } from '../errors';
import { html, type SafeHtml } from '../html';
import type { LinkAnswer, LinkHandler, LinkView } from '../links/registry';
import { formatDay, isOpen, triggersInWords, type PlanActionState } from '../../domain/plan-steps';
import type { PlanStepsService } from './steps-service';
import { actionBadge, actionEndWords, actionHeading, actionForms, answerForm, askAgenciesForm, badge, errorSummary, noChangeForm, requestBadge, requestsList, reviewSummary, type FormState, type StepForm } from './steps-view';

/** A field sent twice or as anything but text counts as not sent; the service says what is missing. */
const text = z.string().max(10_000).optional().catch(undefined);
const ZStepForm = z.object({ form: z.enum(['done', 'not-done', 'no-change', 'ask', 'answer']), note: text, reason: text, text, agencyIds: z.union([z.string(), z.array(z.string())]).optional().catch(undefined) });

function readForm(body: unknown, allowed: readonly StepForm[]) {
  const parsed = ZStepForm.safeParse(body);
  if (!parsed.success || !allowed.includes(parsed.data.form)) throw new AppError('INVALID_INPUT', 'Use one of the buttons on the page.');
  return parsed.data;
}

const agencyIdsOf = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The service's field problems, kept for the form; anything else goes up as it is. */
function formProblem(err: unknown, form: StepForm, values: FormState['values']): FormState {
  if (err instanceof AppError && err.code === 'INVALID_INPUT') return { form, problems: err.details?.fields?.length ? err.details.fields : [{ field: '(form)', message: err.userMessage }], values };
  throw err;
}

const heading = (what: string, participantRef: string) => html`<p class="muted">Integrated plan · participant ${participantRef}</p><h1>${what}</h1>`;

function actionCard(a: PlanActionState, participantRef: string, view: LinkView): SafeHtml {
  return html`<section class="card">
  <p class="muted">Integrated plan · participant ${participantRef}</p>${actionHeading(a)}
  <p>${badge(actionBadge(a, view.now))} Owner: ${a.owner.name} · due ${formatDay(a.dueDate)}</p>
  ${isOpen(a) ? '' : html`<p class="notice">${actionEndWords(a, { planId: '', when: view.when, now: view.now })}</p>`}
</section>`;
}

export function planActionLink(steps: PlanStepsService): LinkHandler {
  const pageOf = async (view: LinkView, state: FormState = {}, status?: number): Promise<LinkAnswer> => {
    const { plan, action } = await steps.inspectActionLink(view.row);
    const mine = action.owner.id === view.row.staff.id;
    const forms = isOpen(action)
      ? mine
        ? actionForms({ action: `/a/${view.token}`, csrf: view.csrfToken(), state })
        : html`<section class="card"><p class="problem">This action is ${action.owner.name}'s now; this link can no longer record it.</p></section>`
      : '';
    const title = isOpen(action) ? `Plan action for ${plan.participantRef}` : `Plan action for ${plan.participantRef}: recorded`;
    return { status, title: state.problems?.length ? `Error: ${title}` : title, body: html`${errorSummary(state)}${actionCard(action, plan.participantRef, view)}${forms}` };
  };
  return {
    show: (view) => pageOf(view),
    async act(view, body) {
      const f = readForm(body, ['done', 'not-done']);
      const values = { note: f.note ?? '', reason: f.reason ?? '' };
      try {
        const a = await steps.actWithActionLink(view.row, f.form === 'done' ? { type: 'done', note: f.note } : { type: 'not-done', reason: f.reason ?? '' });
        const { plan } = await steps.inspectActionLink(view.row).catch(() => ({ plan: { participantRef: '' } }));
        return {
          title: 'Recorded',
          body: html`${actionCard(a, plan.participantRef, view)}<section class="card"><h2>Recorded</h2>
<p class="notice">Thank you, ${view.row.staff.name}: the action is recorded as <strong>${a.status === 'done' ? 'done' : 'not done'}</strong>. The plan-holder sees this straight away.</p>
<p class="muted">This link has now been used.</p></section>`,
        };
      } catch (err) {
        return pageOf(view, formProblem(err, f.form, values), 400);
      }
    },
    async ended(view) {
      // A used or revoked link shows what became of its action, when careloop can say.
      const scope = z.object({ planId: z.string(), step: z.string() }).safeParse(view.row.scope);
      if (!scope.success) return undefined;
      const found = await steps.inspectActionLink(view.row).catch(() => undefined);
      if (!found || isOpen(found.action)) return undefined;
      return { status: 410, title: `Plan action for ${found.plan.participantRef}: recorded`, body: html`${actionCard(found.action, found.plan.participantRef, view)}<p class="muted">This link no longer works.</p>` };
    },
  };
}

export function planReviewLink(steps: PlanStepsService): LinkHandler {
  const pageOf = async (view: LinkView, form: FormState = {}, status?: number, notice?: string): Promise<LinkAnswer> => {
    const { plan, state, review } = await steps.inspectReviewLink(view.row);
    const v = { planId: plan.id, when: view.when, now: view.now };
    const open = isOpen(review);
    // One token for both forms: a second call on a first visit would set another cookie.
    const csrf = view.csrfToken();
    const title = `Rapid review of the plan for ${plan.participantRef}`;
    return {
      status,
      title: form.problems?.length ? `Error: ${title}` : title,
      body: html`${errorSummary(form)}${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}<section class="card">
  ${heading('Rapid review of the plan', plan.participantRef)}
  ${reviewSummary(review, v)}
  <p class="muted">To change the plan, sign in and publish a new version from the plan’s page with the trigger “Scheduled review”: <a href="/plans/${plan.id}">the plan</a>.</p>
</section>
<section class="card"><h2>Updates from agencies</h2>${requestsList(review, v, { withText: true })}</section>
${open ? html`${askAgenciesForm({ action: `/a/${view.token}`, csrf, state, review, form })}${noChangeForm({ action: `/a/${view.token}`, csrf, state: form })}` : ''}`,
    };
  };
  return {
    show: (view) => pageOf(view),
    async act(view, body) {
      const f = readForm(body, ['no-change', 'ask']);
      if (f.form === 'no-change') {
        try {
          const r = await steps.noChangeWithReviewLink(view.row, { reason: f.reason ?? '' });
          return {
            title: 'Recorded',
            body: html`<section class="card"><h1>Recorded</h1>
<p class="notice">The rapid review of the plan is recorded as reviewed with no change (${view.when(r.endedAt ?? view.now.toISOString())}). Any update still awaited from an agency is no longer needed, and its link stops working.</p>
<p class="muted">This link has now been used.</p></section>`,
          };
        } catch (err) {
          return pageOf(view, formProblem(err, 'no-change', { reason: f.reason ?? '' }), 400);
        }
      }
      const agencyIds = agencyIdsOf(f.agencyIds);
      try {
        const asked = await steps.requestUpdatesWithReviewLink(view.row, { agencyIds });
        return pageOf(view, {}, 200, `Asked ${asked.map((q) => `${q.agencyName} (${q.to.name})`).join(', ')} for an update. Each gets an email now.`);
      } catch (err) {
        return pageOf(view, formProblem(err, 'ask', { agencyIds }), 400);
      }
    },
  };
}

export function planUpdateLink(steps: PlanStepsService): LinkHandler {
  const pageOf = async (view: LinkView, form: FormState = {}, status?: number): Promise<LinkAnswer> => {
    const { plan, review, request } = await steps.inspectUpdateLink(view.row);
    const title = `Update for the plan of ${plan.participantRef}`;
    const mine = request.to.id === view.row.staff.id;
    return {
      status,
      title: form.problems?.length ? `Error: ${title}` : title,
      body: html`${errorSummary(form)}<section class="card">
  ${heading(`An update from ${request.agencyName}`, plan.participantRef)}
  <p>${badge(requestBadge(request, view.now))} ${request.askedBy.name} is reviewing the integrated plan after ${triggersInWords(review.triggers.map((t) => t.trigger))}, and asks ${request.agencyName} for a brief update on changed risk factors and interventions by ${view.when(request.dueAt)}.</p>
  ${request.answer ? html`<p class="notice">${request.answer.by.name} sent the update on ${view.when(request.answer.at)}.</p>` : ''}
  ${request.status === 'cancelled' ? html`<p class="notice">${request.endedReason ?? 'This update is no longer needed.'}</p>` : ''}
</section>
${isOpen(request) ? (mine ? answerForm({ action: `/a/${view.token}`, csrf: view.csrfToken(), state: form }) : html`<section class="card"><p class="problem">This update was asked of ${request.to.name}.</p></section>`) : ''}`,
    };
  };
  return {
    show: (view) => pageOf(view),
    async act(view, body) {
      const f = readForm(body, ['answer']);
      try {
        const q = await steps.answerWithUpdateLink(view.row, { text: f.text ?? '' });
        return {
          title: 'Sent',
          body: html`<section class="card"><h1>Sent</h1>
<p class="notice">Thank you, ${view.row.staff.name}: the update from ${q.agencyName} is with ${q.askedBy.name} for the review (${view.when(q.answer?.at ?? view.now.toISOString())}).</p>
<p class="muted">This link has now been used.</p></section>`,
        };
      } catch (err) {
        return pageOf(view, formProblem(err, 'answer', { text: f.text ?? '' }), 400);
      }
    },
  };
}
