// The emailed links to a dispute, one handler for each kind. A party's link (a stage's email, a
// proposal's, a declined proposal's) carries every party step: state a position, propose, and
// accept, decline (with why) or counter-propose each proposal still waiting for the agency, with
// the other side's positions beside them; it is never spent and stops working when the dispute
// closes. Governance's stage-3 link leads to the binding decision and is spent by it. The interim
// owner's link records progress on the disputed step. Each step is its own page (`?do=<step>`),
// asks the same as the signed-in page (api/disputes/present.ts), and keeps the words typed.
import { z } from 'zod';
import { AppError, type FieldProblem } from '../errors';
import { html, type SafeHtml } from '../html';
import type { LinkAnswer, LinkHandler, LinkView } from '../links/registry';
import { DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_DECISION_TOKEN_PURPOSE, DISPUTE_INTERIM_TOKEN_PURPOSE } from '../../domain/tokens';
import type { DisputeProposal, DisputeState } from '../../domain/dispute';
import type { DisputeAbilities, DisputeAction, DisputeService } from './service';
import {
  answerButtons,
  carrierWords,
  errorSummary,
  facts,
  formFields,
  formValues,
  FORMS,
  interimSection,
  nextForYou,
  outcomeSection,
  PARTY_ACTIONS,
  positionsSideBySide,
  proposalCard,
  proposalsList,
  serviceBody,
  stepDue,
  stepHeading,
  timeline,
  whatItIsAbout,
  whyNot,
} from './present';

const ACTIONS = ['position', 'propose', 'accept', 'decline', 'counter', 'decide', 'progress'] as const;
const ZStep = z.object({ do: z.enum(ACTIONS).optional().catch(undefined), proposal: z.string().regex(/^p\d{1,4}$/).optional().catch(undefined), view: z.literal('dispute').optional().catch(undefined) });
const ZLinkForm = z.object({ action: z.enum(ACTIONS), proposalId: z.string().regex(/^p\d{1,4}$/).optional().catch(undefined) });

type Inspected = Awaited<ReturnType<DisputeService['inspectDisputeLink']>>;

/** What a link does when opened without a step: governance's and the interim owner's go straight to their one step. */
function landingStep(purpose: Inspected['purpose'], may: DisputeAbilities): DisputeAction | undefined {
  if (purpose === DISPUTE_DECISION_TOKEN_PURPOSE && may.governance) return 'decide';
  if (purpose === DISPUTE_INTERIM_TOKEN_PURPOSE && may.interimOwner) return 'progress';
  return undefined;
}

