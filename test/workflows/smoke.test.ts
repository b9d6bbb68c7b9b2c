import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { smokeStatusQuery, smokeWorkflow } from '../../workflows';
import { verifyAuditChain } from '../../activities/audit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createDevServerEnv, createTimeSkippingEnv } from '../support/temporal';
import { createTestWorker } from '../support/worker';

describe.each([
  ['time-skipping test server', createTimeSkippingEnv],
  ['CLI dev server', createDevServerEnv],
] as const)('smoke workflow on the %s, real PostgreSQL', (_name, createEnv) => {
  let env: TestWorkflowEnvironment;
  let t: TestDatabase;
  let smtp: SmtpCapture;

  beforeAll(async () => {
    [env, t, smtp] = await Promise.all([createEnv(), createTestDatabase(), startSmtpCapture()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await t?.drop();
    await smtp?.stop();
  });

  it('waits on a durable timer, then records one audit event', async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, deps: { db: t.db, mailer: mailerFor(smtp), links: TEST_LINKS } });
    const workflowId = `smoke-${randomUUID()}`;
    const wait = env.supportsTimeSkipping ? '3 days' : '1 second';
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(smokeWorkflow, { taskQueue, workflowId, args: [{ label: 'hello', wait }] });
      expect(await handle.query(smokeStatusQuery)).toBe('waiting');
      return handle.result();
    });
    expect(result.label).toBe('hello');
    const events = await t.db.auditEvent.findMany({ where: { workflowId } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ seq: result.auditSeq, action: 'smoke.completed', actor: 'workflow', data: { label: 'hello' } });
    await expect(verifyAuditChain(t.db)).resolves.toMatchObject({ ok: true });
  });
});
