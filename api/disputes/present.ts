// How a dispute looks to people, on its signed-in pages and on its emailed links alike: the facts
// (subject, step, interim owner, the stage clock in working days), each party's positions side by
// side, the proposals with who accepted or declined and why, the interim owner's step, the
// timeline in words, and the forms of every step (one field set per step, its words and its
// problems), so a page and a link ask the same thing the same way.
import { html, type SafeHtml } from '../html';
import type { FieldProblem } from '../errors';
import { workingDaysBetween, type PartnershipCalendar } from '../../domain/calendar';
import { DISPUTE_AGREEMENT, type DisputeProposal, type DisputeStageState, type DisputeState } from '../../domain/dispute';
import { disputeBadgeWords, disputeStatusWords, disputeTone } from './list';
import { DISPUTE_STATUS_WORDS, disputeStageWords } from '../../domain/words';
import { awaitingAnswer, type DisputeAbilities, type DisputeAction } from './service';

export type When = (iso: string) => string;
export type AgencyNames = Map<string, string>;

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const current = (s: DisputeState): DisputeStageState | undefined => s.stages[s.stages.length - 1];
const calendarOf = (s: DisputeState): PartnershipCalendar => s.calendar ?? DISPUTE_AGREEMENT.calendar;
const agencyOf = (agencies: AgencyNames, id: string) => agencies.get(id) ?? 'an agency';

/** Whether the current stage's deadline has passed, as of `at`. */
export const stageOverdue = (s: DisputeState, at: Date) => s.status === 'open' && !!current(s) && Date.parse(current(s)!.dueAt) <= at.getTime();

/** "2 of 5 working days used, due Wed, 2 Dec 2026, 17:00 GMT": the stage clock, in the partnership's working days. */
export function stageClock(s: DisputeState, at: Date, when: When): string {
  const stage = current(s);
  if (!stage) return 'careloop is finding the representatives for stage 1.';
  const total = stage.workingDays ?? DISPUTE_AGREEMENT.stages[stage.stage - 1]?.workingDays;
  const upTo = s.status === 'open' ? at.toISOString() : (stage.endedAt ?? at.toISOString());
  const used = workingDaysBetween(stage.startedAt, upTo, calendarOf(s));
  const days = total === undefined ? `${used} working day${used === 1 ? '' : 's'} used` : `${Math.min(used, total)} of ${total} working days used`;
  if (s.status !== 'open') return `${days} at stage ${stage.stage} when it closed.`;
  return Date.parse(stage.dueAt) <= at.getTime() ? `${days}; the deadline passed ${when(stage.dueAt)}.` : `${days}, due ${when(stage.dueAt)}.`;
}

/** The status badge and the words beside it. */
export function statusLine(s: DisputeState, at: Date): SafeHtml {
  const stage = current(s);
  const row = { status: s.status, stage: s.stage, stageLabel: stage?.label, overdue: stageOverdue(s, at) };
  return html`<span class="badge tone-${disputeTone(row)}">${disputeBadgeWords(row)}</span> <span id="dispute-status">${disputeStatusWords(row)}</span>`;
}

/** Who carries the step on once the dispute has closed (named by the decision or the agreed proposal, else the interim owner); undefined while it runs. */
export function carrierOf(s: DisputeState): { id: string; name: string } | undefined {
  if (s.outcome?.carriesOn) return s.outcome.carriesOn;
  // Just closed by an update, before the close is written: the same rule the workflow applies.
  if (s.status === 'decided') return s.decision?.carriesOn ?? s.interimOwner;
  if (s.status === 'resolved') return s.proposals.find((p) => s.partyAgencyIds.every((a) => p.acceptances.some((x) => x.agencyId === a)))?.carriesOn ?? s.interimOwner;
  if (s.status === 'withdrawn') return s.interimOwner;
  return undefined;
}

