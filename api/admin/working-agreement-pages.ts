// The working agreement's pages: the version in force in words (escalation tiers, dispute stages,
// reminders, the calendar and the holidays coming up), its history with author and reason, what
// each version changed, and the admin's form that saves the next version (GOV.UK-style errors,
// values kept). Everyone signed in reads; only an admin changes it. The service holds the rules.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { formatInstant } from '../../domain/format';
import { ROLES } from '../../domain/roles';
import { RISK_LEVELS, type RiskLevel } from '../../domain/escalation';
import { holidayRegionName, UK_HOLIDAY_REGIONS, type DatedHoliday } from '../../domain/holidays';
import {
  agreementFieldWords,
  agreementLines,
  CHAIR_ROLES,
  checkAgreement,
  reasonProblem,
  durationWords,
  parseDuration,
  RESPONDER_ROLES,
  WEEKDAY_NAMES,
  type AgreementContent,
  type AgreementVersion,
} from '../../domain/working-agreement';
import { NOT_AN_ADMIN } from './working-agreement-service';
import { ROLE_PLURAL_WORDS, ROLE_WORDS, TIER_WORDS, tierWords } from '../../domain/words';

const BASE = '/admin/working-agreement';
const LEVELS_UP = [...RISK_LEVELS].reverse();

type FormValues = Record<string, string | string[]>;

const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;
const one = (v: FormValues, name: string): string => {
  const x = v[name];
  return typeof x === 'string' ? x : Array.isArray(x) ? (x[0] ?? '') : '';
};
const many = (v: FormValues, name: string): string[] => {
  const x = v[name];
  return typeof x === 'string' ? [x] : Array.isArray(x) ? x : [];
};

/** The form's fields, as the agreement's content fills them. */
function formFromContent(c: AgreementContent): FormValues {
  const v: FormValues = {};
  for (const l of RISK_LEVELS) {
    const t = c.escalation.tiers[l];
    v[`tiers.${l}.label`] = t.label;
    v[`tiers.${l}.acknowledgeWithin`] = durationWords(t.acknowledgeWithinMinutes);
    v[`tiers.${l}.respondWithin`] = durationWords(t.respondWithinMinutes);
    v[`tiers.${l}.chairRole`] = t.chairRole;
    v[`tiers.${l}.responderRoles`] = [...t.responderRoles];
    v[`tiers.${l}.next`] = t.next ?? 'none';
  }
  v.causeGrace = durationWords(c.escalation.causeGraceMinutes);
  c.disputes.stages.forEach((s, i) => {
    v[`stages.${i}.label`] = s.label;
    v[`stages.${i}.workingDays`] = String(s.workingDays);
    v[`stages.${i}.representativeRoles`] = [...s.representativeRoles];
  });
  v['reminders.sprintLead'] = durationWords(c.reminders.sprintReminderLeadMinutes);
  v['reminders.planEvery'] = durationWords(c.reminders.planAcknowledgementReminderEveryMinutes);
  v['reminders.planDeadline'] = durationWords(c.reminders.planAcknowledgementDeadlineMinutes);
  v['reminders.rapidReview'] = durationWords(c.reminders.rapidReviewWithinMinutes);
  v['calendar.timeZone'] = c.calendar.timeZone;
  v['calendar.start'] = c.calendar.workingHours.start;
  v['calendar.end'] = c.calendar.workingHours.end;
  v['calendar.weekdays'] = c.calendar.workingWeekdays.map(String);
  v['calendar.region'] = c.calendar.holidayRegion;
  v['calendar.closures'] = c.calendar.closureDays.map((d) => `${d.date} ${d.name}`).join('\n');
  return v;
}

const DURATION_FIELDS: Record<string, string[]> = {
  causeGrace: ['escalation', 'causeGraceMinutes'],
  'reminders.sprintLead': ['reminders', 'sprintReminderLeadMinutes'],
  'reminders.planEvery': ['reminders', 'planAcknowledgementReminderEveryMinutes'],
  'reminders.planDeadline': ['reminders', 'planAcknowledgementDeadlineMinutes'],
  'reminders.rapidReview': ['reminders', 'rapidReviewWithinMinutes'],
};

