// The dispute pages for signed-in staff: the list of disputes a person works (/disputes), one
// dispute's page (subject, step, interim owner, the stage clock, each party's positions side by
// side, the proposals with who accepted or declined and why, the interim owner's step, the
// timeline), the form that raises one (the person first, then the rest, with the interim owner
// picked from their care team), and each step on a page of its own: state a position, propose,
// accept, decline or counter-propose a proposal, withdraw, the stage-3 decision, the interim
// owner's progress. The dispute service holds every rule; these pages turn forms into its calls.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { callerOf } from '../sprints/service';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { formatInstant } from '../../domain/format';
import type { DisputeProposal, DisputeState } from '../../domain/dispute';
import { relativeDue } from '../evidence/pages';
import { createDisputeList, disputeBadgeWords, disputeStatusWords, disputeTone, MAX_ROWS, ROLE_WORDS, type DisputeList, type DisputeListRow } from './list';
import type { DisputeAbilities, DisputeAction } from './service';
import {
  answerButtons,
  errorSummary,
  facts,
  formFields,
  formValues,
  FORMS,
  interimSection,
  nextForYou,
  outcomeSection,
  positionsSideBySide,
  proposalCard,
  proposalsList,
  PARTY_ACTIONS,
  serviceBody,
  stepDue,
  stepHeading,
  timeline,
  whatItIsAbout,
  whyNot,
  type AgencyNames,
  type Choice,
} from './present';

/** Seconds between refreshes of an open dispute's page; form pages never refresh. */
const REFRESH_SECONDS = 60;

const DISPUTE_STEPS = ['position', 'propose', 'withdraw', 'decide', 'progress'] as const;
const PROPOSAL_STEPS = ['accept', 'decline', 'counter'] as const;

const RAISE_FIELDS = ['participantLocalRef', 'respondentAgencyIds', 'interimOwnerId', 'subject', 'step', 'description', 'outcomeSought'] as const;
const RAISE_LABELS: Record<string, string> = {
  participantLocalRef: 'Participant reference',
  respondentAgencyIds: 'The agencies you dispute with',
  interimOwnerId: 'The interim owner',
  subject: 'What the dispute is about',
  step: 'The step in dispute',
  description: 'What is disputed',
  outcomeSought: 'The outcome your agency seeks',
};
const RAISE_MISSING: Record<string, string> = {
  participantLocalRef: 'Enter the participant’s local reference',
  respondentAgencyIds: 'Choose at least one agency you dispute with',
  interimOwnerId: 'Choose the interim owner of the step',
  subject: 'Say what the dispute is about',
  step: 'Name the step in dispute',
  description: 'Say what is disputed',
  outcomeSought: 'Say what outcome your agency seeks',
};

const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;
const href = (id: string) => `/disputes/${encodeURIComponent(id)}`;

const text = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
};
const list = (body: Record<string, unknown>, name: string): string[] => {
  const v = body[name];
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && !!x).slice(0, 20);
  return [];
};

/** A step's address: the dispute's own steps, and a proposal's. */
export function stepHref(id: string, action: DisputeAction, proposalId?: string): string {
  return proposalId ? `${href(id)}/proposals/${encodeURIComponent(proposalId)}/${action}` : `${href(id)}/${action}`;
}

