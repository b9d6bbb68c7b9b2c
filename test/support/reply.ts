// Replying to careloop's emails as a person's mail server would: one message over SMTP to the
// inbound listener on `port`, threaded under the email it answers when one is given.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { CapturedMail } from './smtp';

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