/** The form's field for a field of the agreement, so a problem links to what to fix. */
function formFieldOf(path: string): string | undefined {
  const p = path.split('.');
  if (p[0] === 'escalation' && p[1] === 'tiers' && p[2]) {
    const f = p[3] === 'acknowledgeWithinMinutes' ? 'acknowledgeWithin' : p[3] === 'respondWithinMinutes' ? 'respondWithin' : p[3];
    return f ? `tiers.${p[2]}.${f}` : undefined;
  }
  if (p[0] === 'disputes' && p[1] === 'stages' && p[2] && p[3]) return `stages.${p[2]}.${p[3]}`;
  const duration = Object.entries(DURATION_FIELDS).find(([, cp]) => cp.join('.') === path);
  if (duration) return duration[0];
  if (p[0] === 'calendar') {
    const map: Record<string, string> = { timeZone: 'calendar.timeZone', workingHours: p[2] === 'start' ? 'calendar.start' : 'calendar.end', workingWeekdays: 'calendar.weekdays', holidayRegion: 'calendar.region', closureDays: 'calendar.closures' };
    return p[1] ? map[p[1]] : undefined;
  }
  if (path === 'reason') return 'reason';
  return undefined;
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const chairChoices = CHAIR_ROLES.map((r) => `a ${ROLE_WORDS[r].toLowerCase()}`).join(' or ');

/**
 * A problem the agreement's own checks found, said for this form: a tier's next tier in the
 * tiers' names rather than their codes.
 */
function formSentence(p: FieldProblem): FieldProblem {
  const next = /^tiers\.(\w+)\.next$/.exec(p.field);
  if (next) {
    const level = next[1] as RiskLevel;
    const higher = RISK_LEVELS.filter((l) => RISK_LEVELS.indexOf(l) > RISK_LEVELS.indexOf(level));
    return {
      field: p.field,
      message: higher.length
        ? `A missed window at ${tierWords(level)} must move it to a more urgent tier (${higher.map((l) => tierWords(l)).join(' or ')}) or nowhere: never down, or round in a loop.`
        : `A missed window at ${tierWords(level)} moves it nowhere: it is the most urgent tier.`,
    };
  }
  if (/^tiers\.\w+\.chairRole$/.test(p.field)) return { field: p.field, message: `Choose who chairs ${tierWords(p.field.split('.')[1]!)}: ${chairChoices}.` };
  if (/RoleS?$/i.test(p.field) && /must be among/.test(p.message)) return { field: p.field, message: 'Choose roles from the list.' };
  return p;
}

/**
 * The agreement the form describes, and the problems only the form can see (a duration that is
 * not one, a closure line without a date), by form field. Where a value cannot be read, a
 * stand-in lets the agreement's own checks still look at everything else.
 */
function contentFromForm(v: FormValues, inForce: AgreementContent): { content: AgreementContent; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  // A value the form cannot read stands in as the version in force has it, so the checks of the
  // fields around it say nothing about a value nobody typed.
  const standing = formFromContent(inForce);
  const duration = (name: string, path: string[]) => {
    const text = one(v, name);
    const minutes = parseDuration(text);
    if (minutes === undefined) {
      const what = agreementFieldWords(path);
      problems.push({ field: name, message: text.trim() ? `${what} must be a number and a unit, such as 30 minutes, 4 hours or 3 days.` : `Enter ${lower(what)}, such as 30 minutes, 4 hours or 3 days.` });
      return parseDuration(one(standing, name)) ?? 1;
    }
    return minutes;
  };
  /** A value the form must have: missing or malformed, its problem, and a stand-in that passes. */
  /** `missing` and `malformed` are whole sentences: "Enter the time zone, such as Europe/London." */
  const required = (name: string, path: (string | number)[], ok: (x: string) => boolean, standIn: string, malformed: string, missing: string) => {
    const x = one(v, name).trim();
    if (x && ok(x)) return x;
    problems.push({ field: name, message: x ? malformed : missing });
    const was = one(standing, name);
    return was && ok(was) ? was : standIn;
  };
  const label = (name: string, path: (string | number)[], missing: string) => required(name, path, (x) => x.length <= 120, 'stand-in', `${agreementFieldWords(path)} must be 120 characters or fewer.`, missing);
  const tier = (l: RiskLevel) => {
    const next = one(v, `tiers.${l}.next`);
    return {
      label: label(`tiers.${l}.label`, ['escalation', 'tiers', l, 'label'], `Say what ${tierWords(l)} means, for example “Same-day multi-agency huddle”.`),
      acknowledgeWithinMinutes: duration(`tiers.${l}.acknowledgeWithin`, ['escalation', 'tiers', l, 'acknowledgeWithinMinutes']),
      respondWithinMinutes: duration(`tiers.${l}.respondWithin`, ['escalation', 'tiers', l, 'respondWithinMinutes']),
      chairRole: required(`tiers.${l}.chairRole`, ['escalation', 'tiers', l, 'chairRole'], (x) => (CHAIR_ROLES as readonly string[]).includes(x), 'coordinator', `Choose who chairs ${tierWords(l)} from the list.`, `Choose who chairs ${tierWords(l)}: ${chairChoices}.`),
      responderRoles: many(v, `tiers.${l}.responderRoles`),
      next: !next || next === 'none' ? null : next,
    };
  };
  const stage = (i: number) => {
    const raw = one(v, `stages.${i}.workingDays`).trim();
    const days = /^-?\d{1,4}$/.test(raw) ? Number(raw) : undefined;
    if (days === undefined) problems.push({ field: `stages.${i}.workingDays`, message: raw ? `Stage ${i + 1}’s working days must be a whole number, such as 5.` : `Enter stage ${i + 1}’s working days, such as 5.` });
    return { label: label(`stages.${i}.label`, ['disputes', 'stages', i, 'label'], `Say who resolves stage ${i + 1}, for example “Service managers”.`), workingDays: days ?? inForce.disputes.stages[i]!.workingDays, representativeRoles: many(v, `stages.${i}.representativeRoles`) };
  };
  const time = (name: string, which: 'start' | 'end', standIn: string) =>
    required(
      name,
      ['calendar', 'workingHours', which],
      (x) => /^([01]\d|2[0-3]):[0-5]\d$/.test(x),
      standIn,
      `${agreementFieldWords(['calendar', 'workingHours', which])} must be a time on the 24-hour clock, such as ${which === 'start' ? '09:00' : '17:00'}.`,
      `Enter ${lower(agreementFieldWords(['calendar', 'workingHours', which]))}, such as ${which === 'start' ? '09:00' : '17:00'}.`,
    );
  const closureDays: DatedHoliday[] = [];
  one(v, 'calendar.closures')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const m = /^(\d{4}-\d{2}-\d{2})\s*(.*)$/.exec(line);
      if (!m) problems.push({ field: 'calendar.closures', message: `Closure days line ${i + 1} must start with a date such as 2027-12-24, then the day’s name.` });
      else closureDays.push({ date: m[1]!, name: m[2]!.trim() || 'Closure day' });
    });
  const content = {
    escalation: { tiers: { acute: tier('acute'), high: tier('high'), moderate: tier('moderate'), low: tier('low') }, causeGraceMinutes: duration('causeGrace', DURATION_FIELDS.causeGrace!) },
    disputes: { stages: [stage(0), stage(1), stage(2)] },
    reminders: {
      sprintReminderLeadMinutes: duration('reminders.sprintLead', DURATION_FIELDS['reminders.sprintLead']!),
      planAcknowledgementReminderEveryMinutes: duration('reminders.planEvery', DURATION_FIELDS['reminders.planEvery']!),
      planAcknowledgementDeadlineMinutes: duration('reminders.planDeadline', DURATION_FIELDS['reminders.planDeadline']!),
      rapidReviewWithinMinutes: duration('reminders.rapidReview', DURATION_FIELDS['reminders.rapidReview']!),
    },
    calendar: {
      timeZone: required('calendar.timeZone', ['calendar', 'timeZone'], () => true, 'Europe/London', '', 'Enter the time zone, such as Europe/London.'),
      workingHours: { start: time('calendar.start', 'start', '00:00'), end: time('calendar.end', 'end', '23:59') },
      workingWeekdays: many(v, 'calendar.weekdays').map(Number),
      holidayRegion: required('calendar.region', ['calendar', 'holidayRegion'], () => true, 'GB-ENG', '', 'Choose whose public holidays the calendar keeps.'),
      closureDays,
    },
  };
  return { content: content as unknown as AgreementContent, problems };
}

