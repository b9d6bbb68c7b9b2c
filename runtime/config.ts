// One configuration, read once at start-up from the environment and validated with zod.
// A wrong or missing value stops the process with one line naming the variable.
import { z } from 'zod';

const postgresUrl = z
  .string({ error: 'is required (a postgresql:// URL)' })
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v) && URL.canParse(v), {
    message: 'must be a postgresql:// URL, e.g. postgresql://user:pass@host:5432/careloop',
  });

const smtpUrl = z
  .string()
  .refine((v) => /^smtps?:\/\/.+/.test(v) && URL.canParse(v), {
    message: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@relay.example.org:587',
  });

const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/.+/.test(v) && URL.canParse(v), {
    message: 'must be an http:// or https:// URL, e.g. https://careloop.example.org',
  })
  .transform((v) => v.replace(/\/+$/, ''));

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'must be host:port, e.g. temporal.example.org:7233');

export const ZConfigEnv = z.object({
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: hostPort.default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1, 'must not be empty').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1, 'must not be empty').default('careloop'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  SMTP_URL: smtpUrl.default('smtp://localhost:1025'),
  MAIL_FROM: z.string().min(3, 'must be an address like "careloop <careloop@example.org>"').default('careloop <careloop@localhost>'),
  INBOUND_SMTP_PORT: port.default(2525),
  INBOUND_DOMAIN: z.string().min(1).default('inbound.localhost'),
  PUBLIC_BASE_URL: httpUrl.optional(),
  PORT: port.default(3000),
  SESSION_SECRET: z
    .string({ error: 'is required: a random string of at least 32 characters (e.g. `openssl rand -hex 32`)' })
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)'),
  TIME_ZONE: z
    .string()
    .refine((v) => {
      try {
        new Intl.DateTimeFormat('en-GB', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/London or UTC')
    .default('UTC'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(720, 'must be at most 720 minutes (the 12-hour session limit)')
    .default(30),
  ESCALATION_GROUP_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (no grouping) or more')
    .max(3600, 'must be at most 3600 seconds (an hour)')
    .default(300),
  WORKER_VERSIONING: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  WORKER_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be letters, digits, - and _ only (no dots), e.g. careloop')
    .default('careloop'),
  WORKER_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9_+\-.]{1,100}$/, 'must be letters, digits and - _ + . only, e.g. 0.1.0+3f2c9e1a7b4d')
    .optional(),
  WORKER_SET_CURRENT: z.enum(['auto', 'true', 'false'], { error: 'must be auto, true or false' }).default('auto'),
  API_TOKEN_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(366, 'must be at most 366 days')
    .default(90),
});

export type TConfigEnv = z.infer<typeof ZConfigEnv>;

export interface Config {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string; apiKey?: string; tls: boolean };
  smtp: { url: string; from: string; inboundPort: number; inboundDomain: string };
  publicBaseUrl: string;
  port: number;
  sessionSecret: string;
  /** Deadlines in emails and pages are shown in this zone. */
  timeZone: string;
  logLevel: TConfigEnv['LOG_LEVEL'];
  /** A web session without a request for this long ends (besides its absolute 12 hours). */
  sessionIdleTimeoutMs: number;
  /** API tokens issued by the API stop working after this many days. */
  apiTokenTtlDays: number;
  /** Escalation emails about one participant wait this long for each other: one email per person per window. */
  escalationGroupWindowMs: number;
  /** Worker Versioning (docs/operators.md, "Releases"). */
  worker: {
    /** Poll as a version of a Worker Deployment, workflows pinned to the build they started on. */
    versioning: boolean;
    deploymentName: string;
    /** Unset: package.json's version + the git commit (runtime/versioning.ts). */
    buildId?: string;
    /**
     * At start-up, make this build the deployment's current version: `auto` when the deployment
     * has never seen this build (a new release; an old build restarting never takes routing
     * back), `true` always, `false` never (a release pipeline or an operator does it).
     */
    setCurrent: 'auto' | 'true' | 'false';
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `FOO= npm start` should mean "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = ZConfigEnv.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'configuration'), issue.message);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS === 'true' || Boolean(e.TEMPORAL_API_KEY),
    },
    smtp: { url: e.SMTP_URL, from: e.MAIL_FROM, inboundPort: e.INBOUND_SMTP_PORT, inboundDomain: e.INBOUND_DOMAIN },
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`,
    port: e.PORT,
    sessionSecret: e.SESSION_SECRET,
    timeZone: e.TIME_ZONE,
    logLevel: e.LOG_LEVEL,
    sessionIdleTimeoutMs: e.SESSION_IDLE_MINUTES * 60_000,
    apiTokenTtlDays: e.API_TOKEN_DAYS,
    escalationGroupWindowMs: e.ESCALATION_GROUP_SECONDS * 1000,
    worker: {
      versioning: e.WORKER_VERSIONING === 'true',
      deploymentName: e.WORKER_DEPLOYMENT_NAME,
      buildId: e.WORKER_BUILD_ID,
      setCurrent: e.WORKER_SET_CURRENT,
    },
  };
}

/** Loads the config or ends the process with one line naming the variable at fault. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`careloop: configuration error: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