/** Who carries the step on once the dispute has closed, or meanwhile. */
export function carrierWords(s: DisputeState): string {
  const carrier = carrierOf(s);
  if (carrier) return `${carrier.name} carries “${s.step}” on, as the ${s.status === 'decided' ? 'decision says' : s.status === 'resolved' ? 'agreed proposal says' : 'withdrawal leaves it'}.`;
  return `${s.interimOwner.name} carries “${s.step}” on while the dispute runs.`;
}

/** The facts at the top of a dispute: status, participant, step, interim owner, parties, the stage clock. */
export function facts(s: DisputeState, at: Date, when: When, agencies: AgencyNames, opts: { participantHref?: string; participantName?: string } = {}): SafeHtml {
  const stage = current(s);
  return html`<dl class="facts dispute-facts">
    <div><dt>Status</dt><dd>${statusLine(s, at)}</dd></div>
    <div><dt>Participant</dt><dd>${opts.participantHref ? html`<a href="${opts.participantHref}">${s.participant.localRef}</a>` : s.participant.localRef}${opts.participantName ? html` <span class="muted">${opts.participantName}</span>` : ''}</dd></div>
    <div><dt>Step in dispute</dt><dd>${s.step}</dd></div>
    <div><dt>${s.status === 'open' ? 'Interim owner' : 'Carries the step on'}</dt><dd>${s.status === 'open' ? `${s.interimOwner.name}, ${agencyOf(agencies, s.interimOwner.agencyId)}` : (carrierOf(s)?.name ?? s.interimOwner.name)}</dd></div>
    <div><dt>Parties</dt><dd>${s.partyAgencyIds.map((a) => agencyOf(agencies, a)).join(' and ')}</dd></div>
    ${stage ? html`<div><dt>${s.status === 'open' ? `${disputeStageWords(stage.stage)}: ${stage.label.toLowerCase()}` : 'Stage reached'}</dt><dd id="stage-clock">${s.status === 'open' ? stageClock(s, at, when) : `${disputeStageWords(stage.stage)}, ${stage.label.toLowerCase()}`}</dd></div>` : ''}
  </dl>`;
}

/** What the dispute is about, as raised. */
export function whatItIsAbout(s: DisputeState, when: When): SafeHtml {
  return html`<dl class="record">
    <dt>What is disputed</dt><dd class="prose">${s.description}</dd>
    <dt>Outcome sought</dt><dd class="prose">${s.outcomeSought}</dd>
    <dt>Raised</dt><dd>${when(s.startedAt)} by ${s.raisedBy.name}</dd>
  </dl>`;
}

/** Each party's positions, one column per agency (stacked on a phone), oldest first. */
export function positionsSideBySide(s: DisputeState, agencies: AgencyNames, when: When, yourAgencyId?: string): SafeHtml {
  return html`<div class="sides">${s.partyAgencyIds.map((agencyId, i) => {
    const mine = s.positions.filter((p) => p.agencyId === agencyId);
    return html`<section class="side" data-agency="${agencyId}">
  <h3>${agencyOf(agencies, agencyId)}${agencyId === yourAgencyId || i === 0 ? html` <span class="muted">· ${[agencyId === yourAgencyId ? 'your agency' : '', i === 0 ? 'raised the dispute' : ''].filter(Boolean).join(' · ')}</span>` : ''}</h3>
  ${
    mine.length
      ? html`<ol class="positions">${mine.map((p) => html`<li><p class="prose">${p.statement}</p><p class="muted small">${p.by.name}, stage ${p.stage}, ${when(p.at)}</p></li>`)}</ol>`
      : html`<p class="muted">No position stated yet.</p>`
  }
</section>`;
  })}</div>`;
}

