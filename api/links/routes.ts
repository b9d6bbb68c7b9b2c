// Emailed action links: /a/<token>. GET shows the task and the choices and changes nothing
// (mail scanners prefetch links); only a POST from this page acts, and spends the link.
import { Router, type Request, type Response } from 'express';
import { AppError, type FieldProblem } from '../errors';
import { html, page, type SafeHtml } from '../html';
import { formatInstant } from '../../domain/format';
import type { TaskState } from '../../domain/sprint';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { ESCALATION_TOKEN_PURPOSE, PLAN_TOKEN_PURPOSE } from '../../domain/tokens';
import { hashToken } from '../../runtime/secrets';
import { isDisputeToken } from '../disputes/service';

const ACTIONS = ['complete', 'not-applicable', 'refuse'] as const;
type LinkAction = (typeof ACTIONS)[number];

export function actionPages(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const when = (iso: string) => formatInstant(iso, deps.config.timeZone);

  const problemFor = (problems: FieldProblem[] | undefined, field: string) => {
    const p = problems?.find((x) => x.field === field);
    return p ? html`<p class="field-error" id="${field}-error">${p.message}</p>` : '';
  };

  const taskForm = (req: Request, res: Response, token: string, task: TaskState, participantRef: string, opts: { chosen?: LinkAction; problems?: FieldProblem[]; values?: Record<string, string> } = {}): SafeHtml => {
    const csrf = web.csrfToken(req, res);
    const v = opts.values ?? {};
    const p = (field: string) => (opts.chosen ? problemFor(opts.problems, field) : '');
    return html`<section class="card">
  <p class="muted">Post-discharge sprint · participant ${participantRef}</p>
  <h1>${task.title}</h1>
  <p>Owner: ${task.owner.name} · due ${when(task.dueAt)}${task.overdue ? html` · <strong class="overdue">overdue</strong>` : ''}</p>
</section>
<section class="card">
  <h2>Done</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="complete">
    <label for="note">Note (optional)</label>
    <textarea id="note" name="note" rows="2">${opts.chosen === 'complete' ? (v.note ?? '') : ''}</textarea>
    ${opts.chosen === 'complete' ? p('note') : ''}
    <p><button type="submit">Mark as done</button></p>
  </form>
</section>
<section class="card">
  <h2>Does not apply</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="not-applicable">
    <label for="na-reason">Why it does not apply</label>
    <textarea id="na-reason" name="reason" rows="2">${opts.chosen === 'not-applicable' ? (v.reason ?? '') : ''}</textarea>
    ${opts.chosen === 'not-applicable' ? p('reason') : ''}
    <p><button type="submit">Mark as not applicable</button></p>
  </form>
</section>
<section class="card">
  <h2>Refused by the participant</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="action" value="refuse">
    <label for="refuse-reason">Why the participant refused</label>
    <textarea id="refuse-reason" name="reason" rows="2">${opts.chosen === 'refuse' ? (v.reason ?? '') : ''}</textarea>
    ${opts.chosen === 'refuse' ? p('reason') : ''}
    <label for="managed">How the refusal was managed</label>
    <textarea id="managed" name="managedHow" rows="2">${opts.chosen === 'refuse' ? (v.managedHow ?? '') : ''}</textarea>
    ${opts.chosen === 'refuse' ? p('managedHow') : ''}
    <p><button type="submit">Record the refusal</button></p>
  </form>
</section>`;
  };

  const isPlanToken = async (token: string) => {
    if (!/^[\w-]{20,100}$/.test(token)) return false;
    const row = await deps.db.actionToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { purpose: true } });
    return row?.purpose === PLAN_TOKEN_PURPOSE;
  };

  const isEscalationToken = async (token: string) => {
    if (!/^[\w-]{20,100}$/.test(token)) return false;
    const row = await deps.db.actionToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { purpose: true } });
    return row?.purpose === ESCALATION_TOKEN_PURPOSE;
  };

  const escalationPage = async (req: Request, res: Response, token: string) => {
    const { row, state } = await services.escalations.inspectEscalationToken(token);
    const mayAcknowledge = state.status === 'open' && state.chair.id === row.staff.id;
    return page(
      { title: 'Escalation' },
      html`<section class="card">
  <p class="muted">Escalation · participant ${state.participant.localRef}</p>
  <h1>${state.tier} risk: ${state.trigger}</h1>
  <p>Chair: ${state.chair.name} · acknowledge by ${when(state.acknowledgeDueAt)} · respond by ${when(state.respondDueAt)}</p>
  ${state.tiers.length > 1 ? html`<p class="notice">Promoted from ${state.tiers[0]!.tier} after a missed window.</p>` : ''}
</section>
${
  mayAcknowledge
    ? html`<section class="card"><h2>Take ownership</h2>
  <p>Acknowledge that you chair this escalation. Record the response action and the outcome through careloop afterwards.</p>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}"><input type="hidden" name="action" value="acknowledge">
    <button type="submit">I take ownership</button>
  </form></section>`
    : html`<p class="notice">This escalation is ${state.status}${state.acknowledgement ? html` (acknowledged by ${state.acknowledgement.by.name})` : ''}.</p>`
}`,
    );
  };

  const planPage = async (req: Request, res: Response, token: string) => {
    const v = await services.plans.inspectPlanToken(token);
    const needsAck = v.version.acknowledgementRequired && v.state?.status === 'awaiting-acknowledgements' && !v.recipient?.acknowledgedAt;
    return page(
      { title: `Plan version ${v.version.number}` },
      html`<section class="card">
  <p class="muted">Integrated plan · participant ${v.plan.participantRef}</p>
  <h1>Version ${v.version.number}: what changed</h1>
  <p>Published ${when(v.version.createdAt)} by ${v.version.author.name} · trigger: ${v.version.trigger.replace('_', ' ')}</p>
  <p><strong>Why:</strong> ${v.version.reason}</p>
  <ul class="changes">${v.changes.map((c) => html`<li>${c}</li>`)}</ul>
  ${v.state?.rapidReviewDueAt ? html`<p class="notice">Rapid review of the whole plan due ${when(v.state.rapidReviewDueAt)}.</p>` : ''}
</section>
${
  needsAck
    ? html`<section class="card"><h2>Acknowledge</h2>
  <p>This change alters day-to-day delivery. Acknowledge that you have read it${v.state?.ackDeadlineAt ? html` (by ${when(v.state.ackDeadlineAt)})` : ''}.</p>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}"><input type="hidden" name="action" value="acknowledge">
    <button type="submit">I have read this change</button>
  </form></section>`
    : v.recipient?.acknowledgedAt
      ? html`<p class="notice">You acknowledged this version ${when(v.recipient.acknowledgedAt)}.</p>`
      : v.state?.status === 'superseded'
        ? html`<p class="problem">A newer version (${v.state.supersededBy}) has replaced this one.</p>`
        : ''
}`,
    );
  };

  router.get('/a/:token', web.tokenLimiter, async (req, res, next) => {
    const token = String(req.params.token);
    if (await isEscalationToken(token)) {
      res.type('html').send(await escalationPage(req, res, token));
      return;
    }
    if (await isPlanToken(token)) {
      res.type('html').send(await planPage(req, res, token));
      return;
    }
    next();
  });

  router.post('/a/:token', web.tokenLimiter, web.csrfProtection, async (req, res, next) => {
    const token = String(req.params.token);
    if (await isEscalationToken(token)) {
      if ((req.body as Record<string, unknown> | undefined)?.action !== 'acknowledge') throw new AppError('INVALID_INPUT', 'Use the button on the page.');
      const state = await services.escalations.acknowledgeWithEscalationToken(token);
      res.type('html').send(
        page(
          { title: 'Acknowledged' },
          html`<section class="card"><h1>Acknowledged</h1>
<p class="notice">You chair the ${state.tier} escalation for ${state.participant.localRef} (acknowledged ${when(state.acknowledgement?.at ?? '')}). Record the response action by ${when(state.respondDueAt)}.</p></section>`,
        ),
      );
      return;
    }
    if (!(await isPlanToken(token))) return next();
    if ((req.body as Record<string, unknown> | undefined)?.action !== 'acknowledge') throw new AppError('INVALID_INPUT', 'Use the button on the page.');
    const done = await services.plans.acknowledgeWithPlanToken(token);
    res.type('html').send(
      page(
        { title: 'Acknowledged' },
        html`<section class="card"><h1>Acknowledged</h1>
<p class="notice">Your acknowledgement of version ${done.version} of the plan for ${done.participantRef} is recorded (${when(done.recipient.acknowledgedAt ?? '')}).</p></section>`,
      ),
    );
  });

  // Dispute links: state your agency's position, or accept a proposed resolution.
  const disputePage = async (req: Request, res: Response, token: string, problem?: string, statement = '') => {
    const v = await services.disputes.inspectDisputeToken(token);
    const s = v.state;
    const stage = s.stages[s.stages.length - 1];
    const form =
      s.status !== 'open'
        ? html`<p class="notice">This dispute is ${s.status}.</p>`
        : v.purpose === 'dispute-position'
          ? html`<section class="card"><h2>Your agency's position</h2>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}"><input type="hidden" name="action" value="position">
    <label for="statement">Position</label>
    <textarea id="statement" name="statement" rows="4">${statement}</textarea>
    ${problem ? html`<p class="field-error" id="statement-error">${problem}</p>` : ''}
    <p><button type="submit">Record our position</button></p>
  </form></section>`
          : v.proposal
            ? html`<section class="card"><h2>Proposed resolution ${v.proposal.id}</h2>
  <p>Proposed by ${v.proposal.by.name} ${when(v.proposal.at)}:</p>
  <blockquote>${v.proposal.terms}</blockquote>
  <form method="post" action="/a/${token}">
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}"><input type="hidden" name="action" value="accept">
    <button type="submit">Accept for my agency</button>
  </form></section>`
            : html`<p class="problem">That proposal is no longer on this dispute.</p>`;
    return page(
      { title: `Dispute: ${s.subject}` },
      html`<section class="card">
  <p class="muted">Inter-agency dispute · participant ${s.participant.localRef}</p>
  <h1>${s.subject}</h1>
  <p><strong>Step in dispute:</strong> ${s.step} · interim owner: ${s.interimOwner.name}</p>
  <p><strong>Outcome sought:</strong> ${s.outcomeSought}</p>
  ${stage ? html`<p>Stage ${stage.stage} (${stage.label.toLowerCase()}), due ${when(stage.dueAt)}</p>` : ''}
</section>
${form}`,
    );
  };

  router.get('/a/:token', async (req, res, next) => {
    const token = String(req.params.token);
    if (!(await isDisputeToken(deps.db, token))) return next();
    res.type('html').send(await disputePage(req, res, token));
  });

  router.post('/a/:token', async (req, res, next) => {
    const token = String(req.params.token);
    if (!(await isDisputeToken(deps.db, token))) return next();
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.action !== 'position' && body.action !== 'accept') throw new AppError('INVALID_INPUT', 'Use the button on the page.');
    const statement = typeof body.statement === 'string' ? body.statement : '';
    try {
      const s = await services.disputes.actWithDisputeToken(token, { statement });
      const what = body.action === 'position' ? "Your agency's position is recorded." : s.status === 'resolved' ? 'Your acceptance is recorded: every party has accepted, and the dispute is resolved.' : 'Your acceptance is recorded.';
      res.type('html').send(page({ title: 'Recorded' }, html`<section class="card"><h1>Recorded</h1><p class="notice">${what}</p><p class="muted">This link has now been used.</p></section>`));
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields) {
        res.status(400).type('html').send(await disputePage(req, res, token, err.details.fields[0]?.message, statement));
        return;
      }
      throw err;
    }
  });

  // Sprint task links (the rate limit and CSRF check above already ran for this request).
  router.get('/a/:token', async (req, res) => {
    const token = String(req.params.token);
    const { state, task } = await services.sprints.inspectTaskToken(token, now());
    res.type('html').send(page({ title: task.title }, taskForm(req, res, token, task, state.participant.localRef)));
  });

  router.post('/a/:token', async (req, res) => {
    const token = String(req.params.token);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const chosen = body.action as LinkAction;
    if (!ACTIONS.includes(chosen)) throw new AppError('INVALID_INPUT', 'Choose one of the buttons on the page.');
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const action =
      chosen === 'complete'
        ? { type: 'complete' as const, ...(text('note')?.trim() ? { note: text('note') } : {}) }
        : chosen === 'not-applicable'
          ? { type: 'not-applicable' as const, reason: text('reason') ?? '' }
          : { type: 'refuse' as const, reason: text('reason') ?? '', managedHow: text('managedHow') ?? '' };
    try {
      const task = await services.sprints.actWithTaskToken(token, action, now());
      const outcome = task.status === 'completed' ? 'done' : task.status === 'rejected' ? 'refused by the participant' : 'not applicable';
      res.type('html').send(
        page(
          { title: 'Recorded' },
          html`<section class="card"><h1>Recorded</h1>
<p class="notice">${task.title} is recorded as <strong>${outcome}</strong>. Thank you, ${task.endedBy?.name ?? ''}.</p>
<p class="muted">The coordinator sees this straight away. This link has now been used.</p></section>`,
        ),
      );
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_INPUT' && err.details?.fields) {
        const { state, task } = await services.sprints.inspectTaskToken(token, now());
        res
          .status(400)
          .type('html')
          .send(page({ title: task.title }, taskForm(req, res, token, task, state.participant.localRef, { chosen, problems: err.details.fields, values: { note: text('note') ?? '', reason: text('reason') ?? '', managedHow: text('managedHow') ?? '' } })));
        return;
      }
      throw err;
    }
  });

  return router;
}
