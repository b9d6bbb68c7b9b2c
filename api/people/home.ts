// The home page after sign-in, "My work": what the person owes now in every process, overdue
// first, each with its due time and a button to the page where it is done; what they started or
// coordinate; the pages their roles use; and their choice of a weekly email of open items. Also
// the count of what they owe in the header of every signed-in page (`owedInHeader`).
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { html, page, withLayout, type SafeHtml } from '../html';
import type { AppDeps, AppServices, WebHelpers } from '../app';
import { AppError } from '../errors';
import { createDirectory } from './directory';
import { callerOf } from '../sprints/service';
import { formatInstant } from '../../domain/format';
import { relativeDue } from '../evidence/pages';
import { recordAuditEvent } from '../../record/audit';
import { createMyWork, type MyWork, type OwedItem, type StartedItem } from './my-work';
import { myWorkStepPages } from './my-work-steps';
import { ROLE_WORDS } from '../../domain/words';

/** Requests whose answer shows no header count: sign-in, emailed links, files, the digest choice (a redirect), and the home page (which counts its own). */
const UNCOUNTED = /^\/(?:$|signin|signout|a\/|static\/|my-work\/)|\.(?:csv|json)$/;

/**
 * Counts what the signed-in person owes, once per request, for the header of any page it
 * renders: one query per source on the record (api/people/my-work.ts). A count that cannot be
 * read leaves the header without one rather than failing the page.
 */
export function owedInHeader(deps: AppDeps): RequestHandler {
  const work = createMyWork({ db: deps.db, temporal: deps.temporal, now: deps.now });
  return (req, _res, next) => {
    const who = req.principal;
    // Every signed-in page, a form sent back with its problems too (nothing changed, so the count stands).
    if (!who || who.via !== 'session' || UNCOUNTED.test(req.path)) return next();
    work.owedCount(who).then(
      (owed) => withLayout({ owed }, next),
      (err: unknown) => {
        deps.logger.warn({ err }, 'could not count what the signed-in person owes');
        next();
      },
    );
  };
}


const DONE_WORDS: Record<string, string> = {
  'sprint-task': 'The task is recorded. The sprint’s coordinator sees it straight away.',
  'plan-update': 'Your update is sent to the plan-holder for the rapid review.',
  'digest-on': 'Done: you will get one email of your open items every Monday at 08:00.',
  'digest-off': 'Done: no more weekly emails. Emails about each item still come as before.',
};

const ZDigestChoice = z.object({ weeklyDigest: z.enum(['on', 'off'], { message: 'Choose whether to get the weekly email.' }) });

