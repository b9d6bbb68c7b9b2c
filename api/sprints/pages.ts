// The coordinator's pages for the post-discharge sprint: a form that starts one, and the live
// page that shows who owes what by when. The sprint service holds every rule; these pages
// translate a form into the API's body and the workflow's state into HTML.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { allowWith, createAccess } from '../access';
import { actsForSprint, callerOf, type OwnerGroup } from './service';
import { formatInstant, instantToZonedLocal, zonedLocalToInstant } from '../../domain/format';
import { SPRINT_TEMPLATE, type SprintState, type SprintStatus, type TaskState } from '../../domain/sprint';
import { EVENT_LABEL, SPRINT_STATUS, sprintPicture, taskTone, TONE_LABEL, type Tone } from './present';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import type { LiveEscalation } from '../escalations/service';
import { escalationStatusWords, TIER_NAME } from '../escalations/list';
import { SPRINT_STATUS_WORDS, taskStatusWords } from '../../domain/words';
import { actionWords } from '../people/audit-words';

/** Seconds between refreshes of an open sprint's page: live without any script. */
const REFRESH_SECONDS = 15;

const DAYS = [...new Set(SPRINT_TEMPLATE.map((t) => t.day))];
const DAY_DUE_HOURS = Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.day, t.dueOffsetMs / 3_600_000]));

/** The form's inputs are named after the API's field paths, so each problem finds its input. */
const TIMING_FIELDS = [
  ...DAYS.map((day) => ({ name: `timing.dueOffsets.${day}`, label: `Day ${day} tasks due after discharge`, placeholder: `PT${DAY_DUE_HOURS[day]}H` })),
  { name: 'timing.reminderLead', label: 'Reminder lead (before each due time)', placeholder: 'PT4H' },
];

const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;

// ---------------------------------------------------------------------------------------------

type FormValues = Record<string, string>;