export function disputePages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const disputeList = createDisputeList({ db: deps.db, now: deps.now });
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const idOf = (req: Request) => String(req.params.id);

  // -------------------------------------------------------------------------------------------
  // The list.

  const filterForm = (q: DisputeList['query']) => html`<form method="get" action="/disputes" class="filters" novalidate>
  <div><label for="filter-status">Status</label>
  <select id="filter-status" name="status">${(
    [
      ['open', 'Open'],
      ['closed', 'Closed'],
      ['all', 'All'],
    ] as const
  ).map(([v, label]) => html`<option value="${v}"${q.status === v ? html` selected` : ''}>${label}</option>`)}</select></div>
  <div><label for="filter-participant">Participant reference</label>
  <input type="text" id="filter-participant" name="participant" value="${q.participant ?? ''}" maxlength="64" autocomplete="off"></div>
  <div class="filter-buttons"><button type="submit">Filter</button> <a href="/disputes">Clear</a></div>
</form>`;

  const whenCell = (r: DisputeListRow, at: Date): SafeHtml => {
    if (r.status !== 'open') return html`Closed ${r.closedAt ? when(r.closedAt) : ''}`;
    if (!r.stageDueAt) return html`<span class="muted">—</span>`;
    return html`Stage ${r.stage} due ${when(r.stageDueAt)}<br><span class="${r.overdue ? 'overdue' : 'muted'}">${relativeDue(r.stageDueAt, at)}</span>`;
  };

  const listTable = (l: DisputeList, at: Date) => html`<table class="disputes escalations" id="disputes">
  <thead><tr><th>Participant</th><th>Dispute</th><th>Status</th><th>Interim owner</th><th>When</th></tr></thead>
  <tbody>${l.rows.map(
    (r) => html`<tr class="${r.overdue ? 'is-overdue' : ''}" data-dispute="${r.id}">
  <td data-label="Participant"><strong>${r.participant.localRef}</strong> <span class="muted">${r.participant.displayName}</span></td>
  <td data-label="Dispute"><a href="${href(r.id)}">${r.subject}</a><br><span class="muted">${r.agencies.join(' and ')} · ${ROLE_WORDS[r.role]}</span></td>
  <td data-label="Status" class="status"><span class="badge tone-${disputeTone(r)}">${disputeBadgeWords(r)}</span> <span class="muted">${disputeStatusWords(r)}</span></td>
  <td data-label="Interim owner">${r.interimOwner.name}${r.step ? html`<br><span class="muted">${r.step}</span>` : ''}</td>
  <td data-label="When">${whenCell(r, at)}</td>
