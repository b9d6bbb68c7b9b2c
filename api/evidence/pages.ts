// Managers' pages: the dashboard (roster, a timeline per open sprint, the live list), the huddle
// roster on its own (to put on the screen in the huddle), and the evidence report with its CSVs.
// Every figure comes from the same services as the API; only managers and admins see them.
import { Router, type Request, type Response } from 'express';
import { formatInstant, instantToZonedLocal } from '../../domain/format';
import { AppError } from '../errors';
import type { SprintState } from '../../domain/sprint';
import { z } from 'zod';
import { html, page, SafeHtml } from '../html';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { allowWith } from '../access';
import { callerOf } from '../sprints/service';
import type { Roster, RosterItem, RosterRow } from './roster';
import { figuresCsv, refusalsCsv, type TimelinessReport } from './reports';
import { participantAuditCsv } from './participant-audit';
import { sprintPicture } from '../sprints/present';
import { PLAN_RISK_FLAG_WORDS } from '../../domain/plan';
import { processStatusWords, processWords, RUN_STATUS_WORDS, TIER_WORDS } from '../../domain/words';
import { overdueCountOf } from '../../domain/roster';
import { MAX_LISTED, pageOfProcess, type ProcessFilter, type WorkflowListItem } from './workflow-list';

const REFRESH_SECONDS = 30;
/** Open sprints drawn on the dashboard, riskiest first; the roster lists them all. */
const MAX_TIMELINES = 6;
/** Rows on one page of the running processes. */
const PAGE_SIZE = 25;
/** Temporal's pages run forwards only: a page is read from the start of the list, so the list stops at MAX_LISTED rows. */
const MAX_PAGE = Math.ceil(MAX_LISTED / PAGE_SIZE);

/** "overdue by 2 h 5 min", "in 40 min": how far a due time is from now. */
export function relativeDue(dueIso: string, now: Date): string {
  const ms = Date.parse(dueIso) - now.getTime();
  const mins = Math.round(Math.abs(ms) / 60_000);
  const span = mins < 1 ? 'under a minute' : mins < 60 ? `${mins} min` : mins < 48 * 60 ? `${Math.floor(mins / 60)} h${mins % 60 ? ` ${mins % 60} min` : ''}` : `${Math.round(mins / 1440)} days`;
  return ms < 0 ? `overdue by ${span}` : `in ${span}`;
}

// ---------------------------------------------------------------------------------------------
// The running processes' filters: what the form offers, in words, and the codes each stands for.

const LIST_PROCESSES = ['sprint', 'plan-change', 'plan-steps', 'escalation', 'dispute'] as const;
type ListProcess = (typeof LIST_PROCESSES)[number];

/** The statuses each process publishes while listed (a plan's steps with nothing open are not listed). */
const LIST_STATUSES: Record<ListProcess, readonly string[]> = {
  sprint: ['open', 'completed', 'completed-with-gaps', 'cancelled'],
  'plan-change': ['awaiting-acknowledgements', 'acknowledged', 'superseded', 'no-acknowledgement-required'],
  'plan-steps': ['rapid-review', 'actions-open'],
  escalation: ['open', 'acknowledged', 'responded', 'resolved'],
  dispute: ['stage-1', 'stage-2', 'stage-3', 'resolved', 'decided', 'withdrawn'],
};

/** A status as the form offers it: its words (the form's value too), and the process and code each stands for. */
const STATUS_CHOICES = LIST_PROCESSES.flatMap((process) => LIST_STATUSES[process].map((code) => ({ process, code, words: processStatusWords(process, code) })));
const statusPairsOf = (words: string) => STATUS_CHOICES.filter((c) => c.words.toLowerCase() === words.trim().toLowerCase());

/** A process named in a sentence: one of them, and many. */
const PROCESS_ONE: Record<ListProcess, string> = { sprint: 'a sprint', 'plan-change': 'a plan change', 'plan-steps': 'a plan’s review and actions', escalation: 'an escalation', dispute: 'a dispute' };
const PROCESS_MANY: Record<ListProcess, string> = { sprint: 'sprints', 'plan-change': 'plan changes', 'plan-steps': 'plan reviews and actions', escalation: 'escalations', dispute: 'disputes' };
const aProcess = (process: string) => PROCESS_ONE[process as ListProcess] ?? 'this process';

const STATES = { running: 'Running', closed: 'Closed', any: 'Running or closed' } as const;

