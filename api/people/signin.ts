// Sign-in for the web pages: the staff member asks for a link, the link arrives by email,
// opening it shows a confirm button (mail scanners prefetch links, so GET changes nothing),
// and the POST from that page starts a session.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { fieldProblems } from '../errors';
import { html, page } from '../html';
import { DEFAULT_SESSION_IDLE_MS, SESSION_COOKIE } from '../auth';
import type { AppDeps, WebHelpers } from '../app';
import { createSigninService, safeNext, SESSION_TTL_MS } from './signin-service';


const ZSigninRequest = z.object({
  email: z.email('Enter your work email address, like name@agency.org').max(254, 'Enter a work email address of 254 characters or fewer'),
  // Where to go after signing in: one that is too long is dropped, not a problem to show.
  next: z.string().max(500).optional().catch(undefined),
  _csrf: z.string().optional(),
});

export function signinRoutes(deps: AppDeps, web: WebHelpers): Router {
  const router = Router();
  const signin = createSigninService({ db: deps.db, mailer: deps.mailer, logger: deps.logger, publicBaseUrl: deps.config.publicBaseUrl, now: deps.now ?? (() => new Date()) });
  const secureCookie = deps.config.publicBaseUrl.startsWith('https://');
  const idleMinutes = Math.round((deps.config.sessionIdleTimeoutMs ?? DEFAULT_SESSION_IDLE_MS) / 60_000);

  const signinForm = (req: Request, res: Response, opts: { email?: string; error?: string; next?: string; ended?: boolean } = {}) =>
    page(
      { title: opts.error ? 'Error: Sign in' : 'Sign in' },
      html`<section class="card">
  ${
    opts.error
      ? html`<div class="problem error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul><li><a href="#email">${opts.error}</a></li></ul>
</div>`
      : ''
  }
  <h1>Sign in to careloop</h1>
  ${opts.ended ? html`<p class="notice">Your session has ended: careloop signs you out after ${idleMinutes} minutes without activity, and 12 hours after you signed in. Sign in again to carry on.</p>` : ''}
  <p class="muted">We email you a one-time link. No password to remember.</p>
  <form method="post" action="/signin" novalidate>
    <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
    <input type="hidden" name="next" value="${safeNext(opts.next)}">
    <div class="field${opts.error ? ' has-error' : ''}">
    <label for="email">Work email</label>
    ${opts.error ? html`<p id="email-error" class="field-error"><span class="visually-hidden">Error:</span> ${opts.error}</p>` : ''}
    <input id="email" name="email" type="email" autocomplete="email" spellcheck="false" value="${opts.email ?? ''}"${opts.error ? html` aria-invalid="true" aria-describedby="email-error"` : ''}>
    </div>
    <p><button type="submit">Email me a sign-in link</button></p>
  </form>
</section>`,
    );

  router.get('/signin', (req, res) => {
    const next = typeof req.query.next === 'string' ? req.query.next : undefined;
    res.type('html').send(signinForm(req, res, { next, ended: req.query.ended === '1' }));
  });

  router.post('/signin', web.signinLimiter, web.csrfProtection, async (req, res) => {
    const parsed = ZSigninRequest.safeParse(req.body);
    if (!parsed.success) {
      const problem = fieldProblems(parsed.error).find((p) => p.field === 'email');
      const typed = typeof req.body?.email === 'string' ? req.body.email : '';
      res.status(400).type('html').send(signinForm(req, res, { email: typed.slice(0, 300), error: problem?.message ?? 'Enter your work email address, like name@agency.org', next: typeof req.body?.next === 'string' ? req.body.next.slice(0, 500) : undefined }));
      return;
    }
    const email = parsed.data.email.toLowerCase();
    await web.limitSigninEmail(email);
    await signin.requestLink(email, parsed.data.next);
    // The same answer whether or not the address is known: the page reveals nobody.
    res.type('html').send(
      page(
        { title: 'Check your email' },
        html`<section class="card"><h1>Check your email</h1>
<p class="notice">If ${email} belongs to a careloop account, a sign-in link is on its way. It works once, for 15 minutes.</p></section>`,
      ),
    );
  });

  router.get('/signin/:token', web.tokenLimiter, async (req, res) => {
    const row = await signin.findLink(String(req.params.token));
    res.type('html').send(
      page(
        { title: 'Confirm sign-in' },
        html`<section class="card"><h1>Sign in as ${row.staff.name}?</h1>
<form method="post" action="/signin/${String(req.params.token)}">
  <input type="hidden" name="_csrf" value="${web.csrfToken(req, res)}">
  <button type="submit">Sign in</button>
</form></section>`,
      ),
    );
  });

  router.post('/signin/:token', web.tokenLimiter, web.csrfProtection, async (req, res) => {
    const { sessionToken, next } = await signin.signIn(String(req.params.token));
    res.cookie(SESSION_COOKIE, sessionToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookie,
      path: '/',
      maxAge: SESSION_TTL_MS,
    });
    res.redirect(303, next);
  });

  router.post('/signout', web.csrfProtection, async (req, res) => {
    await signin.signOut(req.principal?.sessionId);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/signin');
  });

  return router;
}
