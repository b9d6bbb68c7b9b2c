// The huddle pages for signed-in staff: the agency's huddles (and "start one now"), one huddle's
// page (the roster as it stood, attendance, decisions, each with its owner and when follow-up is
// due, and the forms that record them), and the managers' page that sets the agency's huddle
// schedule. The huddle service holds every rule; these pages turn forms into its calls and its
// answers into words.
import { Router, type Request, type Response } from 'express';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { allowWith } from '../access';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { callerOf } from '../sprints/service';
import type { RosterRow } from '../evidence/roster';
import { formatInstant, instantToZonedLocal } from '../../domain/format';
import { daysAsText, type HuddleStatus } from '../../domain/huddle';
import { HUDDLE_STATUS_WORDS, PLAN_RISK_FLAG_WORDS, processWords } from '../../domain/words';
import { TIER_NAME } from '../escalations/list';
import { huddleServiceOf, type HuddleDecisionView, type HuddleView } from './service';
import { decisionBadge, decisionEndWords, endDecisionForms, errorSummary, fieldError, fieldId, valueOf, type FormState } from './view';
import type { HuddleScheduleView } from './schedules';

/** Seconds between refreshes of an open huddle's page while nobody is typing in it: only when it has no form. */
const PREPARING_REFRESH_SECONDS = 2;

const STATUS_TONE: Record<HuddleStatus, string> = { preparing: 'open', open: 'open', 'following-up': 'reminded', closed: 'done' };

/** Coordinators and managers run their agency's huddles; admins any. */
const leads = allowWith('Huddles are for coordinators, managers and admins.', 'coordinator', 'manager', 'admin');
/** Schedules are set by managers (their agency's) and admins. */
const managers = allowWith('Huddle schedules are set by managers and admins.', 'manager', 'admin');

const text = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
};