/** The dashboard's filters as its form sends them: every field optional, empty meaning "any". */
const ZDashboardQuery = z.object({
  process: z.union([z.literal(''), z.enum(LIST_PROCESSES)], { message: 'Choose a process from the list' }).optional(),
  status: z.string({ message: 'Choose a status from the list' }).max(80, 'Choose a status from the list').optional(),
  participant: z
    .string({ message: 'Enter one participant reference' })
    .trim()
    .max(64, 'The participant reference must be 64 characters or fewer')
    .regex(/^[\w./-]*$/, 'Enter the participant reference using only letters, digits and - _ / .')
    .optional(),
  agency: z.string({ message: 'Choose an agency from the list' }).regex(/^[\w-]{0,64}$/, 'Choose an agency from the list').optional(),
  overdue: z.union([z.literal(''), z.literal('yes')], { message: 'Tick “Overdue only”, or leave it empty' }).optional(),
  state: z.enum(['running', 'closed', 'any'], { message: 'Choose running, closed, or running or closed' }).optional(),
  page: z.coerce.number({ message: `The page must be a number from 1 to ${MAX_PAGE}` }).int(`The page must be a number from 1 to ${MAX_PAGE}`).min(1, `The page must be a number from 1 to ${MAX_PAGE}`).max(MAX_PAGE, `The list shows ${MAX_PAGE} pages at most: narrow it with the filters`).optional(),
});

/** The form's values as a person sent them (kept when one is wrong), with "any" as empty. */
interface DashboardValues {
  process: string;
  status: string;
  participant: string;
  agency: string;
  overdue: string;
  state: string;
}
const NO_FILTERS: DashboardValues = { process: '', status: '', participant: '', agency: '', overdue: '', state: 'running' };
const FILTER_FIELDS = ['process', 'status', 'participant', 'agency', 'overdue', 'state'] as const;
const filterId = (field: string) => `filter-${field}`;

/** The address of the list with these filters (only those that are not "any"), on page `n`. */
function listHref(v: Partial<DashboardValues>, n = 1): string {
  const q = new URLSearchParams();
  for (const f of FILTER_FIELDS) {
    const value = v[f] ?? NO_FILTERS[f];
    if (value && value !== NO_FILTERS[f]) q.set(f, value);
  }
  if (n > 1) q.set('page', String(n));
  const qs = q.toString();
  return `/dashboard${qs ? `?${qs}` : ''}#processes`;
}

const sameFilters = (a: DashboardValues, b: Partial<DashboardValues>) => FILTER_FIELDS.every((f) => a[f] === (b[f] ?? NO_FILTERS[f]));

/** A tile: its words, the filters it opens the list with, and whether a number above zero is bad news. */
const TILES: { label: string; filters: Partial<DashboardValues>; warn?: boolean }[] = [
  { label: 'Running processes', filters: {} },
  { label: 'Overdue now', filters: { overdue: 'yes' }, warn: true },
  { label: 'Sprints open', filters: { process: 'sprint', status: processStatusWords('sprint', 'open') } },
  { label: 'Plan changes waiting for acknowledgements', filters: { process: 'plan-change', status: processStatusWords('plan-change', 'awaiting-acknowledgements') } },
  { label: 'Plan reviews and actions open', filters: { process: 'plan-steps' } },
  { label: 'Escalations open', filters: { process: 'escalation' } },
  { label: 'Disputes open', filters: { process: 'dispute' } },
];

// ---------------------------------------------------------------------------------------------
// The evidence report's period: two dates as GOV.UK's date input asks for them (day, month, year).

const DATE_PARTS = ['day', 'month', 'year'] as const;
type DatePart = (typeof DATE_PARTS)[number];
type DateName = 'from' | 'to';
const DATE_WORDS: Record<DateName, string> = { from: 'start date', to: 'end date' };
/** The longest period the report covers (api/evidence/reports.ts holds it too). */
const MAX_PERIOD_DAYS = 400;
interface DateProblem {
  date: DateName;
  /** The fields the problem is in: the summary links the first. */
  parts: DatePart[];
  message: string;
}
const dateFieldId = (date: DateName, part: DatePart) => `${date}-${part}`;
const DATE_FIELD_NAMES = (['from', 'to'] as const).flatMap((d) => DATE_PARTS.map((p) => dateFieldId(d, p)));

