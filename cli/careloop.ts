// The admin CLI: `npm run careloop -- <command>`. How an operator bootstraps a deployment
// (agencies, staff, API tokens) and how scripts get tokens. Talks to DATABASE_URL, or to the
// embedded database of a running `npm start` when DATABASE_URL is not set.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { verifyAuditChain } from '../record/audit';
import { isRole, ROLES, type Role } from '../domain/roles';
import { createDb, type Db } from '../runtime/db';
import { Client, Connection } from '@temporalio/client';
import { AppError } from '../api/errors';
import { grantCareTeamNow, removeCareTeamMembers } from '../record/care-team';
import { listCareTeam, readAccessLog, resolveMember } from '../api/people/participant-service';
import { createStaffAdminService, type OpenWork } from '../api/people/staff-service';
import { resolveAgency, ZAgencyRef } from '../api/people/directory';
import { cliActor, need, UsageError } from './usage';
import { huddleDemo, sprintDemo } from './demo';
import { HUDDLE_HELP, huddleCommand } from './huddle';
import { agreementCommand } from './agreement';

export { UsageError } from './usage';

const HELP = `careloop admin CLI

Usage: npm run careloop -- <command> [options]

  agency add  --key KEY --name NAME [--kind KIND]   add an agency (KEY: short id, e.g. county-hospital)
  agency list                                       list agencies: key, name, staff, kind and id
                                                    (API inputs take the id or the key)
  staff add   --email E --name N --agency KEY --role R [--role R ...] [--days N]
                                                    add a staff member and print their API token once
  staff list  [--agency KEY]                        list staff, with each person's id (API inputs
                                                    name people by id); KEY: an agency key or id
  staff roles                                       who holds which role (active staff)
  staff token --email E [--days N]                  issue a new API token, valid N days (default 90,
                                                    or API_TOKEN_DAYS); the old one stops working
  staff revoke-token --email E [--reason R]         the API token stops working now
  staff end-sessions --email E [--reason R]         sign the person out of every web session now
  staff deactivate --email E --reason R             someone leaves: sessions, API token and unused email
                                                    links stop now; their open work is listed
  staff open-work --email E                         what a person still owes (sprint tasks, plan
                                                    acknowledgements, escalations, disputes, plans)
  care-team list   --participant REF                who is in a person's care team, and who added them
  care-team add    --participant REF (--agency KEY | --staff EMAIL) --reason R
                                                    add an agency or a named person to the care team
  care-team remove --participant REF --member ID --reason R
                                                    end a membership (ID from care-team list)
  access-log --participant REF [--limit N]          who looked at a person: when, what, through which channel
  agreement show [--version N] [--json]             the working agreement in force (or version N) in words;
                                                    --json prints what \`agreement set\` takes
  agreement history                                 every version: when, who and why
  agreement set --file F --reason R                 save F (JSON, as \`agreement show --json\` prints it) as
                                                    the next version, in force for processes started after
  audit verify                                      check the audit trail's hash chain
  sprint demo [--minutes N] [--participant REF]     start a post-discharge sprint for the demo staff
                                                    whose days fall due N, 2N and 3N minutes after now
  huddle demo                                       open work of every kind for the demo staff, to see on
                                                    /dashboard: a sprint overdue within a minute, a fresh
                                                    sprint, a plan change to acknowledge, a high
                                                    escalation and a dispute
${HUDDLE_HELP}

Roles: ${ROLES.join(', ')}. The database is DATABASE_URL, or the embedded one of a running
\`npm start\` (127.0.0.1:\${EMBEDDED_PG_PORT:-5433}) when DATABASE_URL is not set.`;


const ZAgencyKey = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lowercase letters, digits or dashes');
const ZEmail = z.email('must be an email address');

function parseRoles(values: string[] | undefined): Role[] {
  const roles = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (roles.length === 0) throw new UsageError(`--role is required (one or more of: ${ROLES.join(', ')})`);
  for (const r of roles) if (!isRole(r)) throw new UsageError(`--role ${r} is not a role; use one of: ${ROLES.join(', ')}`);
  return [...new Set(roles)] as Role[];
}

type Out = (line: string) => void;

export interface CliDeps {
  /** Connects to Temporal, for the commands that start workflows. */
  temporal?: () => Promise<{ client: Client; taskQueue: string }>;
}

