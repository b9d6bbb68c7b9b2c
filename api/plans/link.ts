// A recipient's emailed link to a plan version: what changed and, when the change alters
// day-to-day delivery, one button to acknowledge it. Opened without signing in, the page gives
// the change note without clinical detail (how many goals, risks, actions... changed, never what
// they say: a forwarded email or a shared screen shows nothing of the person); signed in, the
// full change as the signed-in person may read it (the care team all of it, anyone else only what
// the person consented to share). "Sign in to see the full change" returns to that change's page.
import { z } from 'zod';
import { AppError } from '../errors';
import { html } from '../html';
import type { LinkHandler } from '../links/registry';
import { callerOf } from '../sprints/service';
import { PLAN_TRIGGER_WORDS } from '../../domain/plan';
import type { PlanService } from './service';

const ZPlanLinkForm = z.object({ action: z.literal('acknowledge') });

/** Where the full change is read after signing in: the version's diff page (the whole plan for a first version). */
export const changePageOf = (planId: string, version: number) =>
  version > 1 ? `/plans/${encodeURIComponent(planId)}/diff?from=${version - 1}&to=${version}` : `/plans/${encodeURIComponent(planId)}`;

export function planVersionLink(plans: PlanService): LinkHandler {
  return {
    async show(view) {
      const v = await plans.inspectPlanLink(view.row);
      const { when } = view;
      const page = changePageOf(v.plan.id, v.version.number);
      // Signed in (as anyone): the full change as that person may read it; else the outline.
      const principal = view.req.principal;
      const full = principal
        ? await plans.diff(callerOf(principal), v.plan.id, Math.max(1, v.version.number - 1), v.version.number).catch((err: unknown) => {
            if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
            throw err;
          })
        : undefined;
      const needsAck = v.reader === 'team' && v.version.acknowledgementRequired && v.state?.status === 'awaiting-acknowledgements' && !v.recipient?.acknowledgedAt;
      const changes =
        full && v.version.number > 1
          ? html`${full.reader === 'team' ? html`<p><strong>Why:</strong> ${v.version.reason}</p>` : html`<p class="muted">You are outside this person’s care team: you see only what they consented to share.</p>`}
  ${full.lines.length ? html`<ul class="changes">${full.lines.map((l) => html`<li>${l.words}</li>`)}</ul>` : html`<p>Nothing you may see changed.</p>`}
  <p><a href="/plans/${encodeURIComponent(v.plan.id)}">Open the whole plan</a></p>`
          : full
            ? html`<p>This is the first version of the plan.</p><p><a href="/plans/${encodeURIComponent(v.plan.id)}">Open the plan</a></p>`
            : html`<h2>What changed, in outline</h2>
  <ul class="changes">${v.note.map((n) => html`<li>${n}</li>`)}</ul>
  <p class="muted">What the plan says stays in careloop, for the people allowed to read it.</p>
  <p><a class="button secondary-plain" href="/signin?next=${encodeURIComponent(page)}">Sign in to see the full change</a></p>`;
      return {
        title: `Plan version ${v.version.number}`,
        body: html`<section class="card">
  <p class="muted">Integrated plan · participant ${v.plan.participantRef}</p>
  <h1>Version ${v.version.number}: what changed</h1>
  <p>Published ${when(v.version.createdAt)} by ${v.version.author.name} · Trigger: ${PLAN_TRIGGER_WORDS[v.version.trigger] ?? v.version.trigger}</p>
  ${changes}
  ${v.state?.rapidReviewDueAt && v.reader === 'team' ? html`<p class="notice">Rapid review of the whole plan due ${when(v.state.rapidReviewDueAt)}.</p>` : ''}
</section>
${
  needsAck
    ? html`<section class="card"><h2>Acknowledge</h2>
  <p>This change alters day-to-day delivery. Acknowledge that you have read it${v.state?.ackDeadlineAt ? html` (by ${when(v.state.ackDeadlineAt)})` : ''}.</p>
  <form method="post" action="/a/${view.token}">
    <input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="acknowledge">
    <button type="submit">I have read this change</button>
  </form></section>`
    : v.recipient?.acknowledgedAt
      ? html`<p class="notice">You acknowledged this version ${when(v.recipient.acknowledgedAt)}.</p>`
      : v.state?.status === 'superseded'
        ? html`<p class="problem">A newer version (${v.state.supersededBy}) has replaced this one.</p>`
        : ''
}`,
      };
    },

    async act(view, body) {
      if (!ZPlanLinkForm.safeParse(body).success) throw new AppError('INVALID_INPUT', 'Use the button on the page.');
      const done = await plans.acknowledgeWithPlanLink(view.row);
      return {
        title: 'Acknowledged',
        body: html`<section class="card"><h1>Acknowledged</h1>
<p class="notice">Your acknowledgement of version ${done.version} of the plan for ${done.participantRef} is recorded (${view.when(done.recipient.acknowledgedAt ?? '')}).</p></section>`,
      };
    },
  };
}