export function disputeLink(disputes: DisputeService): LinkHandler {
  const stepUrl = (view: LinkView, action: DisputeAction, proposalId?: string) => `/a/${view.token}?do=${action}${proposalId ? `&proposal=${proposalId}` : ''}#step`;
  const you = (view: LinkView) => ({ staffId: view.row.staff.id, agencyId: view.row.staff.agencyId, roles: view.row.staff.roles.filter((r) => r !== 'admin') });

  /** The dispute as its link shows it: where it stands, what is asked of the holder, both sides, the proposals, the step, the history. */
  function desk(v: Inspected, view: LinkView, opts: { notice?: { text: string; problem?: boolean } } = {}): SafeHtml {
    const s = v.state;
    const me = you(view);
    const next = nextForYou(s, v.may, me.agencyId, view.when);
    const asked = v.proposal && v.purpose === DISPUTE_ACCEPT_TOKEN_PURPOSE ? v.proposal : undefined;
    const buttons = (p: DisputeProposal) => (v.may.party ? answerButtons(s, p, me.agencyId, (a, pid) => stepUrl(view, a, pid)) : undefined);
    const own: SafeHtml[] = [];
    if (v.may.governance) own.push(html`<a class="button" href="${stepUrl(view, 'decide')}">Record the decision</a>`);
    if (v.may.interimOwner) own.push(html`<a class="button" href="${stepUrl(view, 'progress')}">Record progress on the step</a>`);
    if (v.may.party) own.push(html`<a class="button${asked ? ' secondary-plain' : ''}" href="${stepUrl(view, 'position')}">State your agency’s position</a>`, html`<a class="button secondary-plain" href="${stepUrl(view, 'propose')}">Propose a resolution</a>`);
    return html`${opts.notice ? html`<p class="${opts.notice.problem ? 'problem' : 'notice'}" role="status">${opts.notice.text}</p>` : ''}
<section class="card dispute-head">
  <p class="muted">Inter-agency dispute · participant ${s.participant.localRef}</p>
  <h1>${s.subject}</h1>
  ${next ? html`<p class="notice next-for-you"><strong>For you:</strong> ${next}</p>` : ''}
  ${facts(s, view.now, view.when, v.agencies)}
  ${own.length ? html`<p class="actions">${own}</p>` : ''}
</section>
${outcomeSection(s, v.agencies, view.when)}
${asked ? html`<section class="card" id="asked"><h2>The proposal you were asked to answer</h2><ol class="proposals single">${proposalCard(s, asked, v.agencies, view.when, buttons(asked))}</ol></section>` : ''}
<section class="card">
  <h2>Each party’s position</h2>
  ${positionsSideBySide(s, v.agencies, view.when, me.agencyId)}
</section>
${
  asked && s.proposals.length === 1
    ? ''
    : html`<section class="card" id="proposals">
  <h2>${asked ? 'The other proposals' : 'Proposals'}</h2>
  ${proposalsList(asked ? { ...s, proposals: s.proposals.filter((p) => p.id !== asked.id) } : s, v.agencies, view.when, buttons)}
</section>`
}
<section class="card">
  <h2>What it is about</h2>
  ${whatItIsAbout(s, view.when)}
</section>
<section class="card" id="interim-step">
  <h2>The interim owner’s step</h2>
  ${interimSection(s, view.now, view.when, v.agencies)}
</section>
<section class="card">
  <h2>What has happened</h2>
  ${timeline(s, v.agencies, view.when)}
</section>`;
  }

  /** One step's own page: the form, its problems at the top and beside the fields, the words typed kept; the dispute below. */
  async function stepPage(v: Inspected, view: LinkView, action: DisputeAction, opts: { proposal?: DisputeProposal; values?: Record<string, string>; problems?: FieldProblem[]; other?: string; status?: number } = {}): Promise<LinkAnswer> {
    const s = v.state;
    const def = FORMS[action];
    const blocked = !allowedBy(v, action) ? { words: 'This link cannot do that: use the buttons on its page.', refused: true } : whyNot(action, s, v.may, you(view), view.when, opts.proposal);
    const choices = def.fields.some((f) => f.kind === 'carrier') && !blocked ? await disputes.carryOnChoices(s) : [];
    const heading = stepHeading(action, opts.proposal?.id);
    const form =
      blocked && !opts.problems && !opts.other
        ? html`<p class="notice">${blocked.words}</p>`
        : html`<form method="post" action="/a/${view.token}" class="dispute-form" novalidate>
    <input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="${action}">${opts.proposal ? html`<input type="hidden" name="proposalId" value="${opts.proposal.id}">` : ''}
    ${def.intro ? html`<p>${def.intro}</p>` : ''}
    ${formFields(action, s, opts.values ?? {}, opts.problems, choices)}
    <p><button type="submit">${def.button}</button></p>
  </form>`;
    const context =
      action === 'decide'
        ? html`<section class="card"><h2>Each party’s position</h2>${positionsSideBySide(s, v.agencies, view.when)}</section>
<section class="card"><h2>Proposals</h2>${proposalsList(s, v.agencies, view.when)}</section>
<section class="card"><h2>What it is about</h2>${whatItIsAbout(s, view.when)}</section>`
        : action === 'progress'
          ? html`<section class="card"><h2>Your step so far</h2>${interimSection(s, view.now, view.when, v.agencies)}</section>`
          : html`<section class="card"><h2>Each party’s position</h2>${positionsSideBySide(s, v.agencies, view.when, you(view).agencyId)}</section>`;
    return {
      status: opts.status ?? (blocked?.refused ? 403 : 200),
      title: opts.problems?.length || opts.other ? `Error: ${heading}` : heading,
      body: html`<section class="card" id="step">
  <p class="muted"><a href="/a/${view.token}?view=dispute">The whole dispute</a> · participant ${s.participant.localRef}</p>
  <h1>${heading}</h1>
  <p>${s.subject}. Step in dispute: ${s.step}.</p>
  ${stepDue(action, s, view.now, view.when)}
  ${errorSummary(action, opts.problems, opts.other)}
  ${opts.proposal ? html`<ol class="proposals single">${proposalCard(s, opts.proposal, v.agencies, view.when)}</ol>` : ''}
  ${form}
</section>
<section class="card">${facts(s, view.now, view.when, v.agencies)}</section>
${context}`,
    };
  }

  /** Whether this link is for this step at all: a party's for the party steps, governance's for the decision, the interim owner's for progress. */
  function allowedBy(v: Inspected, action: DisputeAction): boolean {
    if (v.purpose === DISPUTE_DECISION_TOKEN_PURPOSE) return action === 'decide';
    if (v.purpose === DISPUTE_INTERIM_TOKEN_PURPOSE) return action === 'progress';
    return PARTY_ACTIONS.includes(action);
  }

  const proposalNamed = (s: DisputeState, id: string | undefined) => (id ? s.proposals.find((p) => p.id === id) : undefined);

  /** After a step: what was recorded, and the way back to the dispute on the same link. */
  function confirmation(s: DisputeState, view: LinkView, action: DisputeAction, recorded?: string): LinkAnswer {
    const resolved = action === 'accept' && s.status === 'resolved';
    const said = resolved ? 'Your acceptance is recorded: every party has accepted the same proposal, and the dispute is resolved.' : FORMS[action].done;
    const closed = s.status !== 'open';
    return {
      title: 'Recorded',
      body: html`<section class="card"><h1>Recorded</h1>
<p class="notice" role="status">${said}</p>
${recorded ? html`<p>You recorded:</p><blockquote class="prose">${recorded}</blockquote>` : ''}
${closed ? html`<p>${carrierWords(s)}</p><p class="muted">The dispute has closed; this link no longer records anything, and opening it again shows the outcome.</p>` : html`<p><a class="button" href="/a/${view.token}?view=dispute">Back to the dispute</a></p><p class="muted">This link stays yours until the dispute closes.</p>`}
</section>`,
    };
  }

  return {
    async show(view) {
      const v = await disputes.inspectDisputeLink(view.row);
      const q = ZStep.parse(view.req.query);
      // Governance's and the interim owner's links open on their one step; `?view=dispute` shows the whole dispute.
      const action = q.do ?? (v.state.status === 'open' && !q.view ? landingStep(v.purpose, v.may) : undefined);
      if (!action) return { title: `Dispute: ${v.state.subject}`, body: desk(v, view) };
      const proposal = proposalNamed(v.state, q.proposal);
      if ((action === 'accept' || action === 'decline' || action === 'counter') && !proposal) return { status: 404, title: `Dispute: ${v.state.subject}`, body: desk(v, view, { notice: { text: 'That proposal is not on this dispute.', problem: true } }) };
      return stepPage(v, view, action, { proposal });
    },

    async act(view, body) {
      const form = ZLinkForm.safeParse(body);
      if (!form.success) throw new AppError('INVALID_INPUT', 'Use the buttons on the page.');
      const { action, proposalId } = form.data;
      const values = formValues(action, body as Record<string, unknown>);
      try {
        const s = await disputes.actWithDisputeLink(view.row, action, serviceBody(action, values, proposalId));
        const recorded = values.statement ?? values.terms ?? values.reason ?? values.decision ?? values.note;
        return confirmation(s, view, action, recorded);
      } catch (err) {
        if (!(err instanceof AppError) || !['INVALID_INPUT', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'GONE'].includes(err.code)) throw err;
        if (err.code === 'GONE') throw err;
        const v = await disputes.inspectDisputeLink(view.row);
        const proposal = proposalNamed(v.state, proposalId);
        const fields = err.code === 'INVALID_INPUT' ? err.details?.fields : undefined;
        if (v.state.status !== 'open') return { status: 409, title: `Dispute: ${v.state.subject}`, body: desk(v, view, { notice: { text: `${err.userMessage} ${carrierWords(v.state)}`, problem: true } }) };
        const other = fields ? undefined : (whyNot(action, v.state, v.may, you(view), view.when, proposal)?.words ?? err.userMessage);
        return stepPage(v, view, action, { proposal, values, problems: fields, other, status: err.status });
      }
    },

    async ended(view, gone) {
      try {
        const { state, agencies } = await disputes.inspectDisputeLink(view.row);
        if (state.status === 'open') return undefined;
        const isPost = view.req.method === 'POST';
        const me = view.row.staff.id;
        const carrier = state.outcome?.carriesOn;
        const todo =
          carrier?.id === me
            ? `you carry “${state.step}” on.`
            : state.interimOwner.id === me && carrier
              ? `${carrier.name} carries “${state.step}” on from here: hand over what you hold for it.`
              : 'nothing more is needed from you on this dispute.';
        return {
          status: isPost ? 410 : 200,
          title: `Dispute ${state.status}: ${state.subject}`,
          body: html`${isPost ? html`<p class="notice">${gone.userMessage}</p>` : ''}
<section class="card">
  <p class="muted">Inter-agency dispute · participant ${state.participant.localRef}</p>
  <h1>${state.subject}</h1>
  ${facts(state, view.now, view.when, agencies)}
  <p class="notice"><strong>What to do now:</strong> ${todo} This link no longer records anything.</p>
</section>
${outcomeSection(state, agencies, view.when)}
<section class="card"><h2>What has happened</h2>${timeline(state, agencies, view.when)}</section>`,
        };
      } catch {
        // Nothing to show beyond the link's own refusal.
        return undefined;
      }
    },
  };
}
