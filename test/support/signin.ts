// Signing in the way a person does: ask for a link, open it from the email, confirm.
import request from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import { csrfFrom } from './html';
import type { SmtpCapture } from './smtp';

export type Agent = ReturnType<typeof request.agent>;

export async function signInAs(app: Express, smtp: SmtpCapture, email: string): Promise<Agent> {
  const agent = request.agent(app);
  const form = await agent.get('/signin');
  await agent.post('/signin').type('form').send({ email, _csrf: csrfFrom(form.text) });
  const [mail] = await smtp.waitFor((m) => m.to.includes(email) && m.subject === 'Your careloop sign-in link');
  const link = mail!.text.match(/http:\/\/careloop\.test(\/signin\/[\w-]+)/)![1]!;
  const confirm = await agent.get(link);
  const done = await agent.post(link).type('form').send({ _csrf: csrfFrom(confirm.text) });
  expect(done.status).toBe(303);
  return agent;
}
