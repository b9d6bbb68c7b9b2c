// The inbound email channel: partner staff act on a sprint task by replying to careloop's email,
// acknowledge a plan change, and chairs and responders work an escalation the same way.
// Each email's Reply-To is `ack+<token>@<inbound domain>`; this SMTP listener takes the token
// from the recipient, reads the commands in the reply and hands both, with the sender, to the
// service of the token's purpose, which acts only for the staff member the token was issued to.
//
// Mail is answered with SMTP codes where the sender's own server should tell them (a wrong
// address: 550; our trouble: 451 so it retries), and otherwise with a short email back to the
// token's owner. Nothing is ever sent to an address we could not tie to the token: that would
// turn forged mail into backscatter.
//
// Anyone can send mail here, so the work a message can cause is bounded before it is done: the
// reply address is checked against the database at RCPT, before the message is even sent; the
// parser takes a bounded structure (PARSER_LIMITS); the reply rules read a bounded text
// (domain/reply-commands.ts). And `npm run inbound` runs this listener as a process of its own
// (api/inbound-main.ts): whatever a message costs, the API's event loop does not pay it.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type HeaderValue, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import { parseReplyCommands, saysAcknowledged } from '../domain/reply-commands';
import { parseEscalationReplyCommands } from '../domain/escalation-reply-commands';
import { ESCALATION_REPLY_TOKEN_PURPOSE, PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_REPLY_TOKEN_PURPOSE, PLAN_UPDATE_REPLY_TOKEN_PURPOSE, REPLY_TOKEN_PURPOSE, TOKEN_PURPOSES, type ReplyPurpose } from '../domain/tokens';
import { forgedReplyEmail } from '../domain/emails/forged-reply';
import { planAcknowledgedEmail, planReplyNotUnderstoodEmail } from '../domain/emails/plan-reply-answer';
import { replyAnswerEmail } from '../domain/emails/reply-answer';
import { escalationReplyAnswerEmail } from '../domain/emails/escalation-reply-answer';
import { lookupActionToken } from './links/tokens';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';
import type { Mailer } from '../runtime/mailer';
import { hashToken } from '../runtime/secrets';
import { AppError } from './errors';
import type { SprintService } from './sprints/service';
import type { PlanService } from './plans/service';
import type { EscalationService } from './escalations/service';
import { createEscalationReplies } from './escalations/reply';
import type { PlanStepsService } from './plans/steps-service';
import { createPlanStepReplies } from './plans/steps-reply';
import type { DisputeService } from './disputes/service';
import { createDisputeReplies } from './disputes/reply';
import { DISPUTE_REPLY_TOKEN_PURPOSE } from '../domain/tokens';

export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
/** One notice per token in this time: someone replaying a forged reply must not flood the owner. */
const OWNER_NOTICE_INTERVAL_MS = 15 * 60_000;
/** MIME parts a reply may have: text, HTML, a few attachments and inline images, nested a few deep. */
export const MAX_MIME_PARTS = 50;
/** Bytes of one part's header: Received, DKIM and ARC chains of large providers stay well below. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** HTML bodies larger than this are not turned into text (a reply in HTML carries a text part too). */
const MAX_HTML_TO_TEXT_CHARS = 64 * 1024;

/**
 * What mailparser may do with a message. Past maxChildNodes or maxHeadSize it stops with an error
 * (EMAXLEN) as soon as it sees the excess, having split no further; HTML-to-text conversion,
 * attachment checksums and parsing of attached messages are work a reply never needs.
 */
const PARSER_LIMITS: SimpleParserOptions = {
  maxChildNodes: MAX_MIME_PARTS,
  maxHeadSize: MAX_HEADER_BYTES,
  maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
  checksumAlgo: false,
  ignoreEmbedded: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
};