export async function runCli(argv: string[], db: Db, out: Out, deps: CliDeps = {}): Promise<void> {
  // `access-log` is one word; every other command is an area and an action.
  const [area, action, ...rest] = argv[0] === 'access-log' ? [argv[0], '', ...argv.slice(1)] : argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      key: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      email: { type: 'string' },
      agency: { type: 'string' },
      role: { type: 'string', multiple: true },
      minutes: { type: 'string' },
      participant: { type: 'string' },
      reason: { type: 'string' },
      days: { type: 'string' },
      staff: { type: 'string' },
      member: { type: 'string' },
      limit: { type: 'string' },
      at: { type: 'string' },
      file: { type: 'string' },
      version: { type: 'string' },
      json: { type: 'boolean' },
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
      // The id is what API inputs and the agencies' JSON (GET /api/agencies) carry; inputs take the key too.
      for (const a of await db.agency.findMany({ orderBy: { key: 'asc' }, include: { _count: { select: { staff: true } } } })) {
        out(`${a.key.padEnd(24)} ${a.name}  (${a._count.staff} staff)${a.kind ? `  ${a.kind}` : ''}  id ${a.id}`);
      }
      return;
    }
    case 'staff add': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const name = need(z.string().trim().min(2, 'must be at least 2 characters'), values.name, 'name');
      const agencyRef = need(ZAgencyRef, values.agency, 'agency');
      const roles = parseRoles(values.role);
      const agency = await resolveAgency(db, agencyRef);
      if (!agency) throw new UsageError(`no agency ${agencyRef}; see "agency list", or add it first with: agency add --key ${agencyRef} --name "..."`);
      if (await db.staff.findUnique({ where: { email } })) throw new UsageError(`staff ${email} already exists; use "staff token" for a new token`);
      await db.staff.create({ data: { email, name, agencyId: agency.id, roles } });
      const issued = await staffAdmin(db).issueApiToken(cliActor(), email, { days: days(values.days), reason: 'staff member added' });
      out(`added ${email} (${roles.join(', ')}) to ${agency.key}`);
      out(`API token (shown once, store it now; expires ${issued.expiresAt}): ${issued.token}`);
      return;
    }
    case 'staff list': {
      const agencyRef = values.agency === undefined ? undefined : need(ZAgencyRef, values.agency, 'agency');
      const agency = agencyRef === undefined ? undefined : await resolveAgency(db, agencyRef);
      if (agencyRef !== undefined && !agency) throw new UsageError(`no agency ${agencyRef}; see "agency list"`);
      const staff = await db.staff.findMany({
        where: agency ? { agencyId: agency.id } : {},
        include: { agency: { select: { key: true } } },
        orderBy: [{ agency: { key: 'asc' } }, { email: 'asc' }],
      });
      // The staff id is what API inputs take (task owners, plan-holders, care-team members).
      for (const s of staff) {
        out(`${s.email.padEnd(34)} ${s.name.padEnd(24)} ${s.agency.key.padEnd(20)} ${s.roles.join(',').padEnd(20)} id ${s.id}${s.active ? '' : ' (inactive)'}${!s.apiTokenHash ? ' (no API token)' : !s.apiTokenExpiresAt || s.apiTokenExpiresAt <= new Date() ? ' (API token expired)' : ''}`);
      }
      return;
    }
    case 'staff token': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const issued = await staffAdmin(db).issueApiToken(cliActor(), await known(db, email), { days: days(values.days), reason: values.reason });
      out(`new API token for ${email} (shown once; expires ${issued.expiresAt}; the previous token no longer works): ${issued.token}`);
      return;
    }
    case 'staff roles': {
      for (const r of (await staffAdmin(db).roles()).roles) {
        out(`${r.role} (${r.staff.length})`);
        for (const s of r.staff) out(`  ${s.email.padEnd(34)} ${s.name.padEnd(24)} ${s.agency.padEnd(20)} API token: ${s.apiToken}`);
      }
      return;
    }
    case 'staff revoke-token': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const r = await staffAdmin(db).revokeApiToken(cliActor(), await known(db, email), { reason: values.reason });
      out(r.revoked ? `API token of ${email} revoked: it no longer works` : `${email} had no API token; nothing to revoke`);
      return;
    }
    case 'staff end-sessions': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const r = await staffAdmin(db).endSessions(cliActor(), await known(db, email), { reason: values.reason });
      out(`ended ${r.sessionsEnded} web session${r.sessionsEnded === 1 ? '' : 's'} of ${email}`);
      return;
    }
    case 'staff deactivate': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      if (values.reason === undefined) throw new UsageError('--reason is required (why the person is deactivated, e.g. "left the agency")');
      const r = await staffAdmin(db, await temporalOrNote(deps)).deactivate(cliActor(), await known(db, email), { reason: values.reason });
      out(`deactivated ${email}: ${r.sessionsEnded} session${r.sessionsEnded === 1 ? '' : 's'} ended, API token ${r.apiTokenRevoked ? 'revoked' : 'none'}, ${r.linksRevoked} unused email link${r.linksRevoked === 1 ? '' : 's'} revoked`);
      for (const line of describeOpenWork(r.openWork)) out(line);
      return;
    }
    case 'staff open-work': {
      const email = need(ZEmail, values.email, 'email').toLowerCase();
      const work = await staffAdmin(db, await temporalOrNote(deps)).openWork(await known(db, email));
      for (const line of describeOpenWork(work)) out(line);
      return;
    }
    case 'care-team list': {
      const p = await participantByRef(db, values.participant);
      const members = await listCareTeam(db, p.id);
      out(`care team of ${p.localRef}:`);
      for (const m of members) {
        const who = m.agency ? `agency ${m.agency.key} (${m.agency.name})` : `${m.staff?.email} (${m.staff?.name}, ${m.staff?.agencyName})`;
        const how = m.source === 'sprint' || m.source === 'plan' ? `implied by ${m.source} ${m.sourceRef}` : `added by ${m.addedBy}`;
        out(`  ${m.id}  ${who}  ${how} on ${m.addedAt}: ${m.reason}${m.removed ? `  [removed ${m.removed.at} by ${m.removed.by}: ${m.removed.reason}]` : ''}`);
      }
      return;
    }
    case 'care-team add': {
      const p = await participantByRef(db, values.participant);
      if ((values.agency === undefined) === (values.staff === undefined)) throw new UsageError('name either --agency KEY or --staff EMAIL');
      const reason = need(z.string().trim().min(3, 'must say why (at least 3 characters)'), values.reason, 'reason');
      const staffEmail = values.staff === undefined ? undefined : await known(db, need(ZEmail, values.staff, 'staff').toLowerCase());
      const staffId = staffEmail && (await db.staff.findUniqueOrThrow({ where: { email: staffEmail }, select: { id: true } })).id;
      const member = await resolveMember(db, { agency: values.agency, staffId }).catch((err: unknown) => {
        throw err instanceof AppError ? new UsageError(`--${values.agency ? 'agency' : 'staff'} ${err.details?.fields?.[0]?.message ?? err.userMessage}`) : err;
      });
      const actor = cliActor();
      const added = await grantCareTeamNow(db, { participantId: p.id, ...member, source: 'cli', addedById: actor.actorId, addedBy: actor.actor, reason });
      out(added.length ? `added ${member.label} to the care team of ${p.localRef}` : `${member.label} is already in the care team of ${p.localRef}`);
      return;
    }
    case 'care-team remove': {
      const p = await participantByRef(db, values.participant);
      const memberId = need(z.string().regex(/^[\w-]{1,64}$/, 'must be a member id from "care-team list"'), values.member, 'member');
      const reason = need(z.string().trim().min(3, 'must say why (at least 3 characters)'), values.reason, 'reason');
      const actor = cliActor();
      const removed = await db.$transaction((tx) => removeCareTeamMembers(tx, { participantId: p.id, where: { id: memberId }, removedById: actor.actorId, removedBy: actor.actor, reason, at: new Date() }));
      if (!removed.length) throw new UsageError(`no current care-team member ${memberId} for ${p.localRef}; see "care-team list --participant ${p.localRef}"`);
      out(`removed ${removed.join(', ')} from the care team of ${p.localRef}`);
      return;
    }
    case 'access-log ': {
      const p = await participantByRef(db, values.participant);
      const limit = values.limit === undefined ? 200 : need(z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'), values.limit, 'limit');
      const { entries } = await readAccessLog(db, p.id, { limit });
      // Reading who looked at a person is itself a look at them.
      await db.accessLogEntry.create({ data: { actor: cliActor().actor, participantId: p.id, what: 'access-log', channel: 'cli' } });
      out(`who looked at ${p.localRef} (newest first, ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}):`);
      out('  when                      who                                   what          channel  item');
      for (const e of entries) out(`  ${e.at}  ${e.actor.padEnd(36)}  ${e.what.padEnd(12)}  ${e.channel.padEnd(7)}  ${e.item ?? ''}`);
      return;
    }
    case 'audit verify': {
      const result = await verifyAuditChain(db);
      if (result.ok) out(`audit trail verified: ${result.checked} events, chain intact`);
      else throw new UsageError(`audit trail BROKEN at event ${result.firstBad!.seq}: ${result.firstBad!.problem} (${result.checked} events verified before it)`);
      return;
    }
    case 'agreement show':
    case 'agreement history':
    case 'agreement set':
      return agreementCommand(action!, db, values, out);
    case 'sprint demo': {
      const minutes = values.minutes === undefined ? 1 : need(z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(1440, 'must be at most 1440'), values.minutes, 'minutes');
      if (!deps.temporal) throw new UsageError('sprint demo needs Temporal (TEMPORAL_ADDRESS)');
      return sprintDemo(db, await deps.temporal(), { minutes, participant: values.participant }, out);
    }
    case 'huddle schedule':
    case 'huddle schedules':
    case 'huddle pause':
    case 'huddle resume':
    case 'huddle unschedule':
    case 'huddle run':
      return huddleCommand(action!, db, values, out, deps.temporal);
    case 'huddle demo': {
      if (!deps.temporal) throw new UsageError('huddle demo needs Temporal (TEMPORAL_ADDRESS)');
      return huddleDemo(db, await deps.temporal(), out);
    }
    default:
      throw new UsageError(area ? `unknown command "${[area, action].filter(Boolean).join(' ')}"\n\n${HELP}` : HELP);
  }
}

