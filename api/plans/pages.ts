// The integrated plan's pages for signed-in staff: the list of plans in your care teams, one
// plan's page in the order of the shared template (seed 000: goals, risks, crisis triggers,
// service contacts, the actions with their owners and due dates, then what may be shared and
// with whose consent), its history and each version's acknowledgements; the diff between any two
// versions; the "Create a plan" and "Publish a change" forms, which edit the content as fields
// (each item added and removed with a button that posts the form back: no script needed); the
// stale-base view that re-applies an author's edits on the newer version; the plan-holder's
// handover; the consent form; and the plan as CSV or JSON. The plan service holds every rule,
// including what someone outside the care team may read (api/plans/service.ts, `readerOf`).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { allowWith, createAccess } from '../access';
import { callerOf, type Caller } from '../sprints/service';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { toCsv } from '../evidence/reports';
import { planStepsSectionFor } from './steps-pages';
import { formatInstant } from '../../domain/format';
import {
  CONSENT_HOW,
  CONSENT_HOW_WORDS,
  PLAN_TRIGGERS,
  PLAN_TRIGGER_WORDS,
  RAPID_REVIEW_TRIGGERS,
  RISK_LEVEL_WORDS,
  RISK_LEVELS,
  SHAREABLE_ELEMENT_WORDS,
  SHAREABLE_ELEMENTS,
  type ConsentView,
  type PlanChangeState,
  type PlanContent,
  type PlanTrigger,
  type RiskLevel,
  type ShareableElement,
} from '../../domain/plan';
import { dateWords, type PlanChangeLine, type PlanSection } from '../../domain/plan-diff';
import { CHANNEL_WORDS } from '../../domain/words';

/** At most this many items of each kind on a form: the API's own limit. */
const MAX_ITEMS = 50;
const ITEM_ID = /^[A-Za-z0-9][A-Za-z0-9\-_.]{0,39}$/;

const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;
const planHref = (id: string) => `/plans/${encodeURIComponent(id)}`;

/** The plan as its form holds it: every value a string, as typed, so a form with problems comes back as it was sent. */
interface Draft {
  goals: { id: string; text: string }[];
  /** `flags`: whatever else a risk carries that the form does not edit (the roster's risk flags), kept as it was. */
  risks: { id: string; description: string; level: string; flags: string }[];
  triggers: string[];
  contacts: { agency: string; name: string; role: string; phone: string }[];
  actions: { id: string; description: string; agency: string; owner: string; due: string }[];
}

type Kind = 'goal' | 'risk' | 'trigger' | 'contact' | 'action';
const KIND_WORDS: Record<Kind, string> = { goal: 'goal', risk: 'risk', trigger: 'crisis trigger', contact: 'service contact', action: 'action' };
const KIND_PREFIX: Record<'goal' | 'risk' | 'action', string> = { goal: 'g', risk: 'r', action: 'c' };

interface FormValues {
  draft: Draft;
  reason: string;
  trigger: string;
  ack: string;
  reminderEvery: string;
  acknowledgeWithin: string;
  rapidReviewWithin: string;
  /** The version the change starts from (the change form). */
  base: number;
  /** The create form. */
  localRef: string;
  displayName: string;
  planHolder: string;
}

function draftOf(c: PlanContent): Draft {
  return {
    goals: c.goals.map((g) => ({ id: g.id, text: g.text })),
    risks: c.risks.map((r) => ({ id: r.id, description: r.description, level: r.level, flags: ((r as { flags?: string[] }).flags ?? []).join(',') })),
    triggers: [...c.crisisTriggers],
    contacts: c.serviceContacts.map((s) => ({ agency: s.agencyId, name: s.name, role: s.role ?? '', phone: s.phone ?? '' })),
    actions: c.controls.map((a) => ({ id: a.id, description: a.description, agency: a.ownerAgencyId, owner: a.ownerStaffId ?? '', due: a.dueDate ?? '' })),
  };
}

/** The draft as the API's content. Blank optional fields are left out; blank required ones go on, for the service to name. */
function contentFrom(d: Draft, share: readonly ShareableElement[]): PlanContent {
  return {
    goals: d.goals.map((g) => ({ id: g.id, text: g.text })),
    risks: d.risks.map((r) => ({ id: r.id, description: r.description, ...(r.level ? { level: r.level as RiskLevel } : {}), ...(r.flags ? { flags: r.flags.split(',') } : {}) }) as PlanContent['risks'][number]),
    crisisTriggers: [...d.triggers],
    serviceContacts: d.contacts.map((c) => ({ agencyId: c.agency, name: c.name, ...(c.role.trim() ? { role: c.role } : {}), ...(c.phone.trim() ? { phone: c.phone } : {}) })),
    controls: d.actions.map((a) => ({ id: a.id, description: a.description, ownerAgencyId: a.agency, ...(a.owner ? { ownerStaffId: a.owner } : {}), ...(a.due.trim() ? { dueDate: a.due.trim() } : {}) })),
    shareBeyondCareTeam: [...share],
  };
}