/** One proposal: its terms, who proposed it, what it answers, who accepted and who declined (with why), who has still to answer. */
export function proposalCard(s: DisputeState, p: DisputeProposal, agencies: AgencyNames, when: When, actions?: SafeHtml): SafeHtml {
  const waiting = s.partyAgencyIds.filter((a) => !p.acceptances.some((x) => x.agencyId === a) && !p.declines?.some((d) => d.agencyId === a));
  const agreed = s.outcome?.proposalId === p.id;
  return html`<li class="proposal${agreed ? ' agreed' : ''}" id="proposal-${p.id}" data-proposal="${p.id}">
  <p class="proposal-head"><strong>Proposal ${p.id}</strong>${p.answers ? html` <span class="badge tone-reminded">counter-proposal to ${p.answers}</span>` : ''}${agreed ? html` <span class="badge tone-done">Agreed</span>` : ''}</p>
  <p class="muted small">Proposed by ${p.by.name}, ${agencyOf(agencies, p.agencyId)}, at stage ${p.stage}, ${when(p.at)}</p>
  <blockquote class="prose">${p.terms}</blockquote>
  ${p.carriesOn ? html`<p class="small">If agreed, ${p.carriesOn.name} carries “${s.step}” on.</p>` : ''}
  <ul class="answers">
    ${p.acceptances.map((a) => html`<li class="mark-met"><span class="verdict">Accepted by ${agencyOf(agencies, a.agencyId)}</span> <span class="muted">${a.by.name}, ${when(a.at)}${a.agencyId === p.agencyId ? ' (its own proposal)' : ''}</span></li>`)}
    ${(p.declines ?? []).map(
      (d) => html`<li class="mark-missed"><span class="verdict">Declined by ${agencyOf(agencies, d.agencyId)}</span> <span class="muted">${d.by.name}, ${when(d.at)}</span><br><span class="reason">Why: ${d.reason}</span></li>`,
    )}
    ${s.status === 'open' ? waiting.map((a) => html`<li class="mark-due"><span class="verdict">Waiting for ${agencyOf(agencies, a)}</span></li>`) : ''}
  </ul>
  ${actions ?? ''}
</li>`;
}

/** Every proposal, newest first; `actionsFor` adds the viewer's buttons to one. */
export function proposalsList(s: DisputeState, agencies: AgencyNames, when: When, actionsFor?: (p: DisputeProposal) => SafeHtml | undefined): SafeHtml {
  if (!s.proposals.length) return html`<p class="muted">No resolution proposed yet.</p>`;
  return html`<ol class="proposals">${[...s.proposals].reverse().map((p) => proposalCard(s, p, agencies, when, actionsFor?.(p)))}</ol>`;
}

/** The buttons for an agency's answer to a proposal still waiting for it; `href` builds each step's address. */
export function answerButtons(s: DisputeState, p: DisputeProposal, agencyId: string, href: (action: DisputeAction, proposalId: string) => string): SafeHtml | undefined {
  if (s.status !== 'open' || !awaitingAnswer(s, agencyId).some((x) => x.id === p.id)) return undefined;
  return html`<p class="actions"><a class="button" href="${href('accept', p.id)}">Accept ${p.id}</a><a class="button secondary-plain" href="${href('decline', p.id)}">Decline ${p.id}</a><a class="button secondary-plain" href="${href('counter', p.id)}">Counter-propose</a></p>`;
}

/** The interim owner's step: whose it is, when progress is next due, and what they recorded. */
export function interimSection(s: DisputeState, at: Date, when: When, agencies: AgencyNames): SafeHtml {
  const step = s.interimStep;
  if (!step) return html`<p>${s.interimOwner.name} carries “${s.step}” on while the dispute runs.</p>`;
  const overdue = step.status === 'open' && Date.parse(step.dueAt) <= at.getTime();
  const where =
    step.status === 'open'
      ? html`<p>${step.owner.name} (${agencyOf(agencies, step.owner.agencyId)}) carries “${s.step}” on while the dispute runs. Progress is due by <strong>${when(step.dueAt)}</strong>${overdue ? html` <span class="badge tone-overdue">Overdue</span>` : ''}, then every few working days.</p>`
      : step.status === 'done'
        ? html`<p>${step.owner.name} recorded “${s.step}” as done${step.endedAt ? ` on ${when(step.endedAt)}` : ''}.</p>`
        : html`<p>${step.owner.name} carried “${s.step}” on until the dispute closed${step.endedAt ? ` on ${when(step.endedAt)}` : ''}. ${carrierWords(s)}</p>`;
  return html`${where}
  ${step.escalations.length ? html`<p class="small">${step.escalations.length === 1 ? 'One missed progress was escalated' : `${step.escalations.length} missed progress updates were escalated`}: ${step.escalations.map((e, i) => html`${i ? ', ' : ''}<a href="/escalations/${encodeURIComponent(e.id)}">raised ${when(e.raisedAt)}</a>`)}.</p>` : ''}
  ${
    step.progress.length
      ? html`<ol class="timeline dispute-timeline progress">${[...step.progress].reverse().map((p) => html`<li><time datetime="${p.at}">${when(p.at)}</time> <strong>${p.by.name}</strong>${p.done ? ' (step done)' : ''}: <span class="prose">${p.note}</span></li>`)}</ol>`
      : html`<p class="muted">No progress recorded yet.</p>`
  }`;
}

