// The escalation pages for signed-in staff: the list of escalations a person works, one
// escalation's page (its cause, its tiers and their windows, its people and notes), the form that
// raises one, and the chair's steps each on a page of its own (take ownership, record the response
// action, record the outcome, confirm the outcome once the cause ended) and a note from the chair
// or a responder. The escalation service holds every rule; these pages turn forms into its calls
// and its answers into words.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { callerOf, type Caller } from '../sprints/service';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { formatInstant } from '../../domain/format';
import { withinDeadline } from '../../domain/on-time';
import { ESCALATION_POLICY, RISK_LEVELS, type EscalationPolicy, type EscalationState, type RiskLevel } from '../../domain/escalation';
import { relativeDue } from '../evidence/pages';
import { ESCALATION_TIER_ENTRY_WORDS, tierWords } from '../../domain/words';
import {
  causeEndedWords,
  causeOf,
  createEscalationList,
  escalationBadgeWords,
  escalationStatusWords,
  escalationTone,
  MAX_ROWS,
  TIER_NAME,
  triggerWords,
  type EscalationList,
  type EscalationListRow,
} from './list';

/** Seconds between refreshes of an unresolved escalation's page; form pages never refresh. */
const REFRESH_SECONDS = 30;
/** While careloop is still finding the chair, a quicker look. */
const SETTING_UP_REFRESH_SECONDS = 3;

type Step = 'acknowledge' | 'respond' | 'resolve' | 'confirm' | 'note';

/** Each step's page: its title, its one text field (if any), and what the service is called with. */
const STEPS: Record<Step, { title: string; button: string; field?: { name: string; label: string; noun: string; hint: string; missing: string }; done: string }> = {
  acknowledge: { title: 'Take ownership', button: 'I take ownership', done: 'You have taken ownership of this escalation.' },
  respond: {
    title: 'Record the response action',
    button: 'Record the response action',
    field: { name: 'responseAction', label: 'What response action was taken?', noun: 'The response action', hint: 'Who did what, and when. It goes into the escalation’s record and the evidence report.', missing: 'Say what response action was taken' },
    done: 'The response action is recorded. Record the outcome to resolve the escalation.',
  },
  resolve: {
    title: 'Record the outcome and resolve',
    button: 'Record the outcome and resolve',
    field: { name: 'outcome', label: 'What was the outcome?', noun: 'The outcome', hint: 'How things stand now for the person. The escalation is resolved once recorded.', missing: 'Say what the outcome was' },
    done: 'The outcome is recorded and the escalation is resolved.',
  },
  confirm: {
    title: 'Confirm the outcome',
    button: 'Confirm the outcome',
    field: { name: 'outcome', label: 'Outcome', noun: 'The outcome', hint: 'The cause has ended. Change the words if there is more to say; the escalation is resolved once confirmed.', missing: 'Say what the outcome was' },
    done: 'The outcome is confirmed and the escalation is resolved.',
  },
  note: {
    title: 'Add a note',
    button: 'Add the note',
    field: { name: 'text', label: 'Note', noun: 'The note', hint: 'Seen by the chair, the responders and the care team’s coordinators and managers.', missing: 'Write the note' },
    done: 'Your note is added.',
  },
};

const RAISE_FIELDS = ['participantLocalRef', 'riskLevel', 'trigger', 'description'] as const;
/** Each field as the subject of a sentence: "The trigger must be 200 characters or fewer". */
const RAISE_NOUNS: Record<string, string> = { participantLocalRef: 'The participant reference', riskLevel: 'The risk level', trigger: 'The trigger', description: 'The description' };

const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** "15 minutes", "1 hour", "24 hours", "3 days": a policy window in words. */
export function spanInWords(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms % 86_400_000 === 0 && ms >= 2 * 86_400_000) return plural(ms / 86_400_000, 'day');
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(Math.round(ms / 1000), 'second');
}

/** One risk level's promise, in words: who chairs it and its two windows (the working agreement's in force). */
function tierPromise(level: RiskLevel, policy: EscalationPolicy = ESCALATION_POLICY): string {
  const t = policy.tiers[level];
  const chair = t.chairRole === 'manager' ? 'A manager' : 'A coordinator';
  const next = t.next ? ` A missed window moves it up to ${tierWords(t.next)}.` : ' It is the top tier.';
  return `${chair} chairs it, takes ownership within ${spanInWords(t.acknowledgeWithinMs)} and records the response action within ${spanInWords(t.respondWithinMs)}.${next}`;
}

const text = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
};

/** May this viewer take the chair's steps? The chair, or an admin acting for them. */
const actsAsChair = (c: Caller, s: EscalationState) => s.chair.id === c.staffId || c.roles.includes('admin');
/** May this viewer add a note? The chair and responders (or an admin). */
const mayNote = (c: Caller, s: EscalationState) => actsAsChair(c, s) || s.responders.some((r) => r.id === c.staffId);

