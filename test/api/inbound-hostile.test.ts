// Hostile email replies cannot stall careloop. The real app (listening on HTTP) and the real
// inbound SMTP listener run in this one process, as they did when the API hosted the listener:
// a parse that blocked the event loop would show as a slow /healthz. Each message goes over
// real SMTP to a reply address that works, from its owner, while /healthz is asked every 10 ms.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sprintStateQuery, sprintWorkflow, cancelSprintUpdate } from '../../workflows';
import { startInboundListener, type InboundListener } from '../../api/inbound';
import { createSprintService } from '../../api/sprints/service';
import { createPlanService } from '../../api/plans/service';
import { mailerFor, TEST_LINKS } from '../support/mailer';
import { testLogger } from '../support/quiet-logger';
import type { CapturedMail } from '../support/smtp';
import { startRealStack, type RealStack } from '../support/stack';
import { sprintInput } from '../support/sprint-fixture';

type SmtpFailure = Error & { responseCode?: number; response?: string; command?: string };
interface SmtpAnswer {
  ok: boolean;
  code: number;
  text: string;
  command?: string;
}

const KB = 1024;
const SLOWEST_HEALTHZ_MS = 100;

/** A message as an attacker would write it: headers and body as given, lines unfolded. */
function rawMessage(opts: { from: string; to: string; headers?: string[]; contentType?: string; body: string }): string {
  return [
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    'Subject: Re: careloop',
    `Message-ID: <${randomUUID()}@mail.care.test>`,
    'MIME-Version: 1.0',
    ...(opts.headers ?? []),
    `Content-Type: ${opts.contentType ?? 'text/plain; charset=utf-8'}`,
    'Content-Transfer-Encoding: 8bit',
    '',
    opts.body,
    '',
  ].join('\r\n');
}

/** `depth` multiparts, each inside the one before, around one text part that says "1 done". */
function nestedMultipart(depth: number): { contentType: string; body: string } {
  let part = 'Content-Type: text/plain\r\n\r\n1 done\r\n';
  for (let level = depth; level > 1; level--) {
    part = `Content-Type: multipart/mixed; boundary="level${level}"\r\n\r\n--level${level}\r\n${part}\r\n--level${level}--\r\n`;
  }
  return { contentType: 'multipart/mixed; boundary="level1"', body: `--level1\r\n${part}\r\n--level1--` };
}

function manyParts(count: number): { contentType: string; body: string } {
  const parts = Array.from({ length: count }, (_, i) => `--many\r\nContent-Type: text/plain\r\n\r\n${(i % 4) + 1} done\r\n`).join('');
  return { contentType: 'multipart/mixed; boundary="many"', body: `${parts}--many--` };
}