export interface InboundListenerOptions {
  port: number;
  /** All interfaces when not given: the listener receives mail from other servers. */
  host?: string;
  inboundDomain: string;
  sprints: SprintService;
  mailer: Mailer;
  logger: Logger;
  maxMessageBytes?: number;
  /** Reply addresses are checked here before a message is accepted; the owner of a token is told that someone else replied with it. */
  db: Db;
  /** When given, replies to plan-change emails acknowledge the plan version. */
  plans?: PlanService;
  /** When given, replies to escalation emails take the escalation's steps and add notes (api/escalations/reply.ts). */
  escalations?: EscalationService;
  /** When given, replies to plan-step emails record an action done or not done, or send an agency's update (api/plans/steps-reply.ts). */
  planSteps?: PlanStepsService;
  /** The partnership's time zone (config TIME_ZONE): times in the answers are written in it; UTC when not given. */
  timeZone?: string;
  /** When given, replies to dispute emails take a party's steps or the interim owner's progress (api/disputes/reply.ts). */
  disputes?: DisputeService;
}

export interface InboundListener {
  port: number;
  stop(): Promise<void>;
}

type SmtpError = Error & { responseCode: number };

function smtpError(responseCode: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode });
}

function isSmtpError(err: unknown): err is SmtpError {
  return err instanceof Error && typeof (err as Partial<SmtpError>).responseCode === 'number';
}

/** The token in `ack+<token>@<inboundDomain>`, or undefined for any other address. */
export function replyTokenFromAddress(address: string, inboundDomain: string): string | undefined {
  const m = /^ack\+([0-9a-f]{40})@([^@\s]+)$/i.exec(address.trim());
  if (!m || m[2]!.toLowerCase() !== inboundDomain.toLowerCase()) return undefined;
  return m[1]!.toLowerCase();
}

/** Why a message was sent by a machine (an auto-reply, a bounce, a list), if it was. */
export function automatedBecause(mail: ParsedMail): string | undefined {
  const header = (name: string) => headerText(mail.headers.get(name))?.trim().toLowerCase();
  const autoSubmitted = header('auto-submitted')?.split(';')[0]?.trim();
  if (autoSubmitted && autoSubmitted !== 'no') return `auto-submitted: ${autoSubmitted}`;
  const precedence = header('precedence');
  if (precedence && ['bulk', 'list', 'junk', 'auto_reply'].includes(precedence)) return `precedence: ${precedence}`;
  if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')) return 'auto-reply header';
  if (mail.headers.has('list-id')) return 'mailing list';
  if (header('content-type') === 'multipart/report') return 'delivery or read report';
  return undefined;
}

/** A reply address that works, as its token's row says before any message is read. */
export interface ReplyAddressOwner {
  purpose: string;
  owner: { name: string; email: string };
  /** What the token covers (an escalation reply address: the escalations its email listed). */
  scope?: unknown;
}

const NOT_A_REPLY_ADDRESS = 'This reply address is not valid. Open the link in the careloop email instead.';

/**
 * Whether a reply token still works: the one token lookup (api/links/tokens.ts) that the sprint
 * and plan services apply again when they act on it (the token may be spent in between). Throws
 * a 550 SmtpError, with the words the sender's server passes on, when it does not.
 */
export async function checkReplyToken(db: Db, token: string, purposes: readonly ReplyPurpose[], now: Date): Promise<ReplyAddressOwner> {
  const found = await lookupActionToken(db, token, now, purposes);
  if ('refused' in found) throw smtpError(550, found.refused.purpose ? TOKEN_PURPOSES[found.refused.purpose].noLongerWorks : NOT_A_REPLY_ADDRESS);
  return { purpose: found.row.purpose, owner: { name: found.row.staff.name, email: found.row.staff.email }, scope: found.row.scope };
}

/** A refusal while acting on a reply (the address stopped working since RCPT): 550, in words the sender's server passes on. */
function replyAddressRefusal(err: AppError, purpose: ReplyPurpose = REPLY_TOKEN_PURPOSE): SmtpError {
  if (err.code === 'GONE') return smtpError(550, TOKEN_PURPOSES[purpose].noLongerWorks);
  if (err.code === 'NOT_FOUND') return smtpError(550, NOT_A_REPLY_ADDRESS);
  return smtpError(550, err.userMessage);
}

