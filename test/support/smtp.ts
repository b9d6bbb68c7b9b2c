// A real SMTP listener for tests: every message sent to it is parsed and kept.
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from './ports';

export interface CapturedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
  messageId?: string;
  parsed: ParsedMail;
}

export interface SmtpCapture {
  url: string;
  port: number;
  messages: CapturedMail[];
  /** Resolves when `count` messages matching `filter` have arrived. */
  waitFor(filter: (m: CapturedMail) => boolean, count?: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /** Stops listening; connections in progress may finish. The port stays this capture's. */
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()` (an outage drill), keeping what arrived. */
  start(): Promise<void>;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const createServer = () => new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const addresses = (v: ParsedMail['to']) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((a) => a.value.map((x) => x.address ?? ''));
          messages.push({
            to: addresses(parsed.to),
            from: parsed.from?.value[0]?.address ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            replyTo: parsed.replyTo?.value[0]?.address,
            messageId: parsed.messageId,
            parsed,
          });
          for (const w of waiters) w();
          callback();
        })
        .catch(callback);
    },
  });
  // A closed SMTPServer cannot listen again: each start gets a fresh one on the same port.
  let server: SMTPServer | undefined;
  const listen = async (on: number) => {
    const next = createServer();
    await new Promise<void>((resolve, reject) => {
      // SMTPServer re-emits its socket's errors; without a listener EADDRINUSE would be thrown.
      next.once('error', reject);
      next.listen(on, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    server = next;
  };
  let port = await freePort();
  for (let attempt = 1; ; attempt++) {
    try {
      await listen(port);
      break;
    } catch (err) {
      // Another process took the port between freePort() and listen(): pick another.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw err;
      port = await freePort();
    }
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(filter, count = 1, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.filter(filter);
          if (found.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} matching message(s) within ${timeoutMs} ms, got ${messages.filter(filter).length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => {
      const closing = server;
      server = undefined;
      return closing ? new Promise<void>((resolve) => closing.close(() => resolve())) : Promise.resolve();
    },
    start: () => (server ? Promise.resolve() : listen(port)),
  };
}
