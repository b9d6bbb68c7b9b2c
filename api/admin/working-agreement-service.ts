// The working agreement service: the version in force, any version and what changed in it, the
// history, and an admin's change (checked, saved as the next version, audited with its author
// and reason). Every signed-in person may read the agreement they work under; only an admin
// changes it. A change applies to processes started after it; running ones keep their version.
import { z } from 'zod';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import { agreementDiff, type AgreementVersion } from '../../domain/working-agreement';
import { agreementHistory, agreementInForce, agreementVersion, saveAgreement } from '../../record/working-agreement';

export interface WorkingAgreementServiceDeps {
  db: Db;
  now?: () => Date;
}

/** Who changes the agreement: a signed-in admin (page or API token). */
export interface AgreementEditor {
  staffId: string;
  name: string;
  email: string;
  roles: readonly string[];
}

export const ZChangeAgreement = z
  .object({
    content: z.unknown(),
    reason: z.string({ message: 'is required: why the agreement changes' }),
    /** The version the change was made from; refused if another has been saved since. */
    basedOn: z.number({ message: 'must be a version number' }).int('must be a version number').min(1, 'must be a version number').optional(),
  })
  .strict();

export const NOT_AN_ADMIN = 'Only an admin can change the working agreement. Ask your partnership’s admin.';

export function createWorkingAgreementService(deps: WorkingAgreementServiceDeps) {
  const now = deps.now ?? (() => new Date());

  async function version(n: number): Promise<AgreementVersion> {
    const v = await agreementVersion(deps.db, n);
    if (!v) throw new AppError('NOT_FOUND', `There is no version ${n} of the working agreement.`);
    return v;
  }

  return {
    inForce: () => agreementInForce(deps.db, now()),
    history: () => agreementHistory(deps.db),
    version,

    /** What changed in version `n`: from the version before it, or from `against`. */
    async changes(n: number, against?: number) {
      const after = await version(n);
      const base = against ?? n - 1;
      if (base < 1) return { after, before: undefined, changes: [] };
      const before = await version(base);
      return { after, before, changes: agreementDiff(before.content, after.content) };
    },

    /** Saves the next version: 400 with every problem in words, 409 when someone saved one meanwhile. */
    async change(editor: AgreementEditor, body: unknown): Promise<AgreementVersion> {
      if (!editor.roles.includes('admin')) throw new AppError('FORBIDDEN', NOT_AN_ADMIN);
      const input = parseInput(ZChangeAgreement, body, 'working agreement change');
      const result = await saveAgreement(deps.db, { content: input.content, reason: input.reason, author: editor.name, actor: editor.email, authorId: editor.staffId, basedOn: input.basedOn, now: now() });
      if ('problems' in result) throw new AppError('INVALID_INPUT', 'The working agreement cannot work as written.', { fields: result.problems });
      if ('conflict' in result) {
        throw new AppError('CONFLICT', `Version ${result.conflict.version} was saved by ${result.conflict.author} while you were editing. Look at what it changed, then make your change to it.`, { inForce: result.conflict.version });
      }
      return result.saved;
    },
  };
}

export type WorkingAgreementService = ReturnType<typeof createWorkingAgreementService>;
