// One error type for everything the API refuses, one map from its codes to HTTP statuses,
// and one handler that turns anything else into a bare 500 with nothing leaked.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../runtime/logger';

export const APP_ERROR_STATUS = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    /** Shown to the caller: say what to do, never what the data holds. */
    readonly userMessage: string,
    readonly details?: { fields?: FieldProblem[]; [key: string]: unknown },
  ) {
    super(userMessage);
    this.name = 'AppError';
  }

  get status(): number {
    return APP_ERROR_STATUS[this.code];
  }
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws a 400 naming each field that is wrong. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what = 'request'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError('INVALID_INPUT', `The ${what} has invalid fields.`, { fields: fieldProblems(result.error) });
  }
  return result.data;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

function fromBodyParser(err: BodyParserError): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_INPUT', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported; send UTF-8.');
    case 'parameters.too.many':
      return new AppError('INVALID_INPUT', 'The form has too many fields.');
    default:
      return undefined;
  }
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err && typeof err === 'object') {
    const parsed = fromBodyParser(err as BodyParserError);
    if (parsed) return parsed;
    const e = err as { code?: string; status?: number };
    if (e.code === 'EBADCSRFTOKEN') {
      return new AppError('FORBIDDEN', 'This form has expired or was not sent from careloop. Reload the page and try again.');
    }
    if (isTemporalUnavailable(err)) return new AppError('UNAVAILABLE', 'The workflow engine is not answering right now. Try again in a minute.');
    if (isDatabaseUnavailable(err)) return new AppError('UNAVAILABLE', 'The care record database is not answering right now. Try again in a minute.');
  }
  return undefined;
}

/** gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4) from the Temporal client, however wrapped. */
function isTemporalUnavailable(err: object): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    const name = (e as { name?: unknown }).name;
    if ((name === 'ServiceError' || name === 'TransportError' || typeof code === 'number') && (code === 14 || code === 4 || name === 'TransportError')) return true;
  }
  return false;
}

/** Prisma's "cannot reach the database" errors, and the pg driver's refused or dropped connection. */
function isDatabaseUnavailable(err: object): boolean {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string' && ['P1001', 'P1002', 'P1017', 'ECONNREFUSED', 'ECONNRESET', '57P01'].includes(e.code)) return true;
  const text = `${String(e.message ?? '')} ${String((e.cause as { message?: unknown } | undefined)?.message ?? '')}`;
  return /ECONNREFUSED|Connection terminated|DatabaseNotReachable|Can't reach database server/.test(text);
}

export interface ErrorReply {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type ErrorRenderer = (reply: ErrorReply, req: Request, res: Response) => boolean;

/**
 * The one place errors become responses. `renderHtml` may answer for browser pages (it returns
 * true when it did); everything else gets `{ error: { code, message, ... } }`.
 */
export function errorHandler(logger: Logger, renderHtml?: ErrorRenderer): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = toAppError(err);
    let reply: ErrorReply;
    if (known) {
      reply = { status: known.status, code: known.code, message: known.userMessage, details: known.details };
    } else {
      logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
      reply = { status: 500, code: 'INTERNAL', message: 'Something went wrong on our side. Try again shortly.' };
    }
    if (renderHtml?.(reply, req, res)) return;
    res.status(reply.status).json({ error: { code: reply.code, message: reply.message, ...(reply.details ?? {}) } });
  };
}