/** The dispute's history in words, oldest first. */
export function timeline(s: DisputeState, agencies: AgencyNames, when: When): SafeHtml {
  const items: { at: string; what: string }[] = [{ at: s.startedAt, what: `${s.raisedBy.name} raised the dispute; ${s.interimOwner.name} became the interim owner of “${s.step}”.` }];
  for (const st of s.stages) {
    const reps = st.representatives.map((r) => r.name).join(', ') || 'nobody found yet';
    items.push({ at: st.startedAt, what: st.stage === 1 ? `Stage 1 (${st.label.toLowerCase()}) began; representatives: ${reps}.` : `Moved to stage ${st.stage} (${st.label.toLowerCase()}) as stage ${st.stage - 1}’s deadline passed; representatives: ${reps}.` });
    if (st.deadlinePassed && st.stage === 3) items.push({ at: st.dueAt, what: 'Stage 3’s deadline passed without a decision; governance was told to decide now.' });
  }
  for (const p of s.positions) items.push({ at: p.at, what: `${p.by.name} stated ${agencyOf(agencies, p.agencyId)}’s position.` });
  for (const p of s.proposals) {
    items.push({ at: p.at, what: p.answers ? `${p.by.name} (${agencyOf(agencies, p.agencyId)}) answered ${p.answers} with counter-proposal ${p.id}.` : `${p.by.name} (${agencyOf(agencies, p.agencyId)}) proposed ${p.id}.` });
    for (const a of p.acceptances.filter((x) => x.agencyId !== p.agencyId)) items.push({ at: a.at, what: `${a.by.name} accepted ${p.id} for ${agencyOf(agencies, a.agencyId)}.` });
    // A decline made by answering with a counter-proposal is said by the counter-proposal's line.
    const byCounter = (d: { reason: string }) => s.proposals.some((c) => c.answers === p.id && d.reason === `Answered with counter-proposal ${c.id}`);
    for (const d of (p.declines ?? []).filter((x) => !byCounter(x))) items.push({ at: d.at, what: `${d.by.name} declined ${p.id} for ${agencyOf(agencies, d.agencyId)}: ${d.reason}` });
  }
  for (const g of s.interimStep?.progress ?? []) items.push({ at: g.at, what: g.done ? `${g.by.name} recorded “${s.step}” as done.` : `${g.by.name} recorded progress on “${s.step}”.` });
  for (const e of s.interimStep?.escalations ?? []) items.push({ at: e.raisedAt, what: `No progress was recorded on “${s.step}” by its due time: escalated.` });
  if (s.decision) items.push({ at: s.decision.at, what: `${s.decision.by.name} recorded partnership governance’s binding decision.` });
  if (s.withdrawal) items.push({ at: s.withdrawal.at, what: `${s.withdrawal.by.name} withdrew the dispute: ${s.withdrawal.reason}` });
  if (s.outcome) items.push({ at: s.outcome.at, what: `${DISPUTE_STATUS_WORDS[s.status]} after ${s.outcome.workingDaysToClose} working day${s.outcome.workingDaysToClose === 1 ? '' : 's'}. ${carrierWords(s)}` });
  items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return html`<ol class="timeline dispute-timeline">${items.map((i) => html`<li><time datetime="${i.at}">${when(i.at)}</time> ${i.what}</li>`)}</ol>`;
}

