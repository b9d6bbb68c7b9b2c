// The home page after sign-in: who you are, and the way to the pages your roles use.
import { Router } from 'express';
import { html, page } from '../html';
import type { AppDeps, WebHelpers } from '../app';
import { createDirectory } from './directory';

export function homeRoutes(deps: AppDeps, web: WebHelpers): Router {
  const router = Router();
  const directory = createDirectory(deps.db);

  router.get('/', web.requireSignedIn, async (req, res) => {
    const who = req.principal!;
    const agency = await directory.agencyOf(who.agencyId);
    res.type('html').send(
      page(
        { title: 'Home', signedInAs: { name: who.name, email: who.email, csrfToken: web.csrfToken(req, res) } },
        html`<section class="card"><h1>Welcome, ${who.name}</h1>
<p>${agency?.name ?? ''} · roles: ${who.roles.join(', ')}</p>
<p><a href="/participants">People</a> <span class="muted">· find a person in your care teams by reference or name</span></p>
<p><a href="/escalations">Escalations you chair or respond to</a></p>
${who.roles.includes('coordinator') ? html`<p><a class="button" href="/sprints/new">Start a sprint</a> <a href="/sprints">Your sprints</a></p>` : ''}
${(['coordinator', 'manager', 'admin'] as const).some((r) => who.roles.includes(r)) ? html`<p><a href="/huddles">Huddles</a> <span class="muted">· your agency’s daily huddle: the roster as it stood, who attended, decisions and their follow-up</span></p>` : ''}
${who.roles.includes('manager') || who.roles.includes('admin') ? html`<p><a class="button" href="/dashboard">Dashboard</a> <a href="/roster">Huddle roster</a> · <a href="/reports/timeliness">Evidence report</a></p>` : ''}</section>`,
      ),
    );
  });

  return router;
}