type Body = Record<string, unknown>;
const str = (b: Body, name: string): string => {
  const v = b[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
};
const all = (b: Body, name: string): string[] => {
  const v = b[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};
const idList = (b: Body, name: string) =>
  str(b, name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => ITEM_ID.test(s))
    .slice(0, MAX_ITEMS);
const countOf = (b: Body, name: string) => Math.min(MAX_ITEMS, Math.max(0, Number.parseInt(str(b, name), 10) || 0));

/** Reads the form back: its hidden id lists and counts say how many of each item it holds. */
function draftFrom(b: Body): Draft {
  return {
    goals: idList(b, 'goal-ids').map((id, i) => ({ id, text: str(b, `goal-${i}-text`) })),
    risks: idList(b, 'risk-ids').map((id, i) => ({ id, description: str(b, `risk-${i}-description`), level: str(b, `risk-${i}-level`), flags: str(b, `risk-${i}-flags`).replace(/[^\w,-]/g, '').slice(0, 200) })),
    triggers: Array.from({ length: countOf(b, 'trigger-count') }, (_, i) => str(b, `trigger-${i}`)),
    contacts: Array.from({ length: countOf(b, 'contact-count') }, (_, i) => ({ agency: str(b, `contact-${i}-agency`), name: str(b, `contact-${i}-name`), role: str(b, `contact-${i}-role`), phone: str(b, `contact-${i}-phone`) })),
    actions: idList(b, 'action-ids').map((id, i) => ({ id, description: str(b, `action-${i}-description`), agency: str(b, `action-${i}-agency`), owner: str(b, `action-${i}-owner`), due: str(b, `action-${i}-due`) })),
  };
}

function valuesFrom(b: Body): FormValues {
  return {
    draft: draftFrom(b),
    reason: str(b, 'reason'),
    trigger: str(b, 'trigger'),
    ack: str(b, 'ack'),
    reminderEvery: str(b, 'timing-reminderEvery'),
    acknowledgeWithin: str(b, 'timing-acknowledgeWithin'),
    rapidReviewWithin: str(b, 'timing-rapidReviewWithin'),
    base: Number.parseInt(str(b, 'base'), 10) || 0,
    localRef: str(b, 'localRef'),
    displayName: str(b, 'displayName'),
    planHolder: str(b, 'planHolder'),
  };
}

/** A fresh short id for a new item, never one any version of the plan used (the diff matches items by id). */
function freshId(kind: 'goal' | 'risk' | 'action', used: Set<string>): string {
  const prefix = KIND_PREFIX[kind];
  let n = 1;
  while (used.has(`${prefix}${n}`)) n += 1;
  used.add(`${prefix}${n}`);
  return `${prefix}${n}`;
}

/** "Add another …" and "Remove …": the draft changed, and which field to put the cursor in. */
function applyIntent(d: Draft, intent: string, usedIds: readonly string[]): { draft: Draft; focus?: string } | undefined {
  const m = /^(add|remove)-(goal|risk|trigger|contact|action)(?:-(\d{1,2}))?$/.exec(intent);
  if (!m) return undefined;
  const [, verb, kind, index] = m as unknown as [string, 'add' | 'remove', Kind, string | undefined];
  const draft: Draft = structuredClone(d);
  const used = new Set([...usedIds, ...draft.goals.map((g) => g.id), ...draft.risks.map((r) => r.id), ...draft.actions.map((a) => a.id)]);
  const list = { goal: draft.goals, risk: draft.risks, trigger: draft.triggers, contact: draft.contacts, action: draft.actions }[kind] as unknown[];
  if (verb === 'remove') {
    const i = Number(index);
    if (Number.isInteger(i) && i >= 0 && i < list.length) list.splice(i, 1);
    return { draft, focus: `add-${kind}` };
  }
  if (list.length >= MAX_ITEMS) return { draft };
  const i = list.length;
  if (kind === 'goal') draft.goals.push({ id: freshId('goal', used), text: '' });
  if (kind === 'risk') draft.risks.push({ id: freshId('risk', used), description: '', level: '', flags: '' });
  if (kind === 'trigger') draft.triggers.push('');
  if (kind === 'contact') draft.contacts.push({ agency: '', name: '', role: '', phone: '' });
  if (kind === 'action') draft.actions.push({ id: freshId('action', used), description: '', agency: '', owner: '', due: '' });
  const first = { goal: 'text', risk: 'description', trigger: '', contact: 'agency', action: 'description' }[kind];
  return { draft, focus: fieldId(first ? `${kind}-${i}-${first}` : `${kind}-${i}`) };
}

const SECTION_ORDER: PlanSection[] = ['goals', 'risks', 'crisisTriggers', 'serviceContacts', 'controls', 'sharing'];
const SECTION_WORDS: Record<PlanSection, string> = { ...SHAREABLE_ELEMENT_WORDS, sharing: 'Sharing beyond the care team' };
const KIND_BADGE: Record<PlanChangeLine['kind'], string> = { added: 'Added', removed: 'Removed', changed: 'Changed' };

const ZDiffQuery = z.object({
  from: z.coerce.number({ message: 'must be a version number' }).int('must be a version number').min(1, 'must be a version number'),
  to: z.coerce.number({ message: 'must be a version number' }).int('must be a version number').min(1, 'must be a version number'),
});
const ZVersionParam = z.coerce.number().int().min(1).max(100_000);

export function planPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const plans = services.plans;
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);
  const access = createAccess({ db: deps.db, now: deps.now });
  const signedInAs = (req: Request, res: Response) => ({ name: req.principal!.name, email: req.principal!.email, csrfToken: web.csrfToken(req, res) });
  const idOf = (req: Request) => String(req.params.id).slice(0, 64);
  const coordinators = allowWith('Only coordinators can create a plan.', 'coordinator');
  const csrfField = (req: Request, res: Response) => html`<input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">`;

  // -------------------------------------------------------------------------------------------
  // Problems, in sentences, each pointing at its field.

  interface FormProblem {
    /** The form field's name, when there is one to link to. */
    field?: string;
    message: string;
    /** Markup for a problem that carries a link of its own (a plan that already exists). */
    rich?: SafeHtml;
  }

  const SECTIONS: Record<string, Kind> = { goals: 'goal', risks: 'risk', crisisTriggers: 'trigger', serviceContacts: 'contact', controls: 'action' };
  const TIMING_LABELS: Record<string, string> = { reminderEvery: 'Remind every', acknowledgeWithin: 'Acknowledge within', rapidReviewWithin: 'Rapid review within' };

  /** A service's field problem (`content.risks.1.level`) as the form's field (`risk-1-level`) and a sentence. */
  function formProblem(p: FieldProblem, names: (id: string) => string, draft: Draft): FormProblem {
    const required = p.message.startsWith('is required');
    const m = /^content\.(goals|risks|crisisTriggers|serviceContacts|controls)(?:\.(\d+)(?:\.(\w+))?)?$/.exec(p.field);
    if (m) {
      const kind = SECTIONS[m[1]!]!;
      if (m[2] === undefined) return { message: `There ${p.message.includes('at most') ? 'are too many items in' : 'is a problem with'} ${SHAREABLE_ELEMENT_WORDS[m[1] as ShareableElement].toLowerCase()}: ${p.message}.` };
      const i = Number(m[2]);
      const n = i + 1;
      const prop = m[3];
      switch (kind) {
        case 'goal':
          return { field: `goal-${i}-text`, message: required ? `Enter goal ${n}, or remove it.` : `Goal ${n} ${p.message}.` };
        case 'risk':
          if (prop === 'level') return { field: `risk-${i}-level`, message: `Choose the level of risk ${n}.` };
          return { field: `risk-${i}-description`, message: required ? `Describe risk ${n}, or remove it.` : `The description of risk ${n} ${p.message}.` };
        case 'trigger':
          return { field: `trigger-${i}`, message: required ? `Describe crisis trigger ${n}, or remove it.` : `Crisis trigger ${n} ${p.message}.` };
        case 'contact':
          if (prop === 'agencyId') return { field: `contact-${i}-agency`, message: required ? `Choose the agency of service contact ${n}.` : `The agency of service contact ${n} is not one careloop knows: choose one from the list.` };
          if (prop === 'name') return { field: `contact-${i}-name`, message: required ? `Enter the name of service contact ${n}.` : `The name of service contact ${n} ${p.message}.` };
          if (prop === 'role') return { field: `contact-${i}-role`, message: `The role of service contact ${n} ${p.message}.` };
          return { field: `contact-${i}-phone`, message: `The phone number of service contact ${n} ${p.message}.` };
        case 'action': {
          if (prop === 'ownerAgencyId') return { field: `action-${i}-agency`, message: required ? `Choose the agency that owns action ${n}.` : `The agency that owns action ${n} is not one careloop knows: choose one from the list.` };
          if (prop === 'ownerStaffId') {
            const a = draft.actions[i];
            if (p.message.startsWith('does not work for') && a) return { field: `action-${i}-owner`, message: `${names(a.owner)} does not work for ${names(a.agency)}: choose someone from that agency for action ${n}, or leave it to the agency.` };
            return { field: `action-${i}-owner`, message: `The person chosen for action ${n} is not an active member of staff: choose someone else, or leave it to the agency.` };
          }
          if (prop === 'dueDate') return { field: `action-${i}-due`, message: `Enter the due date of action ${n} as a date, for example 1 December 2026.` };
          return { field: `action-${i}-description`, message: required ? `Describe action ${n}, or remove it.` : `The description of action ${n} ${p.message}.` };
        }
      }
    }
    const timing = /^timing\.(\w+)$/.exec(p.field);
    if (timing) return { field: `timing-${timing[1]}`, message: `${TIMING_LABELS[timing[1]!] ?? timing[1]} ${p.message}.` };
    switch (p.field) {
      case 'reason':
        return { field: 'reason', message: required ? 'Say why the plan is changing.' : `The reason ${p.message}.` };
      case 'trigger':
        return { field: 'trigger', message: 'Choose what triggered the change.' };
      case 'acknowledgementRequired':
        return { field: 'ack', message: 'Say whether this change alters day-to-day delivery.' };
      case 'participant.localRef':
        return { field: 'localRef', message: required ? 'Enter the person’s local reference.' : `The local reference ${p.message}.` };
      case 'participant.displayName':
        return { field: 'displayName', message: required ? 'Enter the person’s name.' : `The name ${p.message}.` };
      case 'planHolderId':
        return { field: 'planHolder', message: 'Choose an active member of staff to hold the plan.' };
      case 'baseVersion':
        return { message: 'Open the plan again and start your change from its latest version.' };
      default:
        return { message: `${p.field} ${p.message}.` };
    }
  }

  const errorSummary = (problems: FormProblem[]) =>
    problems.length
      ? html`<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul>${problems.map((p) => html`<li>${p.rich ?? (p.field ? html`<a href="#${fieldId(p.field)}">${p.message}</a>` : p.message)}</li>`)}</ul>
</div>`
      : '';

  // -------------------------------------------------------------------------------------------
  // The plan form: shared by "Create a plan" and "Publish a change".

  type Choices = Awaited<ReturnType<typeof plans.editorChoices>>;

  interface FormPage {
    mode: 'create' | 'change';
    title: string;
    action: string;
    values: FormValues;
    choices: Choices;
    problems?: FormProblem[];
    focus?: string;
    /** Above the form: the plan it changes, a stale base, a re-applied change. */
    intro?: SafeHtml;
    notice?: SafeHtml;
    conflict?: SafeHtml;
    /** The button at the end of the form, when not the usual one (a stale base: re-apply, not publish). */
    submit?: { intent: string; label: string };
    status?: number;
  }

  function planForm(req: Request, res: Response, f: FormPage): string {
    const v = f.values;
    const d = v.draft;
    const problems = f.problems ?? [];
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => {
      const p = problemOf(name);
      return p ? html`<p class="field-error" id="${fieldId(name)}-error"><span class="visually-hidden">Error:</span> ${p.message}</p>` : '';
    };
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const autofocus = (name: string) => (f.focus === fieldId(name) ? html` autofocus` : '');
    const wrap = (name: string, label: string, control: SafeHtml, hint?: string) => html`<div class="field${problemOf(name) ? ' has-error' : ''}">
  <label for="${fieldId(name)}">${label}</label>
  ${hint ? html`<p class="hint">${hint}</p>` : ''}
  ${errorFor(name)}
  ${control}
</div>`;
    const textInput = (name: string, label: string, value: string, opts: { hint?: string; maxlength?: number; type?: string } = {}) =>
      wrap(name, label, html`<input type="${opts.type ?? 'text'}" id="${fieldId(name)}" name="${name}" value="${value}" maxlength="${opts.maxlength ?? 500}" autocomplete="off"${invalid(name)}${autofocus(name)}>`, opts.hint);
    const textArea = (name: string, label: string, value: string, opts: { hint?: string; maxlength?: number; rows?: number } = {}) =>
      wrap(name, label, html`<textarea id="${fieldId(name)}" name="${name}" rows="${opts.rows ?? 2}" maxlength="${opts.maxlength ?? 500}"${invalid(name)}${autofocus(name)}>${value}</textarea>`, opts.hint);
    const agencySelect = (name: string, label: string, chosen: string, hint?: string) =>
      wrap(
        name,
        label,
        html`<select id="${fieldId(name)}" name="${name}"${invalid(name)}${autofocus(name)}>
  <option value="">Choose an agency…</option>
  ${f.choices.agencies.map((a) => html`<option value="${a.id}"${a.id === chosen || a.key === chosen ? html` selected` : ''}>${a.name}</option>`)}
</select>`,
        hint,
      );
    const byAgency = f.choices.agencies.map((a) => ({ agency: a, staff: f.choices.staff.filter((s) => s.agencyId === a.id) })).filter((g) => g.staff.length);
    const personSelect = (name: string, label: string, chosen: string, empty: string, hint?: string) =>
      wrap(
        name,
        label,
        html`<select id="${fieldId(name)}" name="${name}"${invalid(name)}${autofocus(name)}>
  <option value="">${empty}</option>
  ${byAgency.map((g) => html`<optgroup label="${g.agency.name}">${g.staff.map((s) => html`<option value="${s.id}"${s.id === chosen ? html` selected` : ''}>${s.name}</option>`)}</optgroup>`)}
</select>`,
        hint,
      );
    const removeButton = (kind: Kind, i: number) => html`<button type="submit" class="link-button remove" name="intent" value="remove-${kind}-${i}">Remove ${KIND_WORDS[kind]} ${i + 1}</button>`;
    const addButton = (kind: Kind, words: string) =>
      html`<p><button type="submit" class="secondary" id="${fieldId(`add-${kind}`)}" name="intent" value="add-${kind}"${f.focus === `add-${kind}` ? html` autofocus` : ''}>${words}</button></p>`;
    const none = (words: string) => html`<p class="muted">${words}</p>`;

    const goals = html`<fieldset class="items" id="goals">
  <legend>Goals</legend>
  <p class="hint">The person’s own goals and the shared ones, in their words where you can.</p>
  <input type="hidden" name="goal-ids" value="${d.goals.map((g) => g.id).join(',')}">
  ${d.goals.length ? '' : none('No goals yet.')}
  ${d.goals.map((g, i) => html`<div class="item">${textArea(`goal-${i}-text`, `Goal ${i + 1}`, g.text)}${removeButton('goal', i)}</div>`)}
  ${addButton('goal', d.goals.length ? 'Add another goal' : 'Add a goal')}
</fieldset>`;

    const risks = html`<fieldset class="items" id="risks">
  <legend>Risks</legend>
  <p class="hint">Each risk with its level: low, moderate, high or acute.</p>
  <input type="hidden" name="risk-ids" value="${d.risks.map((r) => r.id).join(',')}">
  ${d.risks.length ? '' : none('No risks yet.')}
  ${d.risks.map(
    (r, i) => html`<div class="item">
    ${textArea(`risk-${i}-description`, `Risk ${i + 1}`, r.description)}
    ${r.flags ? html`<input type="hidden" name="risk-${i}-flags" value="${r.flags}">` : ''}
    ${wrap(
      `risk-${i}-level`,
      `Level of risk ${i + 1}`,
      html`<select id="${fieldId(`risk-${i}-level`)}" name="risk-${i}-level"${invalid(`risk-${i}-level`)}>
      <option value="">Choose a level…</option>
      ${RISK_LEVELS.map((l) => html`<option value="${l}"${r.level === l ? html` selected` : ''}>${RISK_LEVEL_WORDS[l]}</option>`)}
    </select>`,
    )}
    ${removeButton('risk', i)}
  </div>`,
  )}
  ${addButton('risk', d.risks.length ? 'Add another risk' : 'Add a risk')}
</fieldset>`;

    const triggers = html`<fieldset class="items" id="crisis-triggers">
  <legend>Crisis triggers</legend>
  <p class="hint">What tends to come before a crisis, so anyone who sees it acts early.</p>
  <input type="hidden" name="trigger-count" value="${d.triggers.length}">
  ${d.triggers.length ? '' : none('No crisis triggers yet.')}
  ${d.triggers.map((t, i) => html`<div class="item">${textInput(`trigger-${i}`, `Crisis trigger ${i + 1}`, t, { maxlength: 300 })}${removeButton('trigger', i)}</div>`)}
  ${addButton('trigger', d.triggers.length ? 'Add another crisis trigger' : 'Add a crisis trigger')}
</fieldset>`;

    const contacts = html`<fieldset class="items" id="service-contacts">
  <legend>Service contacts</legend>
  <p class="hint">Who to call at each agency. Naming an agency here adds it to the person’s care team.</p>
  <input type="hidden" name="contact-count" value="${d.contacts.length}">
  ${d.contacts.length ? '' : none('No service contacts yet.')}
  ${d.contacts.map(
    (c, i) => html`<div class="item">
    <h3>Service contact ${i + 1}</h3>
    ${agencySelect(`contact-${i}-agency`, 'Agency', c.agency)}
    ${textInput(`contact-${i}-name`, 'Name', c.name, { maxlength: 120, hint: 'A person or a team, such as “Riverside duty line”.' })}
    ${textInput(`contact-${i}-role`, 'Role (optional)', c.role, { maxlength: 120 })}
    ${textInput(`contact-${i}-phone`, 'Phone (optional)', c.phone, { maxlength: 40, type: 'tel' })}
    ${removeButton('contact', i)}
  </div>`,
  )}
  ${addButton('contact', d.contacts.length ? 'Add another service contact' : 'Add a service contact')}
</fieldset>`;

    const actions = html`<fieldset class="items" id="actions">
  <legend>Actions</legend>
  <p class="hint">The negotiated actions: what each agency does, who owns it and by when. The owning agency joins the person’s care team; a named owner is asked to acknowledge changes.</p>
  <input type="hidden" name="action-ids" value="${d.actions.map((a) => a.id).join(',')}">
  ${d.actions.length ? '' : none('No actions yet.')}
  ${d.actions.map(
    (a, i) => html`<div class="item">
    ${textArea(`action-${i}-description`, `Action ${i + 1}`, a.description)}
    ${agencySelect(`action-${i}-agency`, `Agency that owns action ${i + 1}`, a.agency)}
    ${personSelect(`action-${i}-owner`, `Person who owns action ${i + 1} (optional)`, a.owner, 'Nobody named: the agency owns it', 'Someone from the owning agency.')}
    ${textInput(`action-${i}-due`, `Due date of action ${i + 1} (optional)`, a.due, { type: 'date', maxlength: 10, hint: 'For example 1 December 2026.' })}
    ${removeButton('action', i)}
  </div>`,
  )}
  ${addButton('action', d.actions.length ? 'Add another action' : 'Add an action')}
</fieldset>`;

    const radios = (name: string, legend: string, options: { value: string; label: string; hint?: string }[], chosen: string, hint?: string) => html`<fieldset class="radios${problemOf(name) ? ' has-error' : ''}" id="${fieldId(name)}-group">
  <legend>${legend}</legend>
  ${hint ? html`<p class="hint">${hint}</p>` : ''}
  ${errorFor(name)}
  ${options.map((o, i) => {
    const id = i === 0 ? fieldId(name) : `${fieldId(name)}-${o.value}`;
    return html`<div class="radio">
    <input type="radio" id="${id}" name="${name}" value="${o.value}"${chosen === o.value ? html` checked` : ''}${i === 0 ? invalid(name) : ''}>
    <label for="${id}">${o.label}</label>
    ${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}
  </div>`;
  })}
</fieldset>`;

    const timingOpen = !!(v.reminderEvery || v.acknowledgeWithin || v.rapidReviewWithin || problems.some((p) => p.field?.startsWith('timing-')));
    const change =
      f.mode === 'change'
        ? html`<fieldset class="change-control">
  <legend>About this change</legend>
  ${textArea('reason', 'Why is the plan changing?', v.reason, { maxlength: 1000, rows: 3, hint: 'Recipients read this on the change’s page, after signing in. Emails never carry it.' })}
  ${radios(
    'trigger',
    'What triggered the change?',
    PLAN_TRIGGERS.map((t) => ({ value: t, label: PLAN_TRIGGER_WORDS[t], hint: RAPID_REVIEW_TRIGGERS.includes(t) ? 'The whole plan is then reviewed within 72 hours.' : undefined })),
    v.trigger,
  )}
  ${radios(
    'ack',
    'Does this change alter day-to-day delivery?',
    [
      { value: 'yes', label: 'Yes: everyone it is sent to must acknowledge it', hint: 'They are reminded every 24 hours; acknowledgements still missing after 72 hours are escalated to the plan-holder.' },
      { value: 'no', label: 'No: it is sent for information' },
    ],
    v.ack,
  )}
  <details class="timing"${timingOpen ? html` open` : ''}>
    <summary>Timing (for tests, demos and pilots)</summary>
    <p class="hint">Leave empty for the standard 24-hour reminders, 72 hours to acknowledge and 72 hours for a rapid review. ISO-8601 durations such as PT1M, PT90S, PT2H or P1D.</p>
    ${textInput('timing-reminderEvery', 'Remind every', v.reminderEvery, { maxlength: 20 })}
    ${textInput('timing-acknowledgeWithin', 'Acknowledge within', v.acknowledgeWithin, { maxlength: 20 })}
    ${textInput('timing-rapidReviewWithin', 'Rapid review within', v.rapidReviewWithin, { maxlength: 20 })}
  </details>
</fieldset>`
        : '';

    const who =
      f.mode === 'create'
        ? html`<fieldset>
  <legend>The person</legend>
  ${textInput('localRef', 'Local reference', v.localRef, { maxlength: 64, hint: 'Your case or record number. Letters, digits and - _ / . only.' })}
  ${textInput('displayName', 'Name', v.displayName, { maxlength: 120, hint: 'How staff will recognise the person on the plan’s page. Emails carry only the local reference.' })}
  ${personSelect('planHolder', 'Plan-holder', v.planHolder, 'You', 'The one person who keeps the plan up to date and sees its changes acknowledged. Leave it to hold the plan yourself.')}
</fieldset>`
        : '';

    return page(
      { title: problems.length ? `Error: ${f.title}` : f.title, signedInAs: signedInAs(req, res) },
      html`<section class="card plan-form-card">
  ${errorSummary(problems)}
  ${f.intro ?? ''}
  ${f.notice ?? ''}
  <form method="post" action="${f.action}" class="plan-form" id="plan-form" novalidate>
    ${csrfField(req, res)}
    <!-- Enter in a field re-shows the form: nothing is published by accident. -->
    <button type="submit" name="intent" value="keep" class="default-submit" tabindex="-1" aria-hidden="true">Keep editing</button>
    ${f.mode === 'change' ? html`<input type="hidden" name="base" value="${v.base}">` : ''}
    ${f.conflict ?? ''}
    ${who}
    ${goals}
    ${risks}
    ${triggers}
    ${contacts}
    ${actions}
    ${change}
    ${f.mode === 'create' ? textArea('reason', 'Why is the plan being made? (optional)', v.reason, { maxlength: 1000, rows: 2 }) : ''}
    <p class="form-end"><button type="submit" name="intent" value="${f.submit?.intent ?? (f.mode === 'create' ? 'create' : 'publish')}">${f.submit?.label ?? (f.mode === 'create' ? 'Create the plan' : 'Publish the change')}</button>
    ${f.mode === 'change' ? html`<a href="${f.action.replace(/\/change$/, '')}">Cancel</a>` : html`<a href="/plans">Cancel</a>`}</p>
  </form>
</section>`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // The list.

  router.get('/plans', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const rows = await deps.db.carePlan.findMany({
      where: caller.roles.includes('admin') ? {} : { OR: [{ planHolderId: caller.staffId }, { participant: { careTeam: { some: { removedAt: null, OR: [{ agencyId: caller.agencyId }, { staffId: caller.staffId }] } } } }] },
      select: { id: true, participantId: true, planHolderId: true, participant: { select: { localRef: true, displayName: true } }, planHolder: { select: { name: true } }, versions: { orderBy: { number: 'desc' }, take: 1, select: { number: true, createdAt: true } } },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    const visible = await access.visible(caller, rows.map((r) => r.participantId), 'plan');
    const shown = rows.filter((r) => visible.has(r.participantId)).sort((a, b) => Number(b.planHolderId === caller.staffId) - Number(a.planHolderId === caller.staffId));
    await access.logReads(caller, shown.map((r) => ({ participantId: r.participantId, what: 'plan-list', item: r.id })));
    res.type('html').send(
      page(
        { title: 'Plans', signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <h1>Plans</h1>
  <p class="muted">The integrated plans of the people in your care teams; those you hold first.</p>
  ${caller.roles.includes('coordinator') ? html`<p><a class="button" href="/plans/new">Create a plan</a></p>` : ''}
  ${
    shown.length
      ? html`<ul class="plan-list">${shown.map(
          (r) => html`<li data-plan="${r.id}"><a href="${planHref(r.id)}"><strong>${r.participant.localRef}</strong> ${r.participant.displayName}</a><br>
  <span class="muted">Held by ${r.planHolderId === caller.staffId ? 'you' : r.planHolder.name} · version ${r.versions[0]?.number ?? 1}${r.versions[0] ? `, ${when(r.versions[0].createdAt.toISOString())}` : ''}</span></li>`,
        )}</ul>`
      : html`<p class="notice">No plans yet in your care teams.</p>`
  }
</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // Create a plan.

  const createIntro = html`<p class="muted"><a href="/plans">Plans</a></p>
  <h1>Create a plan</h1>
  <p class="muted">One integrated plan per person, held by one plan-holder. Add each goal, risk, crisis trigger, service contact and action; you can change the plan later by publishing a new version.</p>`;

  router.get('/plans/new', web.requireSignedIn, coordinators, async (req, res) => {
    const caller = callerOf(req.principal!);
    const values: FormValues = { ...valuesFrom({}), reason: 'Initial plan' };
    let notice: SafeHtml | undefined;
    // From the person's page (?participant=<reference>): the person filled in, if they are in the caller's care teams.
    const ref = typeof req.query.participant === 'string' ? req.query.participant.trim().slice(0, 64) : '';
    if (ref) {
      values.localRef = ref;
      const known = await access.requireParticipant(caller, { localRef: ref }, 'care-team', { log: 'plan-form' }).catch(() => undefined);
      if (known) {
        values.displayName = known.displayName;
        const existing = await deps.db.carePlan.findUnique({ where: { participantId: known.id }, select: { id: true } });
        if (existing) notice = html`<p class="notice">${ref} already has a plan: <a href="${planHref(existing.id)}">open it</a> to publish a change.</p>`;
      }
    }
    res.type('html').send(planForm(req, res, { mode: 'create', title: 'Create a plan', action: '/plans/new', values, choices: await plans.editorChoices(), notice, intro: createIntro }));
  });

  router.post('/plans/new', web.requireSignedIn, coordinators, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const body = (req.body ?? {}) as Body;
    const values = valuesFrom(body);
    const intent = str(body, 'intent') || 'create';
    const choices = await plans.editorChoices();
    const again = (extra: Partial<FormPage>) => res.status(extra.status ?? 200).type('html').send(planForm(req, res, { mode: 'create', title: 'Create a plan', action: '/plans/new', values, choices, intro: createIntro, ...extra }));
    if (intent !== 'create') {
      const changed = applyIntent(values.draft, intent, []);
      if (changed) values.draft = changed.draft;
      return again({ focus: changed?.focus, notice: changed ? undefined : html`<p class="notice">Nothing is saved yet. Use “Create the plan” at the end of the form when it is ready.</p>` });
    }
    const input = {
      participant: { localRef: values.localRef, displayName: values.displayName },
      ...(values.planHolder ? { planHolderId: values.planHolder } : {}),
      content: contentFrom(values.draft, []),
      ...(values.reason.trim() ? { reason: values.reason } : {}),
    };
    try {
      const created = await plans.create(caller, input);
      return res.redirect(303, `${planHref(created.planId)}?done=created`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const names = nameLookup(choices);
      if (err.code === 'INVALID_INPUT' && err.details?.fields) return again({ status: 400, problems: err.details.fields.map((p) => formProblem(p, names, values.draft)) });
      if (err.code === 'CONFLICT') {
        const planId = typeof err.details?.planId === 'string' ? err.details.planId : undefined;
        const rich = planId ? html`${values.localRef} already has a plan: <a href="${planHref(planId)}">open it</a> and publish a change instead.` : undefined;
        return again({ status: 409, problems: [{ field: 'localRef', message: err.userMessage, rich }] });
      }
      throw err;
    }
  });

  const nameLookup = (choices: Choices) => {
    const names = new Map([...choices.agencies.map((a) => [a.id, a.name] as const), ...choices.staff.map((s) => [s.id, s.name] as const)]);
    return (id: string) => names.get(id) ?? 'That person';
  };

  // -------------------------------------------------------------------------------------------
  // Publish a change.

  const changeIntro = (plan: { id: string; participant: { localRef: string; displayName: string } }, base: { number: number; createdAt: string; author: { name: string } }) => html`<p class="muted"><a href="${planHref(plan.id)}">Plan for ${plan.participant.localRef}</a></p>
  <h1>Publish a change</h1>
  <p class="muted">Starting from version ${base.number} (${when(base.createdAt)}, ${base.author.name}). Change, add or remove what you need; publishing makes version ${base.number + 1} and tells the people the plan names.</p>`;

  async function editableFor(req: Request) {
    const caller = callerOf(req.principal!);
    const plan = await plans.editable(caller, idOf(req));
    if (!plan.mayPublish) throw new AppError('FORBIDDEN', `Only coordinators and the plan-holder (${plan.planHolder.name}) can publish a change to this plan.`);
    return { caller, plan };
  }

  router.get('/plans/:id/change', web.requireSignedIn, async (req, res) => {
    const { plan } = await editableFor(req);
    const values: FormValues = { ...valuesFrom({}), draft: draftOf(plan.current.content), base: plan.current.number };
    res.type('html').send(planForm(req, res, { mode: 'change', title: 'Publish a change', action: `${planHref(plan.id)}/change`, values, choices: await plans.editorChoices(), intro: changeIntro(plan, plan.current) }));
  });

  const publishBody = (values: FormValues, share: readonly ShareableElement[]) => {
    const timing = Object.fromEntries(
      (
        [
          ['reminderEvery', values.reminderEvery],
          ['acknowledgeWithin', values.acknowledgeWithin],
          ['rapidReviewWithin', values.rapidReviewWithin],
        ] as const
      )
        .map(([k, v]) => [k, v.trim()] as const)
        .filter(([, v]) => v),
    );
    return {
      baseVersion: values.base,
      content: contentFrom(values.draft, share),
      reason: values.reason,
      ...(values.trigger ? { trigger: values.trigger } : {}),
      ...(values.ack === 'yes' || values.ack === 'no' ? { acknowledgementRequired: values.ack === 'yes' } : {}),
      ...(Object.keys(timing).length ? { timing } : {}),
    };
  };

  const linesList = (lines: PlanChangeLine[], empty: string) =>
    lines.length ? html`<ul class="change-lines">${lines.map((l) => html`<li><span class="change-kind kind-${l.kind}">${KIND_BADGE[l.kind]}</span> ${l.words}</li>`)}</ul>` : html`<p class="muted">${empty}</p>`;

  router.post('/plans/:id/change', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const { caller, plan } = await editableFor(req);
    const body = (req.body ?? {}) as Body;
    const values = valuesFrom(body);
    const intent = str(body, 'intent') || 'publish';
    const choices = await plans.editorChoices();
    const base = plan.version(values.base) ?? plan.current;
    values.base = base.number;
    const again = (extra: Partial<FormPage>) =>
      res
        .status(extra.status ?? 200)
        .type('html')
        .send(planForm(req, res, { mode: 'change', title: 'Publish a change', action: `${planHref(plan.id)}/change`, values, choices, intro: changeIntro(plan, base), ...extra }));

    if (intent === 'reapply') {
      // The author's edits on the newest version, where they do not clash with it.
      const r = await plans.rebase(caller, plan.id, base.number, contentFrom(values.draft, base.content.shareBeyondCareTeam));
      values.draft = draftOf(r.content);
      values.base = r.latest.number;
      const notice = html`<div class="notice reapplied" role="status">
  <p><strong>Your changes are re-applied on version ${r.latest.number}</strong> (${r.latest.author.name}, ${when(r.latest.createdAt)}). Check the plan below, then publish.</p>
  ${
    r.clashes.length
      ? html`<p>These edits of yours were not re-applied, because version ${r.latest.number} changed the same thing. Make them again below if they still hold:</p>
  <ul class="clashes">${r.clashes.map((c) => html`<li>${c}</li>`)}</ul>`
      : html`<p>None of your edits clashed with version ${r.latest.number}.</p>`
  }
</div>`;
      return again({ notice, intro: changeIntro(plan, r.latest) });
    }
    if (intent !== 'publish') {
      const changed = applyIntent(values.draft, intent, plan.usedIds);
      if (changed) values.draft = changed.draft;
      return again({ focus: changed?.focus, notice: changed ? undefined : html`<p class="notice">Nothing is published yet. Use “Publish the change” at the end of the form when it is ready.</p>` });
    }
    try {
      const published = await plans.publish(caller, plan.id, publishBody(values, base.content.shareBeyondCareTeam));
      return res.redirect(303, `${planHref(plan.id)}?done=published&version=${published.version}`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'INVALID_INPUT' && err.details?.fields) return again({ status: 400, problems: err.details.fields.map((p) => formProblem(p, nameLookup(choices), values.draft)) });
      if (err.code !== 'CONFLICT') throw err;
      // A stale base: someone published since this form was opened. Both changes, and a way on.
      const r = await plans.rebase(caller, plan.id, base.number, contentFrom(values.draft, base.content.shareBeyondCareTeam));
      const conflict = html`<div class="problem conflict" role="alert" id="conflict">
  <h2>Someone published a newer version while you were editing</h2>
  <p>You started from version ${base.number}; the plan is now at version ${r.latest.number}. Nothing of yours is published yet.</p>
  ${r.since.map((s) => html`<p class="muted">Version ${s.number}: ${s.author.name}, ${when(s.createdAt)}. Trigger: ${PLAN_TRIGGER_WORDS[s.trigger]}. Why: ${s.reason}</p>`)}
  <h3>What changed since version ${base.number}</h3>
  ${linesList(r.theirs, 'Nothing in the plan’s content changed.')}
  <h3>Your changes</h3>
  ${linesList(r.mine, 'You have not changed the plan’s content.')}
  <p><button type="submit" name="intent" value="reapply">Re-apply my changes to version ${r.latest.number}</button></p>
  <p class="hint">Your edits go onto version ${r.latest.number} wherever it left the same thing alone; any that clash are listed for you to make again. Your reason, trigger and answers below are kept.</p>
</div>`;
      return again({ status: 409, conflict, submit: { intent: 'reapply', label: `Re-apply my changes to version ${r.latest.number}` } });
    }
  });

  // -------------------------------------------------------------------------------------------
  // One plan.

  const DONE: Record<string, string> = {
    created: 'The plan is created: version 1. The people and agencies it names are now in the person’s care team.',
    published: 'The change is published. Its recipients are emailed; who has acknowledged it shows under Acknowledgements.',
    reminded: 'A reminder is on its way to everyone still to acknowledge.',
    acknowledged: 'Your acknowledgement is recorded.',
    handover: 'The plan has a new plan-holder. Both plan-holders are told by email.',
    'handover-unsent': 'The plan has a new plan-holder, but careloop could not send every email about it: tell them yourself.',
    consent: 'The person’s consent is recorded.',
  };

  const contactLine = (c: PlanContent['serviceContacts'][number], name: (id: string) => string) =>
    html`<strong>${c.name}</strong>${c.role ? `, ${c.role}` : ''}<br><span class="muted">${name(c.agencyId)}</span>${c.phone ? html`<br><a href="tel:${c.phone.replace(/[^\d+]/g, '')}">${c.phone}</a>` : ''}`;

  const sections = (content: PlanContent, name: (id: string) => string, shown: (e: ShareableElement) => boolean) => html`
${
  shown('goals')
    ? html`<section class="card plan-section" id="goals"><h2>Goals</h2>${content.goals.length ? html`<ol class="plan-items">${content.goals.map((g) => html`<li>${g.text}</li>`)}</ol>` : html`<p class="muted">No goals recorded.</p>`}</section>`
    : ''
}
${
  shown('risks')
    ? html`<section class="card plan-section" id="risks"><h2>Risks</h2>${
        content.risks.length
          ? html`<ul class="plan-items risks">${[...content.risks]
              .sort((a, b) => RISK_LEVELS.indexOf(b.level) - RISK_LEVELS.indexOf(a.level))
              .map((r) => html`<li><span class="badge risk-${r.level}">${RISK_LEVEL_WORDS[r.level]}</span> ${r.description}</li>`)}</ul>`
          : html`<p class="muted">No risks recorded.</p>`
      }</section>`
    : ''
}
${
  shown('crisisTriggers')
    ? html`<section class="card plan-section" id="crisis-triggers"><h2>Crisis triggers</h2>${content.crisisTriggers.length ? html`<ul class="plan-items">${content.crisisTriggers.map((t) => html`<li>${t}</li>`)}</ul>` : html`<p class="muted">No crisis triggers recorded.</p>`}</section>`
    : ''
}
${
  shown('serviceContacts')
    ? html`<section class="card plan-section" id="service-contacts"><h2>Service contacts</h2>${content.serviceContacts.length ? html`<ul class="plan-items contacts">${content.serviceContacts.map((c) => html`<li>${contactLine(c, name)}</li>`)}</ul>` : html`<p class="muted">No service contacts recorded.</p>`}</section>`
    : ''
}
${
  shown('controls')
    ? html`<section class="card plan-section" id="actions"><h2>Actions</h2>${
        content.controls.length
          ? html`<ul class="plan-items actions">${content.controls.map(
              (a) => html`<li data-action="${a.id}"><strong>${a.description}</strong>
  <dl class="record"><dt>Owner</dt><dd>${a.ownerStaffId ? `${name(a.ownerStaffId)}, ${name(a.ownerAgencyId)}` : `${name(a.ownerAgencyId)} (nobody named)`}</dd><dt>Due</dt><dd>${a.dueDate ? dateWords(a.dueDate) : 'No due date'}</dd></dl></li>`,
            )}</ul>`
          : html`<p class="muted">No actions recorded.</p>`
      }</section>`
    : ''
}`;

  const elementList = (scope: readonly string[]) => {
    const words = SHAREABLE_ELEMENTS.filter((e) => scope.includes(e)).map((e) => SHAREABLE_ELEMENT_WORDS[e].toLowerCase());
    return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
  };

  const consentWords = (c: ConsentView | null) =>
    !c
      ? 'No consent is recorded: nothing of the plan is shared beyond the care team.'
      : c.given
        ? `The person consented to share their ${elementList(c.scope)} beyond the care team.`
        : 'The person has not consented to share their plan beyond the care team: nothing is shared.';

  const consentHowWords = (c: { recordedBy: string; how: string; at: string }) => `Recorded by ${c.recordedBy} on ${when(c.at)}, ${CONSENT_HOW_WORDS[c.how as (typeof CONSENT_HOW)[number]] ?? c.how}.`;

  const ackStatusCell = (r: PlanChangeState['recipients'][number], state: PlanChangeState) => {
    if (r.acknowledgedAt) return html`<span class="mark-met">Acknowledged</span> <span class="muted">${when(r.acknowledgedAt)}${r.channel ? `, ${CHANNEL_WORDS[r.channel] ?? 'another way'}` : ''}</span>`;
    if (state.status === 'superseded') return html`<span class="muted">Not acknowledged: replaced by version ${state.supersededBy}</span>`;
    const reminders = r.remindersSent ? `${r.remindersSent} reminder${r.remindersSent === 1 ? '' : 's'} sent` : 'no reminder yet';
    return html`<strong class="waiting">Waiting</strong> <span class="muted">${reminders}${r.escalated ? '; escalated to the plan-holder' : ''}</span>`;
  };

  type PlanPage = Awaited<ReturnType<typeof plans.page>>;

  const ackSection = (req: Request, res: Response, p: PlanPage, caller: Caller) => {
    const byNumber = new Map(p.versions.map((v) => [v.number, v]));
    const isHolder = p.planHolder.id === caller.staffId;
    const table = (a: PlanPage['acknowledgements'][number]) => {
      const v = byNumber.get(a.number)!;
      const s = a.state;
      if (!s) {
        if (!a.recorded.length) return html`<p class="muted">${a.number === 1 ? 'The first version is not sent for acknowledgement.' : 'No acknowledgements recorded.'}</p>`;
        return html`<ul class="people">${a.recorded.map((r) => html`<li>${r.staff.name}, ${p.name(r.staff.agencyId)}: acknowledged ${when(r.acknowledgedAt)}, ${CHANNEL_WORDS[r.channel] ?? 'another way'}</li>`)}</ul>`;
      }
      if (!v.acknowledgementRequired) {
        return html`<p class="muted">No acknowledgement needed: sent for information to ${s.recipients.length ? s.recipients.map((r) => r.staff.name).join(', ') : 'nobody'}.</p>`;
      }
      const pending = s.recipients.filter((r) => !r.acknowledgedAt);
      const mine = s.recipients.find((r) => r.staff.id === caller.staffId && !r.acknowledgedAt);
      const open = s.status === 'awaiting-acknowledgements';
      const statusWords =
        s.status === 'acknowledged'
          ? 'Everyone has acknowledged it.'
          : s.status === 'superseded'
            ? `Replaced by version ${s.supersededBy} before everyone acknowledged it.`
            : `${pending.length} of ${s.recipients.length} still to acknowledge${s.ackDeadlineAt ? `, by ${when(s.ackDeadlineAt)}` : ''}.`;
      const last = s.manualReminders?.[s.manualReminders.length - 1];
      return html`<p>${statusWords}${last ? html` <span class="muted">${last.by.name} last sent a reminder ${when(last.at)}.</span>` : ''}</p>
<table class="acks" data-version="${a.number}">
  <thead><tr><th>Who</th><th>Agency</th><th>Acknowledged</th></tr></thead>
  <tbody>${s.recipients.map(
    (r) => html`<tr data-staff="${r.staff.id}" class="${r.acknowledgedAt ? 'is-done' : 'is-waiting'}">
    <td data-label="Who">${r.staff.name}</td>
    <td data-label="Agency">${p.name(r.staff.agencyId)}</td>
    <td data-label="Acknowledged">${ackStatusCell(r, s)}</td>
  </tr>`,
  )}</tbody>
</table>
${
  open && (mine || (isHolder && pending.length))
    ? html`<div class="ack-actions">${
        mine
          ? html`<form method="post" action="${planHref(p.id)}/versions/${a.number}/acknowledge">${csrfField(req, res)}<button type="submit">I have read version ${a.number}</button></form>`
          : ''
      }${
        isHolder && pending.length
          ? html`<form method="post" action="${planHref(p.id)}/versions/${a.number}/remind">${csrfField(req, res)}<button type="submit" class="secondary">Remind now</button>
  <span class="hint">Emails the ${pending.length === 1 ? 'person' : `${pending.length} people`} still to acknowledge a reminder now.</span></form>`
          : ''
      }</div>`
    : ''
}`;
    };
    const newestFirst = [...p.acknowledgements].reverse();
    const [latest, ...older] = newestFirst;
    return html`<section class="card" id="acknowledgements">
  <h2>Acknowledgements</h2>
  ${latest ? html`<h3>Version ${latest.number}${latest.number === p.current.number ? ' (current)' : ''}</h3>${table(latest)}` : ''}
  ${older.map((a) => html`<details class="older-version"><summary>Version ${a.number}</summary>${table(a)}</details>`)}
</section>`;
  };

  const historySection = (p: PlanPage) => {
    type Entry = { at: string; body: SafeHtml };
    const entries: Entry[] = [
      ...p.versions.map((v) => ({
        at: v.createdAt,
        body: html`<strong>Version ${v.number}</strong> published by ${v.author.name}. <span class="trigger">Trigger: ${PLAN_TRIGGER_WORDS[v.trigger]}.</span><br>
  <span class="reason">Why: ${v.reason}</span>${v.number > 1 ? html`<br><a href="${planHref(p.id)}/diff?from=${v.number - 1}&amp;to=${v.number}">What changed in version ${v.number}</a>` : ''}`,
      })),
      ...p.consents.map((c) => ({ at: c.at, body: html`<strong>Consent recorded</strong> by ${c.recordedBy}, ${CONSENT_HOW_WORDS[c.how as (typeof CONSENT_HOW)[number]] ?? c.how}: ${consentWords(c)}${c.note ? html`<br><span class="muted">Note: ${c.note}</span>` : ''}` })),
      ...p.handovers.map((h) => ({ at: h.at, body: html`<strong>Plan-holder changed</strong> from ${h.from} to ${h.to}, by ${h.by}.<br><span class="reason">Why: ${h.reason}</span>` })),
    ].sort((a, b) => b.at.localeCompare(a.at));
    const options = (chosen: number) => p.versions.map((v) => html`<option value="${v.number}"${v.number === chosen ? html` selected` : ''}>Version ${v.number}</option>`);
    return html`<section class="card" id="history">
  <h2>History</h2>
  ${
    p.versions.length > 1
      ? html`<form method="get" action="${planHref(p.id)}/diff" class="compare">
    <div><label for="compare-from">Compare</label><select id="compare-from" name="from">${options(p.current.number - 1)}</select></div>
    <div><label for="compare-to">with</label><select id="compare-to" name="to">${options(p.current.number)}</select></div>
    <div class="compare-button"><button type="submit" class="secondary">Show what changed</button></div>
  </form>`
      : ''
  }
  <ol class="timeline history">${entries.map((e) => html`<li><time datetime="${e.at}">${when(e.at)}</time> ${e.body}</li>`)}</ol>
</section>`;
  };

  router.get('/plans/:id', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const p = await plans.page(caller, idOf(req));
    const holderAgency = p.name(p.planHolder.agencyId);
    const done = typeof req.query.done === 'string' && DONE[req.query.done] ? html`<p class="notice" role="status">${DONE[req.query.done]}</p>` : '';
    if (p.reader === 'shared') {
      const scope = p.consent?.scope ?? [];
      res.type('html').send(
        page(
          { title: `Plan for ${p.participant.localRef}`, signedInAs: signedInAs(req, res) },
          html`<section class="card">
  <p class="muted">Integrated plan · participant ${p.participant.localRef}</p>
  <h1>Plan for ${p.participant.displayName} (${p.participant.localRef})</h1>
  <p class="notice shared-notice">You are not in this person’s care team. They consented to share their ${elementList(scope)} beyond it, so you see only those. ${p.consent ? consentHowWords(p.consent) : ''}</p>
  <dl class="facts">
    <div><dt>Plan-holder</dt><dd>${p.planHolder.name}, ${holderAgency}</dd></div>
    <div><dt>Version</dt><dd>${p.current.number}, published ${when(p.current.createdAt)}</dd></div>
  </dl>
  <p class="small-links">Download what you may see: <a href="${planHref(p.id)}/plan.csv">CSV</a> · <a href="${planHref(p.id)}/plan.json">JSON</a></p>
</section>
${sections(p.content, p.name, (e) => scope.includes(e))}`,
        ),
      );
      return;
    }
    const mayPublish = caller.roles.includes('coordinator') || caller.staffId === p.planHolder.id;
    const mayManage = await plans.mayManage(caller, p.participant.id);
    const v = p.current;
    res.type('html').send(
      page(
        { title: `Plan for ${p.participant.localRef}`, signedInAs: signedInAs(req, res) },
        html`<section class="card">
  <p class="muted"><a href="/plans">Plans</a> · participant ${p.participant.localRef}</p>
  <h1>Plan for ${p.participant.displayName} (${p.participant.localRef})</h1>
  ${done}
  <dl class="facts">
    <div><dt>Plan-holder</dt><dd id="plan-holder">${p.planHolder.name}, ${holderAgency}</dd></div>
    <div><dt>Version</dt><dd id="plan-version">${v.number}, published ${when(v.createdAt)} by ${v.author.name}</dd></div>
    <div><dt>Trigger</dt><dd>${PLAN_TRIGGER_WORDS[v.trigger]}</dd></div>
  </dl>
  <p class="muted">Why: ${v.reason}</p>
  <p class="actions">${mayPublish ? html`<a class="button" href="${planHref(p.id)}/change">Publish a change</a>` : ''}${
    mayManage ? html`<a class="button secondary-plain" href="${planHref(p.id)}/consent">Record consent</a><a class="button secondary-plain" href="${planHref(p.id)}/handover">Hand over the plan</a>` : ''
  }</p>
  <p class="small-links">Download: <a href="${planHref(p.id)}/plan.csv">CSV</a> · <a href="${planHref(p.id)}/plan.json">JSON</a></p>
</section>
${sections(p.content, p.name, () => true)}
${await planStepsSectionFor(services.planSteps, caller, p.id, when)}
<section class="card" id="sharing">
  <h2>What may be shared, and with whose consent</h2>
  <p>${consentWords(p.consent)}</p>
  ${p.consent ? html`<p class="muted">${consentHowWords(p.consent)}${p.consent.note ? ` Note: ${p.consent.note}` : ''}</p>` : ''}
  <p class="hint">Outside the care team means any careloop user who is not in it, such as an A&amp;E or ambulance liaison, a manager at an agency not on the team, or someone sent a link to this plan who has since left the team. With consent they see only the elements consented to; without it, nothing, not even that the plan exists.</p>
  ${mayManage ? html`<p><a href="${planHref(p.id)}/consent">Record the person’s consent</a></p>` : ''}
</section>
${ackSection(req, res, p, caller)}
${historySection(p)}`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // The diff between two versions.

  router.get('/plans/:id/diff', web.requireSignedIn, async (req, res) => {
    const caller = callerOf(req.principal!);
    const id = idOf(req);
    const parsed = ZDiffQuery.safeParse(req.query);
    const p = await plans.page(caller, id);
    const latest = p.current.number;
    const compareForm = (from: number, to: number) => {
      const options = (chosen: number) => Array.from({ length: latest }, (_, i) => i + 1).map((n) => html`<option value="${n}"${n === chosen ? html` selected` : ''}>Version ${n}</option>`);
      return html`<form method="get" action="${planHref(id)}/diff" class="compare">
    <div><label for="compare-from">Compare</label><select id="compare-from" name="from">${options(from)}</select></div>
    <div><label for="compare-to">with</label><select id="compare-to" name="to">${options(to)}</select></div>
    <div class="compare-button"><button type="submit" class="secondary">Show what changed</button></div>
  </form>`;
    };
    const head = html`<p class="muted"><a href="${planHref(id)}">Plan for ${p.participant.localRef}</a></p>`;
    const problem = (status: number, message: string, from: number, to: number) =>
      res
        .status(status)
        .type('html')
        .send(page({ title: 'Compare versions', signedInAs: signedInAs(req, res) }, html`<section class="card">${head}<h1>Compare versions</h1><p class="problem">${message}</p>${latest > 1 ? compareForm(from, to) : ''}</section>`));
    if (!parsed.success) return problem(400, `Choose two versions of the plan to compare: it has versions 1 to ${latest}.`, Math.max(1, latest - 1), latest);
    const { from, to } = parsed.data;
    if (from > latest || to > latest) return problem(400, `This plan has versions 1 to ${latest}: choose two of those.`, Math.min(from, latest), Math.min(to, latest));
    if (from === to) return problem(200, 'These are the same version: choose two different versions to see what changed.', from, to);
    const d = await plans.diff(caller, id, from, to);
    const between = p.versions.filter((v) => v.number > Math.min(from, to) && v.number <= Math.max(from, to));
    const grouped = SECTION_ORDER.map((s) => ({ section: s, lines: d.lines.filter((l) => l.section === s) })).filter((g) => g.lines.length);
    // The change's acknowledgement, for someone it was sent to and who has not acknowledged it.
    const target = p.acknowledgements.find((a) => a.number === to);
    const mine = target?.state?.status === 'awaiting-acknowledgements' ? target.state.recipients.find((r) => r.staff.id === caller.staffId && !r.acknowledgedAt) : undefined;
    res.type('html').send(
      page(
        { title: `Plan ${p.participant.localRef}: version ${from} to ${to}`, signedInAs: signedInAs(req, res) },
        html`<section class="card">
  ${head}
  <h1>What changed from version ${from} to version ${to}</h1>
  ${d.reader === 'shared' ? html`<p class="notice shared-notice">You are not in this person’s care team: only the changes to what they consented to share are shown.</p>` : ''}
  ${from > to ? html`<p class="muted">Read backwards: what going back from version ${from} to version ${to} would change.</p>` : ''}
  ${
    d.reader === 'team'
      ? html`<ul class="versions-between">${between.map((v) => html`<li><strong>Version ${v.number}</strong>, ${when(v.createdAt)}, by ${v.author.name}. Trigger: ${PLAN_TRIGGER_WORDS[v.trigger]}. <span class="reason">Why: ${v.reason}</span></li>`)}</ul>`
      : ''
  }
  ${
    grouped.length
      ? grouped.map((g) => html`<h2>${SECTION_WORDS[g.section]}</h2>${linesList(g.lines, '')}`)
      : html`<p class="notice">${d.reader === 'shared' ? 'Nothing you may see changed between these versions.' : 'The content did not change between these versions.'}</p>`
  }
  ${
    mine
      ? html`<div class="ack-actions"><form method="post" action="${planHref(id)}/versions/${to}/acknowledge">${csrfField(req, res)}<button type="submit">I have read version ${to}</button></form>
  <p class="hint">Version ${to} alters day-to-day delivery, and you are asked to acknowledge it.</p></div>`
      : ''
  }
</section>
<section class="card"><h2>Compare other versions</h2>${compareForm(from, to)}</section>`,
      ),
    );
  });

  // -------------------------------------------------------------------------------------------
  // Remind now, and acknowledging on the page.

  router.post('/plans/:id/versions/:n/remind', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const id = idOf(req);
    const n = ZVersionParam.safeParse(req.params.n);
    if (!n.success) throw new AppError('NOT_FOUND', 'This plan has no such version.');
    try {
      await plans.remindNow(caller, id, n.data);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'CONFLICT') throw err;
      return res
        .status(409)
        .type('html')
        .send(
          page(
            { title: 'Remind now', signedInAs: signedInAs(req, res) },
            html`<section class="card"><h1>No reminder sent</h1><p class="problem">${err.userMessage}</p><p><a href="${planHref(id)}#acknowledgements">Back to the plan</a></p></section>`,
          ),
        );
    }
    res.redirect(303, `${planHref(id)}?done=reminded#acknowledgements`);
  });

  router.post('/plans/:id/versions/:n/acknowledge', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const id = idOf(req);
    const n = ZVersionParam.safeParse(req.params.n);
    if (!n.success) throw new AppError('NOT_FOUND', 'This plan has no such version.');
    await plans.acknowledge(caller, id, n.data, 'web');
    res.redirect(303, `${planHref(id)}?done=acknowledged#acknowledgements`);
  });

  // -------------------------------------------------------------------------------------------
  // Handover.

  const handoverPage = (req: Request, res: Response, h: Awaited<ReturnType<typeof plans.handoverChoices>>, values: { planHolderId: string; reason: string }, problems: FormProblem[] = []) => {
    const problemOf = (name: string) => problems.find((p) => p.field === name);
    const errorFor = (name: string) => (problemOf(name) ? html`<p class="field-error" id="${fieldId(name)}-error"><span class="visually-hidden">Error:</span> ${problemOf(name)!.message}</p>` : '');
    const invalid = (name: string) => (problemOf(name) ? html` aria-invalid="true" aria-describedby="${fieldId(name)}-error"` : '');
    const groups = [...new Set(h.candidates.map((c) => c.agencyName))].map((agency) => ({ agency, people: h.candidates.filter((c) => c.agencyName === agency) }));
    return page(
      { title: problems.length ? 'Error: Hand over the plan' : 'Hand over the plan', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  ${errorSummary(problems)}
  <p class="muted"><a href="${planHref(h.id)}">Plan for ${h.participant.localRef}</a></p>
  <h1>Hand over the plan</h1>
  <p>${h.planHolder.name} holds the plan now. The new plan-holder keeps it up to date, publishes its changes and sees them acknowledged. Both are told by email; the handover and its reason go into the plan’s history.</p>
  ${
    h.candidates.length
      ? html`<form method="post" action="${planHref(h.id)}/handover" class="plan-small-form" novalidate>
    ${csrfField(req, res)}
    <div class="field${problemOf('planHolderId') ? ' has-error' : ''}">
      <label for="${fieldId('planHolderId')}">New plan-holder</label>
      <p class="hint">Someone in the person’s care team.</p>
      ${errorFor('planHolderId')}
      <select id="${fieldId('planHolderId')}" name="planHolderId"${invalid('planHolderId')}>
        <option value="">Choose a person…</option>
        ${groups.map((g) => html`<optgroup label="${g.agency}">${g.people.map((c) => html`<option value="${c.id}"${c.id === values.planHolderId ? html` selected` : ''}>${c.name}${c.roles.includes('coordinator') ? ' (coordinator)' : ''}</option>`)}</optgroup>`)}
      </select>
    </div>
    <div class="field${problemOf('reason') ? ' has-error' : ''}">
      <label for="${fieldId('reason')}">Why is the plan changing hands?</label>
      <p class="hint">For example, “Casey is on leave until March”. It goes into the plan’s history, not into the emails.</p>
      ${errorFor('reason')}
      <textarea id="${fieldId('reason')}" name="reason" rows="3" maxlength="1000"${invalid('reason')}>${values.reason}</textarea>
    </div>
    <p><button type="submit">Hand over the plan</button> <a href="${planHref(h.id)}">Cancel</a></p>
  </form>`
      : html`<p class="notice">Nobody else in the care team can take the plan. Add a person or an agency to the care team first.</p>`
  }
</section>`,
    );
  };

  router.get('/plans/:id/handover', web.requireSignedIn, async (req, res) => {
    const h = await plans.handoverChoices(callerOf(req.principal!), idOf(req));
    if (!h.may) throw new AppError('FORBIDDEN', 'Only the plan-holder and coordinators in the care team can hand the plan over.');
    res.type('html').send(handoverPage(req, res, h, { planHolderId: '', reason: '' }));
  });

  router.post('/plans/:id/handover', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const caller = callerOf(req.principal!);
    const body = (req.body ?? {}) as Body;
    const values = { planHolderId: str(body, 'planHolderId'), reason: str(body, 'reason') };
    try {
      const done = await plans.handover(caller, idOf(req), values);
      return res.redirect(303, `${planHref(done.planId)}?done=${done.told.every((t) => t.emailed) ? 'handover' : 'handover-unsent'}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'INVALID_INPUT' || !err.details?.fields) throw err;
      const h = await plans.handoverChoices(caller, idOf(req));
      const problems = err.details.fields.map(
        (p): FormProblem =>
          p.field === 'reason'
            ? { field: 'reason', message: p.message.startsWith('is required') ? 'Say why the plan is changing hands.' : `The reason ${p.message}.` }
            : { field: 'planHolderId', message: p.message === 'already holds the plan' ? 'That person already holds the plan: choose someone else.' : 'Choose the new plan-holder from the care team.' },
      );
      res.status(400).type('html').send(handoverPage(req, res, h, values, problems));
    }
  });

  // -------------------------------------------------------------------------------------------
  // Consent.

  const consentPage = (req: Request, res: Response, p: PlanPage, values: { given: string; scope: string[]; how: string; note: string }, problems: FormProblem[] = []) => {
    const problemOf = (name: string) => problems.find((x) => x.field === name);
    const errorFor = (name: string) => (problemOf(name) ? html`<p class="field-error" id="${fieldId(name)}-error"><span class="visually-hidden">Error:</span> ${problemOf(name)!.message}</p>` : '');
    const radio = (name: string, value: string, label: string, i: number, hint?: string) => {
      const id = i === 0 ? fieldId(name) : `${fieldId(name)}-${value.replace(/\W+/g, '-')}`;
      return html`<div class="radio"><input type="radio" id="${id}" name="${name}" value="${value}"${values[name as 'given' | 'how'] === value ? html` checked` : ''}><label for="${id}">${label}</label>${hint ? html`<p class="hint">${hint}</p>` : ''}</div>`;
    };
    return page(
      { title: problems.length ? 'Error: Record consent' : 'Record consent', signedInAs: signedInAs(req, res) },
      html`<section class="card">
  ${errorSummary(problems)}
  <p class="muted"><a href="${planHref(p.id)}">Plan for ${p.participant.localRef}</a></p>
  <h1>Record the person’s consent</h1>
  <p>${consentWords(p.consent)}${p.consent ? ` ${consentHowWords(p.consent)}` : ''}</p>
  <p class="hint">Outside the care team means any careloop user who is not in it: an A&amp;E or ambulance liaison, a manager at an agency not on the team, someone sent a link to this plan who has since left the team. They see the elements consented to, and nothing else of the plan; without consent, nothing. A new record replaces the one in force; every record stays in the plan’s history.</p>
  <form method="post" action="${planHref(p.id)}/consent" class="plan-small-form" novalidate>
    ${csrfField(req, res)}
    <fieldset class="radios${problemOf('given') ? ' has-error' : ''}">
      <legend>Does the person consent to share part of their plan beyond the care team?</legend>
      ${errorFor('given')}
      ${radio('given', 'yes', 'Yes, the parts ticked below', 0)}
      ${radio('given', 'no', 'No, or they withdraw their consent: nothing is shared', 1)}
    </fieldset>
    <fieldset class="checkboxes${problemOf('scope') ? ' has-error' : ''}">
      <legend>What may be shared</legend>
      ${errorFor('scope')}
      ${SHAREABLE_ELEMENTS.map(
        (e, i) => html`<div class="checkbox"><input type="checkbox" id="${i === 0 ? fieldId('scope') : `${fieldId('scope')}-${e}`}" name="scope" value="${e}"${values.scope.includes(e) ? html` checked` : ''}><label for="${i === 0 ? fieldId('scope') : `${fieldId('scope')}-${e}`}">${SHAREABLE_ELEMENT_WORDS[e]}</label></div>`,
      )}
    </fieldset>
    <fieldset class="radios${problemOf('how') ? ' has-error' : ''}">
      <legend>How did the person give or withdraw it?</legend>
      ${errorFor('how')}
      ${CONSENT_HOW.map((h, i) => radio('how', h, CONSENT_HOW_WORDS[h].replace(/^./, (c) => c.toUpperCase()), i))}
    </fieldset>
    <div class="field${problemOf('note') ? ' has-error' : ''}">
      <label for="${fieldId('note')}">Note (optional)</label>
      <p class="hint">For example who was present, or where the signed form is kept.</p>
      ${errorFor('note')}
      <textarea id="${fieldId('note')}" name="note" rows="3" maxlength="1000">${values.note}</textarea>
    </div>
    <p><button type="submit">Record consent</button> <a href="${planHref(p.id)}">Cancel</a></p>
  </form>
</section>`,
    );
  };

  async function consentContext(req: Request) {
    const caller = callerOf(req.principal!);
    const p = await plans.page(caller, idOf(req));
    if (p.reader !== 'team' || !(await plans.mayManage(caller, p.participant.id))) {
      throw new AppError('FORBIDDEN', 'Only the plan-holder and coordinators in the care team can record the person’s consent.');
    }
    return { caller, p };
  }

  router.get('/plans/:id/consent', web.requireSignedIn, async (req, res) => {
    const { p } = await consentContext(req);
    const scope = p.consent?.given ? p.consent.scope : p.content.shareBeyondCareTeam;
    res.type('html').send(consentPage(req, res, p, { given: '', scope: [...scope], how: '', note: '' }));
  });

  router.post('/plans/:id/consent', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const { caller, p } = await consentContext(req);
    const body = (req.body ?? {}) as Body;
    const values = { given: str(body, 'given'), scope: all(body, 'scope').slice(0, 5), how: str(body, 'how'), note: str(body, 'note') };
    const input = {
      ...(values.given === 'yes' || values.given === 'no' ? { given: values.given === 'yes' } : {}),
      scope: values.scope,
      ...(values.how ? { how: values.how } : {}),
      ...(values.note.trim() ? { note: values.note } : {}),
    };
    try {
      await plans.recordConsent(caller, p.id, input);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'INVALID_INPUT' || !err.details?.fields) throw err;
      const problems = err.details.fields.map((x): FormProblem => {
        if (x.field === 'given') return { field: 'given', message: 'Say whether the person consents.' };
        if (x.field.startsWith('scope')) return { field: 'scope', message: x.message.startsWith('must name') ? 'Tick at least one part of the plan the person agreed to share, or answer No.' : 'Tick only the parts of the plan listed.' };
        if (x.field === 'how') return { field: 'how', message: 'Say how the person gave or withdrew their consent.' };
        return { field: 'note', message: `The note ${x.message}.` };
      });
      return res.status(400).type('html').send(consentPage(req, res, p, values, problems));
    }
    res.redirect(303, `${planHref(p.id)}?done=consent#sharing`);
  });

  // -------------------------------------------------------------------------------------------
  // The plan as a file: what this reader may see, and nothing more.

  router.get('/plans/:id/plan.json', web.requireSignedIn, async (req, res) => {
    const plan = await plans.exportPlan(callerOf(req.principal!), idOf(req));
    res.type('application/json').attachment(`careloop-plan-${plan.participant.localRef.replace(/[^\w.-]+/g, '_')}.json`).send(JSON.stringify(plan, null, 2));
  });

  router.get('/plans/:id/plan.csv', web.requireSignedIn, async (req, res) => {
    const plan = await plans.exportPlan(callerOf(req.principal!), idOf(req));
    // A file for people: sections, levels and what is shared in words (plan.json keeps the codes).
    const rows: Record<string, unknown>[] = [
      { Section: 'Participant', Item: `${plan.participant.localRef} ${plan.participant.displayName}` },
      { Section: 'Plan-holder', Item: plan.planHolder.name, Agency: plan.planHolder.agency },
      { Section: 'Version', Item: String(plan.version.number), Detail: 'reason' in plan.version ? `${PLAN_TRIGGER_WORDS[plan.version.trigger as PlanTrigger]}: ${plan.version.reason}` : '', Due: plan.version.publishedAt },
      {
        Section: 'Consent',
        Item: plan.consent ? (plan.consent.given ? 'Given' : 'Not given') : 'None recorded',
        Detail: plan.consent?.given ? plan.consent.scope.map((e) => SHAREABLE_ELEMENT_WORDS[e as ShareableElement] ?? 'Another part of the plan').join('; ') : '',
      },
      ...plan.goals.map((g) => ({ Section: 'Goal', Item: g.goal })),
      ...plan.risks.map((r) => ({ Section: 'Risk', Item: r.risk, Detail: RISK_LEVEL_WORDS[r.level as RiskLevel] ?? 'Level not recorded' })),
      ...plan.crisisTriggers.map((t) => ({ Section: 'Crisis trigger', Item: t.trigger })),
      ...plan.serviceContacts.map((c) => ({ Section: 'Service contact', Item: c.name, Detail: c.role, Agency: c.agency, Phone: c.phone })),
      ...plan.actions.map((a) => ({ Section: 'Action', Item: a.action, Agency: a.ownerAgency, Person: a.ownerPerson, Due: a.dueDate })),
      ...plan.withheld.map((w) => ({ Section: 'Withheld', Item: SHAREABLE_ELEMENT_WORDS[w], Detail: 'Not consented to be shared beyond the care team' })),
    ];
    res
      .type('text/csv; charset=utf-8')
      .attachment(`careloop-plan-${plan.participant.localRef.replace(/[^\w.-]+/g, '_')}.csv`)
      .send(toCsv(rows, ['Section', 'Item', 'Detail', 'Agency', 'Person', 'Phone', 'Due']));
  });

  return router;
}