const ZDatePart = z.string({ message: 'Enter each part of the date once' }).trim().max(10).optional();
const ZPeriodFields = z.object(Object.fromEntries(DATE_FIELD_NAMES.map((n) => [n, ZDatePart])) as Record<string, typeof ZDatePart>);

/** One date's fields checked: the day (`2026-10-01`), or what is wrong with it in a sentence. */
function readDate(date: DateName, f: Record<string, string | undefined>): { day: string } | DateProblem {
  const words = DATE_WORDS[date];
  const got = Object.fromEntries(DATE_PARTS.map((p) => [p, f[dateFieldId(date, p)] ?? ''])) as Record<DatePart, string>;
  const missing = DATE_PARTS.filter((p) => !got[p]);
  if (missing.length === 3) return { date, parts: [...DATE_PARTS], message: `Enter the ${words}` };
  if (missing.length) return { date, parts: missing, message: `The ${words} must include ${missing.length === 1 ? `a ${missing[0]}` : `a ${missing[0]} and a ${missing[1]}`}` };
  const notNumber = DATE_PARTS.filter((p) => !/^\d+$/.test(got[p]));
  if (notNumber.length) return { date, parts: notNumber, message: `The ${words} must be a real date, written in numbers, such as 27 3 2026` };
  if (got.year.length !== 4) return { date, parts: ['year'], message: `The year of the ${words} must have 4 numbers, such as 2026` };
  const [d, m, y] = [Number(got.day), Number(got.month), Number(got.year)];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12) return { date, parts: ['month'], message: `The ${words} must be a real date: the month is a number from 1 to 12` };
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return { date, parts: ['day'], message: `The ${words} must be a real date` };
  return { day: check.toISOString().slice(0, 10) };
}

/**
 * The report's period from its form (validated with zod: each field a short string, then each
 * date checked as GOV.UK's date input pattern does). Without any date field in the address the
 * report takes its default period (or the API's `from` and `to`, from a CSV link's address).
 */
function readPeriod(raw: Record<string, unknown>): { period: Record<string, string>; values: Record<string, string> } | { problems: DateProblem[]; values: Record<string, string> } | { none: true } {
  if (!DATE_FIELD_NAMES.some((n) => n in raw)) return { none: true };
  const values = Object.fromEntries(DATE_FIELD_NAMES.map((n) => [n, typeof raw[n] === 'string' ? (raw[n] as string) : ''])) as Record<string, string>;
  const parsed = ZPeriodFields.safeParse(Object.fromEntries(DATE_FIELD_NAMES.map((n) => [n, raw[n]])));
  if (!parsed.success) {
    const names = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    return { values, problems: (['from', 'to'] as const).flatMap((date) => { const parts = DATE_PARTS.filter((p) => names.has(dateFieldId(date, p))); return parts.length ? [{ date, parts, message: `The ${DATE_WORDS[date]} must be a real date` }] : []; }) };
  }
  const f = parsed.data as Record<string, string | undefined>;
  const from = readDate('from', f);
  const to = readDate('to', f);
  const problems = [from, to].filter((d): d is DateProblem => 'message' in d);
  if (problems.length) return { values, problems };
  const [a, b] = [(from as { day: string }).day, (to as { day: string }).day];
  if (b < a) return { values, problems: [{ date: 'to', parts: [...DATE_PARTS], message: 'The end date must be the same as or after the start date' }] };
  if ((Date.parse(b) - Date.parse(a)) / 86_400_000 + 1 > MAX_PERIOD_DAYS) return { values, problems: [{ date: 'from', parts: [...DATE_PARTS], message: `The period must be ${MAX_PERIOD_DAYS} days or fewer: choose a later start date or an earlier end date` }] };
  return { values, period: { from: a, to: b } };
}

