// The admin CLI: `npm run careloop -- <command>`. How an operator bootstraps a deployment
// (agencies, staff, API tokens) and how scripts get tokens. Talks to DATABASE_URL, or to the
// embedded database of a running `npm start` when DATABASE_URL is not set.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { verifyAuditChain } from '../activities/audit';
import { isRole, ROLES, type Role } from '../domain/roles';
import { createDb, type Db } from '../runtime/db';
import { hashToken, newToken } from '../runtime/secrets';

const HELP = `careloop admin CLI

Usage: npm run careloop -- <command> [options]

  agency add  --key KEY --name NAME [--kind KIND]   add an agency (KEY: short id, e.g. county-hospital)
  agency list                                       list agencies
  staff add   --email E --name N --agency KEY --role R [--role R ...]
                                                    add a staff member and print their API token once
  staff list  [--agency KEY]                        list staff
  staff token --email E                             issue a new API token (the old one stops working)
  audit verify                                      check the audit trail's hash chain

Roles: ${ROLES.join(', ')}. The database is DATABASE_URL, or the embedded one of a running
\`npm start\` (127.0.0.1:\${EMBEDDED_PG_PORT:-5433}) when DATABASE_URL is not set.`;

export class UsageError extends Error {}

const ZAgencyKey = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lowercase letters, digits or dashes');
const ZEmail = z.email('must be an email address');

function need<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--${flag} ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function parseRoles(values: string[] | undefined): Role[] {
  const roles = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (roles.length === 0) throw new UsageError(`--role is required (one or more of: ${ROLES.join(', ')})`);
  for (const r of roles) if (!isRole(r)) throw new UsageError(`--role ${r} is not a role; use one of: ${ROLES.join(', ')}`);
  return [...new Set(roles)] as Role[];
}

type Out = (line: string) => void;

export async function runCli(argv: string[], db: Db, out: Out): Promise<void> {
  const [area, action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      key: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      email: { type: 'string' },
      agency: { type: 'string' },
      role: { type: 'string', multiple: true },
    },
    strict: true,
  });

  switch (`${area ?? ''} ${action ?? ''}`) {
    case 'agency add': {
      const key = need(ZAgencyKey, values.key, 'key');
      const name = need(z.string().trim().min(2, 'must be at least 2 characters'), values.name, 'name');
      if (await db.agency.findUnique({ where: { key } })) throw new UsageError(`agency ${key} already exists`);
      await db.agency.create({ data: { key, name, kind: values.kind } });
      out(`added agency ${key} (${name})`);
      return;
    }
    case 'agency list': {
      for (const a of await db.agency.findMany({ orderBy: { key: 'asc' }, include: { _count: { select: { staff: true } } } })) {
        out(`${a.key.padEnd(24)} ${a.name}  (${a._count.staff} staff)`);
      }
      return;
    }
    case 'staff add': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const name = need(z.string().trim().min(2, 'must be at least 2 characters'), values.name, 'name');
      const agencyKey = need(ZAgencyKey, values.agency, 'agency');
      const roles = parseRoles(values.role);
      const agency = await db.agency.findUnique({ where: { key: agencyKey } });
      if (!agency) throw new UsageError(`no agency ${agencyKey}; add it first with: agency add --key ${agencyKey} --name "..."`);
      if (await db.staff.findUnique({ where: { email } })) throw new UsageError(`staff ${email} already exists; use "staff token" for a new token`);
      const token = newToken('clt');
      await db.staff.create({ data: { email, name, agencyId: agency.id, roles, apiTokenHash: hashToken(token) } });
      out(`added ${email} (${roles.join(', ')}) to ${agency.key}`);
      out(`API token (shown once, store it now): ${token}`);
      return;
    }
    case 'staff list': {
      const agency = values.agency ? need(ZAgencyKey, values.agency, 'agency') : undefined;
      const staff = await db.staff.findMany({
        where: agency ? { agency: { key: agency } } : {},
        include: { agency: { select: { key: true } } },
        orderBy: [{ agency: { key: 'asc' } }, { email: 'asc' }],
      });
      for (const s of staff) {
        out(`${s.email.padEnd(34)} ${s.name.padEnd(24)} ${s.agency.key.padEnd(20)} ${s.roles.join(',')}${s.active ? '' : ' (inactive)'}${s.apiTokenHash ? '' : ' (no API token)'}`);
      }
      return;
    }
    case 'staff token': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const token = newToken('clt');
      const updated = await db.staff.updateMany({ where: { email }, data: { apiTokenHash: hashToken(token) } });
      if (updated.count === 0) throw new UsageError(`no staff member ${email}`);
      out(`new API token for ${email} (shown once; the previous token no longer works): ${token}`);
      return;
    }
    case 'audit verify': {
      const result = await verifyAuditChain(db);
      if (result.ok) out(`audit trail verified: ${result.checked} events, chain intact`);
      else throw new UsageError(`audit trail BROKEN at event ${result.firstBad!.seq}: ${result.firstBad!.problem} (${result.checked} events verified before it)`);
      return;
    }
    default:
      throw new UsageError(area ? `unknown command "${[area, action].filter(Boolean).join(' ')}"\n\n${HELP}` : HELP);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const url = process.env.DATABASE_URL || `postgresql://careloop:careloop@127.0.0.1:${process.env.EMBEDDED_PG_PORT || 5433}/careloop`;
  const db = createDb(url, { max: 1 });
  try {
    await runCli(argv, db, (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`careloop: ${(err as Error).message}\n`);
    } else if (/ECONNREFUSED|connect/i.test(String((err as Error).message))) {
      process.stderr.write(
        `careloop: cannot reach the database${process.env.DATABASE_URL ? ' at DATABASE_URL' : ' (is `npm start` running? or set DATABASE_URL)'}: ${(err as Error).message}\n`,
      );
    } else {
      process.stderr.write(`careloop: ${(err as Error).message}\n`);
    }
    process.exitCode = 1;
  } finally {
    await db.$disconnect();
  }
}

if (require.main === module) void main();