const days = (value: string | undefined) =>
  value === undefined ? undefined : need(z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1').max(366, 'must be at most 366'), value, 'days');

const staffAdmin = (db: Db, temporal?: Client) => createStaffAdminService({ db, temporal, apiTokenTtlDays: process.env.API_TOKEN_DAYS ? Number(process.env.API_TOKEN_DAYS) : undefined });

async function participantByRef(db: Db, ref: string | undefined) {
  const localRef = need(z.string().trim().min(1, 'must be a participant reference'), ref, 'participant');
  const p = await db.participant.findUnique({ where: { localRef }, select: { id: true, localRef: true } });
  if (!p) throw new UsageError(`no participant ${localRef}`);
  return p;
}

async function known(db: Db, email: string): Promise<string> {
  if (!(await db.staff.findUnique({ where: { email }, select: { id: true } }))) throw new UsageError(`no staff member ${email}`);
  return email;
}

/** Temporal for the open-work list; without it the list says what it could not read. */
async function temporalOrNote(deps: CliDeps): Promise<Client | undefined> {
  if (!deps.temporal) return undefined;
  try {
    return (await deps.temporal()).client;
  } catch {
    return undefined;
  }
}

/** The open-work list as lines a person reads: one section per kind, and what could not be read. */
export function describeOpenWork(w: OpenWork): string[] {
  const lines: string[] = [];
  const section = <T>(title: string, items: T[], line: (item: T) => string) => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`);
    for (const item of items) lines.push(`  ${line(item)}`);
  };
  section('open sprint tasks to reassign', w.sprintTasks, (t) => `${t.sprintId} ${t.taskKey} (${t.participantRef}) due ${t.dueAt}${t.overdue ? ' OVERDUE' : ''}`);
  section('open sprints they coordinate', w.sprintsCoordinated, (s) => `${s.sprintId} (${s.participantRef}) closes ${s.closesAt}`);
  section('plan versions awaiting their acknowledgement', w.planAcknowledgements, (p) => `plan ${p.planId} v${p.version} (${p.participantRef})${p.ackDeadlineAt ? ` due ${p.ackDeadlineAt}` : ''}`);
  section('escalations they chair', w.escalationsChaired, (e) => `${e.escalationId} ${e.tier} ${e.status} (${e.participantRef})`);
  section('disputes where they are interim owner', w.disputesInterimOwner, (d) => `${d.disputeId} stage ${d.stage} (${d.participantRef})`);
  section('plans they hold', w.plansHeld, (p) => `plan ${p.planId} (${p.participantRef})`);
  if (lines.length === 0) lines.push(`no open work found for ${w.staff.email}`);
  for (const note of w.incomplete) lines.push(`not complete: ${note}`);
  return lines;
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
    let connection: Connection | undefined;
    await runCli(argv, db, (line) => process.stdout.write(`${line}\n`), {
      temporal: async () => {
        connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS || 'localhost:7233', connectTimeout: '5 seconds' });
        return { client: new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' }), taskQueue: process.env.TEMPORAL_TASK_QUEUE || 'careloop' };
      },
    }).finally(() => connection?.close());
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`careloop: ${(err as Error).message}\n`);
    } else if (err instanceof AppError) {
      const fields = (err.details?.fields ?? []).map((f) => `${f.field} ${f.message}`).join('; ');
      process.stderr.write(`careloop: ${err.userMessage}${fields ? ` ${fields}` : ''}\n`);
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
