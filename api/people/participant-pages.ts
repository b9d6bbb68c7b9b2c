// The person hub for signed-in staff: /participants finds the people in your care teams by
// reference or name, and /participants/:id gathers one person's care in one place: the plan at a
// glance, open and past sprints, escalations, disputes, plan changes still waiting for
// acknowledgement, the care team (added to and removed from on pages of their own, by those
// allowed) and the audit trail as a readable timeline, a page at a time. The person hub service
// (person-hub.ts) holds the reads and the access rule; the participant service the care-team
// changes. These pages turn them into words.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { callerOf } from '../sprints/service';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { formatInstant } from '../../domain/format';
import { DISPUTE_AGREEMENT, type DisputeStatus } from '../../domain/dispute';
import type { SprintStatus } from '../../domain/sprint';
import { SPRINT_STATUS } from '../sprints/present';
import { escalationBadgeWords, escalationStatusWords, escalationTone, TIER_NAME, triggerWords } from '../escalations/list';
import { AUDIT_PAGE_SIZE } from '../evidence/participant-audit';
import type { CareTeamMemberView } from './participant-service';
import { createDirectory } from './directory';
import { createPersonHub, MAX_SEARCH_ROWS, type HubDispute, type HubEscalation, type HubSprint, type PersonHub, type PersonSearch } from './person-hub';

const DISPUTE_STATUS_WORDS: Record<DisputeStatus, string> = {
  open: 'Open',
  resolved: 'Resolved by agreement',
  decided: 'Decided by partnership governance',
  withdrawn: 'Withdrawn',
};

const PLAN_RISK_NAME: Record<string, string> = { low: 'Low', moderate: 'Moderate', high: 'High', acute: 'Acute' };

const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;

