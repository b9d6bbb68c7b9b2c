// Replying to careloop's emails as a person's mail server would: one message over SMTP to the
// inbound listener on `port`, threaded under the email it answers when one is given.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { CapturedMail } from './smtp';
import { startInboundListener, type InboundListener, type InboundListenerOptions } from '../../api/inbound';
import { createSprintService } from '../../api/sprints/service';
import { freePort } from './ports';
import { mailerFor, TEST_LINKS } from './mailer';
import { testLogger } from './quiet-logger';
import type { RealStack } from './stack';

export interface Reply {
  to: string;
  from: string;
  text: string;
  /** The SMTP envelope's sender when it differs from the From header (a forwarding or forging server). */
  envelopeFrom?: string;
  subject?: string;
  headers?: Record<string, string>;
  /** The email answered: its subject after "Re: ", and In-Reply-To and References set to its Message-ID. */
  inReplyTo?: CapturedMail;
}

/** Sends the reply and resolves with its Message-ID; rejects with nodemailer's error when the listener refuses it. */
export async function sendReply(port: number, r: Reply): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const messageId = `<${randomUUID()}@mail.care.test>`;
    await transport.sendMail({
      envelope: { from: r.envelopeFrom ?? r.from, to: r.to },
      from: r.from,
      to: r.to,
      subject: r.subject ?? `Re: ${r.inReplyTo?.subject ?? 'careloop'}`,
      text: r.text,
      messageId,
      ...(r.inReplyTo?.messageId ? { inReplyTo: r.inReplyTo.messageId, references: r.inReplyTo.messageId } : {}),
      headers: r.headers,
    });
    return messageId;
  } finally {
    transport.close();
  }
}

/** What the services of a stack are made from (createSprintService(services) and the like). */
export interface StackServices {
  db: RealStack['t']['db'];
  temporal: RealStack['env']['client'];
  taskQueue: string;
}

/**
 * careloop's inbound listener for `stack`, on a free port: sprint replies always, and whatever
 * else `extra` adds from the stack's services (`{ disputes: createDisputeService(s) }`).
 */
export async function startTestInbound(stack: RealStack, extra: (services: StackServices) => Partial<InboundListenerOptions> = () => ({})): Promise<InboundListener> {
  const services: StackServices = { db: stack.t.db, temporal: stack.env.client, taskQueue: stack.taskQueue };
  return startInboundListener({
    port: await freePort(),
    host: '127.0.0.1',
    inboundDomain: TEST_LINKS.inboundDomain,
    sprints: createSprintService(services),
    mailer: mailerFor(stack.smtp),
    db: stack.t.db,
    logger: testLogger,
    ...extra(services),
  });
}
