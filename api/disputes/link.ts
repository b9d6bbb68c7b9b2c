// A party's emailed link to a dispute: state the agency's position at this stage, or accept one
// proposed resolution, depending on the link's purpose.
import { z } from 'zod';
import { AppError } from '../errors';
import { html } from '../html';
import type { LinkHandler, LinkView } from '../links/registry';
import type { DisputeService } from './service';

const ZDisputeLinkForm = z.object({ action: z.enum(['position', 'accept']), statement: z.string().max(10_000).optional().catch(undefined) });

export function disputeLink(disputes: DisputeService): LinkHandler {
  async function disputePage(view: LinkView, problem?: string, statement = '') {
    const { when, token } = view;
    const v = await disputes.inspectDisputeLink(view.row);
    const s = v.state;
    const stage = s.stages[s.stages.length - 1];
    const form =
      s.status !== 'open'
        ? html`<p class="notice">This dispute is ${s.status}.</p>`
        : v.purpose === 'dispute-position'
          ? html`<section class="card"><h2>Your agency's position</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="position">
    <label for="statement">Position</label>
    <textarea id="statement" name="statement" rows="4">${statement}</textarea>
    ${problem ? html`<p class="field-error" id="statement-error">${problem}</p>` : ''}
    <p><button type="submit">Record our position</button></p>
  </form></section>`
          : v.proposal
            ? html`<section class="card"><h2>Proposed resolution ${v.proposal.id}</h2>
  <p>Proposed by ${v.proposal.by.name} ${when(v.proposal.at)}:</p>
  <blockquote>${v.proposal.terms}</blockquote>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="accept">
    <button type="submit">Accept for my agency</button>
  </form></section>`
            : html`<p class="problem">That proposal is no longer on this dispute.</p>`;
    return {
      title: `Dispute: ${s.subject}`,
      body: html`<section class="card">
  <p class="muted">Inter-agency dispute · participant ${s.participant.localRef}</p>
  <h1>${s.subject}</h1>
  <p><strong>Step in dispute:</strong> ${s.step} · interim owner: ${s.interimOwner.name}</p>
  <p><strong>Outcome sought:</strong> ${s.outcomeSought}</p>
  ${stage ? html`<p>Stage ${stage.stage} (${stage.label.toLowerCase()}), due ${when(stage.dueAt)}</p>` : ''}
</section>
${form}`,
    };
  }

  return {
    show: (view) => disputePage(view),

    async act(view, body) {
      const form = ZDisputeLinkForm.safeParse(body);
      if (!form.success) throw new AppError('INVALID_INPUT', 'Use the button on the page.');
      const statement = form.data.statement ?? '';
      try {
        const s = await disputes.actWithDisputeLink(view.row, { statement });
        const what = form.data.action === 'position' ? "Your agency's position is recorded." : s.status === 'resolved' ? 'Your acceptance is recorded: every party has accepted, and the dispute is resolved.' : 'Your acceptance is recorded.';
        return { title: 'Recorded', body: html`<section class="card"><h1>Recorded</h1><p class="notice">${what}</p><p class="muted">This link has now been used.</p></section>` };
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
        return { status: 400, ...(await disputePage(view, err.details.fields[0]?.message, statement)) };
      }
    },
  };
}
