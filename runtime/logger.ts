import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Human-readable lines for a person at a terminal; JSON (the default) for log shippers. */
  pretty?: boolean;
}

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'careloop', pretty = false): Logger {
  return pino({
    name,
    level,
    // Tokens and cookies must never reach a log line.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], remove: true },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } } : {}),
  });
}
