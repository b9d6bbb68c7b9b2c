// A recipient's emailed link to a plan version: what changed and, when the change alters
// day-to-day delivery, one button to acknowledge it. Opened without signing in, the page gives
// the change note without clinical detail (how many goals, risks, actions... changed, never what
// they say: a forwarded email or a shared screen shows nothing of the person); signed in, the
// full change as the signed-in person may read it (the care team all of it, anyone else only what
// the person consented to share). "Sign in to see the full change" returns to that change's page.
//
// A link that no longer works (acknowledged, by the link or by replying to the email; replaced by
// a newer version; expired; or its holder may no longer read the plan) says so from the record,
// by whom and when, and what the holder can do now, without asking them to sign in.
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { AppError } from '../errors';
import { html } from '../html';
import { channelWords, endedAnswer, personWords } from '../links/ended';
import type { LinkAnswer, LinkHandler, LinkView } from '../links/registry';
import { callerOf } from '../sprints/service';
import { PLAN_TRIGGER_WORDS } from '../../domain/plan';
import type { PlanService } from './service';

const ZPlanLinkForm = z.object({ action: z.literal('acknowledge') });

/** Where the full change is read after signing in: the version's diff page (the whole plan for a first version). */
export const changePageOf = (planId: string, version: number) =>
  version > 1 ? `/plans/${encodeURIComponent(planId)}/diff?from=${version - 1}&to=${version}` : `/plans/${encodeURIComponent(planId)}`;

type Inspected = Awaited<ReturnType<PlanService['inspectPlanLink']>>;

/**
 * What became of a plan version's acknowledgement, for a link that no longer works or a button
 * pressed too late: acknowledged (when, how), replaced by a newer version (by whom, when), or
 * still waiting with the link expired. Undefined when the record says nothing more.
 */