function dateErrorSummary(problems: DateProblem[]): SafeHtml | string {
  return problems.length
    ? html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${problems.map((p) => html`<li><a href="#${dateFieldId(p.date, p.parts[0] ?? 'day')}">${p.message}</a></li>`)}</ul>
</div>`
    : '';
}

/** The two dates as GOV.UK date inputs: a fieldset per date, its legend the question, day / month / year labelled. */
function periodForm(values: Record<string, string>, problems: DateProblem[]): SafeHtml {
  const WIDTH: Record<DatePart, string> = { day: '3.5em', month: '3.5em', year: '5.5em' };
  const dateInput = (date: DateName, legend: string, hint: string) => {
    const problem = problems.find((p) => p.date === date);
    const errorId = `${date}-error`;
    return html`<fieldset class="date${problem ? ' has-error' : ''}" role="group" aria-describedby="${date}-hint${problem ? ` ${errorId}` : ''}">
  <legend>${legend}</legend>
  <p class="hint" id="${date}-hint">${hint}</p>
  ${problem ? html`<p class="field-error" id="${errorId}"><span class="visually-hidden">Error: </span>${problem.message}</p>` : ''}
  <div style="display:flex;flex-wrap:wrap;gap:.8rem">${DATE_PARTS.map(
    (part) => html`<div><label for="${dateFieldId(date, part)}" style="margin:0 0 .2rem">${part.charAt(0).toUpperCase()}${part.slice(1)}</label>
    <input type="text" inputmode="numeric" id="${dateFieldId(date, part)}" name="${dateFieldId(date, part)}" value="${values[dateFieldId(date, part)] ?? ''}" maxlength="${part === 'year' ? 4 : 2}" style="width:${WIDTH[part]}"${part === 'day' ? html` autocomplete="off"` : ''}${problem?.parts.includes(part) ? html` aria-invalid="true"` : ''}></div>`,
  )}</div>
</fieldset>`;
  };
  return html`<form method="get" action="/reports/timeliness" class="report-period" novalidate>
  ${dateInput('from', 'Start date', 'The first day the report covers. For example, 1 10 2026')}
  ${dateInput('to', 'End date', 'The last day the report covers, included. For example, 31 10 2026')}
  <button type="submit">Show the report</button>
</form>`;
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
    return html`${tiers.map((t) => html`<span class="badge risk-${t}">${f.escalations[t]} ${TIER_WORDS[t].toLowerCase()} escalation${f.escalations[t] > 1 ? 's' : ''}</span> `)}${
      f.overdue ? html`<span class="badge tone-overdue">${f.overdue} overdue</span> ` : ''
    }${f.recentDischargeAt ? html`<span class="badge tone-open">discharged ${when(f.recentDischargeAt)}</span> ` : ''}${
      f.unacknowledgedPlanChanges ? html`<span class="badge tone-reminded">${f.unacknowledgedPlanChanges} plan change${f.unacknowledgedPlanChanges > 1 ? 's' : ''} unacknowledged</span> ` : ''
    }${f.openDisputes ? html`<span class="badge tone-refused">${f.openDisputes} dispute${f.openDisputes > 1 ? 's' : ''}</span> ` : ''}${(f.planRisks ?? []).map(
      (p) => html`<span class="badge tone-reminded" title="From the person's plan">${PLAN_RISK_FLAG_WORDS[p]}</span> `,
    )}`;
  };

  // Every item opens its own page: the sprint's, the escalation's, the dispute's or the plan's; never the API.
  const itemCell = (i: RosterItem | undefined): SafeHtml => {
    if (!i) return html`<span class="muted">—</span>`;
    const href = pageOfProcess(i.process, i.workflowId);
    return html`${href ? html`<a href="${href}">${i.action}</a>` : i.action}<br><span class="muted">${processWords(i.process)} · ${processStatusWords(i.process, i.status)}</span>`;
  };
  const dueCell = (i: RosterItem | undefined, at: Date): SafeHtml =>
    i?.dueAt ? html`${when(i.dueAt)}<br><span class="${i.overdue ? 'overdue' : 'muted'}">${relativeDue(i.dueAt, at)}</span>` : html`<span class="muted">—</span>`;

  const rosterTable = (roster: Roster, at: Date): SafeHtml =>
    roster.rows.length
      ? html`<table class="roster" id="roster">
  <thead><tr><th scope="col">#</th><th scope="col">Participant</th><th scope="col">Risk flags</th><th scope="col">Next action</th><th scope="col">Owner</th><th scope="col">Due</th></tr></thead>
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

  // -------------------------------------------------------------------------------------------
  // The dashboard: tiles that open the list filtered, the running processes, the roster, the sprints' pictures.

  type Problem = { field: string; message: string };


  /** The form's values, checked: the filter for the list, or the problems to show at the top. */
  async function readFilters(raw: Record<string, unknown>, agencies: { id: string }[], at: Date) {
    const kept: DashboardValues = { ...NO_FILTERS };
    for (const f of FILTER_FIELDS) if (typeof raw[f] === 'string') kept[f] = raw[f] as string;
    const parsed = ZDashboardQuery.safeParse(raw);
    const problems: Problem[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? 'page'), message: i.message }));
    const q = parsed.success ? parsed.data : undefined;
    const v: DashboardValues = q ? { process: q.process ?? '', status: q.status?.trim() ?? '', participant: q.participant ?? '', agency: q.agency ?? '', overdue: q.overdue ?? '', state: q.state ?? 'running' } : kept;
    let statuses: { process: string; status: string }[] | undefined;
    if (q && v.status) {
      const pairs = statusPairsOf(v.status).filter((c) => !v.process || c.process === v.process);
      if (!statusPairsOf(v.status).length) problems.push({ field: 'status', message: 'Choose a status from the list' });
      else if (!pairs.length) problems.push({ field: 'status', message: `Choose a status that ${aProcess(v.process)} can have, or “Any status”` });
      else statuses = pairs.map((c) => ({ process: c.process, status: c.code }));
    }
    if (q && v.agency && !agencies.some((a) => a.id === v.agency)) problems.push({ field: 'agency', message: 'Choose an agency from the list' });
    if (q && v.overdue && v.state === 'closed') problems.push({ field: 'overdue', message: 'Only running processes can be overdue: untick “Overdue only”, or choose running processes' });
    if (problems.length) return { values: kept, problems, page: 1 as number };
    // A reference careloop does not know lists nothing, exactly as one outside the caller's agency does.
    const participant = v.participant ? await deps.db.participant.findUnique({ where: { localRef: v.participant }, select: { id: true } }) : undefined;
    const filter: ProcessFilter = {
      ...(v.process ? { process: v.process } : {}),
      ...(statuses ? { statuses } : {}),
      ...(v.agency ? { withAgency: v.agency } : {}),
      ...(v.overdue ? { overdueAt: at } : {}),
      running: v.state as ProcessFilter['running'],
      ...(participant ? { participantId: participant.id } : {}),
    };
    return { values: v, problems, page: q?.page ?? 1, filter, nobody: !!v.participant && !participant };
  }

  const errorSummary = (problems: Problem[]): SafeHtml | string =>
    problems.length
      ? html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${problems.map((p) => html`<li><a href="#${(FILTER_FIELDS as readonly string[]).includes(p.field) ? filterId(p.field) : 'processes'}">${p.message}</a></li>`)}</ul>
