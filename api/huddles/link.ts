// A huddle decision's emailed link (api/links/routes.ts registers it): its owner sees what was
// decided, about whom, and when follow-up is due, and records it done or not done (with why).
// A form sent with a problem comes back with the problem at the top and beside its field, and
// the words typed kept.
import { AppError } from '../errors';
import { html, type SafeHtml } from '../html';
import type { LinkAnswer, LinkHandler, LinkView } from '../links/registry';
import type { HuddleService } from './service';
import { decisionBadge, endDecisionForms, errorSummary, fieldId, type FormState } from './view';

type Context = Awaited<ReturnType<HuddleService['inspectDecisionLink']>>;

function card(c: Context, view: LinkView): SafeHtml {
  const d = c.decision;
  const badge = decisionBadge({ status: d.status as 'open' | 'done' | 'not-done', onTime: d.onTime, overdue: d.wasOverdue || (d.status === 'open' && d.dueAt < view.now) });
  const ended = d.status === 'open' ? '' : `Recorded as ${d.status === 'done' ? 'done' : 'not done'}${c.endedByName ? ` by ${c.endedByName}` : ''}${d.endedAt ? ` on ${view.when(d.endedAt.toISOString())}` : ''}${d.note ? `: ${d.note}` : '.'}`;
  return html`<section class="card">
  <p class="muted">Decision from the ${c.agencyName} huddle, ${view.when(d.huddle.startedAt.toISOString())}${c.participant ? html` · participant ${c.participant.localRef}` : ''}</p>
  <h1>${d.text}</h1>
  <p>${badge} Yours · follow-up due ${view.when(d.dueAt.toISOString())}</p>
  ${ended ? html`<p class="notice">${ended}</p>` : ''}
</section>`;
}

export function huddleDecisionLink(huddles: HuddleService): LinkHandler {
  const pageOf = async (view: LinkView, state: FormState = {}, status?: number): Promise<LinkAnswer> => {
    const c = await huddles.inspectDecisionLink(view.row);
    const open = c.decision.status === 'open';
    const title = `Huddle decision${c.participant ? ` for ${c.participant.localRef}` : ''}`;
    return {
      status,
      title: state.problems?.length ? `Error: ${title}` : title,
      body: html`${errorSummary(state, (field) => fieldId(state.form ?? '', field))}${card(c, view)}${
        open ? html`<section class="card"><h2>Record the follow-up</h2>${endDecisionForms({ action: `/a/${view.token}`, csrf: view.csrfToken(), form: 'link', state })}</section>` : ''
      }`,
    };
  };
  return {
    show: (view) => pageOf(view),
    async act(view, body) {
      const outcome = (body as Record<string, unknown>).outcome;
      if (outcome !== 'done' && outcome !== 'not-done') throw new AppError('INVALID_INPUT', 'Use one of the buttons on the page.');
      const note = typeof (body as Record<string, unknown>).note === 'string' ? String((body as Record<string, unknown>).note) : '';
      try {
        const d = await huddles.actWithDecisionLink(view.row, { outcome, note });
        return {
          title: 'Recorded',
          body: html`<section class="card"><h1>Recorded</h1>
<p class="notice" role="status">Thank you, ${view.row.staff.name}: the decision is recorded as <strong>${d.status === 'done' ? 'done' : 'not done'}</strong>${d.onTime === false && d.status === 'done' ? ', after its follow-up was due' : ''}. Whoever runs the huddle sees this straight away.</p>
<p class="muted">This link has now been used.</p></section>`,
        };
      } catch (err) {
        if (err instanceof AppError && err.code === 'INVALID_INPUT') {
          const form = `link-${outcome}`;
          return pageOf(view, { form, problems: err.details?.fields?.length ? err.details.fields : [{ field: 'note', message: err.userMessage }], values: { note } }, 400);
        }
        throw err;
      }
    },
    async ended(view) {
      // A used or revoked link shows what became of its decision.
      const c = await huddles.inspectDecisionLink(view.row).catch(() => undefined);
      if (!c || c.decision.status === 'open') return undefined;
      return { status: 410, title: `Huddle decision${c.participant ? ` for ${c.participant.localRef}` : ''}: recorded`, body: html`${card(c, view)}<p class="muted">This link no longer works.</p>` };
    },
  };
}
