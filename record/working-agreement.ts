// The working agreement's versions in the database: the one in force (written as version 1 from
// careloop's defaults on first use), any version by number, the history, and saving a new
// version with its audit event in one transaction. Shared by the API, the CLI, the starters of
// processes and the activity that gives a workflow the escalation policy in force.
import { appendAuditEvent } from './audit';
import type { Db, Prisma } from '../runtime/db';
import { agreementDiff, checkAgreement, reasonProblem, defaultAgreement, resolveHolidays, type AgreementContent, type AgreementProblem, type AgreementVersion, type ResolvedHolidays } from '../domain/working-agreement';

const FIRST_REASON = 'careloop’s defaults as they stood before the agreement could be edited: the escalation tiers, dispute stages and reminders of seed 002, England and Wales bank holidays.';

type Row = { version: number; content: Prisma.JsonValue; publicHolidays: Prisma.JsonValue; author: string; authorId: string | null; reason: string; createdAt: Date };

const fromRow = (r: Row): AgreementVersion => ({
  version: r.version,
  content: r.content as unknown as AgreementContent,
  publicHolidays: r.publicHolidays as unknown as ResolvedHolidays,
  author: r.author,
  authorId: r.authorId,
  reason: r.reason,
  createdAt: r.createdAt.toISOString(),
});

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;

/** Writes version 1 when there is none yet; two first uses at once write it once. */
async function ensureFirstVersion(db: Db, now: Date): Promise<void> {
  const content = defaultAgreement();
  await db.workingAgreement.createMany({
    data: [{ version: 1, content: json(content), publicHolidays: json(resolveHolidays(content.calendar.holidayRegion, now.getUTCFullYear())), author: 'careloop', authorId: null, reason: FIRST_REASON, createdAt: now }],
    skipDuplicates: true,
  });
}

/** The version in force: the newest. */
export async function agreementInForce(db: Db, now = new Date()): Promise<AgreementVersion> {
  let row = await db.workingAgreement.findFirst({ orderBy: { version: 'desc' } });
  if (!row) {
    await ensureFirstVersion(db, now);
    row = await db.workingAgreement.findFirstOrThrow({ orderBy: { version: 'desc' } });
  }
  return fromRow(row);
}

export async function agreementVersion(db: Db, version: number): Promise<AgreementVersion | undefined> {
  if (!Number.isInteger(version) || version < 1) return undefined;
  if (version === 1) await agreementInForce(db);
  const row = await db.workingAgreement.findUnique({ where: { version } });
  return row ? fromRow(row) : undefined;
}

/** Every version, newest first. */
export async function agreementHistory(db: Db): Promise<AgreementVersion[]> {
  await agreementInForce(db);
  return (await db.workingAgreement.findMany({ orderBy: { version: 'desc' } })).map(fromRow);
}

export interface SaveAgreement {
  content: unknown;
  reason: string;
  /** As the version history shows them: a name, or "cli:<user>". */
  author: string;
  /** As the audit trail names them: a staff email, or "cli:<user>". */
  actor: string;
  authorId: string | null;
  /** The version the change was made from: refused when someone else has saved one since. */
  basedOn?: number;
  now?: Date;
}

export type SaveResult = { saved: AgreementVersion } | { problems: AgreementProblem[] } | { conflict: AgreementVersion };

/**
 * Saves a new version if it can work (domain/working-agreement.ts checkAgreement), with an audit
 * event naming the author, the reason and what changed. A version the same as the one in force
 * is not saved again.
 */
export async function saveAgreement(db: Db, input: SaveAgreement): Promise<SaveResult> {
  const now = input.now ?? new Date();
  const reason = input.reason.trim();
  const checked = checkAgreement(input.content);
  const problems = 'problems' in checked ? [...checked.problems] : [];
  const why = reasonProblem(reason);
  if (why) problems.push(why);
  if (problems.length || 'problems' in checked) return { problems };
  const content = checked.content;
  const current = await agreementInForce(db, now);
  if (input.basedOn !== undefined && input.basedOn !== current.version) return { conflict: current };
  const changes = agreementDiff(current.content, content);
  if (!changes.length) return { problems: [{ field: '(agreement)', message: `Nothing changed: this is version ${current.version} as it stands. Change a value, or leave the agreement as it is.` }] };
  // Resolved afresh: a newer holiday library's corrections reach the new version.
  const holidays = resolveHolidays(content.calendar.holidayRegion, now.getUTCFullYear());
  const version = current.version + 1;
  try {
    const row = await db.$transaction(async (tx) => {
      const created = await tx.workingAgreement.create({ data: { version, content: json(content), publicHolidays: json(holidays), author: input.author, authorId: input.authorId, reason, createdAt: now } });
      await appendAuditEvent(tx, {
        actor: input.actor,
        actorId: input.authorId,
        action: 'working-agreement.changed',
        reason,
        process: 'working-agreement',
        item: `version-${version}`,
        data: { version, previous: current.version, changes: changes.map((c) => `${c.section}: ${c.what}: ${c.before} → ${c.after}`) },
        idempotencyKey: `working-agreement-${version}`,
        at: now,
      });
      return created;
    });
    return { saved: fromRow(row) };
  } catch (err) {
    // Someone saved the same next version a moment earlier: theirs stands.
    if ((err as { code?: string }).code === 'P2002') return { conflict: await agreementInForce(db) };
    throw err;
  }
}
