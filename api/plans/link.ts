// A recipient's emailed link to a plan version: what changed and why, and, when the change alters
// day-to-day delivery, one button to acknowledge it.
import { z } from 'zod';
import { AppError } from '../errors';
import { html } from '../html';
import type { LinkHandler } from '../links/registry';
import type { PlanService } from './service';

const ZPlanLinkForm = z.object({ action: z.literal('acknowledge') });

export function planVersionLink(plans: PlanService): LinkHandler {
  return {
    async show(view) {
      const v = await plans.inspectPlanLink(view.row);
      const { when } = view;
      const needsAck = v.version.acknowledgementRequired && v.state?.status === 'awaiting-acknowledgements' && !v.recipient?.acknowledgedAt;
      return {
        title: `Plan version ${v.version.number}`,
        body: html`<section class="card">
  <p class="muted">Integrated plan · participant ${v.plan.participantRef}</p>
  <h1>Version ${v.version.number}: what changed</h1>
  <p>Published ${when(v.version.createdAt)} by ${v.version.author.name} · trigger: ${v.version.trigger.replace('_', ' ')}</p>
  <p><strong>Why:</strong> ${v.version.reason}</p>
  <ul class="changes">${v.changes.map((c) => html`<li>${c}</li>`)}</ul>
  ${v.state?.rapidReviewDueAt ? html`<p class="notice">Rapid review of the whole plan due ${when(v.state.rapidReviewDueAt)}.</p>` : ''}
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
