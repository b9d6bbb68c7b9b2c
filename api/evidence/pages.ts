// Managers' pages: the dashboard (roster, a timeline per open sprint, the live list), the huddle
// roster on its own (to put on the screen in the huddle), and the evidence report with its CSVs.
// Every figure comes from the same services as the API; only managers and admins see them.
import { Router, type Request, type Response } from 'express';
import { formatInstant } from '../../domain/format';
import type { SprintState, SprintStatus } from '../../domain/sprint';
import { html, page, type SafeHtml } from '../html';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { allowWith } from '../access';
import { callerOf } from '../sprints/service';
import type { Roster, RosterItem, RosterRow } from './roster';
import { figuresCsv, refusalsCsv, type TimelinessReport } from './reports';
import { participantAuditCsv } from './participant-audit';
import { sprintPicture, SPRINT_STATUS } from '../sprints/present';
import { escalationBadgeWords } from '../escalations/list';
import { disputeBadgeWords } from '../disputes/list';
import { planIdOfStepsWorkflow } from '../../domain/plan-steps';
import { PLAN_RISK_FLAG_WORDS } from '../../domain/plan';

const REFRESH_SECONDS = 30;
/** Open sprints drawn on the dashboard, riskiest first; the roster lists them all. */
const MAX_TIMELINES = 6;

const PROCESS_LABEL: Record<string, string> = { sprint: 'Sprint', 'plan-change': 'Plan change', escalation: 'Escalation', dispute: 'Dispute', 'plan-steps': 'Plan actions and review' };

/** "overdue by 2 h 5 min", "in 40 min": how far a due time is from now. */
export function relativeDue(dueIso: string, now: Date): string {
  const ms = Date.parse(dueIso) - now.getTime();
  const mins = Math.round(Math.abs(ms) / 60_000);
  const span = mins < 1 ? 'under a minute' : mins < 60 ? `${mins} min` : mins < 48 * 60 ? `${Math.floor(mins / 60)} h${mins % 60 ? ` ${mins % 60} min` : ''}` : `${Math.round(mins / 1440)} days`;
  return ms < 0 ? `overdue by ${span}` : `in ${span}`;
}

/** The processes with a page of their own: the roster links these, and only these. */
const hasPage = (process: string | undefined) => process === 'sprint' || process === 'escalation' || process === 'plan-steps' || process === 'dispute';

/** A process's page, for a row of the running processes. */
const pageOf = (process: string | undefined, workflowId: string) =>
  process === 'sprint' ? `/sprints/${encodeURIComponent(workflowId)}` : process === 'dispute' ? `/disputes/${encodeURIComponent(workflowId)}` : process === 'plan-steps' ? `/plans/${encodeURIComponent(planIdOfStepsWorkflow(workflowId) ?? '')}` : `/escalations/${encodeURIComponent(workflowId)}`;

/** A process's status in words where careloop has them; otherwise as the process states it. */
function statusWords(process: string | undefined, status: string): string {
  if (process === 'escalation') return escalationBadgeWords({ status });
  if (process === 'dispute') return disputeBadgeWords({ status });
  if (process === 'sprint') return SPRINT_STATUS[status as SprintStatus]?.label ?? status;
  return status.replace(/-/g, ' ');
}

/** Only managers and admins see these pages. */
const managers = allowWith('These pages are for managers and admins.', 'manager', 'admin');
/** The roster is for the huddle: coordinators see it too, for the people of their agency's care teams. */
const huddleLeads = allowWith('The huddle roster is for coordinators, managers and admins.', 'coordinator', 'manager', 'admin');

