import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, UsageError } from '../../cli/careloop';
import { seedDemo } from '../../runtime/seed';
import { createTimeSkippingEnv } from '../support/temporal';
import { hashToken } from '../../runtime/secrets';
import { buildTestApp, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';

describe('admin CLI (real PostgreSQL)', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    await runCli(argv, t.db, (l) => lines.push(l));
    return lines;
  };

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
  });
  afterAll(async () => {
    await t?.drop();
    await smtp?.stop();
  });

  it('bootstraps an agency and a staff member whose printed token works against the API', async () => {
    expect(await run('agency', 'add', '--key', 'county-hospital', '--name', 'County Hospital')).toEqual(['added agency county-hospital (County Hospital)']);
    const out = await run('staff', 'add', '--email', 'Casey@Example.org', '--name', 'Casey', '--agency', 'county-hospital', '--role', 'coordinator', '--role', 'manager');
    expect(out[0]).toBe('added casey@example.org (coordinator, manager) to county-hospital');
    const token = out[1]!.match(/(clt_\S+)/)![1]!;

    const stored = await t.db.staff.findUniqueOrThrow({ where: { email: 'casey@example.org' } });
    expect(stored.apiTokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    const app = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp });
    const me = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body.roles).toEqual(['coordinator', 'manager']);

    const rotated = (await run('staff', 'token', '--email', 'casey@example.org'))[0]!.match(/(clt_\S+)/)![1]!;
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await request(app).get('/api/me').set('Authorization', `Bearer ${rotated}`)).status).toBe(200);
  });

  it('lists agencies and staff', async () => {
    expect((await run('agency', 'list'))[0]).toMatch(/county-hospital\s+County Hospital\s+\(1 staff\)/);
    expect((await run('staff', 'list', '--agency', 'county-hospital'))[0]).toMatch(/casey@example\.org\s+Casey\s+county-hospital\s+coordinator,manager/);
  });

  it.each([
    [['staff', 'add', '--email', 'x@y.org', '--name', 'X Y', '--agency', 'county-hospital'], /--role is required/],
    [['staff', 'add', '--email', 'x@y.org', '--name', 'X Y', '--agency', 'county-hospital', '--role', 'boss'], /--role boss is not a role/],
    [['staff', 'add', '--email', 'nope', '--name', 'X Y', '--agency', 'county-hospital', '--role', 'staff'], /--email must be an email address/],
    [['staff', 'add', '--email', 'x@y.org', '--name', 'X Y', '--agency', 'nowhere', '--role', 'staff'], /no agency nowhere/],
    [['staff', 'add', '--email', 'casey@example.org', '--name', 'X Y', '--agency', 'county-hospital', '--role', 'staff'], /already exists/],
    [['agency', 'add', '--key', 'Bad Key', '--name', 'X'], /--key must be/],
    [['staff', 'token', '--email', 'ghost@example.org'], /no staff member/],
    [['frobnicate'], /unknown command/],
  ])('refuses bad input with a usable message: %#', async (argv, message) => {
    await expect(run(...argv)).rejects.toThrow(UsageError);
    await expect(run(...argv)).rejects.toThrow(message);
  });

  it('starts a demo sprint on minute-scale deadlines for the seeded demo staff (time-skipping Temporal)', async () => {
    await seedDemo(t.db);
    const env = await createTimeSkippingEnv();
    try {
      const lines: string[] = [];
      await runCli(['sprint', 'demo', '--minutes', '2', '--participant', 'DEMO-1'], t.db, (l) => lines.push(l), {
        temporal: async () => ({ client: env.client, taskQueue: 'no-worker-here' }),
      });
      expect(lines[0]).toMatch(/^started sprint (sprint-\S+) for DEMO-1: days due in 2, 4 and 6 minutes$/);
      const sprintId = lines[0]!.split(' ')[2]!;
      expect(lines[1]).toContain(`/sprints/${sprintId}`);
      const described = await env.client.workflow.getHandle(sprintId).describe();
      expect(described.type).toBe('sprintWorkflow');
      expect(described.status.name).toBe('RUNNING');
      await expect(run('sprint', 'demo', '--minutes', '0')).rejects.toThrow(/--minutes must be at least 1/);
    } finally {
      await env.teardown();
    }
  });

  it('reports the audit chain', async () => {
    // Issuing API tokens (staff add, staff token) above wrote audit events.
    const events = await t.db.auditEvent.count();
    expect(events).toBeGreaterThan(0);
    expect(await run('audit', 'verify')).toEqual([`audit trail verified: ${events} events, chain intact`]);
  });

  it('sets up open work of every kind for the dashboard with huddle demo (time-skipping Temporal)', async () => {
    await seedDemo(t.db);
    const env = await createTimeSkippingEnv();
    try {
      const lines: string[] = [];
      await runCli(['huddle', 'demo'], t.db, (l) => lines.push(l), { temporal: async () => ({ client: env.client, taskQueue: 'no-worker-here' }) });
      const ids = lines.flatMap((l) => /^(?:sprint|escalation|dispute) (\S+):/.exec(l)?.slice(1) ?? []);
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['sprint', 'sprint', 'plan', 'escalation', 'dispute', 'see', 'huddle']);
      const planId = /^plan (\S+) version 2/.exec(lines[2]!)![1]!;
      const types = await Promise.all([...ids, `plan-${planId}-v2`].map(async (id) => (await env.client.workflow.getHandle(id).describe()).type));
      expect(types).toEqual(['sprintWorkflow', 'sprintWorkflow', 'escalationWorkflow', 'disputeWorkflow', 'planChangeWorkflow']);
      expect(lines[5]).toMatch(/\/dashboard \(signed in as manager@careloop\.test\)$/);
      // And a huddle of the county team on that work, started now.
      const huddleId = /^huddle (\S+):/.exec(lines[6]!)![1]!;
      expect((await env.client.workflow.getHandle(huddleId).describe()).type).toBe('huddleWorkflow');
    } finally {
      await env.teardown();
    }
  });
});