export function homeRoutes(deps: AppDeps, services: AppServices, web: WebHelpers): Router {
  const router = Router();
  const directory = createDirectory(deps.db);
  const work = createMyWork({ db: deps.db, temporal: deps.temporal, now: deps.now });
  const now = deps.now ?? (() => new Date());
  const tz = deps.config.timeZone;
  const when = (iso: string) => formatInstant(iso, tz);

  const who = (item: { participant?: { localRef: string; displayName: string } }) =>
    item.participant ? html`<span class="work-person"><strong>${item.participant.localRef}</strong> <span class="muted">${item.participant.displayName}</span></span>` : '';

  /** "Due Mon, 30 Nov 2026, 14:05 GMT · in 3 h", or how long overdue it is. */
  const dueWords = (item: { dueAt?: string; overdue: boolean }, at: Date): SafeHtml => {
    if (!item.dueAt) return html`<p class="work-due muted">No due time: it stays here while it is open.</p>`;
    const rel = relativeDue(item.dueAt, at);
    return item.overdue
      ? html`<p class="work-due"><strong class="overdue">${rel.startsWith('overdue') ? rel.charAt(0).toUpperCase() + rel.slice(1) : 'Overdue'}</strong> · it was due ${when(item.dueAt)}</p>`
      : html`<p class="work-due">Due ${when(item.dueAt)} <span class="muted nowrap">· ${rel}</span></p>`;
  };

  const owedRow = (item: OwedItem, at: Date) => html`<li class="work-item${item.overdue ? ' is-overdue' : ''}" data-kind="${item.kind}" data-item="${item.key}">
  <p class="work-context muted">${item.context}</p>
  <p class="work-title">${item.overdue ? html`<span class="badge tone-overdue">Overdue</span> ` : ''}<strong>${item.title}</strong></p>
  ${item.participant ? html`<p class="work-for">For ${who(item)}</p>` : ''}
  ${dueWords(item, at)}
  ${item.href ? html`<p class="work-act"><a class="button" href="${item.href}">${item.action}</a></p>` : html`<p class="work-act muted">${item.howElse ?? ''}</p>`}
</li>`;

  const startedRow = (item: StartedItem) => html`<li class="work-item" data-kind="${item.kind}" data-item="${item.key}">
  <p class="work-title"><a href="${item.href}">${item.title}</a> <span class="muted">· ${item.role}</span></p>
  ${item.participant ? html`<p class="work-for">For ${who(item)}</p>` : ''}
  <p class="work-due">${item.status}${item.kind === 'sprint' && item.dueAt ? `: it closes ${when(item.dueAt)}` : item.dueAt ? html` · stage deadline ${when(item.dueAt)}${item.overdue ? html` <strong class="overdue">(passed)</strong>` : ''}` : ''}</p>
</li>`;

  /** The pages each role uses, compact: the README's "Who does what", one click away. */
  const quickLinks = (roles: readonly string[]) => {
    const has = (...r: string[]) => r.some((x) => roles.includes(x));
    const link = (href: string, words: string) => html`<li><a href="${href}">${words}</a></li>`;
    return html`<section class="card quick-links" id="go-to">
  <h2>Go to</h2>
  ${has('coordinator') ? html`<p class="quick-start"><a class="button" href="/sprints/new">Start a sprint</a> <a class="button secondary-plain" href="/plans/new">Create a plan</a></p>` : ''}
  <ul class="link-list">
    ${has('manager', 'admin') ? link('/dashboard', 'Dashboard') : ''}
    ${has('coordinator', 'manager', 'admin') ? link('/roster', 'Huddle roster') : ''}
    ${has('manager', 'admin') ? link('/reports/timeliness', 'Evidence report') : ''}
    ${has('coordinator') ? link('/sprints', 'Your sprints') : ''}
    ${has('coordinator', 'manager', 'admin') ? link('/huddles', 'Huddles') : ''}
    ${has('manager') ? link('/huddles/schedules', 'Huddle schedules') : ''}
    ${has('admin') ? link('/admin/working-agreement', 'Working agreement') : ''}
    ${link('/participants', 'People')}
    ${link('/plans', 'Plans')}
    <li><a href="/escalations">Escalations you chair or respond to</a></li>
    ${link('/escalations/new', 'Raise an escalation')}
    ${link('/disputes', 'Disputes')}
    ${has('coordinator', 'manager', 'admin') ? link('/disputes/new', 'Raise a dispute') : ''}
  </ul>
  ${has('admin') ? html`<p class="muted small">Agencies, staff, roles, API tokens and deactivation are in the admin command line (<code>npm run careloop</code>) and the API.</p>` : ''}
</section>`;
  };

  const digestSection = (on: boolean, csrf: string) => html`<section class="card" id="weekly-email">
  <h2>Weekly email</h2>
  <p>${on ? 'You get' : 'If you like, careloop sends you'} one email every Monday at 08:00 (${tz}) listing what you owe, overdue first, each with a link to where it is done. ${on ? '' : 'It is off unless you choose it.'}</p>
  <form method="post" action="/my-work/digest" class="digest-form">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="weeklyDigest" value="${on ? 'off' : 'on'}">
    <button type="submit"${on ? html` class="secondary-plain"` : ''}>${on ? 'Stop the weekly email' : 'Email me every Monday'}</button>
  </form>
  <p class="muted small">Emails about each task, change and escalation come as they happen either way.</p>
</section>`;

  const render = (work: MyWork, at: Date, opts: { name: string; agency: string; roles: readonly string[]; digest: boolean; csrf: string; done?: string }) => {
    const overdue = work.owed.filter((i) => i.overdue).length;
    const coordinates = opts.roles.includes('coordinator');
    return html`<section class="card my-work-head">
  <h1>Welcome, ${opts.name}</h1>
  <p class="muted">${opts.agency}${opts.agency ? ' · ' : ''}${opts.roles.flatMap((r) => (r in ROLE_WORDS ? [ROLE_WORDS[r as keyof typeof ROLE_WORDS]] : [])).join(', ')}</p>
  ${opts.done && DONE_WORDS[opts.done] ? html`<p class="notice" role="status">${DONE_WORDS[opts.done]}</p>` : ''}
</section>
<section class="card" id="owed">
  <h2>What you owe now${work.owed.length ? html` <span class="muted">(${work.owed.length}${overdue ? `, ${overdue} overdue` : ''})</span>` : ''}</h2>
  ${work.problems.map((p) => html`<p class="problem">${p}</p>`)}
  ${
    work.owed.length
      ? html`<p class="muted">Overdue first, then what falls due soonest. Each button leads to the page where it is done, the same as the link in its email. Times are ${tz}.</p>
  <ul class="work-list">${work.owed.map((i) => owedRow(i, at))}</ul>`
      : html`<p class="notice">Nothing is waiting on you now: no task, acknowledgement, plan action, escalation, dispute or huddle follow-up is yours to do. New ones are emailed to you and appear here.</p>`
  }
</section>
<section class="card" id="started">
  <h2>What you started or coordinate</h2>
  ${
    work.started.length
      ? html`<ul class="work-list">${work.started.map(startedRow)}</ul>`
      : coordinates
        ? html`<p class="muted">Nothing you coordinate, hold or raised is open: no sprint you coordinate, no plan you hold, no escalation or dispute you raised. Start a sprint or create a plan below.</p>`
        : html`<p class="muted">Nothing you raised or hold is open: no escalation or dispute you raised, no plan you hold.</p>`
  }
</section>
${quickLinks(opts.roles)}
${digestSection(opts.digest, opts.csrf)}`;
  };

  router.get('/', web.requireSignedIn, async (req, res) => {
    const principal = req.principal!;
    const caller = callerOf(principal);
    const at = now();
    const [agency, mine, digest] = await Promise.all([directory.agencyOf(principal.agencyId), work.load(caller, { log: true }), work.digestChoice(principal.staffId)]);
    const csrf = web.csrfToken(req, res);
    const done = typeof req.query.done === 'string' ? req.query.done : undefined;
    res.type('html').send(
      page(
        { title: 'My work', signedInAs: { name: principal.name, email: principal.email, csrfToken: csrf }, owed: mine.owed.length },
        render(mine, at, { name: principal.name, agency: agency?.name ?? '', roles: principal.roles, digest, csrf, done }),
      ),
    );
  });

  // The person's own choice: a weekly email of their open items, or none.
  router.post('/my-work/digest', web.requireSignedIn, web.csrfProtection, async (req, res) => {
    const principal = req.principal!;
    const form = ZDigestChoice.safeParse(req.body);
    if (!form.success) throw new AppError('INVALID_INPUT', 'Choose whether to get the weekly email with the button on your home page.');
    const on = form.data.weeklyDigest === 'on';
    const changed = await deps.db.staff.updateMany({ where: { id: principal.staffId, weeklyDigest: !on }, data: { weeklyDigest: on } });
    if (changed.count) {
      await recordAuditEvent(deps.db, { actor: principal.email, actorId: principal.staffId, action: on ? 'staff.weekly-digest-chosen' : 'staff.weekly-digest-stopped', process: 'staff', item: principal.staffId, data: { channel: 'web' } });
    }
    res.redirect(303, `/?done=${on ? 'digest-on' : 'digest-off'}#weekly-email`);
  });

  router.use(myWorkStepPages(deps, services, web));
  return router;
}