export function sprintPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const whenPrecise = (iso: string) =>
    new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: tz }).format(new Date(iso));
  const signedInAs = (req: Request, res: Response) => {
    const who = req.principal!;
    return { name: who.name, email: who.email, csrfToken: web.csrfToken(req, res) };
  };

  const coordinators = allowWith('Only coordinators can start a sprint.', 'coordinator');

  const staffGroups = () => services.sprints.ownerChoices();

  const taskTitleOf = (field: string) => SPRINT_TEMPLATE.find((t) => `owners.${t.key}` === field)?.title ?? field.slice('owners.'.length);
  const labelFor = (field: string): string => {
    if (field === 'participant.localRef') return 'Local reference';
    if (field === 'participant.displayName') return 'Name';
    if (field === 'dischargeAt') return 'Discharge time';
    if (field.startsWith('owners.')) return `The owner of “${taskTitleOf(field)}”`;
    return TIMING_FIELDS.find((f) => f.name === field)?.label ?? field;
  };
  /** What to do when a field is empty, as GOV.UK words it: "Enter …", "Choose …". */
  const missingWords: Record<string, string> = {
    'participant.localRef': 'Enter the participant’s local reference',
    'participant.displayName': 'Enter the participant’s name',
    dischargeAt: 'Enter the discharge date and time',
  };
  /** zod says "is required"; a person reads "Enter the participant’s local reference". */
  const sentence = (p: FieldProblem): string => {
    const required = p.message === 'is required' || p.message.startsWith('is required:');
    if (p.field.startsWith('owners.') && required) return `Choose who owns “${taskTitleOf(p.field)}”`;
    if (p.field.startsWith('owners.') && p.message === 'is not an active staff member') return `Choose who owns “${taskTitleOf(p.field)}” from the list: the person chosen is not an active staff member`;
    if (required && missingWords[p.field]) return missingWords[p.field]!;
    const atMost = /^must be at most (\d+) characters$/.exec(p.message);
    if (atMost) return `${labelFor(p.field)} must be ${atMost[1]} characters or fewer`;
    if (/^(is|must|may) /.test(p.message)) return `${labelFor(p.field)} ${p.message}`;
    return p.message.charAt(0).toUpperCase() + p.message.slice(1);
  };

  const startForm = (req: Request, res: Response, groups: OwnerGroup[], values: FormValues, problems: FieldProblem[] = []): string => {
    const known = new Set(['participant.localRef', 'participant.displayName', 'dischargeAt', ...SPRINT_TEMPLATE.map((t) => `owners.${t.key}`), ...TIMING_FIELDS.map((f) => f.name)]);
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => {
      const p = problemOf(name);
      return p ? html`<p class="field-error" id="${fieldId(name)}-error"><span class="visually-hidden">Error:</span> ${sentence(p)}</p>` : '';
    };
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const textInput = (name: string, label: string, opts: { hint?: string; maxlength?: number; placeholder?: string; autocomplete?: string } = {}) => html`<div class="field${problemOf(name) ? ' has-error' : ''}">
  <label for="${fieldId(name)}">${label}</label>
  ${opts.hint ? html`<p class="hint">${opts.hint}</p>` : ''}
  ${errorFor(name)}
  <input type="text" id="${fieldId(name)}" name="${name}" value="${values[name] ?? ''}"${opts.maxlength ? html` maxlength="${opts.maxlength}"` : ''}${opts.placeholder ? html` placeholder="${opts.placeholder}"` : ''} autocomplete="${opts.autocomplete ?? 'off'}"${invalid(name)}>
</div>`;
    const ownerSelect = (key: string, title: string) => {
      const name = `owners.${key}`;
      const chosen = values[name] ?? '';
      return html`<div class="owner${problemOf(name) ? ' has-error' : ''}">
  <label for="${fieldId(name)}">${title}</label>
  <div>${errorFor(name)}
  <select id="${fieldId(name)}" name="${name}"${invalid(name)}>
    <option value="">Choose an owner…</option>
    ${groups.map(
      (g) => html`<optgroup label="${g.agency}">${g.staff.map((s) => html`<option value="${s.id}"${s.id === chosen ? html` selected` : ''}>${s.name}</option>`)}</optgroup>`,
    )}
  </select></div>
</div>`;
    };
    const timingOpen = TIMING_FIELDS.some((f) => values[f.name] || problemOf(f.name));
    const summary = problems.length
      ? html`<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul>${problems.map((p) => html`<li>${known.has(p.field) ? html`<a href="#${fieldId(p.field)}">${sentence(p)}</a>` : sentence(p)}</li>`)}</ul>
</div>`
      : '';
    return page(
      { title: problems.length ? 'Error: Start a sprint' : 'Start a sprint', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  ${summary}
  <p class="muted"><a href="/sprints">Sprints</a></p>
  <h1>Start a post-discharge sprint</h1>
  <p class="muted">Ten tasks over the 72 hours after discharge, each with one named owner. Owners get an email with a link per task, a reminder before it is due, and an escalation when it slips.</p>
  <form method="post" action="/sprints/new" class="sprint-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <fieldset>
      <legend>Participant</legend>
      ${textInput('participant.localRef', 'Local reference', { hint: 'Your case or record number. Letters, digits and - _ / . only.', maxlength: 64 })}
      ${textInput('participant.displayName', 'Name', { hint: 'How staff will recognise the person on this page. Emails carry only the local reference.', maxlength: 120 })}
    </fieldset>
    <fieldset>
      <legend>Discharge</legend>
      <div class="field${problemOf('dischargeAt') ? ' has-error' : ''}">
        <label for="${fieldId('dischargeAt')}">Discharge date and time</label>
        <p class="hint">In ${tz} time. Deadlines count from here.</p>
        ${errorFor('dischargeAt')}
        <input type="datetime-local" id="${fieldId('dischargeAt')}" name="dischargeAt" value="${values.dischargeAt ?? ''}"${invalid('dischargeAt')}>
      </div>
    </fieldset>
    <fieldset class="owners">
      <legend>Owners</legend>
      <p class="hint">One named person per task. Staff are grouped by agency.</p>
      ${DAYS.map(
        (day) => html`<div class="day">
        <h3>Day ${day} <span class="muted">· due ${DAY_DUE_HOURS[day]} hours after discharge</span></h3>
        ${SPRINT_TEMPLATE.filter((t) => t.day === day).map((t) => ownerSelect(t.key, t.title))}
      </div>`,
      )}
    </fieldset>
    <details class="timing"${timingOpen ? html` open` : ''}>
      <summary>Timing (for tests, demos and pilots)</summary>
      <fieldset>
        <legend>Timing (for tests, demos and pilots)</legend>
        <p class="hint">Leave empty for the standard 24, 48 and 72 hours and a 4-hour reminder. ISO-8601 durations such as PT1M, PT90S, PT2H or P1D. For a demo in minutes: PT1M, PT2M, PT3M and PT20S.</p>
        ${TIMING_FIELDS.map((f) => textInput(f.name, f.label, { placeholder: f.placeholder, maxlength: 20 }))}
      </fieldset>
    </details>
    <p><button type="submit">Start the sprint</button></p>
  </form>
</section>`,
    );
  };

  const text = (body: Record<string, unknown>, name: string): string => {
    const v = body[name];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
    return '';
  };

  router.get('/sprints/new', web.requireSignedIn, coordinators, async (req, res) => {
    const values: FormValues = { dischargeAt: instantToZonedLocal(now(), tz) };
    // From a person's page (?participant=<reference>): the person filled in, if they are in the caller's care teams.
    const ref = typeof req.query.participant === 'string' ? req.query.participant.trim().slice(0, 64) : '';
    if (ref) {
      const known = await createAccess({ db: deps.db }).requireParticipant(callerOf(req.principal!), { localRef: ref }, 'care-team', { log: 'sprint-form' }).catch(() => undefined);
      Object.assign(values, { 'participant.localRef': ref, ...(known ? { 'participant.displayName': known.displayName } : {}) });
    }
    res.type('html').send(startForm(req, res, await staffGroups(), values));
  });

  router.post('/sprints/new', web.requireSignedIn, web.csrfProtection, coordinators, async (req, res) => {
    const who = req.principal!;
    const form = (req.body ?? {}) as Record<string, unknown>;
    const names = ['participant.localRef', 'participant.displayName', 'dischargeAt', ...SPRINT_TEMPLATE.map((t) => `owners.${t.key}`), ...TIMING_FIELDS.map((f) => f.name)];
    const values: FormValues = Object.fromEntries(names.map((n) => [n, text(form, n)]));

    const discharge = zonedLocalToInstant(values.dischargeAt ?? '', tz);
    const dueOffsets = Object.fromEntries(DAYS.map((day) => [day, values[`timing.dueOffsets.${day}`]!.trim()]).filter(([, v]) => v));
    const reminderLead = values['timing.reminderLead']!.trim();
    const timing = {
      ...(Object.keys(dueOffsets).length ? { dueOffsets } : {}),
      ...(reminderLead ? { reminderLead } : {}),
    };
    const body = {
      participant: { localRef: values['participant.localRef'], displayName: values['participant.displayName'] },
      // An unreadable time goes on as '', so the service still checks every other field at once.
      dischargeAt: 'instant' in discharge ? discharge.instant.toISOString() : '',
      owners: Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.key, values[`owners.${t.key}`]])),
      ...(Object.keys(timing).length ? { timing } : {}),
    };
    try {
      const { sprintId, created } = await services.sprints.start(callerOf(who), body);
      res.redirect(303, `/sprints/${encodeURIComponent(sprintId)}${created ? '' : '?existing=1'}`);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
      // The form chose the format of the time; its problem is said in the form's words.
      const problems = err.details.fields.map((p) => (p.field === 'dischargeAt' && 'problem' in discharge ? { field: p.field, message: discharge.problem } : p));
      res.status(400).type('html').send(startForm(req, res, await staffGroups(), values, problems));
    }
  });

  router.get('/sprints', web.requireSignedIn, async (req, res) => {
    const who = req.principal!;
    const sprints = await services.sprints.listCoordinated(callerOf(who));
    const isCoordinator = who.roles.includes('coordinator');
    res.type('html').send(
      page(
        { title: 'Sprints', signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <h1>Sprints you coordinate</h1>
  ${isCoordinator ? html`<p><a class="button" href="/sprints/new">Start a sprint</a></p>` : ''}
  ${
    sprints.length
      ? html`<table>
    <thead><tr><th>Participant</th><th>Discharge</th><th>Closes</th><th>Status</th></tr></thead>
    <tbody>${sprints.map((s) => {
      const st = SPRINT_STATUS[s.status as SprintStatus] ?? { label: 'Unknown status', tone: 'open' as Tone };
      return html`<tr><td><a href="/sprints/${s.id}">${s.participant.localRef}</a> <span class="muted">${s.participant.displayName}</span></td><td>${when(s.dischargeAt.toISOString())}</td><td>${when(s.closesAt.toISOString())}</td><td><span class="badge tone-${st.tone}">${st.label}</span></td></tr>`;
    })}</tbody>
  </table>`
      : html`<p class="muted">No sprints yet.</p>`
  }
</section>`,
      ),
    );
  });

  router.get('/sprints/:id', web.requireSignedIn, async (req, res) => {
    const who = req.principal!;
    const state = await services.sprints.get(callerOf(who), String(req.params.id));
    const agencyIds = [...new Set([state.coordinator.agencyId, ...state.tasks.map((t) => t.owner.agencyId)])];
    const agencies = await services.sprints.agencyNames(agencyIds);
    const title = (key: string | undefined) => state.tasks.find((t) => t.key === key)?.title ?? key ?? '';
    const mayCancel = state.status === 'open' && actsForSprint(callerOf(who), state);
    const sprintStatus = SPRINT_STATUS[state.status];
    const ended = state.tasks.filter((t) => t.status !== 'requested').length;
    const overdue = state.tasks.filter((t) => t.overdue && t.status === 'requested').length;
    const live = state.status === 'open';
    // Refresh as a header: the layout's <head> is shared, and the header needs no script.
    // Back to the bare URL, so a one-off notice (?existing=1) does not repeat on every refresh.
    if (live) res.set('Refresh', `${REFRESH_SECONDS}; url=/sprints/${encodeURIComponent(state.sprintId)}`);

    // Whether each escalation's cause has ended, and who resolved it, from its record.
    const escalationRows = new Map(
      (
        await deps.db.escalation.findMany({
          where: { id: { in: state.escalations.flatMap((e) => (e.workflowId ? [e.workflowId] : [])) } },
          select: { id: true, causeResolvedAt: true, resolvedBy: true },
        })
      ).map((r) => [r.id, r]),
    );
    /** An escalation the sprint raised: its tier, where it stands and its chair, in words. */
    const sprintEscalationStatus = (e: SprintState['escalations'][number]): SafeHtml => {
      const live = (e as { live?: LiveEscalation }).live;
      if (e.status === 'recorded' || !live) return html`<span class="muted">Recorded before escalations had their own page</span>`;
      if (live.status === 'unavailable') return html`<span class="muted">Status unavailable right now</span>`;
      const row = e.workflowId ? escalationRows.get(e.workflowId) : undefined;
      const words = escalationStatusWords({ status: live.status, causeResolvedAt: row?.causeResolvedAt?.toISOString(), resolvedBy: row?.resolvedBy });
      return html`${live.tier ? html`<span class="badge risk-${live.tier}">${TIER_NAME[live.tier]}</span> ` : ''}${words}${live.chair ? html`<br><span class="muted">Chair: ${live.chair.name}</span>` : ''}`;
    };

    const taskRow = (t: TaskState) => {
      const tone = taskTone(t);
      return html`<tr class="task tone-${tone}" data-task="${t.key}">
  <td>${t.day}</td>
  <td>${t.title}${t.notes.length ? html`<ul class="notes">${t.notes.map((n) => html`<li>${n.text} <span class="muted">${n.by.name}, ${whenPrecise(n.at)}</span></li>`)}</ul>` : ''}</td>
  <td>${t.owner.name}<br><span class="muted">${agencies.get(t.owner.agencyId) ?? ''}</span></td>
  <td>${when(t.dueAt)}</td>
  <td><span class="badge tone-${tone}">${TONE_LABEL[tone]}</span>
    ${t.reminded && tone !== 'reminded' ? html`<span class="flag">reminded</span>` : ''}${t.overdue && tone !== 'overdue' ? html`<span class="flag overdue">late</span>` : ''}
    ${t.status === 'cancelled' && t.statusReason === 'sprint-cancelled' ? '' : t.status !== 'requested' && taskStatusWords(t.status, t.statusReason) !== TONE_LABEL[tone] ? html`<br><span class="muted">${taskStatusWords(t.status, t.statusReason)}</span>` : ''}
    ${t.reason && t.statusReason !== 'sprint-cancelled' ? html`<br><span class="muted">Why: ${t.reason}</span>` : ''}${t.managedHow ? html`<br><span class="muted">Managed: ${t.managedHow}</span>` : ''}${t.note ? html`<br><span class="muted">Note: ${t.note}</span>` : ''}
  </td>
  <td>${t.endedAt ? html`${t.endedBy ? html`${t.endedBy.name}<br>` : ''}<span class="muted">${whenPrecise(t.endedAt)}</span>` : html`<span class="muted">—</span>`}</td>
</tr>`;
    };

    res.type('html').send(
      page(
        { title: `Sprint ${state.participant.localRef}`, signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <p class="muted"><a href="/sprints">Sprints</a> · post-discharge sprint</p>
  <h1><a href="/participants/${encodeURIComponent(state.participant.id)}">${state.participant.localRef} · ${state.participant.displayName}</a></h1>
  ${req.query.existing ? html`<p class="notice">A sprint for this participant and discharge time already existed, so nothing new was started. This is that sprint.</p>` : ''}
  ${req.query.cancelled ? html`<p class="notice">The sprint is cancelled. Owners' links no longer work.</p>` : ''}
  <dl class="facts">
    <div><dt>Status</dt><dd><span class="badge tone-${sprintStatus.tone}" id="sprint-status">${sprintStatus.label}</span></dd></div>
    <div><dt>Discharge</dt><dd>${when(state.dischargeAt)}</dd></div>
    <div><dt>${state.closedAt ? 'Closed' : 'Closes'}</dt><dd>${when(state.closedAt ?? state.closesAt)}</dd></div>
    <div><dt>Coordinator</dt><dd>${state.coordinator.name}</dd></div>
    <div><dt>Tasks</dt><dd>${ended} of ${state.tasks.length} ended${overdue ? html` · <strong class="overdue">${overdue} overdue</strong>` : ''}</dd></div>
  </dl>
  ${state.cancelReason ? html`<p class="problem">Cancelled: ${state.cancelReason}</p>` : ''}
  ${sprintPicture(state, now(), when)}
  <p class="muted">${live ? `This page refreshes every ${REFRESH_SECONDS} seconds while the sprint is open. ` : ''}Times are ${tz}.</p>
  ${mayCancel ? html`<p><a class="button secondary" href="/sprints/${state.sprintId}/cancel">Cancel this sprint…</a></p>` : ''}
</section>
<section class="card">
  <h2>Tasks</h2>
  <table class="tasks">
    <thead><tr><th>Day</th><th>Task</th><th>Owner</th><th>Due</th><th>Status</th><th>Ended</th></tr></thead>
    <tbody>${state.tasks.map(taskRow)}</tbody>
  </table>
</section>
<section class="card">
  <h2>Escalations</h2>
  ${
    state.escalations.length
      ? html`<table class="sprint-escalations"><thead><tr><th>Raised</th><th>Task</th><th>Why</th><th>Status</th></tr></thead><tbody>${state.escalations.map(
          (e) =>
            html`<tr><td data-label="Raised">${whenPrecise(e.raisedAt)}</td><td data-label="Task">${e.workflowId ? html`<a href="/escalations/${encodeURIComponent(e.workflowId)}">${title(e.taskKey)}</a>` : title(e.taskKey)}</td><td data-label="Why">${e.reason}</td><td data-label="Status">${sprintEscalationStatus(e)}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="muted">None.</p>`
  }
  <p><a class="button" href="/escalations/new?participant=${encodeURIComponent(state.participant.localRef)}">Raise an escalation</a></p>
</section>
<section class="card">
  <h2>Timeline</h2>
  <ol class="timeline">${state.timeline.map(
    (e) => html`<li><time datetime="${e.at}">${whenPrecise(e.at)}</time> <strong>${EVENT_LABEL[e.type] ?? actionWords(e.type)}</strong>${e.taskKey ? html` · ${title(e.taskKey)}` : ''}${e.actor ? html` · by ${e.actor}` : ''}${
      e.detail && e.type !== 'sprint.started' ? html` <span class="muted">— ${e.type === 'sprint.closed' ? (SPRINT_STATUS_WORDS[e.detail as SprintStatus] ?? 'Closed') : e.detail}</span>` : ''
    }</li>`,
  )}</ol>
</section>`,
      ),
    );
  });

  // Cancelling has a page of its own: the live page refreshes and would wipe a half-typed reason.
  const cancelForm = (req: Request, res: Response, state: SprintState, reason = '', problem?: string) =>
    page(
      { title: problem ? 'Error: Cancel the sprint' : 'Cancel the sprint', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  ${
    problem
      ? html`<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul><li><a href="#cancel-reason">${problem}</a></li></ul>
</div>`
      : ''
  }
  <p class="muted"><a href="/sprints/${state.sprintId}">Back to the sprint</a></p>
  <h1>Cancel the sprint for ${state.participant.localRef}?</h1>
  <p>Every open task is cancelled, owners' links stop working, and the reason goes into the audit trail.</p>
  <form method="post" action="/sprints/${state.sprintId}/cancel" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <div class="field${problem ? ' has-error' : ''}">
    <label for="cancel-reason">Why is the sprint cancelled?</label>
    ${problem ? html`<p class="field-error" id="cancel-reason-error"><span class="visually-hidden">Error:</span> ${problem}</p>` : ''}
    <textarea id="cancel-reason" name="reason" rows="3"${problem ? html` aria-invalid="true" aria-describedby="cancel-reason-error"` : ''}>${reason}</textarea>
    </div>
    <p><button type="submit" class="danger">Cancel the sprint</button></p>
  </form>
</section>`,
    );

  router.get('/sprints/:id/cancel', web.requireSignedIn, async (req, res) => {
    const who = req.principal!;
    const state = await services.sprints.get(callerOf(who), String(req.params.id));
    if (!actsForSprint(callerOf(who), state)) throw new AppError('FORBIDDEN', "Only the sprint's coordinator may cancel it.");
    if (state.status !== 'open') return res.redirect(303, `/sprints/${encodeURIComponent(state.sprintId)}`);
    res.type('html').send(cancelForm(req, res, state));
  });

  router.post('/sprints/:id/cancel', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const who = req.principal!;
    const id = String(req.params.id);
    const reason = text((req.body ?? {}) as Record<string, unknown>, 'reason');
    try {
      await services.sprints.cancel(callerOf(who), id, { reason });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT')) throw err;
      const state = await services.sprints.get(callerOf(who), id);
      const problem = reason.trim().length > 2000 ? 'The reason must be 2000 characters or fewer' : 'Enter why the sprint is cancelled';
      res.status(400).type('html').send(cancelForm(req, res, state, reason, problem));
      return;
    }
    res.redirect(303, `/sprints/${encodeURIComponent(id)}?cancelled=1`);
  });

  return router;
}
