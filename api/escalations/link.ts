// A chair's emailed link to an escalation: what it is about and its deadlines, and one button
// to take ownership (acknowledge).
import { z } from 'zod';
import { AppError } from '../errors';
import { html } from '../html';
import type { LinkHandler } from '../links/registry';
import type { EscalationService } from './service';

const ZEscalationLinkForm = z.object({ action: z.literal('acknowledge') });

export function escalationLink(escalations: EscalationService): LinkHandler {
  return {
    async show(view) {
      const { state } = await escalations.inspectEscalationLink(view.row);
      const { when } = view;
      const mayAcknowledge = state.status === 'open' && state.chair.id === view.row.staff.id;
      return {
        title: 'Escalation',
        body: html`<section class="card">
  <p class="muted">Escalation · participant ${state.participant.localRef}</p>
  <h1>${state.tier} risk: ${state.trigger}</h1>
  <p>Chair: ${state.chair.name} · acknowledge by ${when(state.acknowledgeDueAt)} · respond by ${when(state.respondDueAt)}</p>
  ${state.tiers.length > 1 ? html`<p class="notice">Promoted from ${state.tiers[0]!.tier} after a missed window.</p>` : ''}
</section>
${
  mayAcknowledge
    ? html`<section class="card"><h2>Take ownership</h2>
  <p>Acknowledge that you chair this escalation. Record the response action and the outcome through careloop afterwards.</p>
  <form method="post" action="/a/${view.token}">
    <input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="acknowledge">
    <button type="submit">I take ownership</button>
  </form></section>`
    : html`<p class="notice">This escalation is ${state.status}${state.acknowledgement ? html` (acknowledged by ${state.acknowledgement.by.name})` : ''}.</p>`
}`,
      };
    },

    async act(view, body) {
      if (!ZEscalationLinkForm.safeParse(body).success) throw new AppError('INVALID_INPUT', 'Use the button on the page.');
      const state = await escalations.acknowledgeWithEscalationLink(view.row);
      return {
        title: 'Acknowledged',
        body: html`<section class="card"><h1>Acknowledged</h1>
<p class="notice">You chair the ${state.tier} escalation for ${state.participant.localRef} (acknowledged ${view.when(state.acknowledgement?.at ?? '')}). Record the response action by ${view.when(state.respondDueAt)}.</p></section>`,
      };
    },
  };
}

/** A responder's read-only link: what the escalation is about and where it stands; no actions. */
export function escalationViewLink(escalations: EscalationService): LinkHandler {
  return {
    async show(view) {
      const { state } = await escalations.inspectEscalationLink(view.row);
      return {
        title: 'Escalation',
        body: html`<section class="card">
  <p class="muted">Escalation · participant ${state.participant.localRef}</p>
  <h1>${state.tier} risk: ${state.trigger}</h1>
  <p>Chair: ${state.chair.name} · status: ${state.status}</p>
</section>`,
      };
    },
    async act() {
      throw new AppError('INVALID_INPUT', 'This link only shows the escalation; the chair records its steps.');
    },
  };
}