</div>`
      : '';

  const filterForm = (v: DashboardValues, problems: Problem[], agencies: { id: string; name: string }[], isAdmin: boolean): SafeHtml => {
    const problemOf = (f: string) => problems.find((p) => p.field === f);
    const errorFor = (f: string) => {
      const p = problemOf(f);
      return p ? html`<p class="field-error" id="${filterId(f)}-error"><span class="visually-hidden">Error: </span>${p.message}</p>` : '';
    };
    const invalid = (f: string) => (problemOf(f) ? html` aria-invalid="true" aria-describedby="${filterId(f)}-error"` : '');
    const cls = (f: string) => (problemOf(f) ? ' class="has-error"' : '');
    const option = (value: string, label: string, chosen: string) => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`;
    return html`<form method="get" action="/dashboard#processes" class="filters" novalidate>
  <div${new SafeHtml(cls('process'))}><label for="${filterId('process')}">Process</label>${errorFor('process')}
  <select id="${filterId('process')}" name="process"${invalid('process')}>${option('', 'Any process', v.process)}${LIST_PROCESSES.map((p) => option(p, processWords(p), v.process))}</select></div>
  <div${new SafeHtml(cls('status'))}><label for="${filterId('status')}">Status</label>${errorFor('status')}
  <select id="${filterId('status')}" name="status"${invalid('status')}>${option('', 'Any status', v.status)}${LIST_PROCESSES.map(
    (p) => html`<optgroup label="${processWords(p)}">${STATUS_CHOICES.filter((c) => c.process === p).map((c) => option(c.words, c.words, v.status))}</optgroup>`,
  )}</select></div>
  <div${new SafeHtml(cls('participant'))}><label for="${filterId('participant')}">Participant reference</label>${errorFor('participant')}
  <input type="text" id="${filterId('participant')}" name="participant" value="${v.participant}" maxlength="64" autocomplete="off" spellcheck="false"${invalid('participant')}></div>
  <div${new SafeHtml(cls('agency'))}><label for="${filterId('agency')}">${isAdmin ? 'Agency' : 'Shared with agency'}</label>${errorFor('agency')}
  <select id="${filterId('agency')}" name="agency"${invalid('agency')}>${option('', 'Any agency', v.agency)}${agencies.map((a) => option(a.id, a.name, v.agency))}</select></div>
  <div${new SafeHtml(cls('state'))}><label for="${filterId('state')}">Running or closed</label>${errorFor('state')}
  <select id="${filterId('state')}" name="state"${invalid('state')}>${Object.entries(STATES).map(([k, label]) => option(k, label, v.state))}</select></div>
  <div${new SafeHtml(cls('overdue'))}>${errorFor('overdue')}<div class="checkbox"><input type="checkbox" id="${filterId('overdue')}" name="overdue" value="yes"${v.overdue === 'yes' ? html` checked` : ''}${invalid('overdue')}> <label for="${filterId('overdue')}" style="display:inline">Overdue only</label></div></div>
  <div class="filter-buttons"><button type="submit">Filter</button> <a href="/dashboard#processes">Clear filters</a></div>
</form>`;
  };

  type ListRow = WorkflowListItem;
  const processTable = (rows: ListRow[], refs: Map<string, string>, owners: Map<string, { name: string; agency: string }>, causes: Map<string, string>, at: Date): SafeHtml => html`<table class="live" id="live">
  <thead><tr><th scope="col">Process</th><th scope="col">Participant</th><th scope="col">Status</th><th scope="col">Overdue</th><th scope="col">Next step</th><th scope="col">Due</th></tr></thead>
  <tbody>${rows.map((w) => {
    const running = w.runStatus === 'running';
    const overdue = running ? overdueCountOf(w.nextDueAt, w.overdueCount, at) : 0;
    const ref = refs.get(w.participant ?? '') ?? 'someone no longer in careloop';
    const href = pageOfProcess(w.process, w.workflowId);
    const owner = running && w.nextOwnerId ? owners.get(w.nextOwnerId) : undefined;
    const status = w.status ? processStatusWords(w.process, w.status) : (RUN_STATUS_WORDS[w.runStatus.toUpperCase()] ?? 'Unknown status');
    return html`<tr class="${overdue ? 'is-overdue' : ''}" data-workflow="${w.workflowId}" data-overdue="${overdue}">
  <td data-label="Process">${href ? html`<a href="${href}">${processWords(w.process)}<span class="visually-hidden"> for ${ref}</span></a>` : processWords(w.process)}${causes.has(w.workflowId) ? html`<br><span class="muted">${causes.get(w.workflowId)}</span>` : ''}</td>
  <td data-label="Participant">${ref}</td>
  <td data-label="Status">${status}${running ? '' : html`<br><span class="muted">${RUN_STATUS_WORDS[w.runStatus.toUpperCase()] ?? ''}${w.closedAt ? ` ${when(w.closedAt)}` : ''}</span>`}</td>
  <td data-label="Overdue">${overdue ? html`<strong class="overdue">${overdue} overdue</strong>` : html`<span class="muted">None</span>`}</td>
  <td data-label="Next step">${running && w.nextAction ? html`${w.nextAction}${owner ? html`<br><span class="muted">${owner.name}${owner.agency ? `, ${owner.agency}` : ''}</span>` : ''}` : html`<span class="muted">—</span>`}</td>
  <td data-label="Due">${running && w.nextDueAt ? html`${when(w.nextDueAt)}<br><span class="${overdue ? 'overdue' : 'muted'}">${relativeDue(w.nextDueAt, at)}</span>` : html`<span class="muted">—</span>`}</td>