/** The order fields appear on the form, for the error summary. */
function formOrder(): string[] {
  const order: string[] = [];
  for (const l of LEVELS_UP) order.push(...['label', 'acknowledgeWithin', 'respondWithin', 'chairRole', 'responderRoles', 'next'].map((f) => `tiers.${l}.${f}`));
  order.push('causeGrace');
  for (const i of [0, 1, 2]) order.push(`stages.${i}.label`, `stages.${i}.workingDays`, `stages.${i}.representativeRoles`);
  order.push('reminders.sprintLead', 'reminders.planEvery', 'reminders.planDeadline', 'reminders.rapidReview');
  order.push('calendar.timeZone', 'calendar.start', 'calendar.end', 'calendar.weekdays', 'calendar.region', 'calendar.closures', 'reason');
  return order;
}

const dayWords = (date: string) => new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));

/** Public holidays and closure days in the coming twelve months, by name. */
function comingDaysOff(v: AgreementVersion, today: string): DatedHoliday[] {
  const end = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
  const closures = v.content.calendar.closureDays.map((d) => ({ ...d, name: `${d.name} (closure day)` }));
  // A holiday at a weekend the partnership does not work takes no working day (its substitute does).
  const worked = (date: string) => v.content.calendar.workingWeekdays.includes(((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1);
  return [...v.publicHolidays.days, ...closures].filter((d) => d.date >= today && d.date < end && worked(d.date)).sort((a, b) => a.date.localeCompare(b.date));
}

export function workingAgreementPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const when = (iso: string) => formatInstant(iso, deps.config.timeZone);
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const isAdmin = (req: Request) => req.principal!.roles.includes('admin');
  const agreement = services.workingAgreement;

  /** A version in words, section by section. */
  const inWords = (c: AgreementContent): SafeHtml => {
    const sections = new Map<string, { what: string; value: string }[]>();
    for (const l of agreementLines(c)) sections.set(l.section, [...(sections.get(l.section) ?? []), l]);
    return html`${[...sections.entries()].map(
      ([section, lines]) => html`<h3>${section}</h3>
  <dl class="record">${lines.map((l) => html`<dt>${l.what}</dt><dd>${l.value}</dd>`)}</dl>`,
    )}`;
  };

  const byline = (v: AgreementVersion) => html`Saved ${when(v.createdAt)} by ${v.author}. Why: “${v.reason}”`;

  // -------------------------------------------------------------------------------------------
  // The version in force, the days off coming up, and the history.

  router.get(BASE, web.requireSignedIn, async (req, res) => {
    const [current, history] = await Promise.all([agreement.inForce(), agreement.history()]);
    const saved = Number(req.query.saved);
    const today = now().toISOString().slice(0, 10);
    const daysOff = comingDaysOff(current, today);
    res.type('html').send(
      page(
        { title: 'The working agreement', signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <p class="muted"><a href="/">Home</a></p>
  <h1>The working agreement</h1>
  ${saved === current.version ? html`<p class="notice" role="status">Version ${current.version} is saved and in force. Processes started from now on use it; those already running keep the version they started under.</p>` : ''}
  <p>Version ${current.version} is in force. ${byline(current)}</p>
  <p class="muted">Each escalation, dispute, sprint and plan change keeps the version in force when it started, to the end. A change applies to processes started after it.</p>
  ${isAdmin(req) ? html`<p><a class="button" href="${BASE}/edit">Change the agreement</a></p>` : html`<p class="muted">Only an admin can change the agreement.</p>`}
</section>
<section class="card">
  <h2>Version ${current.version} in words</h2>
  ${inWords(current.content)}
</section>
<section class="card">
  <h2>Days off in the next twelve months</h2>
  <p class="muted">Public holidays for ${holidayRegionName(current.content.calendar.holidayRegion)} that fall on working days, from the maintained holiday library, and the partnership’s own closure days. Working days are counted without them.</p>
  ${daysOff.length ? html`<ul class="people">${daysOff.map((d) => html`<li><time datetime="${d.date}">${dayWords(d.date)}</time>: ${d.name}</li>`)}</ul>` : html`<p>None.</p>`}
</section>
<section class="card">
  <h2>Versions</h2>
  <ol class="timeline">${history.map(
    (v) => html`<li><strong>Version ${v.version}</strong>${v.version === current.version ? ' (in force)' : ''}: ${byline(v)} <a href="${BASE}/versions/${v.version}">${v.version === 1 ? 'Read it' : 'What changed'}</a></li>`,
  )}</ol>
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // One version: what it changed from the one before (or another), and the whole of it.

  router.get(`${BASE}/versions/:version`, web.requireSignedIn, async (req, res) => {
    const n = Number(req.params.version);
    if (!Number.isInteger(n) || n < 1) throw new AppError('NOT_FOUND', 'There is no such version of the working agreement.');
    const againstRaw = typeof req.query.against === 'string' && req.query.against ? Number(req.query.against) : undefined;
    const against = againstRaw !== undefined && Number.isInteger(againstRaw) && againstRaw >= 1 && againstRaw !== n ? againstRaw : undefined;
    const { after, before, changes } = await agreement.changes(n, against);
    const history = await agreement.history();
    const others = history.filter((v) => v.version !== n);
    res.type('html').send(
      page(
        { title: `Working agreement version ${n}`, signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <p class="muted"><a href="${BASE}">The working agreement</a></p>
  <h1>Version ${n}</h1>
  <p>${byline(after)}</p>
  ${
    before
      ? html`<h2>What changed from version ${before.version}</h2>
  ${changes.length ? html`<ul class="people changes">${changes.map((c) => html`<li><strong>${c.section}, ${c.what.charAt(0).toLowerCase()}${c.what.slice(1)}</strong>: ${c.before} → ${c.after}</li>`)}</ul>` : html`<p>Nothing differs.</p>`}`
      : html`<p class="muted">The first version: careloop’s defaults.</p>`
  }
  ${
    others.length
      ? html`<form method="get" action="${BASE}/versions/${n}" class="filters" novalidate>
    <div><label for="${fieldId('against')}">Compare with version</label>
    <select id="${fieldId('against')}" name="against">${others.map((v) => html`<option value="${v.version}"${(before?.version ?? -1) === v.version ? html` selected` : ''}>Version ${v.version}</option>`)}</select></div>
    <div class="filter-buttons"><button type="submit">Compare</button></div>
  </form>`
      : ''
  }
</section>
<section class="card">
  <h2>Version ${n} in words</h2>
  ${inWords(after.content)}
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // The admin's form: every part of the agreement, the reason, saved as the next version.

  const editForm = (req: Request, res: Response, current: AgreementVersion, values: FormValues, problems: FieldProblem[] = []) => {
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => {
      const p = problemOf(name);
      return p ? html`<p class="field-error" id="${fieldId(name)}-error">${p.message}</p>` : '';
    };
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const cls = (name: string, base = 'field') => `${base}${problemOf(name) ? ' has-error' : ''}`;
    const text = (name: string, label: string, hint?: string, attrs: { maxlength?: number; inputmode?: string } = {}) => html`<div class="${cls(name)}">
      <label for="${fieldId(name)}">${label}</label>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      ${errorFor(name)}
      <input type="text" id="${fieldId(name)}" name="${name}" value="${one(values, name)}" maxlength="${attrs.maxlength ?? 60}"${attrs.inputmode ? html` inputmode="${attrs.inputmode}"` : ''} autocomplete="off"${invalid(name)}>
    </div>`;
    const select = (name: string, label: string, options: { value: string; label: string }[], hint?: string) => html`<div class="${cls(name)}">
      <label for="${fieldId(name)}">${label}</label>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      ${errorFor(name)}
      <select id="${fieldId(name)}" name="${name}"${invalid(name)}>${options.map((o) => html`<option value="${o.value}"${one(values, name) === o.value ? html` selected` : ''}>${o.label}</option>`)}</select>
    </div>`;
    const checkboxes = (name: string, legend: string, options: { value: string; label: string }[], hint?: string) => html`<fieldset class="${cls(name, 'radios')}"${invalid(name)}>
      <legend>${legend}</legend>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      ${errorFor(name)}
      ${options.map(
        (o, i) => html`<div class="radio"><input type="checkbox" id="${i === 0 ? fieldId(name) : `${fieldId(name)}-${o.value}`}" name="${name}" value="${o.value}"${many(values, name).includes(o.value) ? html` checked` : ''}>
        <label for="${i === 0 ? fieldId(name) : `${fieldId(name)}-${o.value}`}">${o.label}</label></div>`,
      )}
    </fieldset>`;
    const roleOptions = (roles: readonly string[]) => roles.map((r) => ({ value: r, label: (ROLE_PLURAL_WORDS as Record<string, string>)[r] ?? 'Another role' }));
    const order = formOrder();
    const sorted = [...problems].sort((a, b) => (order.indexOf(a.field) + 1 || 999) - (order.indexOf(b.field) + 1 || 999));
    const summary = sorted.length
      ? html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${sorted.map((p) => html`<li>${order.includes(p.field) ? html`<a href="#${fieldId(p.field)}">${p.message}</a>` : p.message}</li>`)}</ul>
</div>`
      : '';
    const regions = [...new Set([...UK_HOLIDAY_REGIONS, one(values, 'calendar.region')].filter(Boolean))];
    const durationHint = 'A number and a unit: 30 minutes, 4 hours, 3 days.';
    return page(
      { title: sorted.length ? 'Error: Change the working agreement' : 'Change the working agreement', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  <p class="muted"><a href="${BASE}">The working agreement</a></p>
  ${summary}
  <h1>Change the working agreement</h1>
  <p>You are changing version ${current.version}. Saving makes version ${current.version + 1}, in force for processes started from then on; those already running keep the version they started under. The change and your reason go into the audit trail.</p>
  <form method="post" action="${BASE}/edit" class="escalation-form agreement-form" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <input type="hidden" name="basedOn" value="${one(values, 'basedOn') || String(current.version)}">
    <h2>Escalation tiers</h2>
    <p class="hint">Each window counts from when an escalation enters the tier. A missed window moves it to its next tier, which must be more urgent.</p>
    ${LEVELS_UP.map(
      (l) => html`<fieldset>
      <legend>${TIER_WORDS[l]} tier</legend>
      ${text(`tiers.${l}.label`, 'What it means', 'For example “Same-day multi-agency huddle”.', { maxlength: 120 })}
      ${text(`tiers.${l}.acknowledgeWithin`, 'The chair takes ownership within', durationHint)}
      ${text(`tiers.${l}.respondWithin`, 'The response action is recorded within', durationHint)}
      ${select(`tiers.${l}.chairRole`, 'Chaired by', [{ value: '', label: 'Choose a role' }, ...CHAIR_ROLES.map((r) => ({ value: r, label: `A ${ROLE_WORDS[r].toLowerCase()}` }))])}
      ${checkboxes(`tiers.${l}.responderRoles`, 'Also told', roleOptions(RESPONDER_ROLES), 'Holders of these roles at the agencies involved hear of it besides the chair.')}
      ${select(`tiers.${l}.next`, 'A missed window moves it to', [{ value: 'none', label: 'Nowhere (the top tier)' }, ...LEVELS_UP.filter((x) => x !== l).map((x) => ({ value: x, label: `The ${TIER_WORDS[x].toLowerCase()} tier` }))])}
    </fieldset>`,
    )}
    ${text('causeGrace', 'Once its cause has ended, the chair confirms an escalation’s outcome within', `${durationHint} Then careloop records it.`)}
    <h2>Dispute stages</h2>
    <p class="hint">Working days on the calendar below. Stage 3 is partnership governance: its decision binds every party.</p>
    ${[0, 1, 2].map(
      (i) => html`<fieldset>
      <legend>Stage ${i + 1}</legend>
      ${text(`stages.${i}.label`, 'Who resolves it', undefined, { maxlength: 120 })}
      ${text(`stages.${i}.workingDays`, 'Working days', undefined, { maxlength: 4, inputmode: 'numeric' })}
      ${checkboxes(`stages.${i}.representativeRoles`, 'Each agency is represented by', roleOptions(ROLES))}
    </fieldset>`,
    )}
    <h2>Reminders</h2>
    ${text('reminders.sprintLead', 'A sprint task’s owner is reminded this long before it is due', durationHint)}
    ${text('reminders.planEvery', 'A plan change not yet acknowledged is reminded every', durationHint)}
    ${text('reminders.planDeadline', 'Missing plan acknowledgements are escalated to the plan-holder after', durationHint)}
    ${text('reminders.rapidReview', 'After an incident, hospital discharge or safeguarding change, the whole plan is reviewed within', durationHint)}
    <h2>Calendar</h2>
    ${text('calendar.timeZone', 'Time zone', 'Working hours are clock times here, for example Europe/London.', { maxlength: 64 })}
    ${text('calendar.start', 'Working hours start', '24-hour clock, for example 09:00.', { maxlength: 5 })}
    ${text('calendar.end', 'Working hours end', 'For example 17:00. A stage’s deadline is the end of working hours on its last day.', { maxlength: 5 })}
    ${checkboxes('calendar.weekdays', 'Working days of the week', WEEKDAY_NAMES.map((d, i) => ({ value: String(i + 1), label: d })))}
    ${select(
      'calendar.region',
      'Public holidays',
      regions.map((r) => ({ value: r, label: r === 'GB-ENG' ? 'England and Wales' : r === 'GB-WLS' ? 'Wales (the same as England)' : holidayRegionName(r).replace(', United Kingdom', '') })),
      'From the maintained holiday library, with substitute days when a holiday falls at a weekend.',
    )}
    <div class="${cls('calendar.closures')}">
      <label for="${fieldId('calendar.closures')}">Closure days (optional)</label>
      <p class="hint">The partnership’s own days off, one a line: the date, then its name. For example “2027-12-24 Christmas Eve closure”.</p>
      ${errorFor('calendar.closures')}
      <textarea id="${fieldId('calendar.closures')}" name="calendar.closures" rows="4" maxlength="8000"${invalid('calendar.closures')}>${one(values, 'calendar.closures')}</textarea>
    </div>
    <h2>Why</h2>
    <div class="${cls('reason')}">
      <label for="${fieldId('reason')}">Why the agreement changes</label>
      <p class="hint">For example “Partnership board, 12 March: high-tier response within 2 hours”. It is kept with the version and in the audit trail.</p>
      ${errorFor('reason')}
      <textarea id="${fieldId('reason')}" name="reason" rows="3" maxlength="2000"${invalid('reason')}>${one(values, 'reason')}</textarea>
    </div>
    <div class="actions-row"><button type="submit">Save as version ${current.version + 1}</button> <a href="${BASE}">Cancel</a></div>
  </form>
</section>`,
    );
  };

  const requireAdmin = (req: Request) => {
    if (!isAdmin(req)) throw new AppError('FORBIDDEN', NOT_AN_ADMIN);
  };

  router.get(`${BASE}/edit`, web.requireSignedIn, async (req, res) => {
    requireAdmin(req);
    const current = await agreement.inForce();
    res.type('html').send(editForm(req, res, current, { ...formFromContent(current.content), basedOn: String(current.version) }));
  });

  router.post(`${BASE}/edit`, web.requireSignedIn, web.csrfProtection, async (req, res) => {
    requireAdmin(req);
    const values = { ...((req.body ?? {}) as FormValues) };
    delete values._csrf;
    const { content, problems } = contentFromForm(values, (await agreement.inForce()).content);
    const basedOn = Number(one(values, 'basedOn'));
    const p = req.principal!;
    const mapped = (list: readonly FieldProblem[]) => list.map((f) => formSentence({ field: formFieldOf(f.field) ?? f.field, message: f.message }));
    if (problems.length) {
      // Nothing is saved: the rest of the agreement is checked so every problem shows at once;
      // where the form could not read a value, its own problem stands in for the stand-in's.
      const checked = checkAgreement(content);
      const why = reasonProblem(one(values, 'reason'));
      const more = mapped([...('problems' in checked ? checked.problems : []), ...(why ? [why] : [])]);
      res.status(400).type('html').send(editForm(req, res, await agreement.inForce(), values, [...problems, ...more.filter((f) => !problems.some((x) => x.field === f.field))]));
      return;
    }
    try {
      const saved = await agreement.change({ staffId: p.staffId, name: p.name, email: p.email, roles: p.roles }, { content, reason: one(values, 'reason'), ...(Number.isInteger(basedOn) && basedOn > 0 ? { basedOn } : {}) });
      res.redirect(303, `${BASE}?saved=${saved.version}`);
      return;
    } catch (err) {
      if (!(err instanceof AppError) || !['INVALID_INPUT', 'CONFLICT'].includes(err.code)) throw err;
      const current = await agreement.inForce();
      let shown: FieldProblem[];
      if (err.code === 'CONFLICT') {
        // The form now builds on the version saved meanwhile; the admin's values stay as typed.
        shown = [{ field: '(agreement)', message: err.userMessage }];
        values.basedOn = String(current.version);
      } else shown = mapped(err.details?.fields ?? []);
      res.status(err.status).type('html').send(editForm(req, res, current, values, shown));
    }
  });

  return router;
}