/** The chair's one next step, if any: after the cause ended, only confirming the outcome. */
function chairStep(s: EscalationState): Step | undefined {
  if (s.status === 'resolved') return undefined;
  if (s.causeResolvedAt) return 'confirm';
  return s.status === 'open' ? 'acknowledge' : s.status === 'acknowledged' ? 'respond' : 'resolve';
}

export function escalationPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const list = createEscalationList({ db: deps.db, now: deps.now });
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const idOf = (req: Request) => String(req.params.id);
  const href = (id: string) => `/escalations/${encodeURIComponent(id)}`;

  /** Why this viewer cannot take this step now, in words; undefined when they can. */
  function whyNot(step: Step, s: EscalationState, c: Caller): string | undefined {
    if (s.status === 'resolved') {
      const by = s.resolvedBy === 'cause' ? 'careloop, once its cause had ended' : (s.outcome?.by.name ?? 'its chair');
      return `This escalation was resolved by ${by}${s.resolvedAt ? ` on ${when(s.resolvedAt)}` : ''}. It can no longer change.`;
    }
    if (step === 'note') return mayNote(c, s) ? undefined : 'Only the chair and the responders of this escalation may add a note to it.';
    if (!actsAsChair(c, s)) return `${s.chair.name} chairs this escalation at ${tierWords(s.tier)}. Only they take its steps.`;
    switch (step) {
      case 'acknowledge':
        if (s.status !== 'open') return `${s.acknowledgement?.by.name ?? 'The chair'} already took ownership of this escalation${s.acknowledgement ? ` on ${when(s.acknowledgement.at)}` : ''}.`;
        return undefined;
      case 'respond':
        if (s.status === 'open') return 'Take ownership of the escalation first; then record the response action.';
        if (s.status === 'responded') return `${s.response?.by.name ?? 'The chair'} already recorded the response action. Record the outcome to resolve the escalation.`;
        return undefined;
      case 'resolve':
        if (s.status !== 'responded' && !s.causeResolvedAt) return s.status === 'open' ? 'Take ownership of the escalation and record the response action before the outcome.' : 'Record the response action before the outcome.';
        return undefined;
      case 'confirm':
        if (!s.causeResolvedAt) return 'The cause of this escalation has not ended, so there is no outcome to confirm yet.';
        return undefined;
    }
  }

  // -------------------------------------------------------------------------------------------
  // The list.

  const filterForm = (q: EscalationList['query']) => html`<form method="get" action="/escalations" class="filters" novalidate>
  <div><label for="filter-tier">Tier</label>
  <select id="filter-tier" name="tier"><option value="">Any tier</option>${[...RISK_LEVELS].reverse().map((l) => html`<option value="${l}"${q.tier === l ? html` selected` : ''}>${TIER_NAME[l]}</option>`)}</select></div>
  <div><label for="filter-status">Status</label>
  <select id="filter-status" name="status">${(
    [
      ['open', 'Not resolved'],
      ['resolved', 'Resolved'],
      ['all', 'All'],
    ] as const
  ).map(([v, label]) => html`<option value="${v}"${q.status === v ? html` selected` : ''}>${label}</option>`)}</select></div>
  <div><label for="filter-participant">Participant reference</label>
  <input type="text" id="filter-participant" name="participant" value="${q.participant ?? ''}" maxlength="64" autocomplete="off"></div>
  <div class="filter-buttons"><button type="submit">Filter</button> <a href="/escalations">Clear</a></div>
</form>`;

  const dueCell = (r: EscalationListRow, at: Date): SafeHtml => {
    if (r.status === 'resolved') return html`Resolved ${r.resolvedAt ? when(r.resolvedAt) : ''}`;
    if (r.causeResolvedAt) return html`<span class="muted">Cause ended ${when(r.causeResolvedAt)}</span>`;
    if (!r.nextDueAt) return html`<span class="muted">—</span>`;
    const what = r.status === 'open' ? 'Take ownership' : r.status === 'acknowledged' ? 'Response action' : 'Outcome';
    return html`${what} by ${when(r.nextDueAt)}<br><span class="${r.overdue ? 'overdue' : 'muted'}">${relativeDue(r.nextDueAt, at)}</span>`;
  };

  const ROLE_WORDS = { chair: 'you chair', responder: 'you respond', agency: 'your agency' } as const;

  const listTable = (l: EscalationList, at: Date) => html`<table class="escalations" id="escalations">
  <thead><tr><th>Participant</th><th>Escalation</th><th>Tier</th><th>Chair</th><th>Status</th><th>When</th></tr></thead>
  <tbody>${l.rows.map((r) => {
    const cause = causeOf(r.source);
    return html`<tr class="${r.overdue ? 'is-overdue' : ''}" data-escalation="${r.id}">
  <td data-label="Participant"><strong>${r.participant.localRef}</strong> <span class="muted">${r.participant.displayName}</span></td>
  <td data-label="Escalation"><a href="${href(r.id)}">${triggerWords(r.trigger)}</a><br><span class="muted">${cause.text}</span></td>
  <td data-label="Tier"><span class="badge risk-${r.tier}">${TIER_NAME[r.tier]}</span></td>
  <td data-label="Chair">${r.chair.name}<br><span class="muted role">${ROLE_WORDS[r.role]}</span></td>
  <td data-label="Status" class="status"><span class="badge tone-${escalationTone(r)}">${escalationBadgeWords(r)}</span>${r.status === 'resolved' && r.resolvedBy !== 'cause' ? '' : html` <span class="muted">${escalationStatusWords(r)}</span>`}</td>
  <td data-label="When">${dueCell(r, at)}</td>