/** How it closed: the decision and its rationale, the agreed proposal, or the withdrawal. */
export function outcomeSection(s: DisputeState, agencies: AgencyNames, when: When): SafeHtml | '' {
  if (s.status === 'open') return '';
  const agreed = s.proposals.find((p) => p.id === s.outcome?.proposalId);
  return html`<section class="card outcome" id="outcome">
  <h2>${s.status === 'decided' ? 'The binding decision' : s.status === 'resolved' ? 'The agreed resolution' : 'Withdrawn'}</h2>
  ${
    s.decision
      ? html`<dl class="record"><dt>Decision</dt><dd class="prose">${s.decision.decision}</dd><dt>Rationale</dt><dd class="prose">${s.decision.rationale}</dd><dt>Decided</dt><dd>${when(s.decision.at)} by ${s.decision.by.name}</dd></dl>`
      : agreed
        ? html`<dl class="record"><dt>Proposal ${agreed.id}</dt><dd class="prose">${agreed.terms}</dd><dt>Proposed by</dt><dd>${agreed.by.name}, ${agencyOf(agencies, agreed.agencyId)}</dd></dl>`
        : s.withdrawal
          ? html`<dl class="record"><dt>Why</dt><dd class="prose">${s.withdrawal.reason}</dd><dt>Withdrawn</dt><dd>${when(s.withdrawal.at)} by ${s.withdrawal.by.name}</dd></dl>`
          : ''
  }
  <p class="notice">${carrierWords(s)}</p>
</section>`;
}

// -----------------------------------------------------------------------------------------------
// The forms: one per step, the same on a page and on a link.

export interface FieldDef {
  name: string;
  label: string;
  hint?: string;
  kind: 'textarea' | 'carrier' | 'checkbox';
  /** Absent means required. */
  optional?: boolean;
  /** Said when it is missing: "Enter your agency's position". */
  missing: string;
  /** Used before "must be at most 2000 characters". */
  noun: string;
  max?: number;
}

export interface FormDef {
  title: string;
  button: string;
  intro?: string;
  fields: FieldDef[];
  /** The confirmation once recorded. */
  done: string;
}

const carrier = (hint: string, optional = true): FieldDef => ({ name: 'carriesOnId', label: 'Who carries the step on afterwards', hint, kind: 'carrier', optional, missing: 'Choose who carries the step on', noun: 'Who carries the step on' });