/** The answer to a message the parser would not read: it is the message, so no retry (5xx). */
function unreadable(err: unknown): SmtpError {
  const message = err instanceof Error ? err.message : '';
  if ((err as { code?: unknown } | undefined)?.code === 'EMAXLEN') {
    if (/child nodes/i.test(message)) return smtpError(552, `This message has more than ${MAX_MIME_PARTS} MIME parts: too many for a reply to careloop. Send a plain reply.`);
    if (/header/i.test(message)) return smtpError(552, `This message has a header larger than ${MAX_HEADER_BYTES / 1024} KB: too large for a reply to careloop.`);
    return smtpError(552, 'This message is too large for a reply to careloop.');
  }
  return smtpError(554, 'careloop could not read this message as an email. Send a plain reply, or open the link in the careloop email.');
}

function headerText(value: HeaderValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  return undefined;
}

type ActResult = Awaited<ReturnType<SprintService['actWithReplyToken']>>;

/** The email back to the owner: what was recorded, what was not and why (domain/emails/reply-answer.ts). */
export const replyConfirmation = replyAnswerEmail;

export async function startInboundListener(opts: InboundListenerOptions): Promise<InboundListener> {
  const { inboundDomain, sprints, mailer, logger } = opts;
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const inFlight = new Set<Promise<unknown>>();
  const ownerNotified = new Map<string, number>();
  const purposes: ReplyPurpose[] = [REPLY_TOKEN_PURPOSE];
  if (opts.plans) purposes.push(PLAN_REPLY_TOKEN_PURPOSE);
  if (opts.escalations) purposes.push(ESCALATION_REPLY_TOKEN_PURPOSE);
  if (opts.planSteps) purposes.push(PLAN_ACTION_REPLY_TOKEN_PURPOSE, PLAN_UPDATE_REPLY_TOKEN_PURPOSE);
  const planStepReplies = opts.planSteps && createPlanStepReplies(opts.planSteps);
  if (opts.disputes) purposes.push(DISPUTE_REPLY_TOKEN_PURPOSE);
  const disputeReplies = opts.disputes && createDisputeReplies({ db: opts.db, disputes: opts.disputes });
  const escalationReplies = opts.escalations && createEscalationReplies({ db: opts.db, escalations: opts.escalations });
  /**
   * A reply address that works, as RCPT checks it: the token, and for an escalation reply
   * address, that some escalation it lists has not ended yet (the address is never revoked by one
   * of them ending).
   */
  async function checkAddress(token: string): Promise<ReplyAddressOwner> {
    const address = await checkReplyToken(opts.db, token, purposes, new Date());
    if (address.purpose === ESCALATION_REPLY_TOKEN_PURPOSE && escalationReplies) {
      await escalationReplies.checkAddress(address.scope).catch((err: unknown) => {
        if (err instanceof AppError) throw replyAddressRefusal(err, ESCALATION_REPLY_TOKEN_PURPOSE);
        throw err;
      });
    }
    return address;
  }
  /** What RCPT found for each accepted recipient, so DATA need not look again. */
  const checked = new WeakMap<SMTPServerAddress, ReplyAddressOwner>();
  /** Logs may correlate replies to a token, never hold it. */
  const logFor = (session: SMTPServerSession, token: string) => logger.child({ smtpSession: session.id, tokenRef: hashToken(token).slice(0, 12) });

  /** What careloop does with one accepted message; throws an SmtpError to refuse it. */
  async function receive(raw: Buffer, session: SMTPServerSession): Promise<string> {
    const rcpt = session.envelope.rcptTo[0];
    const token = replyTokenFromAddress(rcpt?.address ?? '', inboundDomain);
    if (!rcpt || !token) throw smtpError(550, 'No such mailbox here.');
    const log = logFor(session, token);
    const address = checked.get(rcpt) ?? (await checkAddress(token));
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    if (!envelopeFrom) {
      log.info('ignored a message with an empty envelope sender (a bounce)');
      return 'OK: bounce received, not acted on';
    }
    let mail: ParsedMail;
    try {
      mail = await simpleParser(raw, PARSER_LIMITS);
    } catch (err) {
      const refusal = unreadable(err);
      log.info({ reason: err instanceof Error ? err.message : String(err), responseCode: refusal.responseCode }, 'refused a message it would not read');
      throw refusal;
    }
    const automated = automatedBecause(mail);
    if (automated) {
      log.info({ automated }, 'ignored an automatic message');
      return 'OK: automatic message received, not acted on';
    }
    const senders = mail.from?.value.filter((a) => a.address) ?? [];
    if (senders.length !== 1) throw smtpError(550, 'A reply needs exactly one From address.');
    const from = senders[0]!.address!.trim();
    if (from.toLowerCase() !== envelopeFrom.trim().toLowerCase()) {
      await refuseForgery(token, address, log, { claimedFrom: from, envelopeFrom, why: 'From differs from the envelope sender' });
      return 'OK: received';
    }

    if (address.purpose === PLAN_REPLY_TOKEN_PURPOSE) return acknowledgePlan(token, address, from, envelopeFrom, mail, log);
    if (address.purpose === ESCALATION_REPLY_TOKEN_PURPOSE) return actOnEscalationReply(token, address, from, envelopeFrom, mail, log);
    if (address.purpose === PLAN_ACTION_REPLY_TOKEN_PURPOSE || address.purpose === PLAN_UPDATE_REPLY_TOKEN_PURPOSE) return actOnPlanStepReply(token, address, from, envelopeFrom, mail, log);
    if (address.purpose === DISPUTE_REPLY_TOKEN_PURPOSE) return actOnDisputeReply(token, address, from, envelopeFrom, mail, log);

    const reply = parseReplyCommands(mail.text ?? '');
    let outcome: ActResult;
    try {
      outcome = await sprints.actWithReplyToken(token, from, reply.commands);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'FORBIDDEN') {
        await refuseForgery(token, address, log, { claimedFrom: from, envelopeFrom, why: 'sender is not the staff member the email went to' });
        return 'OK: received';
      }
      // The token stopped working since RCPT (its sprint closed meanwhile). The sender is not
      // known to be its owner, so only their own server, through this code, tells them.
      log.info({ code: err.code }, 'refused a reply to an address that does not work');
      throw replyAddressRefusal(err);
    }

    const recorded = outcome.results.filter((r) => r.ok).length;
    log.info(
      { staffId: outcome.staff.id, recorded, notRecorded: outcome.results.length - recorded, notUnderstood: reply.unrecognised.length },
      reply.commands.length ? 'acted on an email reply' : 'an email reply held no commands',
    );
    const answer = replyAnswerEmail(outcome.staff.name, reply, outcome.results, outcome.participantRef);
    // The action stands whether or not this email goes out: a failure here must not make the
    // sender's server retry and act twice.
    await mailer
      .send({ to: outcome.staff.email, subject: answer.subject, text: answer.text, html: answer.html, headers: answerHeaders(mail) })
      .catch((err: unknown) => log.error({ err }, 'could not send the answer to an email reply'));
    return 'OK: reply received';
  }

  async function acknowledgePlan(token: string, address: ReplyAddressOwner, from: string, envelopeFrom: string, mail: ParsedMail, log: Logger): Promise<string> {
    const plans = opts.plans!;
    if (!saysAcknowledged(mail.text ?? '')) {
      const owner = address.owner;
      if (owner.email.toLowerCase() !== from.toLowerCase()) {
        await refuseForgery(token, address, log, { claimedFrom: from, envelopeFrom, why: 'sender is not the staff member the email went to' });
        return 'OK: received';
      }
      await mailer
        .send({ to: owner.email, ...planReplyNotUnderstoodEmail({ name: owner.name }), headers: answerHeaders(mail) })
        .catch((err: unknown) => log.error({ err }, 'could not send the answer to an email reply'));
      return 'OK: reply received';
    }
    try {
      const outcome = await plans.acknowledgeWithPlanReply(token, from);
      log.info({ staffId: outcome.staff.id, version: outcome.version }, 'acknowledged a plan version by email reply');
      const answer = planAcknowledgedEmail({ name: outcome.staff.name, version: outcome.version, at: String(outcome.recipient.acknowledgedAt), channel: String(outcome.recipient.channel), participantRef: outcome.participantRef, timeZone: opts.timeZone });
      await mailer
        .send({ to: outcome.staff.email, ...answer, headers: answerHeaders(mail) })
        .catch((err: unknown) => log.error({ err }, 'could not send the answer to an email reply'));
      return 'OK: reply received';
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'FORBIDDEN' && /did not come from/.test(err.userMessage)) {
        await refuseForgery(token, address, log, { claimedFrom: from, envelopeFrom, why: 'sender is not the staff member the email went to' });
        return 'OK: received';
      }
      log.info({ code: err.code }, 'refused a plan acknowledgement reply');
      throw smtpError(550, err.userMessage);
    }
  }

  /**
   * Acts on a reply through its service, then answers the person with what was recorded. The
   * step stands whether or not the answer goes out (a failed send must not make the sender's
   * server retry and act twice). A refusal as FORBIDDEN means the sender is not the person the
   * email went to: nothing changes and the owner is told. Any other refusal (the address stopped
   * working since RCPT) is a 550 in words the sender's server passes on.
   */
  async function actAndAnswer(
    reply: { token: string; address: ReplyAddressOwner; from: string; envelopeFrom: string; mail: ParsedMail; log: Logger; purpose: ReplyPurpose },
    act: () => Promise<{ to: string; answer: { subject: string; text: string; html?: string }; logged: [Record<string, unknown>, string] }>,
  ): Promise<string> {
    const { token, address, from, envelopeFrom, mail, log } = reply;
    let outcome: Awaited<ReturnType<typeof act>>;
    try {
      outcome = await act();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'FORBIDDEN') {
        await refuseForgery(token, address, log, { claimedFrom: from, envelopeFrom, why: 'sender is not the staff member the email went to' });
        return 'OK: received';
      }
      log.info({ code: err.code }, 'refused a reply to an address that does not work');
      throw replyAddressRefusal(err, reply.purpose);
    }
    log.info(...outcome.logged);
    await mailer
      .send({ to: outcome.to, subject: outcome.answer.subject, text: outcome.answer.text, html: outcome.answer.html, headers: answerHeaders(mail) })
      .catch((err: unknown) => log.error({ err }, 'could not send the answer to an email reply'));
    return 'OK: reply received';
  }

  type ReplyArgs = [token: string, address: ReplyAddressOwner, from: string, envelopeFrom: string, mail: ParsedMail, log: Logger];

  /** The steps and notes of a reply to an escalation email, then the answer: what was recorded, what was not and why. */
  function actOnEscalationReply(...[token, address, from, envelopeFrom, mail, log]: ReplyArgs): Promise<string> {
    const reply = parseEscalationReplyCommands(mail.text ?? '');
    return actAndAnswer({ token, address, from, envelopeFrom, mail, log, purpose: ESCALATION_REPLY_TOKEN_PURPOSE }, async () => {
      const outcome = await escalationReplies!.actWithEscalationReply(token, from, reply.commands);
      const recorded = outcome.results.filter((r) => r.ok).length;
      return {
        to: outcome.staff.email,
        answer: escalationReplyAnswerEmail({ name: outcome.staff.name, listed: outcome.listed, participantRefs: outcome.participantRefs, reply, results: outcome.results }),
        logged: [
          { staffId: outcome.staff.id, recorded, notRecorded: outcome.results.length - recorded, notUnderstood: reply.unrecognised.length },
          reply.commands.length ? 'acted on an escalation email reply' : 'an escalation email reply held no commands',
        ],
      };
    });
  }

  /** A reply to a plan action's email ("done", "not done: <why>") or to an update request (the update), then the answer. */
  function actOnPlanStepReply(...[token, address, from, envelopeFrom, mail, log]: ReplyArgs): Promise<string> {
    const purpose = address.purpose as ReplyPurpose;
    return actAndAnswer({ token, address, from, envelopeFrom, mail, log, purpose }, async () => {
      const outcome = await planStepReplies!.act(token, purpose, address.owner, from, mail.text ?? '');
      return { to: outcome.to, answer: outcome.answer, logged: [{ purpose, recorded: outcome.recorded }, 'acted on a plan-step email reply'] };
    });
  }

  /** A party's steps or the interim owner's progress from a reply to a dispute email, then the answer: what was recorded, what was not and why. */
  function actOnDisputeReply(...[token, address, from, envelopeFrom, mail, log]: ReplyArgs): Promise<string> {
    return actAndAnswer({ token, address, from, envelopeFrom, mail, log, purpose: DISPUTE_REPLY_TOKEN_PURPOSE }, async () => {
      const outcome = await disputeReplies!.act(token, from, mail.text ?? '');
      return { to: outcome.to, answer: outcome.answer, logged: [{ recorded: outcome.recorded }, 'acted on a dispute email reply'] };
    });
  }

  /** Changes nothing; tells the token's owner, never the claimed sender. */
  async function refuseForgery(token: string, address: ReplyAddressOwner, log: Logger, seen: { claimedFrom: string; envelopeFrom: string; why: string }): Promise<void> {
    log.warn(seen, 'did not act on an email reply: ' + seen.why);
    const tokenHash = hashToken(token);
    const now = Date.now();
    const last = ownerNotified.get(tokenHash);
    if (last !== undefined && now - last < OWNER_NOTICE_INTERVAL_MS) return;
    const owner = address.owner;
    if (ownerNotified.size > 10_000) ownerNotified.clear();
    ownerNotified.set(tokenHash, now);
    await mailer
      .send({
        to: owner.email,
        ...forgedReplyEmail({ ownerName: owner.name, ownerEmail: owner.email, claimedFrom: seen.claimedFrom }),
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      })
      .catch((err: unknown) => log.error({ err }, 'could not tell the owner about a refused email reply'));
  }

  const server = new SMTPServer({
    banner: 'careloop replies',
    authOptional: true,
    // Mail arrives from other servers: no logins here. TLS is the business of the MX in front.
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    size: maxBytes,
    rejectOversized: true,
    maxClients: 50,
    // RFC 5321's five minutes: the client waits silently while a reply is acted on.
    socketTimeout: 5 * 60_000,
    closeTimeout: 5_000,
    onRcptTo(address, session, callback) {
      const token = replyTokenFromAddress(address.address, inboundDomain);
      if (!token) {
        return callback(smtpError(550, `No such mailbox: this server takes only replies to careloop emails, addressed ack+<code>@${inboundDomain}.`));
      }
      // One reply, one token: a second recipient is deferred and sent again on its own.
      if (session.envelope.rcptTo.length >= 1) return callback(smtpError(452, 'One recipient per message; send the others separately.'));
      // Before the message is sent at all: mail to an address that does not work costs one
      // indexed read, never a parse.
      checkAddress(token).then(
        (owner) => {
          checked.set(address, owner);
          callback();
        },
        (err: unknown) => {
          if (isSmtpError(err)) {
            logFor(session, token).info({ responseCode: err.responseCode }, 'refused a reply address that does not work');
            return callback(err);
          }
          logger.error({ err, smtpSession: session.id }, 'could not check a reply address; asked the sender to retry');
          callback(smtpError(451, 'A temporary problem at careloop; please try again later.'));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= maxBytes) chunks.push(chunk);
      });
      stream.once('error', (err) => callback(err));
      stream.once('end', () => {
        if (stream.sizeExceeded) return callback(smtpError(552, `Message too large: the limit is ${maxBytes} bytes.`));
        const work = receive(Buffer.concat(chunks), session).then(
          (message) => callback(null, message),
          (err: unknown) => {
            if (isSmtpError(err)) return callback(err);
            logger.error({ err, smtpSession: session.id }, 'could not handle an email reply; asked the sender to retry');
            callback(smtpError(451, 'A temporary problem at careloop; please try again later.'));
          },
        );
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      });
    },
  });
  // Socket trouble with one client must not take the API process down.
  server.on('error', (err) => logger.warn({ err }, 'inbound SMTP connection error'));

  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`The inbound SMTP listener cannot start: port ${opts.port} is already in use. Set INBOUND_SMTP_PORT to another port.`) : err);
    server.server.once('error', failed);
    server.server.listen(opts.port, opts.host, () => {
      server.server.off('error', failed);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  logger.info({ port, inboundDomain }, 'inbound SMTP listening');

  return {
    port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Replies being acted on may finish; a hung one must not hold the process open.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
    },
  };
}

function answerHeaders(mail: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' };
  if (mail.messageId && /^<[^<>\s]{1,250}>$/.test(mail.messageId)) {
    headers['In-Reply-To'] = mail.messageId;
    headers['References'] = mail.messageId;
  }
  return headers;
}