</tr>`;
  })}</tbody>
</table>`;

  const FILTER_FIELDS = ['tier', 'status', 'participant'];
  /** A filter's problem as a sentence (an address edited by hand is the only way to one). */
  const filterSentence = (p: FieldProblem): string => {
    if (p.field === 'tier') return 'Choose a tier from the list';
    if (p.field === 'status') return 'Choose a status from the list';
    if (p.field === 'participant' && p.message.startsWith('must be at most')) return 'The participant reference must be 64 characters or fewer';
    if (p.field === 'participant') return 'The participant reference may hold only letters, digits and the characters - _ / .';
    return 'Check the filters and try again';
  };

  router.get('/escalations', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const at = now();
    let l: EscalationList;
    try {
      l = await list.list(caller, req.query);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
      // A hand-edited address: say which filter is wrong, and offer the form afresh.
      const problems = err.details.fields.map((p) => ({ field: p.field, message: filterSentence(p) }));
      const typed = typeof req.query.participant === 'string' ? req.query.participant.slice(0, 64) : undefined;
      res.status(400).type('html').send(
        page(
          { title: 'Error: Escalations', signedInAs: signedInAs(req, res) },
          html`<section class="card">
<div class="problem error-summary" role="alert" tabindex="-1"><h2>There is a problem with the filters</h2><ul>${problems.map((p) => html`<li>${FILTER_FIELDS.includes(p.field) ? html`<a href="#filter-${p.field}">${p.message}</a>` : p.message}</li>`)}</ul></div>
<h1>Escalations</h1>
${filterForm({ status: 'open', ...(typed ? { participant: typed } : {}) })}</section>`,
        ),
      );
      return;
    }
    const filtered = !!(l.query.tier || l.query.participant || l.query.status !== 'open');
    const scope = l.agencyWide ? 'Escalations you chair or respond to, and those chaired in your agency.' : 'Escalations you chair or respond to.';
    const empty = filtered
      ? html`<p class="notice">No escalations match these filters. <a href="/escalations?status=all">Show every escalation</a>.</p>`
      : html`<p class="notice">Nothing waiting on you: no unresolved escalation names you as its chair or a responder${l.agencyWide ? ', and none is chaired in your agency' : ''}.${' '}<a href="/escalations?status=resolved">Show resolved escalations</a>.</p>`;
    res.type('html').send(
      page(
        { title: 'Escalations', signedInAs: signedInAs(req, res), wide: true },
        html`<section class="card">
  <h1>Escalations</h1>
  <p class="muted">${scope} Overdue first. Times are ${tz}.</p>
  <p><a class="button" href="/escalations/new">Raise an escalation</a></p>
  ${filterForm(l.query)}
  ${l.rows.length ? listTable(l, at) : empty}
  ${l.truncated ? html`<p class="problem">Only the first ${MAX_ROWS} are shown: narrow the list with the filters.</p>` : ''}
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // Raising one.

  type Values = Record<string, string>;

  const raiseSentence = (p: FieldProblem): string => {
    if (p.field === 'participantLocalRef' && /^No /.test(p.message)) return p.message;
    if (p.field === 'participantLocalRef' && p.message.startsWith('is required')) return 'Enter the participant’s local reference';
    if (p.field === 'riskLevel') return 'Choose a risk level';
    if (p.field === 'trigger' && p.message.startsWith('is required')) return 'Say what triggered the escalation';
    // The reference's only other check is its length (zod's own words for it are not a sentence).
    if (p.field === 'participantLocalRef') return 'The participant reference must be 64 characters or fewer';
    const max = /^must be at most (\d+) characters/.exec(p.message);
    if (max) return `${RAISE_NOUNS[p.field] ?? 'The answer'} must be ${max[1]} characters or fewer`;
    if (/^(must|may) /.test(p.message)) return `${RAISE_NOUNS[p.field] ?? 'The answer'} ${p.message}`;
    return p.message.charAt(0).toUpperCase() + p.message.slice(1);
  };

  const raiseForm = (req: Request, res: Response, policy: EscalationPolicy, values: Values, problems: FieldProblem[] = []) => {
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => {
      const p = problemOf(name);
      return p ? html`<p class="field-error" id="${fieldId(name)}-error">${raiseSentence(p)}</p>` : '';
    };
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const summary = problems.length
      ? html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${problems.map((p) => html`<li>${(RAISE_FIELDS as readonly string[]).includes(p.field) ? html`<a href="#${fieldId(p.field)}">${raiseSentence(p)}</a>` : raiseSentence(p)}</li>`)}</ul>
</div>`
      : '';
    const levels = [...RISK_LEVELS].reverse();
    return page(
      { title: problems.length ? 'Error: Raise an escalation' : 'Raise an escalation', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  <p class="muted"><a href="/escalations">Escalations</a></p>
  ${summary}
  <h1>Raise an escalation</h1>
  <p class="muted">For a risk to a person that needs someone to take ownership within a set time. The tier’s chair is told by email straight away; if a window is missed the escalation moves up a tier.</p>
  <form method="post" action="/escalations/new" class="escalation-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <div class="field${problemOf('participantLocalRef') ? ' has-error' : ''}">
      <label for="${fieldId('participantLocalRef')}">Participant reference</label>
      <p class="hint">The person’s local reference, as on their sprint. Only people in your care teams can be chosen.</p>
      ${errorFor('participantLocalRef')}
      <input type="text" id="${fieldId('participantLocalRef')}" name="participantLocalRef" value="${values.participantLocalRef ?? ''}" maxlength="64" autocomplete="off"${invalid('participantLocalRef')}>
    </div>
    <fieldset class="radios${problemOf('riskLevel') ? ' has-error' : ''}"${invalid('riskLevel')}>
      <legend>Risk level</legend>
      ${errorFor('riskLevel')}
      ${levels.map(
        (l, i) => html`<div class="radio">
        <input type="radio" id="${i === 0 ? fieldId('riskLevel') : `${fieldId('riskLevel')}-${l}`}" name="riskLevel" value="${l}"${values.riskLevel === l ? html` checked` : ''}>
        <label for="${i === 0 ? fieldId('riskLevel') : `${fieldId('riskLevel')}-${l}`}">${TIER_NAME[l]}: ${policy.tiers[l].label.toLowerCase()}</label>
        <p class="hint">${tierPromise(l, policy)}</p>
      </div>`,
      )}
    </fieldset>
    <div class="field${problemOf('trigger') ? ' has-error' : ''}">
      <label for="${fieldId('trigger')}">What triggered it</label>
      <p class="hint">One line, for example “Two missed home care visits”. It names the escalation in emails, so keep clinical detail for the description, which stays in careloop.</p>
      ${errorFor('trigger')}
      <input type="text" id="${fieldId('trigger')}" name="trigger" value="${values.trigger ?? ''}" maxlength="200" autocomplete="off"${invalid('trigger')}>
    </div>
    <div class="field${problemOf('description') ? ' has-error' : ''}">
      <label for="${fieldId('description')}">Description (optional)</label>
      <p class="hint">What is known so far and what has been tried.</p>
      ${errorFor('description')}
      <textarea id="${fieldId('description')}" name="description" rows="4" maxlength="2000"${invalid('description')}>${values.description ?? ''}</textarea>
    </div>
    <p><button type="submit">Raise the escalation</button></p>
  </form>
</section>`,
    );
  };

  router.get('/escalations/new', web.requireSignedIn, async (req, res) => {
    const participant = typeof req.query.participant === 'string' ? req.query.participant.slice(0, 64) : '';
    res.type('html').send(raiseForm(req, res, await services.escalations.policyInForce(), { participantLocalRef: participant }));
  });

  router.post('/escalations/new', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const values: Values = Object.fromEntries(RAISE_FIELDS.map((n) => [n, text(form, n)]));
    const body = {
      // An empty reference goes on as missing, so the service still checks every other field at once.
      ...(values.participantLocalRef!.trim() ? { participantLocalRef: values.participantLocalRef } : {}),
      ...(values.riskLevel ? { riskLevel: values.riskLevel } : {}),
      trigger: values.trigger,
      description: values.description,
    };
    try {
      const { escalationId } = await services.escalations.raise(callerOf(req.principal!), body);
      res.redirect(303, `${href(escalationId)}?done=raised`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      let problems: FieldProblem[];
      if (err.code === 'INVALID_INPUT' && err.details?.fields) {
        problems = err.details.fields.map((p) => (p.field === 'participantId' ? { ...p, field: 'participantLocalRef' } : p));
        // The service asks for a person only once the other fields parse: the form says it at once.
        if (!values.participantLocalRef!.trim() && !problems.some((p) => p.field === 'participantLocalRef')) problems.push({ field: 'participantLocalRef', message: 'is required' });
      } else if (err.code === 'NOT_FOUND') {
        // An unknown person and a person outside the caller's care teams read the same.
        problems = [{ field: 'participantLocalRef', message: err.userMessage }];
      } else throw err;
      problems.sort((a, b) => RAISE_FIELDS.indexOf(a.field as (typeof RAISE_FIELDS)[number]) - RAISE_FIELDS.indexOf(b.field as (typeof RAISE_FIELDS)[number]));
      // A form with problems to fix is a 400, whichever check found them.
      res.status(400).type('html').send(raiseForm(req, res, await services.escalations.policyInForce(), values, problems));
    }
  });

  // -------------------------------------------------------------------------------------------
  // One escalation.

  /** Whether a window of a tier was met, in words, with a class for its mark. */
  type Mark = { cls: 'met' | 'missed' | 'late' | 'due' | 'overdue' | 'skipped'; words: string };

  function tierMarks(s: EscalationState, i: number, at: Date): { acknowledge: Mark; respond: Mark } {
    const tier = s.tiers[i]!;
    const last = i === s.tiers.length - 1;
    const next = s.tiers[i + 1];
    if (!last && next) {
      const promotedAt = tier.leftAt ?? next.enteredAt;
      if (next.entry === 'acknowledgement-missed') {
        return { acknowledge: { cls: 'missed', words: `Missed: moved up to ${tierWords(next.tier)} on ${when(promotedAt)}` }, respond: { cls: 'skipped', words: 'Not reached' } };
      }
      return { acknowledge: { cls: 'met', words: 'Taken' }, respond: { cls: 'missed', words: `Missed: moved up to ${tierWords(next.tier)} on ${when(promotedAt)}` } };
    }
    const open = (dueAt: string): Mark => {
      if (s.status === 'resolved' || s.causeResolvedAt) return { cls: 'skipped', words: s.causeResolvedAt ? 'Not needed: the cause ended' : 'Not taken' };
      return withinDeadline(at.toISOString(), dueAt) ? { cls: 'due', words: `Due ${relativeDue(dueAt, at)}` } : { cls: 'overdue', words: `Overdue by ${relativeDue(dueAt, at).replace(/^overdue by /, '')}` };
    };
    const done = (step: { at: string; by: { name: string }; onTime: boolean }, verb: string): Mark => ({
      cls: step.onTime ? 'met' : 'late',
      words: `${step.onTime ? 'Met' : 'Late'}: ${verb} by ${step.by.name} on ${when(step.at)}`,
    });
    const ack = s.acknowledgement && s.acknowledgement.tier === tier.tier ? done(s.acknowledgement, 'taken') : open(tier.acknowledgeDueAt);
    const resp = s.response && s.response.tier === tier.tier ? done(s.response, 'recorded') : open(tier.respondDueAt);
    return { acknowledge: ack, respond: resp };
  }

  const tierHistory = (s: EscalationState, at: Date, agencies: Map<string, string>) => html`<ol class="tier-history">${s.tiers.map((t, i) => {
    const marks = tierMarks(s, i, at);
    const policy = ESCALATION_POLICY.tiers[t.tier];
    return html`<li class="tier">
  <p class="tier-head"><span class="badge risk-${t.tier}">${TIER_NAME[t.tier]}</span> <strong>${policy.label}</strong></p>
  <p class="muted">${ESCALATION_TIER_ENTRY_WORDS[t.entry]}, ${when(t.enteredAt)}. Chair: ${t.chair.name}${agencies.get(t.chair.agencyId) ? `, ${agencies.get(t.chair.agencyId)}` : ''}.</p>
  <ul class="windows">
    <li class="mark-${marks.acknowledge.cls}"><span class="window">Take ownership by ${when(t.acknowledgeDueAt)}</span> <span class="verdict">${marks.acknowledge.words}</span></li>
    <li class="mark-${marks.respond.cls}"><span class="window">Record the response action by ${when(t.respondDueAt)}</span> <span class="verdict">${marks.respond.words}</span></li>
  </ul>
</li>`;
  })}${
    s.outcome
      ? html`<li class="tier outcome mark-${s.outcome.onTime ? 'met' : 'late'}"><p class="tier-head"><strong>Resolved</strong> ${when(s.outcome.at)}</p>
  <p class="verdict">${s.resolvedBy === 'cause' ? 'Recorded by careloop once the cause had ended and nobody confirmed the outcome in time' : `Recorded by ${s.outcome.by.name}`}; ${s.outcome.onTime ? 'within the response window' : 'after the response window'}.</p></li>`
      : ''
  }</ol>`;

  const DONE_KEYS = ['raised', ...Object.keys(STEPS)] as const;
  const doneNotice = (done: unknown, s: EscalationState): SafeHtml | '' => {
    if (typeof done !== 'string' || !(DONE_KEYS as readonly string[]).includes(done)) return '';
    if (done === 'raised') return html`<p class="notice" role="status">The escalation is raised. Its chair is told by email and must take ownership by ${when(s.acknowledgeDueAt)}.</p>`;
    const step = STEPS[done as Step];
    const extra = done === 'acknowledge' && s.status === 'acknowledged' ? ` Record the response action by ${when(s.respondDueAt)}.` : '';
    return html`<p class="notice" role="status">${step.done}${extra}</p>`;
  };

  /** Whether the workflow has found its chair and written its first record; until then no step is taken. */
  const settingUp = async (id: string) => !(await deps.db.escalation.findUnique({ where: { id }, select: { id: true } }));

  router.get('/escalations/:id', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const s = await services.escalations.get(caller, idOf(req));
    const at = now();
    const starting = s.status !== 'resolved' && (await settingUp(s.escalationId));
    const [participant, agencies] = await Promise.all([
      deps.db.participant.findUnique({ where: { id: s.participant.id }, select: { displayName: true } }),
      services.sprints.agencyNames([...new Set([s.chair.agencyId, ...s.responders.map((r) => r.agencyId), ...s.tiers.map((t) => t.chair.agencyId)])]),
    ]);
    // Live while unresolved, back to the bare URL so a one-off notice does not repeat.
    if (s.status !== 'resolved') res.set('Refresh', `${starting ? SETTING_UP_REFRESH_SECONDS : REFRESH_SECONDS}; url=${href(s.escalationId)}`);
    const cause = causeOf(s.source);
    const step = starting ? undefined : chairStep(s);
    const mayStep = step && actsAsChair(caller, s);
    const noteAllowed = !starting && s.status !== 'resolved' && mayNote(caller, s);
    const overdue = s.status !== 'resolved' && !s.causeResolvedAt && !withinDeadline(at.toISOString(), s.status === 'open' ? s.acknowledgeDueAt : s.respondDueAt);
    const statusWords = escalationStatusWords(s);
    const agencyOf = (a: string) => (agencies.get(a) ? html`<br><span class="muted">${agencies.get(a)}</span>` : '');

    res.type('html').send(
      page(
        { title: `Escalation ${s.participant.localRef}`, signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <p class="muted"><a href="/escalations">Escalations</a> · participant ${s.participant.localRef}</p>
  <h1><span class="badge risk-${s.tier}">${TIER_NAME[s.tier]}</span> ${triggerWords(s.trigger)}</h1>
  ${doneNotice(req.query.done, s)}
  ${s.overdueAtTopTier && s.status !== 'resolved' && !s.causeResolvedAt ? html`<p class="problem">A window has passed at ${tierWords(s.tier)}, and there is no higher tier. ${s.chair.name} has been told to act now.</p>` : ''}
  ${starting ? html`<p class="notice">careloop is finding the chair of this escalation. This page looks again in a few seconds.</p>` : ''}
  ${
    s.causeResolvedAt && s.status !== 'resolved'
      ? html`<div class="notice cause-ended"><p><strong>The cause has ended:</strong> ${causeEndedWords(s.causeResolvedReason)} (${when(s.causeResolvedAt)}).</p>
  <p>The escalation no longer moves up. ${s.causeGraceEndsAt ? `Unless the chair confirms the outcome, careloop records it automatically on ${when(s.causeGraceEndsAt)} as “Cause resolved”.` : 'The chair confirms the outcome.'}</p></div>`
      : ''
  }
  <dl class="facts">
    <div><dt>Status</dt><dd><span id="escalation-status">${statusWords}</span>${overdue ? html` <span class="badge tone-overdue">Overdue</span>` : ''}</dd></div>
    <div><dt>Participant</dt><dd><a href="/participants/${encodeURIComponent(s.participant.id)}">${s.participant.localRef}</a>${participant?.displayName ? html` <span class="muted">${participant.displayName}</span>` : ''}</dd></div>
    <div><dt>${s.status === 'resolved' ? 'Tier' : 'Tier now'}</dt><dd>${TIER_NAME[s.tier]}: ${ESCALATION_POLICY.tiers[s.tier].label.toLowerCase()}</dd></div>
    <div><dt>Chair</dt><dd>${s.chair.name}</dd></div>
    ${
      s.status === 'resolved' || s.causeResolvedAt
        ? ''
        : s.status === 'open'
          ? html`<div><dt>Take ownership by</dt><dd>${when(s.acknowledgeDueAt)}</dd></div>`
          : html`<div><dt>${s.status === 'acknowledged' ? 'Response action by' : 'Outcome by'}</dt><dd>${when(s.respondDueAt)}</dd></div>`
    }
  </dl>
  ${
    mayStep && step
      ? html`<p class="actions"><a class="button" href="${href(s.escalationId)}/${step}">${step === 'acknowledge' ? 'Take ownership' : STEPS[step].title}</a>${noteAllowed ? html` <a href="${href(s.escalationId)}/note">Add a note</a>` : ''}</p>`
      : noteAllowed
        ? html`<p class="actions"><a class="button secondary-plain" href="${href(s.escalationId)}/note">Add a note</a></p>`
        : ''
  }
  ${step && !mayStep && s.status !== 'resolved' ? html`<p class="muted">${s.chair.name} chairs this escalation and takes its steps.</p>` : ''}
  <p class="muted">${s.status !== 'resolved' ? `This page refreshes every ${REFRESH_SECONDS} seconds. ` : ''}Times are ${tz}.</p>
</section>
<section class="card">
  <h2>What happened</h2>
  <dl class="record">
    <dt>Trigger</dt><dd>${triggerWords(s.trigger)}</dd>
    <dt>Cause</dt><dd>${cause.href ? html`<a href="${cause.href}">${cause.text}</a>` : cause.text}</dd>
    ${s.description ? html`<dt>Description</dt><dd>${s.description}</dd>` : ''}
    <dt>Raised</dt><dd>${when(s.raisedAt)}${s.raisedBy ? ` by ${s.raisedBy.name}` : s.source.process !== 'manual' ? ' by careloop' : ''}</dd>
    ${s.response ? html`<dt>Response action</dt><dd>${s.response.action}<br><span class="muted">${s.response.by.name}, ${when(s.response.at)}</span></dd>` : ''}
    ${s.outcome ? html`<dt>Outcome</dt><dd>${s.outcome.outcome}<br><span class="muted">${s.resolvedBy === 'cause' ? 'careloop' : s.outcome.by.name}, ${when(s.outcome.at)}</span></dd>` : ''}
  </dl>
</section>
<section class="card">
  <h2>Tiers and their windows</h2>
  ${tierHistory(s, at, agencies)}
</section>
<section class="card">
  <h2>People</h2>
  <dl class="record">
    <dt>Chair</dt><dd>${s.chair.name}${agencyOf(s.chair.agencyId)}</dd>
    <dt>Responders</dt><dd>${s.responders.length ? html`<ul class="people">${s.responders.map((r) => html`<li>${r.name}${agencyOf(r.agencyId)}</li>`)}</ul>` : html`<span class="muted">None named at this tier.</span>`}</dd>
  </dl>
</section>
<section class="card">
  <h2>Notes</h2>
  ${s.notes.length ? html`<ol class="timeline notes">${s.notes.map((n) => html`<li><time datetime="${n.at}">${when(n.at)}</time> <strong>${n.by.name}</strong>: ${n.text}</li>`)}</ol>` : html`<p class="muted">No notes yet.</p>`}
  ${noteAllowed ? html`<p><a href="${href(s.escalationId)}/note">Add a note</a></p>` : ''}
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // The steps: each a page of its own (GET shows, POST acts), never refreshed.

  const stepPage = (req: Request, res: Response, s: EscalationState, step: Step, value: string, problem?: { message: string; field: boolean }) => {
    const def = STEPS[step];
    const field = def.field;
    const blocked = whyNot(step, s, callerOf(req.principal!));
    const fid = field ? fieldId(field.name) : '';
    const summary = problem
      ? html`<div class="problem error-summary" role="alert" tabindex="-1"><h2>There is a problem</h2><ul><li>${problem.field && field ? html`<a href="#${fid}">${problem.message}</a>` : problem.message}</li></ul></div>`
      : '';
    const what = html`<p>${TIER_NAME[s.tier]} escalation for participant ${s.participant.localRef}: ${triggerWords(s.trigger)}.</p>`;
    const due =
      step === 'acknowledge'
        ? html`<p class="muted">You chair it at ${tierWords(s.tier)}. Taking ownership is due by ${when(s.acknowledgeDueAt)}; the response action by ${when(s.respondDueAt)}.</p>`
        : step === 'respond'
          ? html`<p class="muted">Due by ${when(s.respondDueAt)}.</p>`
          : step === 'confirm' && s.causeResolvedAt
            ? html`<p class="muted">The cause ended: ${causeEndedWords(s.causeResolvedReason)} (${when(s.causeResolvedAt)}).${s.causeGraceEndsAt ? ` If nobody confirms it, careloop records the outcome on ${when(s.causeGraceEndsAt)}.` : ''}</p>`
            : '';
    const form =
      blocked && !problem
        ? html`<p class="notice">${blocked}</p><p><a href="${href(s.escalationId)}">Back to the escalation</a></p>`
        : html`<form method="post" action="${href(s.escalationId)}/${step}" class="step-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    ${
      field
        ? html`<div class="field${problem?.field ? ' has-error' : ''}">
      <label for="${fid}">${field.label}</label>
      <p class="hint">${field.hint}</p>
      ${problem?.field ? html`<p class="field-error" id="${fid}-error">${problem.message}</p>` : ''}
      <textarea id="${fid}" name="${field.name}" rows="5" maxlength="2000"${problem?.field ? html` aria-invalid="true" aria-describedby="${fid}-error"` : ''}>${value}</textarea>
    </div>`
        : html`<p>You take ownership: you will record the response action and then the outcome. The record shows you took it now.</p>`
    }
    <div class="actions-row"><button type="submit">${def.button}</button> <a href="${href(s.escalationId)}">Cancel</a></div>
  </form>`;
    return page(
      { title: problem ? `Error: ${def.title}` : def.title, signedInAs: signedInAs(req, res) },
      html`<section class="card">
  <p class="muted"><a href="${href(s.escalationId)}">Back to the escalation</a></p>
  ${summary}
  <h1>${def.title}</h1>
  ${what}
  ${due}
  ${form}
</section>`,
    );
  };

  /** A step field's problem as a sentence: "Say what the outcome was", "The note must be 2000 characters or fewer". */
  const fieldSentence = (field: NonNullable<(typeof STEPS)[Step]['field']>, message: string): string => {
    if (message.startsWith('is required')) return field.missing;
    const max = /must be at most (\d+) characters/.exec(message);
    if (max) return `${field.noun} must be ${max[1]} characters or fewer`;
    return `${field.noun} ${message}`;
  };

  /** What the confirm page starts with: the outcome careloop would record, in words. */
  const confirmText = (s: EscalationState) => `Cause resolved: ${causeEndedWords(s.causeResolvedReason)}`;

  async function callStep(caller: Caller, id: string, step: Step, value: string) {
    const e = services.escalations;
    switch (step) {
      case 'acknowledge':
        return e.acknowledge(caller, id, {}, 'web');
      case 'respond':
        return e.respond(caller, id, { responseAction: value }, 'web');
      case 'resolve':
      case 'confirm':
        return e.resolve(caller, id, { outcome: value }, 'web');
      case 'note':
        return e.addNote(caller, id, { text: value }, 'web');
    }
  }

  for (const step of Object.keys(STEPS) as Step[]) {
    router.get(`/escalations/:id/${step}`, web.requireSignedIn, async (req, res) => {
      const caller = callerOf(req.principal!);
      const s = await services.escalations.get(caller, idOf(req));
      // Someone this step is not for is refused in words (403), with the same page's look; a
      // step that is not due yet, or no longer, is explained (200).
      const notTheirs = s.status !== 'resolved' && (step === 'note' ? !mayNote(caller, s) : !actsAsChair(caller, s));
      res
        .status(notTheirs ? 403 : 200)
        .type('html')
        .send(stepPage(req, res, s, step, step === 'confirm' ? confirmText(s) : ''));
    });

    router.post(`/escalations/:id/${step}`, web.requireSignedIn, web.csrfProtection, async (req, res) => {
      const caller = callerOf(req.principal!);
      const id = idOf(req);
      const def = STEPS[step];
      const value = def.field ? text((req.body ?? {}) as Record<string, unknown>, def.field.name) : '';
      try {
        await callStep(caller, id, step, value);
      } catch (err) {
        if (!(err instanceof AppError) || !['INVALID_INPUT', 'CONFLICT', 'FORBIDDEN'].includes(err.code)) throw err;
        const s = await services.escalations.get(caller, id);
        const fieldProblem = err.code === 'INVALID_INPUT' ? err.details?.fields?.[0] : undefined;
        const problem = fieldProblem
          ? { field: true, message: fieldSentence(def.field!, fieldProblem.message) }
          : // The workflow's refusal, said from where the escalation stands now.
            { field: false, message: whyNot(step, s, caller) ?? err.userMessage };
        res.status(err.status).type('html').send(stepPage(req, res, s, step, value, problem));
        return;
      }
      res.redirect(303, `${href(id)}?done=${step}`);
    });
  }

  return router;
}