</tr>`,
  )}</tbody>
</table>`;

  router.get('/disputes', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const at = now();
    let l: DisputeList;
    try {
      l = await disputeList.list(caller, req.query);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
      // A hand-edited address: say which filter is wrong, in a sentence, and offer the form again.
      const sentence = (p: FieldProblem) =>
        p.field === 'status'
          ? 'Choose a status from the list'
          : p.message.startsWith('must be at most')
            ? 'The participant reference must be 64 characters or fewer'
            : 'The participant reference may hold only letters, digits and the characters - _ / .';
      const typed = typeof req.query.participant === 'string' ? req.query.participant.slice(0, 64) : undefined;
      res.status(400).type('html').send(
        page(
          { title: 'Error: Disputes', signedInAs: signedInAs(req, res) },
          html`<section class="card">
<div class="problem error-summary" role="alert" tabindex="-1"><h2>There is a problem with the filters</h2><ul>${err.details.fields.map((p) => html`<li><a href="#filter-${p.field === 'status' ? 'status' : 'participant'}">${sentence(p)}</a></li>`)}</ul></div>
<h1>Disputes</h1>
${filterForm({ status: 'open', ...(typed ? { participant: typed } : {}) })}</section>`,
        ),
      );
      return;
    }
    const filtered = !!(l.query.participant || l.query.status !== 'open');
    const scope = l.everyDispute
      ? 'Every dispute in the partnership: you are partnership governance.'
      : 'Disputes you raised, carry the step for or represent your agency in, and those your agency is party to.';
    const empty = filtered
      ? html`<p class="notice">No disputes match these filters. <a href="/disputes?status=all">Show every dispute</a>.</p>`
      : html`<p class="notice">No open dispute names you or your agency. <a href="/disputes?status=closed">Show closed disputes</a>.</p>`;
    res.type('html').send(
      page(
        { title: 'Disputes', signedInAs: signedInAs(req, res), wide: true },
        html`<section class="card">
  <h1>Disputes</h1>
  <p class="muted">${scope} Open first, the nearest deadline at the top. Times are ${tz}.</p>
  <p><a class="button" href="/disputes/new">Raise a dispute</a></p>
  ${filterForm(l.query)}
  ${l.rows.length ? listTable(l, at) : empty}
  ${l.truncated ? html`<p class="problem">Only the first ${MAX_ROWS} are shown: narrow the list with the filters.</p>` : ''}
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // Raising one: the person first (their care team is where the interim owner comes from), then the rest.

  type Values = Record<string, string>;
  type Choices = Awaited<ReturnType<AppServices['disputes']['raiseChoices']>>;

  const raiseSentence = (p: FieldProblem): string => {
    if (p.field === 'participantLocalRef' && /^No /.test(p.message)) return p.message;
    if (p.message.startsWith('is required')) return RAISE_MISSING[p.field] ?? 'Answer every question on the form';
    const max = /must be at most (\d+) characters/.exec(p.message);
    if (max) return `${RAISE_LABELS[p.field] ?? p.field} must be ${max[1]} characters or fewer`;
    if (p.field === 'respondentAgencyIds' && p.message.includes('other than your own')) return 'Choose at least one agency other than your own';
    if (p.field === 'interimOwnerId' && p.message.includes('agencies in the dispute')) return 'The interim owner must work for one of the agencies in the dispute: choose someone there, or add their agency';
    return `${RAISE_LABELS[p.field] ?? p.field} ${p.message}`;
  };

  const summaryOf = (problems: FieldProblem[]) =>
    problems.length
      ? html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${problems.map((p) => html`<li>${(RAISE_FIELDS as readonly string[]).includes(p.field) ? html`<a href="#${fieldId(p.field)}">${raiseSentence(p)}</a>` : raiseSentence(p)}</li>`)}</ul>
</div>`
      : '';

  const personForm = (req: Request, res: Response, ref: string, problems: FieldProblem[] = []) =>
    page(
      { title: problems.length ? 'Error: Raise a dispute' : 'Raise a dispute', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  <p class="muted"><a href="/disputes">Disputes</a></p>
  ${summaryOf(problems)}
  <h1>Raise a dispute</h1>
  <p class="muted">When agencies disagree about who does a person’s next step. Care does not wait: someone carries the step on while the dispute runs, and it moves to service managers, then to partnership governance, if it is not agreed in time.</p>
  <form method="get" action="/disputes/new" class="dispute-form" novalidate>
    <div class="field${problems.length ? ' has-error' : ''}">
      <label for="${fieldId('participantLocalRef')}">Participant reference</label>
      <p class="hint">The person’s local reference. Only people in your care teams can be chosen.</p>
      ${problems.length ? html`<p class="field-error" id="${fieldId('participantLocalRef')}-error">${raiseSentence(problems[0]!)}</p>` : ''}
      <input type="text" id="${fieldId('participantLocalRef')}" name="participant" value="${ref}" maxlength="64" autocomplete="off"${problems.length ? html` aria-invalid="true" aria-describedby="${fieldId('participantLocalRef')}-error"` : ''}>
    </div>
    <div class="actions-row"><button type="submit">Continue</button> <a href="/disputes">Cancel</a></div>
  </form>
</section>`,
    );

  const raiseForm = (req: Request, res: Response, choices: Choices, values: Values, agencyIds: string[], problems: FieldProblem[] = []) => {
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => {
      const p = problemOf(name);
      return p ? html`<p class="field-error" id="${fieldId(name)}-error">${raiseSentence(p)}</p>` : '';
    };
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const textField = (name: string, hint: string, opts: { area?: boolean; max: number }) => html`<div class="field${problemOf(name) ? ' has-error' : ''}">
      <label for="${fieldId(name)}">${RAISE_LABELS[name]}</label>
      <p class="hint">${hint}</p>
      ${errorFor(name)}
      ${
        opts.area
          ? html`<textarea id="${fieldId(name)}" name="${name}" rows="4" maxlength="${opts.max}"${invalid(name)}>${values[name] ?? ''}</textarea>`
          : html`<input type="text" id="${fieldId(name)}" name="${name}" value="${values[name] ?? ''}" maxlength="${opts.max}" autocomplete="off"${invalid(name)}>`
      }
    </div>`;
    const byAgency = new Map<string, Choice[]>();
    for (const c of choices.people) byAgency.set(c.agencyName, [...(byAgency.get(c.agencyName) ?? []), c]);
    const p = choices.participant;
    return page(
      { title: `${problems.length ? 'Error: ' : ''}Raise a dispute about ${p.localRef}`, signedInAs: signedInAs(req, res) },
      html`<section class="card">
  <p class="muted"><a href="/disputes">Disputes</a> · <a href="/disputes/new">another person</a></p>
  ${summaryOf(problems)}
  <h1>Raise a dispute about ${p.localRef}</h1>
  <p class="muted">${p.displayName}. The representatives of each agency are told by email at once; stage 1 is for frontline leads.</p>
  <form method="post" action="/disputes/new" class="dispute-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <input type="hidden" name="participantLocalRef" value="${p.localRef}">
    <fieldset class="dispute-checks${problemOf('respondentAgencyIds') ? ' has-error' : ''}"${invalid('respondentAgencyIds')}>
      <legend>${RAISE_LABELS.respondentAgencyIds}</legend>
      <p class="hint">Your own agency is a party already. Agencies in ${p.localRef}’s care team come first.</p>
      ${errorFor('respondentAgencyIds')}
      ${choices.agencies.map(
        (a, i) => html`<div class="check"><input type="checkbox" id="${i === 0 ? fieldId('respondentAgencyIds') : `${fieldId('respondentAgencyIds')}-${i}`}" name="respondentAgencyIds" value="${a.id}"${agencyIds.includes(a.id) ? html` checked` : ''}>
        <label for="${i === 0 ? fieldId('respondentAgencyIds') : `${fieldId('respondentAgencyIds')}-${i}`}">${a.name}${a.inCareTeam ? html` <span class="muted">in the care team</span>` : ''}</label></div>`,
      )}
    </fieldset>
    <div class="field${problemOf('interimOwnerId') ? ' has-error' : ''}">
      <label for="${fieldId('interimOwnerId')}">${RAISE_LABELS.interimOwnerId} of the step</label>
      <p class="hint">Care does not wait for the dispute: this person carries the step on, records its progress every few working days and is reminded, until the dispute closes. Choose someone from ${p.localRef}’s care team at one of the agencies in the dispute.</p>
      ${errorFor('interimOwnerId')}
      <select id="${fieldId('interimOwnerId')}" name="interimOwnerId"${invalid('interimOwnerId')}>
        <option value="">Choose a person</option>
        ${[...byAgency].map(([agency, people]) => html`<optgroup label="${agency}">${people.map((c) => html`<option value="${c.id}"${values.interimOwnerId === c.id ? html` selected` : ''}>${c.name}</option>`)}</optgroup>`)}
      </select>
    </div>
    ${textField('subject', 'One line, for example “Who arranges the first home visit”. It names the dispute in emails, so keep clinical detail for the fields below.', { max: 200 })}
    ${textField('step', 'The person’s next step the agencies disagree about, for example “First home visit confirmed”.', { max: 300 })}
    ${textField('description', 'Each side’s view, in a few sentences.', { area: true, max: 2000 })}
    ${textField('outcomeSought', 'What your agency asks the others to agree to.', { area: true, max: 1000 })}
    <div class="actions-row"><button type="submit">Raise the dispute</button> <a href="/disputes">Cancel</a></div>
  </form>
</section>`,
    );
  };

  router.get('/disputes/new', web.requireSignedIn, async (req, res) => {
    const asked = typeof req.query.participant === 'string';
    const ref = asked ? String(req.query.participant).trim().slice(0, 64) : '';
    if (!ref) {
      // Sent empty: say so; opened afresh: the form alone.
      res
        .status(asked ? 400 : 200)
        .type('html')
        .send(personForm(req, res, '', asked ? [{ field: 'participantLocalRef', message: 'is required' }] : []));
      return;
    }
    try {
      const choices = await services.disputes.raiseChoices(callerOf(req.principal!), ref);
      res.type('html').send(raiseForm(req, res, choices, {}, []));
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
      // An unknown person and a person outside the caller's care teams read the same.
      res.status(400).type('html').send(personForm(req, res, ref, [{ field: 'participantLocalRef', message: err.userMessage }]));
    }
  });

  router.post('/disputes/new', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const caller = callerOf(req.principal!);
    const ref = text(form, 'participantLocalRef').trim().slice(0, 64);
    const values: Values = Object.fromEntries(['interimOwnerId', 'subject', 'step', 'description', 'outcomeSought'].map((n) => [n, text(form, n)])) as Values;
    const agencyIds = list(form, 'respondentAgencyIds');
    let choices: Choices;
    try {
      choices = await services.disputes.raiseChoices(caller, ref);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
      res.status(400).type('html').send(personForm(req, res, ref, [{ field: 'participantLocalRef', message: err.userMessage }]));
      return;
    }
    try {
      const { disputeId } = await services.disputes.raise(caller, { participantId: choices.participant.id, ...values, respondentAgencyIds: agencyIds });
      res.redirect(303, `${href(disputeId)}?done=raised`);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
      const problems = err.details.fields.map((p) => ({ ...p, field: p.field.replace(/\.\d+$/, '') }));
      problems.sort((a, b) => RAISE_FIELDS.indexOf(a.field as (typeof RAISE_FIELDS)[number]) - RAISE_FIELDS.indexOf(b.field as (typeof RAISE_FIELDS)[number]));
      res.status(400).type('html').send(raiseForm(req, res, choices, values, agencyIds, problems));
    }
  });

  // -------------------------------------------------------------------------------------------
  // One dispute.

  const doneNotice = (done: unknown, s: DisputeState): SafeHtml | '' => {
    if (done === 'raised') return html`<p class="notice" role="status">The dispute is raised. ${s.interimOwner.name} is told they carry “${s.step}” on meanwhile, and each agency’s representative is asked for its position.</p>`;
    if (typeof done !== 'string' || !Object.hasOwn(FORMS, done)) return '';
    if (done === 'accept' && s.status === 'resolved') return html`<p class="notice" role="status">Your acceptance is recorded: every party has accepted the same proposal, and the dispute is resolved.</p>`;
    return html`<p class="notice" role="status">${FORMS[done as DisputeAction].done}</p>`;
  };

  const participantName = async (s: DisputeState) => (await deps.db.participant.findUnique({ where: { id: s.participant.id }, select: { displayName: true } }))?.displayName;

  router.get('/disputes/:id', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const { state: s, may, agencies } = await services.disputes.view(caller, idOf(req));
    const at = now();
    const id = s.disputeId;
    if (s.status === 'open') res.set('Refresh', `${REFRESH_SECONDS}; url=${href(id)}`);
    const next = nextForYou(s, may, caller.agencyId, when);
    const actions: SafeHtml[] = [];
    if (may.governance) actions.push(html`<a class="button" href="${stepHref(id, 'decide')}">Record the decision</a>`);
    if (may.interimOwner) actions.push(html`<a class="button" href="${stepHref(id, 'progress')}">Record progress on the step</a>`);
    if (may.party) actions.push(html`<a class="button${actions.length ? ' secondary-plain' : ''}" href="${stepHref(id, 'position')}">State your agency’s position</a>`, html`<a class="button secondary-plain" href="${stepHref(id, 'propose')}">Propose a resolution</a>`);
    if (may.raiser) actions.push(html`<a class="button secondary" href="${stepHref(id, 'withdraw')}">Withdraw the dispute</a>`);
    res.type('html').send(
      page(
        { title: `Dispute: ${s.subject}`, signedInAs: signedInAs(req, res) },
        html`<section class="card dispute-head">
  <p class="muted"><a href="/disputes">Disputes</a> · participant ${s.participant.localRef}</p>
  <h1>${s.subject}</h1>
  ${doneNotice(req.query.done, s)}
  ${next ? html`<p class="notice next-for-you"><strong>For you:</strong> ${next}</p>` : ''}
  ${facts(s, at, when, agencies, { participantHref: `/participants/${encodeURIComponent(s.participant.id)}`, participantName: await participantName(s) })}
  ${actions.length ? html`<p class="actions">${actions}</p>` : ''}
  <p class="muted small">${s.status === 'open' ? `This page refreshes every ${REFRESH_SECONDS} seconds. ` : ''}Times are ${tz}.</p>
</section>
${outcomeSection(s, agencies, when)}
<section class="card">
  <h2>What it is about</h2>
  ${whatItIsAbout(s, when)}
</section>
<section class="card">
  <h2>Each party’s position</h2>
  ${positionsSideBySide(s, agencies, when, caller.agencyId)}
</section>
<section class="card" id="proposals">
  <h2>Proposals</h2>
  ${proposalsList(s, agencies, when, may.party ? (p) => answerButtons(s, p, caller.agencyId, (a, pid) => stepHref(id, a, pid)) : undefined)}
</section>
<section class="card" id="interim-step">
  <h2>The interim owner’s step</h2>
  ${interimSection(s, at, when, agencies)}
</section>
<section class="card">
  <h2>What has happened</h2>
  ${timeline(s, agencies, when)}
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // The steps: each a page of its own (GET shows, POST acts), never refreshed.

  async function stepPage(
    req: Request,
    res: Response,
    view: { state: DisputeState; may: DisputeAbilities; agencies: AgencyNames },
    action: DisputeAction,
    opts: { proposal?: DisputeProposal; values?: Record<string, string>; problems?: FieldProblem[]; other?: string } = {},
  ): Promise<string> {
    const s = view.state;
    const caller = callerOf(req.principal!);
    const def = FORMS[action];
    const blocked = whyNot(action, s, view.may, caller, when, opts.proposal);
    const action_ = stepHref(s.disputeId, action, opts.proposal?.id);
    const choices = FORMS[action].fields.some((f) => f.kind === 'carrier') ? await services.disputes.carryOnChoices(s) : [];
    const context =
      action === 'decide' || PARTY_ACTIONS.includes(action)
        ? html`<details class="context"${action === 'decide' ? html` open` : ''}><summary>Each party’s position</summary>${positionsSideBySide(s, view.agencies, when, caller.agencyId)}</details>`
        : '';
    const heading = stepHeading(action, opts.proposal?.id);
    const form =
      blocked && !opts.problems && !opts.other
        ? html`<p class="notice">${blocked.words}</p><p><a href="${href(s.disputeId)}">Back to the dispute</a></p>`
        : html`<form method="post" action="${action_}" class="dispute-form step-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    ${def.intro ? html`<p>${def.intro}</p>` : ''}
    ${formFields(action, s, opts.values ?? {}, opts.problems, choices)}
    <div class="actions-row"><button type="submit">${def.button}</button> <a href="${href(s.disputeId)}">Cancel</a></div>
  </form>`;
    return page(
      { title: opts.problems?.length || opts.other ? `Error: ${heading}` : heading, signedInAs: signedInAs(req, res) },
      html`<section class="card">
  <p class="muted"><a href="${href(s.disputeId)}">Back to the dispute</a></p>
  ${errorSummary(action, opts.problems, opts.other)}
  <h1>${heading}</h1>
  <p>Dispute about ${s.participant.localRef}: ${s.subject}. Step in dispute: ${s.step}.</p>
  ${stepDue(action, s, now(), when)}
  ${opts.proposal ? html`<ol class="proposals single">${proposalCard(s, opts.proposal, view.agencies, when)}</ol>` : ''}
  ${form}
</section>
${context ? html`<section class="card">${context}</section>` : ''}`,
    );
  }

  const proposalOf = (s: DisputeState, pid: string) => {
    const p = s.proposals.find((x) => x.id === pid);
    if (!p) throw new AppError('NOT_FOUND', `There is no proposal ${pid} on this dispute.`);
    return p;
  };

  const showStep = (action: DisputeAction, withProposal: boolean) => async (req: Request, res: Response) => {
    const caller = callerOf(req.principal!);
    const view = await services.disputes.view(caller, idOf(req));
    const proposal = withProposal ? proposalOf(view.state, String(req.params.pid)) : undefined;
    const blocked = whyNot(action, view.state, view.may, caller, when, proposal);
    res
      .status(blocked?.refused ? 403 : 200)
      .type('html')
      .send(await stepPage(req, res, view, action, { proposal }));
  };

  const takeStep = (action: DisputeAction, withProposal: boolean) => async (req: Request, res: Response) => {
    const caller = callerOf(req.principal!);
    const id = idOf(req);
    const values = formValues(action, (req.body ?? {}) as Record<string, unknown>);
    const pid = withProposal ? String(req.params.pid) : undefined;
    try {
      await services.disputes.takeAction(caller, id, action, serviceBody(action, values, pid), 'web');
    } catch (err) {
      if (!(err instanceof AppError) || !['INVALID_INPUT', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND'].includes(err.code)) throw err;
      const view = await services.disputes.view(caller, id);
      const proposal = pid ? proposalOf(view.state, pid) : undefined;
      const fields = err.code === 'INVALID_INPUT' ? err.details?.fields : undefined;
      // The workflow's refusal, said from where the dispute stands now.
      const other = fields ? undefined : (whyNot(action, view.state, view.may, caller, when, proposal)?.words ?? err.userMessage);
      res
        .status(err.status)
        .type('html')
        .send(await stepPage(req, res, view, action, { proposal, values, problems: fields, other }));
      return;
    }
    res.redirect(303, `${href(id)}?done=${action}${pid ? `#proposal-${pid}` : ''}`);
  };

  for (const action of DISPUTE_STEPS) {
    router.get(`/disputes/:id/${action}`, web.requireSignedIn, showStep(action, false));
    router.post(`/disputes/:id/${action}`, web.requireSignedIn, web.csrfProtection, takeStep(action, false));
  }
  for (const action of PROPOSAL_STEPS) {
    router.get(`/disputes/:id/proposals/:pid/${action}`, web.requireSignedIn, showStep(action, true));
    router.post(`/disputes/:id/proposals/:pid/${action}`, web.requireSignedIn, web.csrfProtection, takeStep(action, true));
  }

  return router;
}