async function planEnded(view: LinkView, v: Inspected, db: Db, opts: { status?: number; gone?: AppError } = {}): Promise<LinkAnswer | undefined> {
  const { when } = view;
  const context = `Integrated plan · participant ${v.plan.participantRef} · version ${v.version.number}`;
  const signedInPage = { href: changePageOf(v.plan.id, v.version.number), what: 'the change’s page' };
  const base = { status: opts.status ?? 410, context, signedInPage, gone: opts.gone };
  const nothingNew = view.req.method === 'POST' ? ' Nothing new was recorded.' : '';
  const author = await personWords(view, v.version.author);
  if (v.recipient?.acknowledgedAt) {
    const how = channelWords(v.recipient.channel);
    return endedAnswer(view, {
      ...base,
      title: 'You have already acknowledged this change',
      happened: `You acknowledged version ${v.version.number} of the plan for ${v.plan.participantRef}${how ? ` ${how}` : ''} on ${when(v.recipient.acknowledgedAt)}. ${capital(author)} published it on ${when(v.version.createdAt)}.${nothingNew}`,
      todo: 'Nothing more is needed from you.',
    });
  }
  if (v.state?.status === 'superseded' && v.state.supersededBy) {
    const newer = await db.planVersion.findUnique({ where: { planId_number: { planId: v.plan.id, number: v.state.supersededBy } }, select: { createdAt: true, author: { select: { id: true, name: true } } } });
    const by = newer ? await personWords(view, newer.author) : undefined;
    return endedAnswer(view, {
      ...base,
      title: 'A newer version of the plan replaced this one',
      happened: `Version ${v.state.supersededBy} of the plan for ${v.plan.participantRef}${newer ? `, published by ${by} on ${when(newer.createdAt.toISOString())},` : ''} replaced version ${v.version.number} before you acknowledged it.${nothingNew}`,
      todo: `Nothing more is needed from you for version ${v.version.number}. If version ${v.state.supersededBy} needs acknowledging, careloop emails you a link for it.`,
      signedInPage: { href: changePageOf(v.plan.id, v.state.supersededBy), what: 'the newer version’s page' },
    });
  }
  if (v.state && v.state.status !== 'awaiting-acknowledgements') {
    return endedAnswer(view, {
      ...base,
      title: v.state.status === 'acknowledged' ? 'Everyone asked has acknowledged this change' : 'This change needs no acknowledgement',
      happened: `Version ${v.version.number} of the plan for ${v.plan.participantRef} was published by ${author} on ${when(v.version.createdAt)}${v.state.completedAt ? `; its acknowledgements closed on ${when(v.state.completedAt)}` : ''}.${nothingNew}`,
      todo: 'Nothing more is needed from you.',
    });
  }
  if (v.state?.status === 'awaiting-acknowledgements' && v.recipient) {
    const expired = view.ending?.kind === 'expired';
    return endedAnswer(view, {
      ...base,
      gone: expired ? undefined : opts.gone,
      title: expired ? 'This link has expired' : 'This link no longer works',
      happened: `${expired ? `This link expired on ${when(view.ending!.at)}. ` : ''}Version ${v.version.number} of the plan for ${v.plan.participantRef}, published by ${author} on ${when(v.version.createdAt)}, still waits for your acknowledgement${v.state.ackDeadlineAt ? ` (due ${when(v.state.ackDeadlineAt)})` : ''}.${nothingNew}`,
      todo: v.version.author.id === view.row.staff.id ? 'You published this version: acknowledge it signed in to careloop.' : `Ask ${author} for a new link.`,
    });
  }
  return undefined;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function planVersionLink(plans: PlanService, db: Db): LinkHandler {
  return {
    async show(view) {
      const v = await plans.inspectPlanLink(view.row);
      const { when } = view;
      const page = changePageOf(v.plan.id, v.version.number);
      // Signed in (as anyone): the full change as that person may read it; else the outline.
      const principal = view.req.principal;
      const full = principal
        ? await plans.diff(callerOf(principal), v.plan.id, Math.max(1, v.version.number - 1), v.version.number).catch((err: unknown) => {
            if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
            throw err;
          })
        : undefined;
      const needsAck = v.reader === 'team' && v.version.acknowledgementRequired && v.state?.status === 'awaiting-acknowledgements' && !v.recipient?.acknowledgedAt;
      const changes =
        full && v.version.number > 1
          ? html`${full.reader === 'team' ? html`<p><strong>Why:</strong> ${v.version.reason}</p>` : html`<p class="muted">You are outside this person’s care team: you see only what they consented to share.</p>`}
  ${full.lines.length ? html`<ul class="changes">${full.lines.map((l) => html`<li>${l.words}</li>`)}</ul>` : html`<p>Nothing you may see changed.</p>`}
  <p><a href="/plans/${encodeURIComponent(v.plan.id)}">Open the whole plan</a></p>`
          : full
            ? html`<p>This is the first version of the plan.</p><p><a href="/plans/${encodeURIComponent(v.plan.id)}">Open the plan</a></p>`
            : html`<h2>What changed, in outline</h2>
  <ul class="changes">${v.note.map((n) => html`<li>${n}</li>`)}</ul>
  <p class="muted">What the plan says stays in careloop, for the people allowed to read it.</p>
  <p><a class="button secondary-plain" href="/signin?next=${encodeURIComponent(page)}">Sign in to see the full change</a></p>`;
      return {
        title: `Plan version ${v.version.number}`,
        body: html`<section class="card">
  <p class="muted">Integrated plan · participant ${v.plan.participantRef}</p>
  <h1>Version ${v.version.number}: what changed</h1>
  <p>Published ${when(v.version.createdAt)} by ${v.version.author.name} · Trigger: ${PLAN_TRIGGER_WORDS[v.version.trigger] ?? v.version.trigger}</p>
  ${changes}
  ${v.state?.rapidReviewDueAt && v.reader === 'team' ? html`<p class="notice">Rapid review of the whole plan due ${when(v.state.rapidReviewDueAt)}.</p>` : ''}
</section>
${
  needsAck
    ? html`<section class="card"><h2>Acknowledge</h2>
  <p>This change alters day-to-day delivery. Acknowledge that you have read it${v.state?.ackDeadlineAt ? html` (by ${when(v.state.ackDeadlineAt)})` : ''}.</p>
  <form method="post" action="/a/${view.token}" novalidate>
    <input type="hidden" name="_csrf" value="${view.csrfToken()}"><input type="hidden" name="action" value="acknowledge">
    <button type="submit">I have read this change</button>
  </form></section>`
    : v.recipient?.acknowledgedAt
      ? html`<p class="notice">You acknowledged this version ${when(v.recipient.acknowledgedAt)}.</p>`
      : v.state?.status === 'superseded'
        ? html`<p class="problem">A newer version (${v.state.supersededBy}) has replaced this one.</p>`
        : ''
}`,
      };
    },

    async act(view, body) {
      if (!ZPlanLinkForm.safeParse(body).success) throw new AppError('INVALID_INPUT', 'Use the button on the page.');
      try {
        const done = await plans.acknowledgeWithPlanLink(view.row);
        return {
          title: 'Acknowledged',
          body: html`<section class="card"><h1>Acknowledged</h1>
<p class="notice" role="status">Your acknowledgement of version ${done.version} of the plan for ${done.participantRef} is recorded (${view.when(done.recipient.acknowledgedAt ?? '')}).</p>
<p class="muted">Nothing more is needed from you. Opening this link again shows when you acknowledged it.</p></section>`,
        };
      } catch (err) {
        // Replaced, or acknowledged by a reply, since the page was opened: say what became of it.
        if (!(err instanceof AppError) || !['CONFLICT', 'GONE'].includes(err.code)) throw err;
        const answer = await planEnded(view, await plans.inspectPlanLink(view.row), db, { status: 409 });
        if (answer) return answer;
        throw err;
      }
    },

    async ended(view, gone) {
      let v: Inspected;
      try {
        v = await plans.inspectPlanLink(view.row);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
        // The holder may no longer read the plan: say so, and nothing of it.
        return endedAnswer(view, {
          title: 'You can no longer open this plan',
          happened: 'This link stopped working because you may no longer read this person’s plan: for example, your agency has left their care team, or what they consent to share has changed.',
          todo: 'Nothing more is needed from you for this plan.',
          gone,
        });
      }
      return planEnded(view, v, db, { gone });
    },
  };
}