export const FORMS: Record<DisputeAction, FormDef> = {
  position: {
    title: 'State your agency’s position',
    button: 'Record our position',
    fields: [{ name: 'statement', label: 'Your agency’s position', hint: 'What your agency holds and why. The other parties and governance read it.', kind: 'textarea', missing: 'Enter your agency’s position', noun: 'The position', max: 2000 }],
    done: 'Your agency’s position is recorded. The other side can read it now.',
  },
  propose: {
    title: 'Propose a resolution',
    button: 'Propose it',
    intro: 'Your agency accepts its own proposal. The other parties are asked to accept it, decline it with a reason, or answer it with a counter-proposal; once every party accepts one proposal, the dispute is resolved.',
    fields: [
      { name: 'terms', label: 'The resolution you propose', hint: 'Who does what, and by when.', kind: 'textarea', missing: 'Enter the resolution you propose', noun: 'The resolution', max: 2000 },
      carrier('If this is agreed, who carries the disputed step on. Leave it to keep the interim owner.'),
    ],
    done: 'Your proposal is recorded, and the other parties are asked to answer it.',
  },
  accept: {
    title: 'Accept the proposal',
    button: 'Accept for my agency',
    intro: 'You accept it for your agency. When every party has accepted the same proposal, the dispute is resolved.',
    fields: [],
    done: 'Your acceptance is recorded.',
  },
  decline: {
    title: 'Decline the proposal',
    button: 'Decline it',
    intro: 'The proposer is told, and reads your reason. You can still propose something else.',
    fields: [{ name: 'reason', label: 'Why your agency declines it', kind: 'textarea', missing: 'Say why your agency declines the proposal', noun: 'The reason', max: 1000 }],
    done: 'Your agency has declined the proposal; the proposer is told why.',
  },
  counter: {
    title: 'Counter-propose',
    button: 'Make the counter-proposal',
    intro: 'Your counter-proposal answers this proposal: your agency declines it and proposes this instead. The other parties are asked to answer yours.',
    fields: [
      { name: 'terms', label: 'What your agency proposes instead', hint: 'Who does what, and by when.', kind: 'textarea', missing: 'Enter what your agency proposes instead', noun: 'The counter-proposal', max: 2000 },
      { name: 'reason', label: 'Why not the proposal as it stands (optional)', kind: 'textarea', optional: true, missing: 'Say why', noun: 'The reason', max: 1000 },
      carrier('If this is agreed, who carries the disputed step on. Leave it to keep the interim owner.'),
    ],
    done: 'Your counter-proposal is recorded, and the other parties are asked to answer it.',
  },
  withdraw: {
    title: 'Withdraw the dispute',
    button: 'Withdraw the dispute',
    intro: 'The dispute closes as withdrawn; the interim owner keeps the step and is told.',
    fields: [{ name: 'reason', label: 'Why you withdraw it', kind: 'textarea', missing: 'Say why you withdraw the dispute', noun: 'The reason', max: 1000 }],
    done: 'The dispute is withdrawn.',
  },
  decide: {
    title: 'Record the binding decision',
    button: 'Record the decision',
    intro: 'Partnership governance’s decision binds every party and closes the dispute. The interim owner is told who carries the step on.',
    fields: [
      { name: 'decision', label: 'The decision', hint: 'What each agency does from now on.', kind: 'textarea', missing: 'Enter the decision', noun: 'The decision', max: 2000 },
      { name: 'rationale', label: 'The rationale', hint: 'Why governance decided so: it is kept with the decision.', kind: 'textarea', missing: 'Enter the rationale', noun: 'The rationale', max: 2000 },
      carrier('Who carries the disputed step on from now.', false),
    ],
    done: 'The decision is recorded; it binds every party and the dispute is closed.',
  },
  progress: {
    title: 'Record progress on the step',
    button: 'Record progress',
    intro: 'You carry the disputed step while the dispute runs. Each update moves the next one due a few working days on.',
    fields: [
      { name: 'note', label: 'How the step stands', hint: 'What was done, and what happens next. No clinical detail beyond what the parties need.', kind: 'textarea', missing: 'Say how the step stands', noun: 'The note', max: 1000 },
      { name: 'done', label: 'The step itself is done: no more reminders', kind: 'checkbox', optional: true, missing: '', noun: '' },
    ],
    done: 'Your progress is recorded.',
  },
};

/** A step's heading: the form's title, naming the proposal it answers. */
export function stepHeading(action: DisputeAction, proposalId?: string): string {
  if (!proposalId) return FORMS[action].title;
  if (action === 'accept') return `Accept proposal ${proposalId}`;
  if (action === 'decline') return `Decline proposal ${proposalId}`;
  if (action === 'counter') return `Answer proposal ${proposalId} with a counter-proposal`;
  return FORMS[action].title;
}

/** When the step is due, in a line: progress for the interim owner, the stage's clock for the rest. */
export function stepDue(action: DisputeAction, s: DisputeState, at: Date, when: When): SafeHtml | '' {
  if (s.status !== 'open') return '';
  if (action === 'progress') return s.interimStep?.status === 'open' ? html`<p class="muted">Progress is due by ${when(s.interimStep.dueAt)}.</p>` : '';
  const stage = current(s);
  return stage && action !== 'withdraw' ? html`<p class="muted">${disputeStageWords(stage.stage)}, ${stage.label.toLowerCase()}: ${stageClock(s, at, when)}</p>` : '';
}