export function dashboardPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });

  const flags = (r: RosterRow): SafeHtml => {
    const f = r.flags;
    const tiers = (['acute', 'high', 'moderate', 'low'] as const).filter((t) => f.escalations[t] > 0);
    return html`${tiers.map((t) => html`<span class="badge risk-${t}">${f.escalations[t]} ${t} escalation${f.escalations[t] > 1 ? 's' : ''}</span> `)}${
      f.overdue ? html`<span class="badge tone-overdue">${f.overdue} overdue</span> ` : ''
    }${f.recentDischargeAt ? html`<span class="badge tone-open">discharged ${when(f.recentDischargeAt)}</span> ` : ''}${
      f.unacknowledgedPlanChanges ? html`<span class="badge tone-reminded">${f.unacknowledgedPlanChanges} plan change${f.unacknowledgedPlanChanges > 1 ? 's' : ''} unacknowledged</span> ` : ''
    }${f.openDisputes ? html`<span class="badge tone-refused">${f.openDisputes} dispute${f.openDisputes > 1 ? 's' : ''}</span> ` : ''}${(f.planRisks ?? []).map(
      (p) => html`<span class="badge tone-reminded" title="From the person's plan">${PLAN_RISK_FLAG_WORDS[p]}</span> `,
    )}`;
  };

  // Sprints, escalations, disputes and a plan's steps have pages; plan changes have none yet, and a page
  // never sends a person to the API, so those are named without a link.
  const itemCell = (i: RosterItem | undefined): SafeHtml =>
    i
      ? html`${hasPage(i.process) ? html`<a href="${i.href}">${i.action}</a>` : i.action}<br><span class="muted">${PROCESS_LABEL[i.process] ?? i.process} · ${statusWords(i.process, i.status)}</span>`
      : html`<span class="muted">—</span>`;
  const dueCell = (i: RosterItem | undefined, at: Date): SafeHtml =>
    i?.dueAt ? html`${when(i.dueAt)}<br><span class="${i.overdue ? 'overdue' : 'muted'}">${relativeDue(i.dueAt, at)}</span>` : html`<span class="muted">—</span>`;

  const rosterTable = (roster: Roster, at: Date): SafeHtml =>
    roster.rows.length
      ? html`<table class="roster" id="roster">
  <thead><tr><th>#</th><th>Participant</th><th>Risk flags</th><th>Next action</th><th>Owner</th><th>Due</th></tr></thead>
  <tbody>${roster.rows.map(
    (r, n) => html`<tr class="${r.flags.overdue ? 'is-overdue' : ''}" data-participant="${r.participant.localRef}">
  <td data-label="#">${n + 1}</td>
  <td data-label="Participant"><strong>${r.participant.localRef}</strong><br><span class="muted">${r.participant.displayName}</span><br><a class="small" href="/participants/${r.participant.id}/audit.csv">audit trail (CSV)</a></td>
  <td data-label="Risk flags">${flags(r)}</td>
  <td data-label="Next action">${itemCell(r.next)}${r.items.length > 1 ? html`<details><summary>${r.items.length - 1} more open</summary><ul class="more">${r.items.slice(1).map((i) => html`<li>${itemCell(i)} — ${i.owner?.name ?? 'no owner'}${i.dueAt ? html`, ${relativeDue(i.dueAt, at)}` : ''}</li>`)}</ul></details>` : ''}</td>
  <td data-label="Owner">${r.next?.owner ? html`${r.next.owner.name}<br><span class="muted">${r.next.owner.agency}</span>` : html`<span class="muted">—</span>`}</td>
  <td data-label="Due">${dueCell(r.next, at)}</td>