describe('hostile email replies (real app and real inbound listener in one process, real SMTP, PostgreSQL and Temporal)', () => {
  let stack: RealStack;
  let inbound: InboundListener;
  let server: Server;
  let healthz: string;
  let sprintId: string;
  let email: CapturedMail;
  const figures: string[] = [];

  beforeAll(async () => {
    stack = await startRealStack({ name: 'inbound-hostile' });
    const services = { db: stack.t.db, temporal: stack.env.client, taskQueue: stack.taskQueue };
    inbound = await startInboundListener({
      port: 0,
      host: '127.0.0.1',
      inboundDomain: TEST_LINKS.inboundDomain,
      sprints: createSprintService(services),
      plans: createPlanService(services),
      mailer: mailerFor(stack.smtp),
      db: stack.t.db,
      logger: testLogger,
    });
    server = await new Promise<Server>((resolve) => {
      const s = stack.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    healthz = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;

    const input = await sprintInput(stack.t.db, stack.people, new Date(await stack.env.currentTimeMs()));
    sprintId = input.sprintId;
    await stack.env.client.workflow.start(sprintWorkflow, { taskQueue: stack.taskQueue, workflowId: sprintId, args: [input] });
    const sent = await stack.smtp.waitFor((m) => m.parsed.headers.get('x-careloop-workflow') === sprintId, 3);
    // Home care's email lists four tasks: a reply without task numbers can end none of them.
    email = sent.find((m) => m.to.includes(stack.people.homecare.email))!;
    expect(email.replyTo).toMatch(/^ack\+[0-9a-f]{40}@/);
    for (let i = 0; i < 20; i++) await fetch(healthz).then((r) => r.text()); // warm the HTTP path
  });
  afterAll(async () => {
    if (figures.length) console.log(`slowest /healthz while each hostile reply was digested:\n  ${figures.join('\n  ')}`);
    const handle = stack?.env.client.workflow.getHandle<typeof sprintWorkflow>(sprintId);
    if (handle && (await handle.query(sprintStateQuery)).status === 'open') {
      const actor = { staffId: stack.people.coordinator.id, name: stack.people.coordinator.name, channel: 'api' as const };
      await handle.executeUpdate(cancelSprintUpdate, { args: [{ actor, reason: 'test done' }] });
    }
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await inbound?.stop();
    await stack?.stop();
  });

  /** Sends a raw message over SMTP and resolves with the listener's answer, success or refusal. */
  async function send(raw: string, to = email.replyTo!): Promise<SmtpAnswer> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: inbound.port, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ envelope: { from: stack.people.homecare.email, to }, raw });
      return { ok: true, code: Number(info.response.slice(0, 3)), text: info.response };
    } catch (err) {
      const failure = err as SmtpFailure;
      return { ok: false, code: failure.responseCode ?? 0, text: failure.response ?? failure.message, command: failure.command };
    } finally {
      transport.close();
    }
  }

  /**
   * Runs `work` while asking /healthz every 10 ms. The wait counts from when each request was
   * due, so a stall during the 10 ms pause shows as much as one during the request. A request
   * that fails (a stall of seconds outlives the keep-alive connection) is counted, not thrown.
   */
  async function whilePolling<T>(work: () => Promise<T>): Promise<{ result: T; slowestMs: number; polls: number; failures: string[] }> {
    let finished = false;
    let slowestMs = 0;
    let polls = 0;
    const failures: string[] = [];
    const poller = (async () => {
      let due = performance.now();
      while (!finished) {
        try {
          const res = await fetch(healthz);
          await res.text();
          if (res.status !== 200) failures.push(`answered ${res.status}`);
        } catch (err) {
          failures.push(String(err));
        }
        const answered = performance.now();
        slowestMs = Math.max(slowestMs, answered - due);
        polls++;
        due = answered + 10;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      const result = await work();
      // What follows the SMTP answer (the email back to the owner) must not stall either.
      await new Promise((r) => setTimeout(r, 200));
      return { result, slowestMs, polls, failures };
    } finally {
      finished = true;
      await poller;
    }
  }

  const tasksNow = async () => (await stack.env.client.workflow.getHandle<typeof sprintWorkflow>(sprintId).query(sprintStateQuery)).tasks;
  const taskEvents = () => stack.t.db.auditEvent.count({ where: { workflowId: sprintId, action: { startsWith: 'task.' }, NOT: { action: 'task.reminder-sent' } } });
  const answersToOwner = () => stack.smtp.messages.filter((m) => m.to.includes(stack.people.homecare.email) && !m.parsed.headers.get('x-careloop-workflow'));

  const from = () => stack.people.homecare.email;
  const CASES: [string, () => string, (answer: SmtpAnswer) => void][] = [
    [
      'a 200 kB line of * between words',
      () => rawMessage({ from: from(), to: email.replyTo!, body: `x${'*'.repeat(200 * KB)}x` }),
      (a) => expect(a).toMatchObject({ ok: true, code: 250, text: expect.stringMatching(/reply received/) }),
    ],
    [
      'a 200 kB line of " -" after a command',
      () => rawMessage({ from: from(), to: email.replyTo!, body: `n/a: x${' -'.repeat(100 * KB)}x` }),
      (a) => expect(a).toMatchObject({ ok: true, code: 250, text: expect.stringMatching(/reply received/) }),
    ],
    [
      'a 200 kB line of " ;" in a refusal',
      () => rawMessage({ from: from(), to: email.replyTo!, body: `refused: x${' ;'.repeat(100 * KB)}y` }),
      (a) => expect(a).toMatchObject({ ok: true, code: 250, text: expect.stringMatching(/reply received/) }),
    ],
    [
      'multiparts nested 120 deep',
      () => rawMessage({ from: from(), to: email.replyTo!, ...nestedMultipart(120) }),
      (a) => expect(a).toMatchObject({ ok: false, code: 552, text: expect.stringMatching(/more than 50 MIME parts/) }),
    ],
    [
      '1,000 MIME parts',
      () => rawMessage({ from: from(), to: email.replyTo!, ...manyParts(1000) }),
      (a) => expect(a).toMatchObject({ ok: false, code: 552, text: expect.stringMatching(/more than 50 MIME parts/) }),
    ],
    [
      '1,000 headers',
      () => rawMessage({ from: from(), to: email.replyTo!, headers: Array.from({ length: 1000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(60)}`), body: '1 done' }),
      (a) => expect(a).toMatchObject({ ok: false, code: 552, text: expect.stringMatching(/header larger than 64 KB/) }),
    ],
    [
      'one 200 kB header',
      () => rawMessage({ from: from(), to: email.replyTo!, headers: [`X-Long: ${'a '.repeat(100 * KB)}`], body: '1 done' }),
      (a) => expect(a).toMatchObject({ ok: false, code: 552, text: expect.stringMatching(/header larger than 64 KB/) }),
    ],
    [
      'a 200 kB From header of addresses',
      () => rawMessage({ from: Array.from({ length: 9000 }, (_, i) => `a${i}@x.test`).join(', '), to: email.replyTo!, body: '1 done' }),
      (a) => expect(a).toMatchObject({ ok: false, code: 552, text: expect.stringMatching(/header larger than 64 KB/) }),
    ],
  ];

  it.each(CASES)('digests %s without stalling /healthz, answers clearly and changes nothing', async (name, build, expectAnswer) => {
    const raw = build();
    expect(raw.length).toBeLessThan(256 * KB); // under the size limit: the parser and the rules see it
    const eventsBefore = await taskEvents();
    const answersBefore = answersToOwner().length;
    const { result: answer, slowestMs, polls, failures } = await whilePolling(() => send(raw));
    figures.push(`${name}: ${slowestMs.toFixed(1)} ms over ${polls} requests, ${failures.length} failed (SMTP ${answer.code})`);

    expectAnswer(answer);
    expect(slowestMs, `slowest /healthz while "${name}" was digested`).toBeLessThan(SLOWEST_HEALTHZ_MS);
    expect(failures).toEqual([]);
    expect(polls).toBeGreaterThan(0);
    expect((await tasksNow()).filter((x) => x.owner.id === stack.people.homecare.id).map((x) => x.status)).toEqual(['requested', 'requested', 'requested', 'requested']);
    expect(await taskEvents()).toBe(eventsBefore);
    if (answer.ok) {
      // Accepted from the owner: they hear that nothing was recorded, in words.
      const [reply] = await stack.smtp.waitFor((m) => m.to.includes(stack.people.homecare.email) && !m.parsed.headers.get('x-careloop-workflow'), answersBefore + 1).then((all) => all.slice(answersBefore));
      expect(reply!.subject).toMatch(/could not be read|nothing was recorded/);
      expect(reply!.text.length).toBeLessThan(4 * KB);
    } else {
      expect(answersToOwner()).toHaveLength(answersBefore);
    }
  });

  it('refuses a message to an unknown reply address at RCPT, before any DATA', async () => {
    const unknown = `ack+${randomBytes(20).toString('hex')}@${TEST_LINKS.inboundDomain}`;
    const { result: answer, slowestMs, failures } = await whilePolling(() => send(rawMessage({ from: from(), to: unknown, body: `x${'*'.repeat(200 * KB)}x` }), unknown));
    figures.push(`an unknown reply address with the 200 kB line of *: ${slowestMs.toFixed(1)} ms (SMTP ${answer.code} at ${answer.command ?? 'end of DATA'})`);
    expect(answer).toMatchObject({ ok: false, code: 550, command: 'RCPT TO', text: expect.stringMatching(/reply address is not valid/) });
    expect(slowestMs).toBeLessThan(SLOWEST_HEALTHZ_MS);
    expect(failures).toEqual([]);

    // Spelled out on a raw connection: RCPT is refused, so DATA has no recipient to carry.
    const lines = await smtpConversation(inbound.port, ['EHLO mail.care.test', `MAIL FROM:<${from()}>`, `RCPT TO:<${unknown}>`, 'DATA', 'QUIT']);
    expect(lines.find((l) => l.startsWith('550'))).toMatch(/not valid/);
    expect(lines.find((l) => l.startsWith('503'))).toMatch(/need RCPT/i);
    expect(lines.some((l) => l.startsWith('354'))).toBe(false);
  });
});

/** Sends each command after the answer to the one before; resolves with every answer line. */
async function smtpConversation(port: number, commands: string[]): Promise<string[]> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const lines: string[] = [];
    let buffered = '';
    let next = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        lines.push(line);
        // "250-..." continues; "250 ..." ends an answer.
        if (/^\d{3} /.test(line) && next < commands.length) socket.write(`${commands[next++]}\r\n`);
      }
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(lines));
  });
}