</tr>`;
  })}</tbody>
</table>`;

  router.get('/dashboard', web.requireSignedIn, managers, async (req, res) => {
    const caller = callerOf(req.principal!);
    const isAdmin = caller.roles.includes('admin');
    const at = now();
    const agencies = await deps.db.agency.findMany({ select: { id: true, name: true }, orderBy: [{ name: 'asc' }, { key: 'asc' }] });
    const read = await readFilters(req.query as Record<string, unknown>, agencies, at);
    const tileFilter = (t: Partial<DashboardValues>): ProcessFilter => ({
      ...(t.process ? { process: t.process } : {}),
      ...(t.status ? { statuses: statusPairsOf(t.status).map((c) => ({ process: c.process, status: c.code })) } : {}),
      ...(t.overdue ? { overdueAt: at } : {}),
      running: 'running',
    });
    const offset = (read.page - 1) * PAGE_SIZE;
    const [tiles, roster, listed, total] = await Promise.all([
      Promise.all(TILES.map((t) => services.workflows.count(caller, tileFilter(t.filters)))),
      services.roster.roster(caller, {}),
      read.filter && !read.nobody ? services.workflows.page(caller, read.filter, offset, PAGE_SIZE) : Promise.resolve({ workflows: [] as WorkflowListItem[], more: false, truncated: false }),
      read.filter && !read.nobody ? services.workflows.count(caller, read.filter) : Promise.resolve(0),
    ]);
    // A picture per open sprint, riskiest first: each is one query of the sprint's workflow.
    const sprintIds = roster.rows.flatMap((r) => r.items.filter((i) => i.process === 'sprint').map((i) => i.workflowId)).slice(0, MAX_TIMELINES);
    const ownerIds = [...new Set(listed.workflows.flatMap((w) => (w.nextOwnerId ? [w.nextOwnerId] : [])))];
    // An escalation's row names its cause ("Overdue: Medication list reconciled"), so a list of them can be told apart.
    const escalationIds = listed.workflows.filter((w) => w.process === 'escalation').map((w) => w.workflowId);
    const [sprints, refs, ownerRows, causeRows] = await Promise.all([
      Promise.all(sprintIds.map((id) => services.sprints.get(caller, id).catch(() => undefined))).then((all) => all.filter((s): s is SprintState => !!s)),
      services.workflows.participantRefs(listed),
      deps.db.staff.findMany({ where: { id: { in: ownerIds } }, select: { id: true, name: true, agency: { select: { name: true } } } }),
      escalationIds.length ? deps.db.escalation.findMany({ where: { id: { in: escalationIds } }, select: { id: true, trigger: true } }) : Promise.resolve([]),
    ]);
    const causes = new Map(causeRows.map((e) => [e.id, e.trigger]));
    const owners = new Map(ownerRows.map((o) => [o.id, { name: o.name, agency: o.agency.name }]));
    const v = read.values;
    const problems = read.problems;
    const first = offset + 1;
    const last = offset + listed.workflows.length;
    const described = [
      v.overdue ? 'overdue' : '',
      v.state === 'closed' ? 'closed' : v.state === 'any' ? 'running or closed' : 'running',
      v.process ? (PROCESS_MANY[v.process as ListProcess] ?? 'processes') : 'processes',
    ].filter(Boolean).join(' ');
    if (!problems.length) res.set('Refresh', `${REFRESH_SECONDS}; url=${listHref(v, read.page).replace(/#.*$/, '')}`);
    res.status(problems.length ? 400 : 200).type('html').send(
      page(
        { title: `${problems.length ? 'Error: ' : ''}Dashboard`, signedInAs: signedInAs(req, res), wide: true },
        html`<section class="card">
  <h1>Who owes what next</h1>
  ${errorSummary(problems)}
  <nav aria-label="Show in the list">
  <dl class="tiles">${TILES.map((t, n) => {
    const current = !problems.length && sameFilters(v, t.filters);
    const count = tiles[n] ?? 0;
    return html`<div class="${[t.warn && count ? 'overdue' : '', current ? 'current' : ''].filter(Boolean).join(' ')}"><dt><a href="${listHref(t.filters)}"${current ? html` aria-current="true"` : ''}>${t.label}</a></dt><dd>${count}</dd></div>`;
  })}</dl>
  </nav>
  <p class="muted">Each number opens the list below with its filters. Refreshes every ${REFRESH_SECONDS} seconds. Times are ${tz}. <a href="/roster">Roster only</a> · <a href="/reports/timeliness">Evidence report</a></p>
</section>
<section class="card" id="processes">
  <h2>Running processes</h2>
  ${filterForm(v, problems, agencies, isAdmin)}
  ${
    problems.length
      ? html`<p class="muted">Correct the filters above to see the list.</p>`
      : listed.workflows.length
        ? html`<p class="muted" id="live-summary">${first === 1 && !listed.more ? `${listed.workflows.length} ${described}` : `${described.charAt(0).toUpperCase()}${described.slice(1)} ${first} to ${last} of ${Math.max(total, last)}`}. Newest first.</p>
  ${processTable(listed.workflows, refs, owners, causes, at)}
  ${
    read.page > 1 || listed.more
      ? html`<nav class="pager" aria-label="Pages of the list">${read.page > 1 ? html`<a href="${listHref(v, read.page - 1)}" rel="prev">Previous page</a>` : html`<span></span>`}<span class="muted">Page ${read.page}</span>${listed.more ? html`<a href="${listHref(v, read.page + 1)}" rel="next">Next page</a>` : html`<span></span>`}</nav>`
      : ''
  }
  ${listed.truncated ? html`<p class="problem">The list pages through its first ${MAX_LISTED} processes: narrow it with the filters to see the rest.</p>` : ''}`
        : html`<p class="notice">${read.page > 1 ? html`No more processes on page ${read.page}. <a href="${listHref(v)}">Back to the first page</a>.` : sameFilters(v, {}) ? 'Nothing running.' : html`No processes match these filters. <a href="/dashboard#processes">Clear filters</a>.`}</p>`
  }
</section>
<section class="card">
  <h2>The huddle roster</h2>
  <p class="muted">Riskiest first: ${roster.sortedBy.join(', then ')}.</p>
  ${rosterTable(roster, at)}
</section>
<section class="card" id="timelines">
  <h2>Open sprints against their due times</h2>
  ${sprints.length ? sprints.map((s) => html`<article class="timeline" data-sprint="${s.sprintId}"><h3><a href="/sprints/${s.sprintId}">${s.participant.localRef}</a> <span class="muted">${s.participant.displayName} · discharged ${when(s.dischargeAt)}</span></h3>${sprintPicture(s, at, when)}</article>`) : html`<p class="muted">No open sprints.</p>`}
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
    const caller = callerOf(req.principal!);
    const raw = req.query as Record<string, unknown>;
    const asked = readPeriod(raw);
    let problems: DateProblem[] = 'problems' in asked ? asked.problems : [];
    let r: TimelinessReport | undefined;
    if (!problems.length) {
      const period = 'period' in asked ? asked.period : reportQuery(req);
      try {
        r = await services.reports.timeliness(caller, period);
      } catch (err) {
        // An address with from= and to= typed by hand: the same sentences as the form's.
        if (!(err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields)) throw err;
        problems = err.details.fields.map((f) => ({ date: f.field === 'to' ? ('to' as const) : ('from' as const), parts: [...DATE_PARTS], message: f.message.startsWith('must be before') ? 'The end date must be the same as or after the start date' : `The ${f.field === 'to' ? 'end' : 'start'} date must be a real date` }));
      }
    }
    // The fields as sent, or the period shown (its last day is the day before `to`, in the partnership's zone).
    const localDay = (instant: number) => instantToZonedLocal(new Date(instant), tz).slice(0, 10);
    const values: Record<string, string> = {};
    if ('values' in asked) Object.assign(values, asked.values);
    else if (r) {
      for (const [date, day] of [['from', localDay(Date.parse(r.period.from))], ['to', localDay(Date.parse(r.period.to) - 1)]] as const) {
        const [y, m, d] = day.split('-');
        Object.assign(values, { [`${date}-day`]: String(Number(d)), [`${date}-month`]: String(Number(m)), [`${date}-year`]: y });
      }
    }
    const form = periodForm(values, problems);
    if (!r) {
      res.status(400).type('html').send(
        page(
          { title: 'Error: Evidence report', signedInAs: signedInAs(req, res) },
          html`<section class="card"><h1>Timeliness evidence</h1>
${dateErrorSummary(problems)}
${form}
<p class="muted">Correct the dates to see the figures.</p>
</section>`,
        ),
      );
      return;
    }
    const qs = new URLSearchParams({ from: r.period.from, to: r.period.to }).toString();
    const fig = (v: number | undefined, unit = '') => (v === undefined ? '—' : `${v}${unit}`);
    const rows = (pairs: [string, string | number][]) => html`<table class="figures"><tbody>${pairs.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
    res.type('html').send(
      page(
        { title: 'Evidence report', signedInAs: signedInAs(req, res) },
        html`<section class="card"><h1>Timeliness evidence</h1>
${form}
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
    ? html`<table class="refusals"><thead><tr><th scope="col">Participant</th><th scope="col">Task</th><th scope="col">Why</th><th scope="col">How it was managed</th></tr></thead><tbody>${r.refusals.map(
        (x) => html`<tr><td data-label="Participant">${x.participantRef}</td><td data-label="Task">${x.task}<br><span class="muted">${x.owner}${x.endedAt ? `, ${when(x.endedAt)}` : ''}</span></td><td data-label="Why">${x.reason ?? ''}</td><td data-label="How it was managed">${x.managedHow ?? ''}</td></tr>`,
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
