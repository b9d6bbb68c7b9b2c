// The managers' live list against a real Temporal dev server (visibility with careloop's search
// attributes), careloop's worker, real PostgreSQL and a real SMTP listener.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { buildTestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';
import { createSprintPeople, ownersByDay, type SprintPeople } from '../support/sprint-fixture';

describe('GET /api/workflows from Temporal visibility (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let people: SprintPeople;
  let app: Express;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `list-${randomUUID()}`;
  const ids: string[] = [];

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createDevServerEnv(), createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    running = worker.run();
    app = buildTestApp({ db: t.db, temporal: env.client, smtp, taskQueue });
    const owners = Object.fromEntries(Object.entries(ownersByDay(people)).map(([k, s]) => [k, s.id]));
    for (const [i, seconds] of [30, 3600].entries()) {
      const res = await request(app)
        .post('/api/sprints')
        .set('Authorization', `Bearer ${people.coordinator.token}`)
        .send({ participant: { localRef: `L-${i}-${randomUUID().slice(0, 6)}`, displayName: 'P' }, dischargeAt: new Date().toISOString(), owners, timing: { dueOffsets: { '0': `PT${seconds}S`, '1': `PT${seconds * 2}S`, '2-3': `PT${seconds * 3}S` }, reminderLead: 'PT5S' } });
      expect(res.status).toBe(201);
      ids.push(res.body.sprintId);
    }
  });
  afterAll(async () => {
    for (const id of ids) await request(app).post(`/api/sprints/${id}/cancel`).set('Authorization', `Bearer ${people.coordinator.token}`).send({ reason: 'test done' });
    worker?.shutdown();
    await running;
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  const list = (who: { token: string }, query = '') => request(app).get(`/api/workflows${query}`).set('Authorization', `Bearer ${who.token}`);

  it('lists running sprints with their search attributes, filtered by process and participant, in pages', async () => {
    await expect.poll(async () => (await list(people.manager, '?process=sprint')).body.workflows?.length, { timeout: 20_000 }).toBe(2);
    const res = await list(people.manager, '?process=sprint&running=true');
    expect(res.status).toBe(200);
    expect(res.body.workflows.map((w: { workflowId: string }) => w.workflowId).sort()).toEqual([...ids].sort());
    expect(res.body.workflows[0]).toMatchObject({ type: 'sprintWorkflow', runStatus: 'running', process: 'sprint', status: 'open' });
    const participant = res.body.workflows[0].participant as string;
    const one = await list(people.manager, `?participant=${participant}`);
    expect(one.body.workflows).toHaveLength(1);
    const page1 = await list(people.manager, '?process=sprint&pageSize=1');
    expect(page1.body.workflows).toHaveLength(1);
    const page2 = await list(people.manager, `?process=sprint&pageSize=1&page=${page1.body.nextPage}`);
    expect(page2.body.workflows).toHaveLength(1);
    expect(page2.body.workflows[0].workflowId).not.toBe(page1.body.workflows[0].workflowId);
  });

  it('shows only the sprint whose tasks are overdue when asked for overdue work', async () => {
    // The first sprint's day-0 tasks fall due after 30 seconds; the workflow publishes the count.
    await expect
      .poll(async () => (await list(people.manager, '?overdue=true')).body.workflows?.map((w: { workflowId: string }) => w.workflowId), { timeout: 60_000, interval: 1000 })
      .toEqual([ids[0]]);
    const overdue = await list(people.manager, '?overdue=true');
    expect(overdue.body.workflows[0].overdueCount).toBeGreaterThanOrEqual(3);
  }, 90_000);

  it('answers bad filters with 400, other roles with 403, and hides other agencies from a manager', async () => {
    const bad = await list(people.manager, '?process=everything&pageSize=5000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['pageSize', 'process']);
    expect((await list(people.manager, `?status=${encodeURIComponent("open' OR 1=1")}`)).status).toBe(400);
    expect((await list(people.hospital)).status).toBe(403);
    expect((await list(people.coordinator)).status).toBe(403);
    // The outsider manages an agency with no part in these sprints.
    const outsider = await list(people.outsider, '?process=sprint');
    expect(outsider.status).toBe(200);
    expect(outsider.body.workflows).toEqual([]);
  });
});