/** "Enter the decision", "The reason must be 1000 characters or fewer": a field's problem as a sentence. */
export function problemSentence(action: DisputeAction, p: FieldProblem): string {
  const field = FORMS[action].fields.find((f) => f.name === p.field);
  if (!field) return capital(p.message);
  if (p.message.startsWith('is required')) return field.missing;
  const max = /must be at most (\d+) characters/.exec(p.message);
  if (max) return `${field.noun} must be ${max[1]} characters or fewer`;
  return `${field.noun} ${p.message}`;
}

export interface Choice {
  id: string;
  name: string;
  agencyName: string;
}

/** The error summary, GOV.UK style: at the top, each problem a link to its field. */
export function errorSummary(action: DisputeAction, problems: FieldProblem[] | undefined, other?: string): SafeHtml | '' {
  if (!problems?.length && !other) return '';
  const fields = FORMS[action].fields.map((f) => f.name);
  return html`<div class="problem error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <ul>${(problems ?? []).map((p) => html`<li>${fields.includes(p.field) ? html`<a href="#f-${p.field}">${problemSentence(action, p)}</a>` : problemSentence(action, p)}</li>`)}${other ? html`<li>${other}</li>` : ''}</ul>
</div>`;
}

/** The fields of a step's form, each with its problem beside it and the words typed kept. */
export function formFields(action: DisputeAction, s: DisputeState, values: Record<string, string>, problems: FieldProblem[] = [], choices: Choice[] = []): SafeHtml {
  return html`${FORMS[action].fields.map((f) => {
    const p = problems.find((x) => x.field === f.name);
    const id = `f-${f.name}`;
    const described = [f.hint ? `${id}-hint` : '', p ? `${id}-error` : ''].filter(Boolean).join(' ');
    const aria = html`${described ? html` aria-describedby="${described}"` : ''}${p ? html` aria-invalid="true"` : ''}`;
    const hint = f.hint ? html`<p class="hint" id="${id}-hint">${f.hint}</p>` : '';
    const error = p ? html`<p class="field-error" id="${id}-error">${problemSentence(action, p)}</p>` : '';
    if (f.kind === 'checkbox') {
      return html`<div class="field check"><input type="checkbox" id="${id}" name="${f.name}" value="yes"${values[f.name] === 'yes' ? html` checked` : ''}> <label for="${id}">${f.label}</label></div>`;
    }
    if (f.kind === 'carrier') {
      const chosen = values[f.name] ?? (f.optional ? '' : s.interimOwner.id);
      const byAgency = new Map<string, Choice[]>();
      for (const c of choices) byAgency.set(c.agencyName, [...(byAgency.get(c.agencyName) ?? []), c]);
      return html`<div class="field${p ? ' has-error' : ''}">
  <label for="${id}">${f.label}</label>
  ${hint}${error}
  <select id="${id}" name="${f.name}"${aria}>
    ${f.optional ? html`<option value="">The interim owner, ${s.interimOwner.name}</option>` : ''}
    ${[...byAgency].map(([agency, people]) => html`<optgroup label="${agency}">${people.map((c) => html`<option value="${c.id}"${chosen === c.id ? html` selected` : ''}>${c.name}${c.id === s.interimOwner.id ? ' (interim owner)' : ''}</option>`)}</optgroup>`)}
  </select>
</div>`;
    }
    return html`<div class="field${p ? ' has-error' : ''}">
  <label for="${id}">${f.label}</label>
  ${hint}${error}
  <textarea id="${id}" name="${f.name}" rows="5" maxlength="${f.max ?? 2000}"${aria}>${values[f.name] ?? ''}</textarea>
</div>`;
  })}`;
}

/** The form's values as typed: text only (a field sent twice or as anything else counts as not sent). */
export function formValues(action: DisputeAction, body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FORMS[action].fields) {
    const v = body[f.name];
    const text = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
    if (text) out[f.name] = text.slice(0, 10_000);
  }
  return out;
}

/** What the service is called with for a step: the form's values, with `done` as a flag and the proposal the step answers. */
export function serviceBody(action: DisputeAction, values: Record<string, string>, proposalId?: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...values };
  if (action === 'progress') body.done = values.done === 'yes';
  if (proposalId) body.proposalId = proposalId;
  return body;
}