</tr>`,
  )}</tbody>
</table>
${roster.truncated ? html`<p class="problem">More open work than one roster shows: narrow it to an agency.</p>` : ''}`
      : html`<p class="muted">No open work for your agency right now.</p>`;

  const summary = (roster: Roster): SafeHtml => {
    const sum = (f: (r: RosterRow) => number) => roster.rows.reduce((n, r) => n + f(r), 0);
    const tiles: [string, number, string][] = [
      ['People on the roster', roster.rows.length, ''],
      ['Overdue items', sum((r) => r.flags.overdue), 'overdue'],
      ['Open escalations', sum((r) => Object.values(r.flags.escalations).reduce((a, b) => a + b, 0)), ''],
      ['Discharged in 72 h', roster.rows.filter((r) => r.flags.recentDischargeAt).length, ''],
      ['Plan changes unacknowledged', sum((r) => r.flags.unacknowledgedPlanChanges), ''],
      ['Open disputes', sum((r) => r.flags.openDisputes), ''],
    ];
    return html`<dl class="tiles">${tiles.map(([label, n, tone]) => html`<div class="${n && tone ? tone : ''}"><dt>${label}</dt><dd>${n}</dd></div>`)}</dl>`;
  };

  router.get('/dashboard', web.requireSignedIn, managers, async (req, res) => {
    const caller = callerOf(req.principal!);
    const at = now();
    const [roster, live] = await Promise.all([services.roster.roster(caller, {}), services.workflows.list(caller, { running: 'true', pageSize: 50 })]);
    // A picture per open sprint, riskiest first: each is one query of the sprint's workflow.
    const sprintIds = roster.rows.flatMap((r) => r.items.filter((i) => i.process === 'sprint').map((i) => i.workflowId)).slice(0, MAX_TIMELINES);
    const sprints = (await Promise.all(sprintIds.map((id) => services.sprints.get(caller, id).catch(() => undefined)))).filter((s): s is SprintState => !!s);
    const participants = await services.workflows.participantRefs(live);
    res.set('Refresh', `${REFRESH_SECONDS}; url=/dashboard`);
    res.type('html').send(
      page(
        { title: 'Dashboard', signedInAs: signedInAs(req, res), wide: true },
        html`<section class="card">
  <h1>Who owes what next</h1>
  ${summary(roster)}
  <p class="muted">Riskiest first: ${roster.sortedBy.join(', then ')}. Refreshes every ${REFRESH_SECONDS} seconds. Times are ${tz}. <a href="/roster">Roster only</a> · <a href="/reports/timeliness">Evidence report</a></p>
  ${rosterTable(roster, at)}
</section>
<section class="card" id="timelines">
  <h2>Open sprints against their due times</h2>
  ${sprints.length ? sprints.map((s) => html`<article class="timeline" data-sprint="${s.sprintId}"><h3><a href="/sprints/${s.sprintId}">${s.participant.localRef}</a> <span class="muted">${s.participant.displayName} · discharged ${when(s.dischargeAt)}</span></h3>${sprintPicture(s, at, when)}</article>`) : html`<p class="muted">No open sprints.</p>`}
</section>
<section class="card">
  <h2>Running processes</h2>
  ${
    live.workflows.length
      ? html`<table class="live" id="live">
    <thead><tr><th>Process</th><th>Participant</th><th>Status</th><th>Overdue</th><th>Next due</th><th>Started</th></tr></thead>
    <tbody>${live.workflows.map(
      (w) => html`<tr><td>${hasPage(w.process) ? html`<a href="${pageOf(w.process, w.workflowId)}">${PROCESS_LABEL[w.process ?? ''] ?? w.type}</a>` : (PROCESS_LABEL[w.process ?? ''] ?? w.type)}</td><td>${participants.get(w.participant ?? '') ?? w.participant ?? ''}</td><td>${statusWords(w.process, w.status ?? w.runStatus)}</td><td>${w.overdueCount ? html`<strong class="overdue">${w.overdueCount}</strong>` : '0'}</td><td>${w.nextDueAt ? relativeDue(w.nextDueAt, at) : '—'}</td><td>${when(w.startedAt)}</td></tr>`,
    )}</tbody>
  </table>
  ${live.nextPage ? html`<p class="muted">Showing the latest 50 running processes; the roster above lists every person with open work.</p>` : ''}`
      : html`<p class="muted">Nothing running.</p>`
  }
</section>`,
      ),
    );
  });

  router.get('/roster', web.requireSignedIn, huddleLeads, async (req, res) => {
    const at = now();
    const caller = callerOf(req.principal!);
    const roster = await services.roster.roster(caller, {});
    const oversees = caller.roles.includes('manager') || caller.roles.includes('admin');
    res.set('Refresh', `${REFRESH_SECONDS}; url=/roster`);
    res.type('html').send(
      page(
        { title: 'Huddle roster', signedInAs: signedInAs(req, res), wide: true },
        html`<section class="card"><h1>Huddle roster</h1>
<p class="muted">${when(roster.generatedAt)} · riskiest first · <a href="/huddles">Huddles</a>${oversees ? html` · <a href="/dashboard">Dashboard</a>` : ''}</p>
${rosterTable(roster, at)}</section>`,
      ),
    );
  });

  const reportQuery = (req: Request) => {
    const q = req.query as Record<string, unknown>;
    // Empty form fields mean "the default period".
    return Object.fromEntries(['from', 'to'].flatMap((k) => (typeof q[k] === 'string' && q[k] ? [[k, q[k]]] : [])));
  };

  router.get('/reports/timeliness', web.requireSignedIn, managers, async (req, res) => {
    const r: TimelinessReport = await services.reports.timeliness(callerOf(req.principal!), reportQuery(req));
    const day = (iso: string) => iso.slice(0, 10);
    const qs = new URLSearchParams({ from: r.period.from, to: r.period.to }).toString();
    const fig = (v: number | undefined, unit = '') => (v === undefined ? '—' : `${v}${unit}`);
    const rows = (pairs: [string, string | number][]) => html`<table class="figures"><tbody>${pairs.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
    res.type('html').send(
      page(
        { title: 'Evidence report', signedInAs: signedInAs(req, res) },
        html`<section class="card"><h1>Timeliness evidence</h1>
<form method="get" action="/reports/timeliness" class="period">
  <label for="from">From</label><input type="text" id="from" name="from" value="${day(r.period.from)}" placeholder="2026-10-01">
  <label for="to">To (inclusive)</label><input type="text" id="to" name="to" placeholder="2026-10-31">
  <button type="submit">Show</button>
</form>
<p class="muted">${when(r.period.from)} to ${when(r.period.to)} (${r.period.timeZone}) · ${r.scope.agencyId ? 'work your agency took part in' : 'the whole partnership'} ·
<a href="/reports/timeliness.csv?${qs}">Figures as CSV</a> · <a href="/reports/timeliness.csv?${qs}&amp;part=refusals">Refusals as CSV</a></p>
<h2>After discharge</h2>
${rows([
  ['Sprints (discharged in the period)', `${r.sprints.discharged} (${r.sprints.closed} closed, ${r.sprints.open} open, ${r.sprints.cancelled} cancelled)`],
  ['Time to first contact, median', fig(r.firstContact.medianMinutes, ' min')],
  ['Time to first contact, 90th percentile', fig(r.firstContact.p90Minutes, ' min')],
  ['Closed sprints with no first contact', r.firstContact.withoutContact],
  ['Tasks done on time', `${fig(r.sprintTasks.onTimeShare, '%')} (${r.sprintTasks.doneOnTime} of ${r.sprintTasks.applicable} that applied)`],
  ['Done late / refused / not done by close', `${r.sprintTasks.doneLate} / ${r.sprintTasks.refused} / ${r.sprintTasks.notDone}`],
])}
<h2>Plan changes</h2>
${rows([
  ['Versions needing acknowledgement', r.acknowledgements.versionsRequiringAcknowledgement],
  ['Acknowledgements', r.acknowledgements.acknowledged],
  ['Time to acknowledge, median', fig(r.acknowledgements.medianMinutes, ' min')],
  ['Time to acknowledge, 90th percentile', fig(r.acknowledgements.p90Minutes, ' min')],
])}
<h2>The plan’s actions</h2>
${rows([
  ['Actions due in the period', r.planActions.due],
  ['Done on time', `${fig(r.planActions.onTimeShare, '%')} (${r.planActions.doneOnTime} of ${r.planActions.due})`],
  ['Done late / not done / not yet recorded', `${r.planActions.doneLate} / ${r.planActions.notDone} / ${r.planActions.open}${r.planActions.overdue ? ` (${r.planActions.overdue} overdue)` : ''}`],
  ['Rapid reviews started', r.rapidReviews.started],
  ['Reviewed within the deadline', `${fig(r.rapidReviews.onTimeShare, '%')} (${r.rapidReviews.reviewedOnTime} of ${r.rapidReviews.started}; ${r.rapidReviews.reviewedLate} late, ${r.rapidReviews.open} open)`],
  ['Agency updates sent / asked', `${r.rapidReviews.updatesSent} / ${r.rapidReviews.updatesAsked}`],
])}
<h2>Huddles</h2>
${rows([
  ['Huddles held / started', `${r.huddles.held} / ${r.huddles.started}`],
  ['Attendance of those asked', `${fig(r.huddles.attendanceShare, '%')} (${r.huddles.invitedAttended} of ${r.huddles.invited}; ${r.huddles.othersAttended} others joined)`],
  ['Attendees per huddle, median', fig(r.huddles.medianAttendees)],
  ['Decisions closed on time', `${fig(r.huddles.onTimeShare, '%')} (${r.huddles.closedOnTime} of ${r.huddles.decisions})`],
  ['Closed late / not done / open', `${r.huddles.closedLate} / ${r.huddles.notDone} / ${r.huddles.open}${r.huddles.overdue ? ` (${r.huddles.overdue} overdue)` : ''}`],
])}
<h2>Escalations</h2>
${rows([
  ['Raised / resolved / open', `${r.escalations.raised} / ${r.escalations.resolved} / ${r.escalations.open}`],
  ["Handled within their tier's timeframe", `${fig(r.escalations.withinTimeframeShare, '%')} (${r.escalations.withinTimeframe} of ${r.escalations.resolved} resolved)`],
  ['Promoted to a higher tier', r.escalations.promoted],
])}
<h2>Disputes</h2>
${rows([
  ['Raised / open', `${r.disputes.raised} / ${r.disputes.open}`],
  ...(['1', '2', '3'] as const).map((s): [string, string] => [`Stage ${s}`, `${r.disputes.byStage[s].resolved} resolved, ${r.disputes.byStage[s].decided} decided, ${r.disputes.byStage[s].withdrawn} withdrawn, ${r.disputes.byStage[s].open} open`]),
  ['Working days to close, median', fig(r.disputes.medianWorkingDaysToClose)],
])}
<h2>Refusals and how they were managed</h2>
${
  r.refusals.length
    ? html`<table><thead><tr><th>Participant</th><th>Task</th><th>Why</th><th>How it was managed</th></tr></thead><tbody>${r.refusals.map(
        (x) => html`<tr><td>${x.participantRef}</td><td>${x.task}<br><span class="muted">${x.owner}${x.endedAt ? `, ${when(x.endedAt)}` : ''}</span></td><td>${x.reason ?? ''}</td><td>${x.managedHow ?? ''}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">None recorded.</p>`
}
</section>`,
      ),
    );
  });

  router.get('/reports/timeliness.csv', web.requireSignedIn, managers, async (req, res) => {
    const r = await services.reports.timeliness({ ...callerOf(req.principal!), channel: 'export' }, reportQuery(req));
    const refusals = (req.query as Record<string, unknown>).part === 'refusals';
    res
      .type('text/csv; charset=utf-8')
      .attachment(`careloop-${refusals ? 'refusals' : 'timeliness'}-${r.period.from.slice(0, 10)}_${r.period.to.slice(0, 10)}.csv`)
      .send(refusals ? refusalsCsv(r) : figuresCsv(r));
  });

  router.get('/participants/:id/audit.csv', web.requireSignedIn, async (req, res) => {
    const audit = await services.audit.trail({ ...callerOf(req.principal!), channel: 'export' }, String(req.params.id), {});
    res.type('text/csv; charset=utf-8').attachment(`careloop-audit-${audit.participant.localRef.replace(/[^\w.-]+/g, '_')}.csv`).send(participantAuditCsv(audit));
  });

  return router;
}