export function huddlePages(deps: AppDeps, _services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const huddles = huddleServiceOf(deps);
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const href = (id: string) => `/huddles/${encodeURIComponent(id)}`;
  const idOf = (req: Request) => String(req.params.id);
  const oversees = (roles: readonly string[]) => roles.includes('manager') || roles.includes('admin');

  // -------------------------------------------------------------------------------------------
  // The list.

  const scheduleLine = (s: HuddleScheduleView | undefined, mayEdit: boolean): SafeHtml =>
    s
      ? html`<p>${s.agency.name}’s huddle meets <strong>${s.words}</strong>.${s.paused ? html` <span class="badge tone-reminded">Paused</span>` : s.next[0] ? html` Next: ${when(s.next[0])}.` : ''}${mayEdit ? html` <a href="/huddles/schedules">Change the schedule</a>` : ''}</p>`
      : html`<p class="muted">Your agency has no huddle schedule yet.${mayEdit ? html` <a href="/huddles/schedules">Set its time and days</a>.` : ' A manager sets its time and days.'}</p>`;

  router.get('/huddles', web.requireSignedIn, leads, async (req, res) => {
    const caller = callerOf(req.principal!);
    const [rows, agency] = await Promise.all([huddles.list(caller), deps.db.agency.findUniqueOrThrow({ where: { id: caller.agencyId }, select: { id: true, key: true, name: true } })]);
    const schedule = await huddles.schedules.describe(agency);
    const admin = caller.roles.includes('admin');
    const started = req.query.started === '1';
    res.type('html').send(
      page(
        { title: 'Huddles', signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <h1>Huddles</h1>
  ${started ? html`<p class="notice" role="status">The huddle has started: its roster is being prepared.</p>` : ''}
  ${scheduleLine(schedule, oversees(caller.roles))}
  <form method="post" action="/huddles/start" class="inline" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <p><button type="submit">Start a huddle now</button></p>
    <p class="hint">Captures the roster as it stands and emails your agency’s coordinators and managers a link to the huddle.</p>
  </form>
  <p class="small-links"><a href="/roster">The live roster</a>${oversees(caller.roles) ? html` · <a href="/huddles/schedules">Huddle schedules</a> · <a href="/reports/timeliness">Evidence report</a>` : ''}</p>
</section>
<section class="card">
  <h2>${admin ? 'Recent huddles' : `${agency.name}’s recent huddles`}</h2>
  ${
    rows.length
      ? html`<ul class="hub-list" id="huddles">${rows.map(
          (r) => html`<li class="${r.decisionsOverdue ? 'is-overdue' : ''}" data-huddle="${r.id}">
  <a href="${href(r.id)}"><strong>${when(r.startedAt)}</strong></a>${admin ? html` <span class="muted">${r.agency.name}</span>` : ''}<br>
  <span class="badge tone-${STATUS_TONE[r.status]}">${HUDDLE_STATUS_WORDS[r.status]}</span>
  <span class="muted">${r.invited ? `${r.invitedAttended} of ${r.invited} asked attended` : 'Nobody was asked'}${r.othersAttended ? `, ${r.othersAttended} other${r.othersAttended === 1 ? '' : 's'} joined` : ''} · ${r.decisions} decision${r.decisions === 1 ? '' : 's'}${r.decisionsOpen ? `, ${r.decisionsOpen} open` : ''}</span>
  ${r.decisionsOverdue ? html`<span class="badge tone-overdue">${r.decisionsOverdue} overdue</span>` : ''}
</li>`,
        )}</ul>`
      : html`<p class="muted">No huddles yet.</p>`
  }
</section>`,
      ),
    );
  });

  router.post('/huddles/start', web.requireSignedIn, leads, web.csrfProtection, async (req, res) => {
    const { huddleId } = await huddles.startNow(callerOf(req.principal!));
    res.redirect(303, `${href(huddleId)}?done=started`);
  });

  // -------------------------------------------------------------------------------------------
  // The schedules (before /huddles/:id, which would otherwise take "schedules" for an id).

  const schedulesPage = async (req: Request, res: Response, state: FormState & { agencyId?: string } = {}, status = 200, notice?: string) => {
    const caller = callerOf(req.principal!);
    const { schedules } = await huddles.listSchedules(caller);
    const csrf = web.csrfToken(req, res);
    const cards = schedules.map((s) => {
      const a = s.agency;
      const form = `schedule-${a.key}`;
      const mine = state.agencyId === a.id;
      const st: FormState = mine ? state : {};
      const at = fieldError(st, form, 'at');
      const days = fieldError(st, form, 'days');
      const current = 'none' in s ? undefined : s;
      const hidden = html`<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="agency" value="${a.id}">`;
      return html`<section class="card" id="agency-${a.key}">
  <h2>${a.name}</h2>
  ${
    current
      ? html`<p>Meets <strong>${current.words}</strong>. ${current.paused ? html`<span class="badge tone-reminded">Paused</span>${current.note ? html` <span class="muted">${current.note}</span>` : ''}` : current.next.length ? html`<span class="muted">Next: ${current.next.map((n) => when(n)).join('; ')}</span>` : ''}</p>
  ${current.recent.length ? html`<p class="small">Started lately: ${current.recent.map((r, i) => html`${i ? ', ' : ''}<a href="${href(r.workflowId)}">${when(r.at)}</a>`)}</p>` : ''}`
      : html`<p class="muted">No huddle schedule yet.</p>`
  }
  <form method="post" action="/huddles/schedules" novalidate>
    ${hidden}
    <div class="field${at.box}">
      <label for="${fieldId(form, 'at')}">Time</label>
      <p class="hint">On the 24-hour clock in ${tz}, for example 09:30.</p>
      ${at.error}
      <input type="text" id="${fieldId(form, 'at')}" name="at" inputmode="numeric" autocomplete="off" maxlength="5" value="${mine ? valueOf(st, form, 'at') : (current?.time ?? '09:30')}"${at.attrs}>
    </div>
    <div class="field${days.box}">
      <label for="${fieldId(form, 'days')}">Days</label>
      <p class="hint">For example mon-fri, or mon,wed,fri, or daily.</p>
      ${days.error}
      <input type="text" id="${fieldId(form, 'days')}" name="days" autocomplete="off" maxlength="60" value="${mine ? valueOf(st, form, 'days') : current ? daysAsText(current.days) : 'mon-fri'}"${days.attrs}>
    </div>
    <p><button type="submit">${current ? 'Change the schedule' : 'Set the schedule'}</button></p>
  </form>
  ${
    current
      ? html`<div class="actions-row">
    <form method="post" action="/huddles/schedules/${current.paused ? 'resume' : 'pause'}">${hidden}<button type="submit" class="secondary">${current.paused ? 'Resume the schedule' : 'Pause the schedule'}</button></form>
    <form method="post" action="/huddles/schedules/delete">${hidden}<button type="submit" class="danger">Delete the schedule</button></form>
  </div>
  <p class="hint">Pausing or deleting stops new huddles starting; huddles already started carry on until their decisions are closed.</p>`
      : ''
  }
</section>`;
    });
    res
      .status(status)
      .type('html')
      .send(
        page(
          { title: state.problems?.length ? 'Error: Huddle schedules' : 'Huddle schedules', signedInAs: signedInAs(req, res) },
          html`<section class="card">
  <p class="muted"><a href="/huddles">Huddles</a></p>
  ${state.form ? errorSummary(state, (field) => fieldId(state.form!, field)) : ''}
  <h1>Huddle schedules</h1>
  <p>At its time careloop captures the agency’s roster as it stands and emails the agency’s coordinators and managers a link to the huddle.</p>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
</section>
${cards}`,
        ),
      );
  };

  router.get('/huddles/schedules', web.requireSignedIn, managers, async (req, res) => {
    const done = typeof req.query.done === 'string' ? req.query.done : '';
    const NOTICES: Record<string, string> = {
      created: 'The schedule is set: the next huddle starts at its time.',
      changed: 'The schedule is changed: the next huddle starts at the new time.',
      paused: 'The schedule is paused: no huddle starts until it is resumed.',
      resumed: 'The schedule is resumed.',
      deleted: 'The schedule is deleted: no more huddles start. Huddles already started carry on.',
    };
    await schedulesPage(req, res, {}, 200, NOTICES[done]);
  });

  router.post('/huddles/schedules', web.requireSignedIn, managers, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const body = { agency: text(req.body, 'agency') || undefined, at: text(req.body, 'at'), days: text(req.body, 'days') };
    try {
      const { created } = await huddles.setSchedule(caller, body);
      res.redirect(303, `/huddles/schedules?done=${created ? 'created' : 'changed'}`);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
      const agencyId = body.agency && caller.roles.includes('admin') ? body.agency : caller.agencyId;
      const agency = await deps.db.agency.findFirst({ where: { OR: [{ id: agencyId }, { key: agencyId }] }, select: { id: true, key: true } });
      await schedulesPage(req, res, { form: `schedule-${agency?.key ?? ''}`, agencyId: agency?.id, problems: err.details.fields, values: { at: body.at, days: body.days } }, 400);
    }
  });

  for (const change of ['pause', 'resume', 'delete'] as const) {
    router.post(`/huddles/schedules/${change}`, web.requireSignedIn, managers, web.csrfProtection, async (req, res) => {
      await huddles.changeSchedule(callerOf(req.principal!), text(req.body, 'agency') || undefined, change);
      res.redirect(303, `/huddles/schedules?done=${change === 'pause' ? 'paused' : change === 'resume' ? 'resumed' : 'deleted'}`);
    });
  }

  // -------------------------------------------------------------------------------------------
  // One huddle.

  const flagBadges = (r: RosterRow): SafeHtml => {
    const f = r.flags;
    const tiers = (['acute', 'high', 'moderate', 'low'] as const).filter((t) => f.escalations[t] > 0);
    return html`${tiers.map((t) => html`<span class="badge risk-${t}">${f.escalations[t]} ${TIER_NAME[t].toLowerCase()} escalation${f.escalations[t] > 1 ? 's' : ''}</span>`)}${
      f.overdue ? html`<span class="badge tone-overdue">${f.overdue} overdue</span>` : ''
    }${(f.planRisks ?? []).map((p) => html`<span class="badge tone-reminded">${PLAN_RISK_FLAG_WORDS[p]}</span>`)}${f.recentDischargeAt ? html`<span class="badge tone-open">Discharged ${when(f.recentDischargeAt)}</span>` : ''}${
      f.unacknowledgedPlanChanges ? html`<span class="badge tone-reminded">Plan change unacknowledged</span>` : ''
    }${f.openDisputes ? html`<span class="badge tone-refused">Dispute open</span>` : ''}`;
  };

  /** The flags on a line of their own, when there are any. */
  const flagBadgesLine = (r: RosterRow): SafeHtml | '' => {
    const badges = flagBadges(r);
    return badges.value.trim() ? html`<br>${badges}` : '';
  };

  const rosterList = (v: HuddleView): SafeHtml => {
    const rows = v.roster.rows;
    const item = (i: RosterRow['items'][number]) =>
      html`${i.action} <span class="muted">(${processWords(i.process)}${i.owner ? `, ${i.owner.name}` : ''}${i.dueAt ? `, due ${when(i.dueAt)}` : ''})</span>${i.overdue ? html` <span class="badge tone-overdue">Overdue</span>` : ''}`;
    return html`${v.rosterProblem ? html`<p class="problem">careloop could not read the open work when it prepared this huddle. See <a href="/roster">the live roster</a> instead.</p>` : ''}
${
  rows.length
    ? html`<ul class="hub-list roster-list" id="roster">${rows.map(
        (r, n) => html`<li class="${r.flags.overdue ? 'is-overdue' : ''}" data-participant="${r.participant.localRef}">
  ${n + 1}. <a href="/participants/${encodeURIComponent(r.participant.id)}"><strong>${r.participant.localRef}</strong></a> <span class="muted">${r.participant.displayName}</span>
  ${flagBadgesLine(r)}
  ${r.next ? html`<br>Next: ${item(r.next)}` : html`<br><span class="muted">No open work: the plan’s risk flags put this person on the roster.</span>`}
  ${r.items.length > 1 ? html`<details><summary>${r.items.length - 1} more open</summary><ul class="more">${r.items.slice(1).map((i) => html`<li>${item(i)}</li>`)}</ul></details>` : ''}
</li>`,
      )}</ul>`
    : v.rosterProblem
      ? ''
      : html`<p class="muted">Nobody was on the roster: no open work or plan risk flags among the agency’s people.</p>`
}
${v.rosterHidden ? html`<p class="muted">${v.rosterHidden} more ${v.rosterHidden === 1 ? 'person is' : 'people are'} on this roster outside your care teams.</p>` : ''}`;
  };

  type StaffChoice = Awaited<ReturnType<typeof huddles.staffChoices>>[number];
  const byAgency = (staff: StaffChoice[]) => {
    const groups = new Map<string, { name: string; people: StaffChoice[] }>();
    for (const s of staff) (groups.get(s.agency.id) ?? groups.set(s.agency.id, { name: s.agency.name, people: [] }).get(s.agency.id)!).people.push(s);
    return [...groups.values()];
  };

  const attendanceSection = (v: HuddleView, csrf: string, staff: StaffChoice[], state: FormState): SafeHtml => {
    const asked = v.attendance.filter((a) => a.invited);
    const joined = v.attendance.filter((a) => !a.invited && a.attended).length;
    const summary = html`<p class="muted">${asked.length ? `${asked.filter((a) => a.attended).length} of the ${asked.length} asked attended` : 'Nobody was asked'}${joined ? `, and ${joined} other${joined === 1 ? '' : 's'}` : ''}.</p>`;
    if (!v.mayTakeNotes) {
      return html`${summary}<ul class="people">${v.attendance.map((a) => html`<li>${a.attended ? '✓ ' : ''}${a.staff.name} <span class="muted">${a.staff.agencyName}${a.invited ? '' : ', joined on the day'}${a.attended ? '' : ', did not attend'}</span></li>`)}</ul>`;
    }
    const listed = new Set(v.attendance.map((a) => a.staff.id));
    const others = byAgency(staff.filter((s) => !listed.has(s.id)));
    const add = fieldError(state, 'add-attendee', 'staffId');
    return html`${summary}
<form method="post" action="${href(v.id)}/attendance" novalidate>
  <input type="hidden" name="_csrf" value="${csrf}">
  <fieldset class="checkboxes">
    <legend>Who attended?</legend>
    ${v.attendance.length ? '' : html`<p class="hint">Nobody was asked: the agency has no coordinators or managers. Add who attended below.</p>`}
    ${v.attendance.map(
      (a, i) => html`<div class="checkbox">
      <input type="checkbox" id="${fieldId('attendance', String(i))}" name="attended" value="${a.staff.id}"${a.attended ? html` checked` : ''}>
      <label for="${fieldId('attendance', String(i))}">${a.staff.name} <span class="muted">${a.staff.agencyName}${a.invited ? '' : ', joined on the day'}</span></label>
    </div>`,
    )}
  </fieldset>
  <p><button type="submit">Save attendance</button></p>
</form>
<form method="post" action="${href(v.id)}/attendance/add" novalidate>
  <input type="hidden" name="_csrf" value="${csrf}">
  <div class="field${add.box}">
    <label for="${fieldId('add-attendee', 'staffId')}">Someone else who attended</label>
    <p class="hint">From another agency, say. They are recorded as attended.</p>
    ${add.error}
    <select id="${fieldId('add-attendee', 'staffId')}" name="staffId"${add.attrs}><option value="">Choose a person</option>${others.map((g) => html`<optgroup label="${g.name}">${g.people.map((s) => html`<option value="${s.id}">${s.name}</option>`)}</optgroup>`)}</select>
  </div>
  <p><button type="submit" class="secondary">Add as attended</button></p>
</form>`;
  };

  // Whoever opens the page runs the huddle (its agency's coordinators and managers, admins): they
  // may record any open decision's follow-up, for its owner.
  const decisionItem = (v: HuddleView, d: HuddleDecisionView, csrf: string, state: FormState): SafeHtml => {
    const form = `end-${d.key}`;
    const mayRecord = d.status === 'open';
    const open = state.form?.startsWith(form);
    return html`<li id="${d.key}" class="${d.status === 'open' && d.overdue ? 'is-overdue' : ''}">
  <p><strong>${d.number}. ${d.text}</strong></p>
  <p>${decisionBadge(d)} ${d.participant ? html`About <a href="/participants/${encodeURIComponent(d.participant.id)}">${d.participant.localRef}</a> · ` : html`<span class="muted">About a person outside your care teams</span> · `}Owner: ${d.owner.name} <span class="muted">${d.owner.agencyName}</span> · follow-up due ${when(d.dueAt)}</p>
  <p class="muted small">Recorded by ${d.decidedBy}, ${when(d.decidedAt)}.${d.escalationId ? html` Follow-up was missed: <a href="/escalations/${encodeURIComponent(d.escalationId)}">the escalation</a>.` : ''}</p>
  ${d.status !== 'open' ? html`<p class="notice">${decisionEndWords(d, when)}</p>` : ''}
  ${mayRecord ? html`<details${open ? html` open` : ''}><summary>Record the follow-up</summary>${endDecisionForms({ action: `${href(v.id)}/decisions/${d.key}`, csrf, form, state })}</details>` : ''}
</li>`;
  };

  const decisionForm = (v: HuddleView, csrf: string, staff: StaffChoice[], state: FormState): SafeHtml => {
    const form = 'decision';
    const f = (field: string) => fieldError(state, form, field);
    const [who, ref, words, owner, due] = [f('participant'), f('participantRef'), f('text'), f('ownerId'), f('due')];
    const chosen = valueOf(state, form, 'participant');
    const ownerChosen = valueOf(state, form, 'ownerId');
    const soon = instantToZonedLocal(new Date(now().getTime() + 24 * 3600_000), tz);
    return html`<form method="post" action="${href(v.id)}/decisions" novalidate id="record-decision">
  <input type="hidden" name="_csrf" value="${csrf}">
  <h3>Record a decision</h3>
  <div class="field${who.box}">
    <label for="${fieldId(form, 'participant')}">About whom</label>
    <p class="hint">A person on the roster.</p>
    ${who.error}
    <select id="${fieldId(form, 'participant')}" name="participant"${who.attrs}><option value="">Choose a person</option>${v.roster.rows.map(
      (r) => html`<option value="${r.participant.id}"${chosen === r.participant.id ? html` selected` : ''}>${r.participant.localRef} (${r.participant.displayName})</option>`,
    )}</select>
  </div>
  <div class="field${ref.box}">
    <label for="${fieldId(form, 'participantRef')}">Or another person’s reference</label>
    <p class="hint">Someone in your care teams who is not on the roster.</p>
    ${ref.error}
    <input type="text" id="${fieldId(form, 'participantRef')}" name="participantRef" maxlength="64" autocomplete="off" value="${valueOf(state, form, 'participantRef')}"${ref.attrs}>
  </div>
  <div class="field${words.box}">
    <label for="${fieldId(form, 'text')}">What was decided</label>
    <p class="hint">The action and what counts as done. The owner reads it on their link; it is not put in emails.</p>
    ${words.error}
    <textarea id="${fieldId(form, 'text')}" name="text" rows="3" maxlength="2000"${words.attrs}>${valueOf(state, form, 'text')}</textarea>
  </div>
  <div class="field${owner.box}">
    <label for="${fieldId(form, 'ownerId')}">Who owns it</label>
    <p class="hint">They are emailed a link to record it done, reminded before follow-up is due, and it is escalated if follow-up is missed.</p>
    ${owner.error}
    <select id="${fieldId(form, 'ownerId')}" name="ownerId"${owner.attrs}><option value="">Choose a person</option>${byAgency(staff).map(
      (g) => html`<optgroup label="${g.name}">${g.people.map((s) => html`<option value="${s.id}"${ownerChosen === s.id ? html` selected` : ''}>${s.name}</option>`)}</optgroup>`,
    )}</select>
  </div>
  <div class="field${due.box}">
    <label for="${fieldId(form, 'due')}">Follow-up due</label>
    <p class="hint">Date and time in ${tz}.</p>
    ${due.error}
    <input type="datetime-local" id="${fieldId(form, 'due')}" name="due" value="${state.form === form ? valueOf(state, form, 'due') : soon}"${due.attrs}>
  </div>
  <p><button type="submit">Record the decision</button></p>
</form>`;
  };

  const DONE: Record<string, string> = {
    started: 'The huddle has started. Its coordinators and managers are emailed a link to this page.',
    attendance: 'Attendance is saved.',
    decision: 'The decision is recorded. Its owner is emailed a link to record the follow-up.',
    ended: 'The follow-up is recorded.',
    finished: 'The huddle is finished: its notes are closed. Decisions still open are followed up until recorded.',
  };

  const huddlePage = async (req: Request, res: Response, state: FormState = {}, status = 200) => {
    const caller = callerOf(req.principal!);
    const id = idOf(req);
    let v: HuddleView;
    try {
      v = await huddles.get(caller, id);
    } catch (err) {
      // Started a moment ago: the roster is still being captured.
      if (err instanceof AppError && err.code === 'NOT_FOUND' && (await huddles.isPreparing(id))) {
        res.set('Refresh', `${PREPARING_REFRESH_SECONDS}; url=${href(id)}${req.query.done ? `?done=${encodeURIComponent(String(req.query.done))}` : ''}`);
        res.type('html').send(page({ title: 'Huddle', signedInAs: signedInAs(req, res) }, html`<section class="card"><h1>Huddle</h1><p class="notice">careloop is capturing the roster for this huddle. This page looks again in a moment.</p></section>`));
        return;
      }
      throw err;
    }
    const csrf = web.csrfToken(req, res);
    const staff = v.mayTakeNotes ? await huddles.staffChoices() : [];
    const done = typeof req.query.done === 'string' && !state.problems?.length ? DONE[req.query.done] : undefined;
    // A problem of the whole form (nothing to type differently) links to the form itself.
    const formAnchor = (form: string) =>
      form === 'decision' ? 'record-decision' : form.startsWith('end-') ? form.replace(/^end-/, '').replace(/-(not-)?done$/, '') : form === 'finish' ? 'finish' : 'attendance';
    const anchor = (field: string) => (field.startsWith('(') ? formAnchor(state.form ?? '') : fieldId(state.form ?? '', field.split('.')[0]!));
    const open = v.decisions.filter((d) => d.status === 'open').length;
    res
      .status(status)
      .type('html')
      .send(
        page(
          { title: `${state.problems?.length ? 'Error: ' : ''}${v.agency.name} huddle`, signedInAs: signedInAs(req, res) },
          html`<section class="card">
  <p class="muted"><a href="/huddles">Huddles</a></p>
  ${errorSummary(state, anchor)}
  <h1>${v.agency.name} huddle <span class="muted">${when(v.startedAt)}</span></h1>
  ${done ? html`<p class="notice" role="status">${done}</p>` : ''}
  <dl class="facts">
    <div><dt>Status</dt><dd><span class="badge tone-${STATUS_TONE[v.status]}" id="huddle-status">${HUDDLE_STATUS_WORDS[v.status]}</span></dd></div>
    <div><dt>Started</dt><dd>${when(v.startedAt)}${v.scheduled ? ' (scheduled)' : ' (started by hand)'}</dd></div>
    <div><dt>${v.notesClosedAt ? 'Notes closed' : 'Notes close'}</dt><dd>${when(v.notesClosedAt ?? v.notesCloseAt)}</dd></div>
    <div><dt>Attended</dt><dd>${v.attendance.filter((a) => a.attended).length}</dd></div>
    <div><dt>Decisions</dt><dd>${v.decisions.length}${open ? html` <span class="muted">(${open} open)</span>` : ''}</dd></div>
  </dl>
  ${
    v.mayTakeNotes
      ? html`<form method="post" action="${href(v.id)}/finish" novalidate id="finish"><input type="hidden" name="_csrf" value="${csrf}"><p><button type="submit" class="secondary">Finish the huddle</button></p><p class="hint">Closes the notes: attendance and decisions no longer change, and open decisions are still followed up. Notes close by themselves on ${when(v.notesCloseAt)}.</p></form>`
      : ''
  }
  <p class="muted small">Times are ${tz}.</p>
</section>
<section class="card" id="roster-section">
  <h2>Roster as it stood</h2>
  <p class="muted small">Captured ${when(v.roster.generatedAt)}, riskiest first${v.roster.sortedBy.length ? `: ${v.roster.sortedBy.join(', then ')}` : ''}. <a href="/roster">The live roster</a></p>
  ${rosterList(v)}
</section>
<section class="card" id="attendance">
  <h2>Attendance</h2>
  ${attendanceSection(v, csrf, staff, state)}
</section>
<section class="card" id="decisions">
  <h2>Decisions</h2>
  ${v.decisions.length ? html`<ul class="hub-list decisions">${v.decisions.map((d) => decisionItem(v, d, csrf, state))}</ul>` : html`<p class="muted">No decisions recorded yet.</p>`}
  ${v.mayTakeNotes ? decisionForm(v, csrf, staff, state) : v.status === 'open' ? '' : html`<p class="muted">Notes are closed: no more decisions can be recorded for this huddle.</p>`}
</section>`,
        ),
      );
  };

  router.get('/huddles/:id', web.requireSignedIn, leads, (req, res) => huddlePage(req, res));

  /** A form's problems, shown on the huddle's page; anything else goes up as it is. */
  const onProblem = async (req: Request, res: Response, form: string, err: unknown, values: Record<string, string>) => {
    if (!(err instanceof AppError) || !['INVALID_INPUT', 'CONFLICT', 'FORBIDDEN'].includes(err.code)) throw err;
    const problems: FieldProblem[] = err.code === 'INVALID_INPUT' && err.details?.fields?.length ? err.details.fields : [{ field: '(form)', message: err.userMessage }];
    await huddlePage(req, res, { form, problems, values }, err.status);
  };

  router.post('/huddles/:id/attendance', web.requireSignedIn, leads, web.csrfProtection, async (req, res) => {
    try {
      await huddles.recordAttendance(callerOf(req.principal!), idOf(req), req.body);
    } catch (err) {
      return onProblem(req, res, 'attendance', err, {});
    }
    res.redirect(303, `${href(idOf(req))}?done=attendance#attendance`);
  });

  router.post('/huddles/:id/attendance/add', web.requireSignedIn, leads, web.csrfProtection, async (req, res) => {
    try {
      await huddles.addAttendee(callerOf(req.principal!), idOf(req), req.body);
    } catch (err) {
      return onProblem(req, res, 'add-attendee', err, {});
    }
    res.redirect(303, `${href(idOf(req))}?done=attendance#attendance`);
  });

  router.post('/huddles/:id/decisions', web.requireSignedIn, leads, web.csrfProtection, async (req, res) => {
    const values = Object.fromEntries(['participant', 'participantRef', 'text', 'ownerId', 'due'].map((k) => [k, text(req.body, k)]));
    try {
      await huddles.addDecision(callerOf(req.principal!), idOf(req), values);
    } catch (err) {
      return onProblem(req, res, 'decision', err, values);
    }
    res.redirect(303, `${href(idOf(req))}?done=decision#decisions`);
  });

  router.post('/huddles/:id/decisions/:key', web.requireSignedIn, leads, web.csrfProtection, async (req, res) => {
    const key = String(req.params.key);
    const outcome = text(req.body, 'outcome');
    const note = text(req.body, 'note');
    try {
      await huddles.endDecision(callerOf(req.principal!), idOf(req), key, { outcome, note });
    } catch (err) {
      return onProblem(req, res, `end-${key}-${outcome === 'not-done' ? 'not-done' : 'done'}`, err, { note });
    }
    res.redirect(303, `${href(idOf(req))}?done=ended#${encodeURIComponent(key)}`);
  });

  router.post('/huddles/:id/finish', web.requireSignedIn, leads, web.csrfProtection, async (req, res) => {
    try {
      await huddles.finish(callerOf(req.principal!), idOf(req));
    } catch (err) {
      return onProblem(req, res, 'finish', err, {});
    }
    res.redirect(303, `${href(idOf(req))}?done=finished`);
  });

  return router;
}