/** What a person is asked to do next on a dispute, in a sentence. */
export function nextForYou(s: DisputeState, may: { party: boolean; governance: boolean; interimOwner: boolean }, agencyId: string, when: When): string | undefined {
  if (s.status !== 'open') return undefined;
  const parts: string[] = [];
  if (may.governance) parts.push(`Record partnership governance’s binding decision by ${when(current(s)!.dueAt)}.`);
  if (may.interimOwner && s.interimStep) parts.push(`Record progress on “${s.step}” by ${when(s.interimStep.dueAt)}.`);
  if (may.party) {
    const waiting = awaitingAnswer(s, agencyId);
    if (waiting.length) parts.push(`${waiting.length === 1 ? `Proposal ${waiting[0]!.id} is` : `Proposals ${waiting.map((p) => p.id).join(', ')} are`} waiting for your agency’s answer.`);
    else if (!s.positions.some((p) => p.agencyId === agencyId && p.stage === s.stage)) parts.push(`State your agency’s position at stage ${s.stage}.`);
  }
  return parts.join(' ') || undefined;
}

/** The steps a party's representative takes. */
export const PARTY_ACTIONS: readonly DisputeAction[] = ['position', 'propose', 'accept', 'decline', 'counter'];

/** Why this person cannot take this step now, in words, and whether that is a refusal (403); undefined when they can. */
export function whyNot(action: DisputeAction, s: DisputeState, may: DisputeAbilities, c: { agencyId: string; roles: readonly string[] }, when: (iso: string) => string, proposal?: DisputeProposal): { words: string; refused: boolean } | undefined {
  if (s.status !== 'open') return { words: `This dispute closed${s.outcome ? ` on ${when(s.outcome.at)}` : ''}: ${DISPUTE_STATUS_WORDS[s.status].toLowerCase()}. Nothing more can be recorded on it.`, refused: false };
  if (PARTY_ACTIONS.includes(action)) {
    if (!may.party) {
      const reps = s.stages[s.stages.length - 1]?.representatives.filter((r) => r.agencyId === c.agencyId) ?? [];
      const words = s.partyAgencyIds.includes(c.agencyId)
        ? `At stage ${s.stage} your agency is represented by ${reps.map((r) => r.name).join(', ') || 'its representative'}; only they, the person who raised it, and staff in the stage’s roles speak for it.`
        : 'Only the representatives of the agencies in this dispute state positions and answer proposals.';
      return { words, refused: true };
    }
    if (proposal && (action === 'accept' || action === 'decline' || action === 'counter')) {
      if (proposal.agencyId === c.agencyId) return { words: `Your agency made proposal ${proposal.id}, so it stands accepted by your agency.`, refused: false };
      const accepted = proposal.acceptances.find((a) => a.agencyId === c.agencyId);
      if (accepted) return { words: `${accepted.by.name} already accepted proposal ${proposal.id} for your agency.`, refused: false };
      const declined = proposal.declines?.find((d) => d.agencyId === c.agencyId);
      if (declined && action === 'decline') return { words: `${declined.by.name} already declined proposal ${proposal.id} for your agency: ${declined.reason}`, refused: false };
    }
    return undefined;
  }
  switch (action) {
    case 'withdraw':
      return may.raiser ? undefined : { words: `Only ${s.raisedBy.name}, who raised this dispute, may withdraw it.`, refused: true };
    case 'decide':
      if (!c.roles.includes('admin') && !may.governance) return { words: 'Only partnership governance decides a dispute, at stage 3.', refused: true };
      return s.stage === 3 ? undefined : { words: `Governance decides at stage 3; this dispute is at stage ${s.stage}. It moves on by itself when a stage’s deadline passes.`, refused: false };
    case 'progress':
      if (s.interimStep?.status === 'done') return { words: `“${s.step}” was recorded as done.`, refused: false };
      return may.interimOwner ? undefined : { words: `${s.interimStep?.owner.name ?? s.interimOwner.name} is the interim owner of “${s.step}”; only they record its progress.`, refused: true };
  }
  return undefined;
}