const text = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function participantPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const hub = createPersonHub({ db: deps.db, temporal: deps.temporal, now: deps.now });
  const directory = createDirectory(deps.db);
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const hubHref = (id: string) => `/participants/${encodeURIComponent(id)}`;
  /** GOV.UK's error summary, opened: each page adds its list of problems, each linking its field. */
  const SUMMARY = html`<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"><h2 id="error-summary-title">There is a problem</h2>`;

  // -------------------------------------------------------------------------------------------
  // Finding a person.

  const searchForm = (q: string, problem?: string) => html`<form method="get" action="/participants" class="filters people-search" role="search" novalidate>
  <div class="${problem ? 'has-error' : ''}"><label for="${fieldId('q')}">Reference or name</label>
  ${problem ? html`<p class="field-error" id="${fieldId('q')}-error"><span class="visually-hidden">Error:</span> ${problem}</p>` : ''}
  <input type="text" id="${fieldId('q')}" name="q" value="${q}" maxlength="120" autocomplete="off" spellcheck="false"${problem ? html` aria-invalid="true" aria-describedby="${fieldId('q')}-error"` : ''}></div>
  <div class="filter-buttons"><button type="submit">Search</button>${q ? html` <a href="/participants">Clear</a>` : ''}</div>
</form>`;

  const results = (s: PersonSearch): SafeHtml => {
    if (!s.rows.length) {
      return s.q
        ? html`<p class="notice">No one in your care teams matches “${s.q}”. Check the reference or the spelling. If the person is known to another agency, ask a coordinator in their care team to add your agency or you.</p>`
        : html`<p class="notice">No one’s care team includes your agency or you yet. People join your list when a sprint or a plan names your agency, or when a coordinator adds you to their care team.</p>`;
    }
    return html`<ul class="people-list" id="people">${s.rows.map(
      (p) => html`<li data-participant="${p.localRef}"><a href="${hubHref(p.id)}"><strong>${p.localRef}</strong></a> <span class="muted">${p.displayName}</span>${p.hasPlan ? '' : html` <span class="muted small">· no plan yet</span>`}</li>`,
    )}</ul>
${s.truncated ? html`<p class="problem">Only the first ${MAX_SEARCH_ROWS} are shown: type more of the reference or name.</p>` : ''}`;
  };

  router.get('/participants', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const typed = typeof req.query.q === 'string' ? req.query.q : '';
    let found: PersonSearch;
    try {
      found = await hub.search(caller, req.query);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
      const problem = `The reference or name ${(err.details.fields[0]?.message ?? 'is not one careloop can search for').replace(/^must be at most (\d+) characters$/, 'must be $1 characters or fewer')}`;
      res.status(400).type('html').send(
        page(
          { title: 'Error: People', signedInAs: signedInAs(req, res) },
          html`<section class="card">
${SUMMARY}<ul><li><a href="#${fieldId('q')}">${problem}</a></li></ul></div>
<h1>People</h1>
${searchForm(typed.slice(0, 120), problem)}</section>`,
        ),
      );
      return;
    }
    res.type('html').send(
      page(
        { title: found.q ? `People matching ${found.q}` : 'People', signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <h1>People</h1>
  <p class="muted">The people whose care teams include your agency or you. Search by their local reference or their name.</p>
  ${req.query.left ? html`<p class="notice">The care team is changed. You are no longer in it, so the person is no longer on your list.</p>` : ''}
  ${searchForm(found.q ?? '')}
  ${found.q ? html`<h2>${plural(found.rows.length, 'person', 'people')} matching “${found.q}”</h2>` : ''}
  ${results(found)}
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // One person's page.

  const planSection = (h: PersonHub): SafeHtml => {
    const p = h.plan;
    const ref = encodeURIComponent(h.participant.localRef);
    const body = p
      ? html`<dl class="facts">
    <div><dt>Version</dt><dd>${p.version}</dd></div>
    <div><dt>Published</dt><dd>${when(p.publishedAt)}<br><span class="muted">by ${p.author}</span></dd></div>
    <div><dt>Plan-holder</dt><dd>${p.planHolder.name}</dd></div>
    <div><dt>Goals</dt><dd>${p.goals}</dd></div>
    <div><dt>Risks</dt><dd>${p.risks}${p.highestRisk ? html` <span class="badge risk-${p.highestRisk}">highest ${PLAN_RISK_NAME[p.highestRisk] ?? p.highestRisk}</span>` : ''}</dd></div>
    <div><dt>Actions</dt><dd>${p.actions}</dd></div>
  </dl>
  <p><a class="button secondary-plain" href="/plans/${encodeURIComponent(p.id)}">Open the plan</a></p>`
      : html`<p class="muted">${h.participant.localRef} has no integrated plan yet.</p>
  ${h.may.coordinator ? html`<p><a class="button" href="/plans/new?participant=${ref}">Create a plan</a></p>` : ''}`;
    const waiting = h.planChanges.length
      ? html`<h3>Plan changes waiting for acknowledgement</h3>
  <ul class="hub-list plan-changes">${h.planChanges.map(
    (c) => html`<li data-plan-version="${c.version}"><strong>Version ${c.version}</strong> <span class="muted">published ${when(c.publishedAt)}</span><br>
    ${c.acknowledged} of ${c.acknowledged + c.waitingFor.length} acknowledged. Not yet acknowledged by: ${c.waitingFor.map((w) => w.name).join(', ')}.${c.ackDeadlineAt ? html`<br><span class="muted">Due by ${when(c.ackDeadlineAt)}</span>` : ''}</li>`,
  )}</ul>`
      : '';
    const unavailable = h.planChangesUnavailable ? html`<p class="muted">Whether plan changes still wait for acknowledgement cannot be read right now. Try again in a minute.</p>` : '';
    return html`<section class="card" id="plan">
  <h2>Plan</h2>
  ${body}
  ${waiting}
  ${unavailable}
</section>`;
  };

  const sprintItem = (s: HubSprint): SafeHtml => {
    const st = SPRINT_STATUS[s.status as SprintStatus] ?? { label: 'Unknown status', tone: 'open' };
    return html`<li data-sprint="${s.id}"><a href="/sprints/${encodeURIComponent(s.id)}">Discharged ${when(s.dischargeAt)}</a> <span class="badge tone-${st.tone}">${st.label}</span><br>
  <span class="muted">Coordinator ${s.coordinator} · ${s.closedAt ? `closed ${when(s.closedAt)}` : `closes ${when(s.closesAt)}`}</span></li>`;
  };

  const escalationItem = (e: HubEscalation): SafeHtml => html`<li data-escalation="${e.id}" class="${e.overdue ? 'is-overdue' : ''}"><a href="/escalations/${encodeURIComponent(e.id)}">${triggerWords(e.trigger)}</a><br>
  <span class="badge risk-${e.tier}">${TIER_NAME[e.tier] ?? 'Tier not known'}</span> <span class="badge tone-${escalationTone(e)}">${escalationBadgeWords(e)}</span> ${escalationStatusWords(e)}<br>
  <span class="muted">Chair ${e.chair} · raised ${when(e.raisedAt)}${e.resolvedAt ? ` · resolved ${when(e.resolvedAt)}` : ''}</span></li>`;

  const disputeItem = (d: HubDispute): SafeHtml => html`<li data-dispute="${d.id}"><strong><a href="/disputes/${encodeURIComponent(d.id)}">${d.subject ?? 'Dispute between agencies'}</a></strong><br>
  ${DISPUTE_STATUS_WORDS[d.status as DisputeStatus] ?? 'Unknown status'}${d.status === 'open' ? ` · stage ${d.stage}, ${DISPUTE_AGREEMENT.stages[d.stage - 1]?.label ?? ''}` : ` at stage ${d.stage}`}<br>
  <span class="muted">Raised by ${d.raisedBy} on ${when(d.raisedAt)}${d.closedAt ? ` · closed ${when(d.closedAt)}` : ''} · between ${d.agencies.join(', ')}</span></li>`;

  const memberName = (m: CareTeamMemberView) => (m.agency ? m.agency.name : m.staff ? `${m.staff.name}, ${m.staff.agencyName}` : 'someone no longer in careloop');
  const memberKey = (m: CareTeamMemberView) => (m.agency ? `agency:${m.agency.id}` : `staff:${m.staff?.id ?? m.id}`);
  /** How a membership came about, in words: who added it and why, or what implied it. */
  const memberHow = (m: CareTeamMemberView) => {
    const reason = m.reason.charAt(0).toUpperCase() + m.reason.slice(1);
    if (m.source === 'sprint' || m.source === 'plan') return `${reason}, since ${when(m.addedAt)}`;
    return `Added by ${m.addedBy}${m.source === 'cli' ? ' (administrator)' : ''} on ${when(m.addedAt)}: ${m.reason}`;
  };

  const careTeamSection = (h: PersonHub): SafeHtml => {
    const current = h.careTeam.filter((m) => !m.removed);
    const ended = h.careTeam.filter((m) => m.removed);
    const base = hubHref(h.participant.id);
    // One entry per agency or person, with each way they are in the team (a plan and a sprint may both name an agency).
    const members = new Map<string, CareTeamMemberView[]>();
    for (const m of current) members.set(memberKey(m), [...(members.get(memberKey(m)) ?? []), m]);
    return html`<section class="card" id="care-team">
  <h2>Care team</h2>
  <p class="muted">An agency sees the person through all its staff, by role; a named person sees them alone.</p>
  <ul class="hub-list care-team">${[...members.values()].map(
    (ms) => html`<li data-member-key="${memberKey(ms[0]!)}"><strong>${memberName(ms[0]!)}</strong> <span class="muted">· ${ms[0]!.kind === 'agency' ? 'agency' : 'person'}</span>
    <ul class="memberships">${ms.map(
      (m) => html`<li data-member="${m.id}"><span class="muted">${memberHow(m)}</span>${h.may.changeCareTeam ? html` <a href="${base}/care-team/${encodeURIComponent(m.id)}/remove">Remove<span class="visually-hidden"> ${memberName(m)} (${m.reason})</span></a>` : ''}</li>`,
    )}</ul></li>`,
  )}</ul>
  ${h.may.changeCareTeam ? html`<p><a class="button secondary-plain" href="${base}/care-team/add">Add to the care team</a></p>` : ''}
  ${
    ended.length
      ? html`<details><summary>${plural(ended.length, 'membership')} ended</summary><ul class="hub-list">${ended.map(
          (m) => html`<li><strong>${memberName(m)}</strong><br><span class="muted">${memberHow(m)}. Removed by ${m.removed!.by} on ${when(m.removed!.at)}: ${m.removed!.reason}</span></li>`,
        )}</ul></details>`
      : ''
  }
</section>`;
  };

  const auditSection = (h: PersonHub): SafeHtml => {
    const base = hubHref(h.participant.id);
    if (!h.audit) return html`<section class="card" id="audit"><h2>Audit trail</h2><p class="muted">The audit trail is for the care team’s coordinators and managers.</p></section>`;
    const a = h.audit;
    const pageLink = (n: number) => `${base}${n > 1 ? `?page=${n}` : ''}#audit`;
    const pager =
      a.pages > 1
        ? html`<nav class="pager" aria-label="Audit trail pages">
  ${a.page > 1 ? html`<a href="${pageLink(a.page - 1)}" rel="prev">Newer events</a>` : html`<span></span>`}
  <span class="muted">Page ${a.page} of ${a.pages}</span>
  ${a.page < a.pages ? html`<a href="${pageLink(a.page + 1)}" rel="next">Older events</a>` : html`<span></span>`}
</nav>`
        : '';
    const first = (a.page - 1) * AUDIT_PAGE_SIZE + 1;
    return html`<section class="card" id="audit">
  <h2>Audit trail</h2>
  <p class="muted">${a.total ? `Everything recorded about ${h.participant.localRef}, newest first: events ${first} to ${first + a.lines.length - 1} of ${a.total}.` : 'Nothing recorded yet.'} <a href="${base}/audit.csv">Download the whole trail (CSV)</a></p>
  ${pager}
  <ol class="audit-timeline">${a.lines.map(
    (l) => html`<li data-seq="${l.seq}"><time datetime="${l.at}">${when(l.at)}</time>
    <span><strong>${l.words}</strong>${l.about ? html` ${l.about}` : ''}${l.href ? html` · <a href="${l.href}">${l.href.startsWith('/sprints/') ? 'the sprint' : 'the escalation'}</a>` : ''}<br>
    <span class="muted">${l.actor}${l.how ? ` ${l.how}` : ''}${l.reason ? html` — ${l.reason}` : ''}</span></span></li>`,
  )}</ol>
  ${pager}
</section>`;
  };

  const DONE: Record<string, string> = {
    added: 'Added to the care team. It is in the audit trail with your reason.',
    removed: 'Removed from the care team. It is in the audit trail with your reason.',
  };

  router.get('/participants/:id', web.requireSignedIn, async (req, res) => {
    const h = await hub.hub(callerOf(req.principal!), String(req.params.id), req.query);
    const ref = encodeURIComponent(h.participant.localRef);
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    const overdue = h.escalations.filter((e) => e.overdue).length;
    const processesNote = h.may.processes ? '' : html`<p class="muted">You see the ones that name you; the rest are for the care team’s coordinators and managers.</p>`;
    res.type('html').send(
      page(
        { title: h.participant.localRef, signedInAs: signedInAs(req, res) },
        html`<section class="card hub-head">
  <p class="muted"><a href="/participants">People</a></p>
  <h1>${h.participant.localRef} <span class="muted">${h.participant.displayName}</span></h1>
  ${done ? html`<p class="notice">${done}</p>` : ''}
  <ul class="glance">
    <li><a href="#plan">${h.plan ? `Plan version ${h.plan.version}` : 'No plan yet'}</a>${h.planChanges.length ? html` <span class="badge tone-reminded">${plural(h.planChanges.length, 'change')} waiting</span>` : ''}</li>
    <li><a href="#sprints">${plural(h.sprints.open.length, 'open sprint')}</a></li>
    <li><a href="#escalations">${plural(h.escalations.filter((e) => e.status !== 'resolved').length, 'unresolved escalation')}</a>${overdue ? html` <span class="badge tone-overdue">${overdue} overdue</span>` : ''}</li>
    <li><a href="#disputes">${plural(h.disputes.filter((d) => d.status === 'open').length, 'open dispute')}</a></li>
    <li><a href="#care-team">Care team</a> · <a href="#audit">Audit trail</a></li>
  </ul>
  <p class="actions">${h.may.raise ? html`<a class="button" href="/escalations/new?participant=${ref}">Raise an escalation</a>` : ''}${h.may.coordinator ? html`<a class="button secondary-plain" href="/sprints/new?participant=${ref}">Start a sprint</a>` : ''}</p>
  <p class="muted">Times are ${tz}.</p>
</section>
${planSection(h)}
<section class="card" id="sprints">
  <h2>Sprints</h2>
  ${processesNote}
  <h3>Open</h3>
  ${h.sprints.open.length ? html`<ul class="hub-list">${h.sprints.open.map(sprintItem)}</ul>` : html`<p class="muted">None open.</p>`}
  <h3>Past</h3>
  ${h.sprints.past.length ? html`<ul class="hub-list">${h.sprints.past.map(sprintItem)}</ul>` : html`<p class="muted">None.</p>`}
</section>
<section class="card" id="escalations">
  <h2>Escalations</h2>
  ${processesNote}
  ${h.escalations.length ? html`<ul class="hub-list">${h.escalations.map(escalationItem)}</ul>` : html`<p class="muted">None.</p>`}
</section>
<section class="card" id="disputes">
  <h2>Disputes</h2>
  ${processesNote}
  ${h.disputes.length ? html`<ul class="hub-list">${h.disputes.map(disputeItem)}</ul>` : html`<p class="muted">None.</p>`}
</section>
${careTeamSection(h)}
${auditSection(h)}`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // Changing the care team: each change a page of its own, with a reason.

  type Values = Record<string, string>;

  /** A sentence a person can act on, from what the service says ("must be at most 500 characters"). */
  const addSentence = (p: FieldProblem): string => {
    if (p.field === 'member') return p.message;
    if (p.field === 'reason' && /^say why/.test(p.message)) return p.message.charAt(0).toUpperCase() + p.message.slice(1);
    if (p.field === 'reason') return `The reason ${p.message.replace(/^must be at most (\d+) characters$/, 'must be $1 characters or fewer')}`;
    return p.message.charAt(0).toUpperCase() + p.message.slice(1);
  };

  const addForm = async (req: Request, res: Response, participant: { id: string; localRef: string }, members: CareTeamMemberView[], values: Values, problems: FieldProblem[] = []) => {
    const [agencies, staff] = await Promise.all([directory.agencies(), directory.activeStaff()]);
    const inTeam = new Set(members.filter((m) => !m.removed).map((m) => (m.agency ? `agency:${m.agency.id}` : `staff:${m.staff?.id}`)));
    const byAgency = new Map<string, { name: string; people: { id: string; name: string }[] }>();
    for (const s of staff) {
      if (inTeam.has(`staff:${s.id}`)) continue;
      const g = byAgency.get(s.agency.id) ?? { name: s.agency.name, people: [] };
      g.people.push({ id: s.id, name: s.name });
      byAgency.set(s.agency.id, g);
    }
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => {
      const p = problemOf(name);
      return p ? html`<p class="field-error" id="${fieldId(name)}-error"><span class="visually-hidden">Error:</span> ${addSentence(p)}</p>` : '';
    };
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const option = (value: string, label: string) => html`<option value="${value}"${values.member === value ? html` selected` : ''}>${label}</option>`;
    const base = hubHref(participant.id);
    return page(
      { title: `${problems.length ? 'Error: ' : ''}Add to the care team of ${participant.localRef}`, signedInAs: signedInAs(req, res) },
      html`<section class="card">
  ${problems.length ? html`${SUMMARY}<ul>${problems.map((p) => html`<li><a href="#${fieldId(p.field)}">${addSentence(p)}</a></li>`)}</ul></div>` : ''}
  <p class="muted"><a href="${base}#care-team">Back to ${participant.localRef}</a></p>
  <h1>Add to the care team of ${participant.localRef}</h1>
  <p class="muted">An agency joins with all its staff, by role; a named person joins alone. Everyone in the team reads the plan; its coordinators and managers also see sprints, escalations, disputes and the audit trail. Who added them, when and why goes into the audit trail.</p>
  <form method="post" action="${base}/care-team/add" class="step-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <div class="field${problemOf('member') ? ' has-error' : ''}">
      <label for="${fieldId('member')}">Who joins</label>
      <p class="hint">An agency, or one person (listed under their agency). Those already in the team are not listed.</p>
      ${errorFor('member')}
      <select id="${fieldId('member')}" name="member"${invalid('member')}>
        <option value="">Choose an agency or a person…</option>
        <optgroup label="Agencies">${agencies.filter((a) => !inTeam.has(`agency:${a.id}`)).map((a) => option(`agency:${a.id}`, a.name))}</optgroup>
        ${[...byAgency.values()].map((g) => html`<optgroup label="People at ${g.name}">${g.people.map((p) => option(`staff:${p.id}`, p.name))}</optgroup>`)}
      </select>
    </div>
    <div class="field${problemOf('reason') ? ' has-error' : ''}">
      <label for="${fieldId('reason')}">Why do they join?</label>
      <p class="hint">For example “Allocated social worker” or “Registered GP practice”.</p>
      ${errorFor('reason')}
      <textarea id="${fieldId('reason')}" name="reason" rows="3" maxlength="500"${invalid('reason')}>${values.reason ?? ''}</textarea>
    </div>
    <div class="actions-row"><button type="submit">Add to the care team</button> <a href="${base}#care-team">Cancel</a></div>
  </form>
</section>`,
    );
  };

  router.get('/participants/:id/care-team/add', web.requireSignedIn, async (req, res) => {
    const { participant, members } = await hub.forCareTeamChange(callerOf(req.principal!), String(req.params.id));
    res.type('html').send(await addForm(req, res, participant, members, {}));
  });

  router.post('/participants/:id/care-team/add', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const { participant, members } = await hub.forCareTeamChange(caller, String(req.params.id));
    const form = (req.body ?? {}) as Record<string, unknown>;
    const values: Values = { member: text(form, 'member'), reason: text(form, 'reason') };
    const [kind, memberId] = values.member!.split(':', 2);
    const body = { ...(kind === 'agency' && memberId ? { agency: memberId } : kind === 'staff' && memberId ? { staffId: memberId } : {}), reason: values.reason };
    try {
      await services.participants.addToCareTeam(caller, participant.id, body);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      let problems: FieldProblem[];
      if (err.code === 'INVALID_INPUT' && err.details?.fields) {
        problems = err.details.fields.map((p) => (p.field === 'reason' ? p : { field: 'member', message: 'Choose an agency or a person who joins the care team' }));
        problems = problems.filter((p, i) => problems.findIndex((q) => q.field === p.field) === i).sort((a, b) => (a.field === 'member' ? -1 : b.field === 'member' ? 1 : 0));
      } else if (err.code === 'CONFLICT') {
        problems = [{ field: 'member', message: err.userMessage }];
      } else throw err;
      res.status(400).type('html').send(await addForm(req, res, participant, members, values, problems));
      return;
    }
    res.redirect(303, `${hubHref(participant.id)}?done=added#care-team`);
  });

  const removeForm = (req: Request, res: Response, participant: { id: string; localRef: string }, member: CareTeamMemberView, reason = '', problem?: string) => {
    const base = hubHref(participant.id);
    const own = member.agency ? member.agency.id === req.principal!.agencyId : member.staff?.id === req.principal!.staffId;
    return page(
      { title: `${problem ? 'Error: ' : ''}Remove from the care team of ${participant.localRef}`, signedInAs: signedInAs(req, res) },
      html`<section class="card">
  ${problem ? html`${SUMMARY}<ul><li><a href="#${fieldId('reason')}">${problem}</a></li></ul></div>` : ''}
  <p class="muted"><a href="${base}#care-team">Back to ${participant.localRef}</a></p>
  <h1>Remove ${memberName(member)} from the care team of ${participant.localRef}?</h1>
  <p>They stop seeing ${participant.localRef} at once, except for a process that names them. The membership stays listed as ended, and the reason goes into the audit trail.</p>
  ${own ? html`<p class="notice">This is ${member.agency ? 'your own agency' : 'you'}. Unless you are in the team another way, you will no longer see ${participant.localRef} afterwards.</p>` : ''}
  <form method="post" action="${base}/care-team/${encodeURIComponent(member.id)}/remove" class="step-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <div class="field${problem ? ' has-error' : ''}">
      <label for="${fieldId('reason')}">Why do they leave the care team?</label>
      ${problem ? html`<p class="field-error" id="${fieldId('reason')}-error"><span class="visually-hidden">Error:</span> ${problem}</p>` : ''}
      <textarea id="${fieldId('reason')}" name="reason" rows="3" maxlength="500"${problem ? html` aria-invalid="true" aria-describedby="${fieldId('reason')}-error"` : ''}>${reason}</textarea>
    </div>
    <div class="actions-row"><button type="submit" class="danger">Remove from the care team</button> <a href="${base}#care-team">Cancel</a></div>
  </form>
</section>`,
    );
  };

  /** A current member of the person's care team, or the one 404 for a member that is not (or no longer) there. */
  const currentMember = (members: CareTeamMemberView[], memberId: string) => {
    const m = members.find((x) => x.id === memberId && !x.removed);
    if (!m) throw new AppError('NOT_FOUND', 'This membership is not current: it has ended, or it never existed. Go back to the person’s page to see their care team.');
    return m;
  };

  router.get('/participants/:id/care-team/:memberId/remove', web.requireSignedIn, async (req, res) => {
    const { participant, members } = await hub.forCareTeamChange(callerOf(req.principal!), String(req.params.id));
    res.type('html').send(removeForm(req, res, participant, currentMember(members, String(req.params.memberId))));
  });

  router.post('/participants/:id/care-team/:memberId/remove', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const { participant, members } = await hub.forCareTeamChange(caller, String(req.params.id));
    const member = currentMember(members, String(req.params.memberId));
    const reason = text((req.body ?? {}) as Record<string, unknown>, 'reason');
    try {
      await services.participants.removeFromCareTeam(caller, participant.id, member.id, { reason });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INVALID_INPUT')) throw err;
      const problem = err.details?.fields?.[0];
      res.status(400).type('html').send(removeForm(req, res, participant, member, reason, addSentence(problem ?? { field: 'reason', message: 'say why they leave the care team' })));
      return;
    }
    // Removing your own agency may end your own access: then the person's page would be a 404.
    res.redirect(303, (await hub.sees(caller, participant.id)) ? `${hubHref(participant.id)}?done=removed#care-team` : '/participants?left=1');
  });

  return router;
}
