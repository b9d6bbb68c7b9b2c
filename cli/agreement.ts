// `careloop agreement show|history|set`: the working agreement from the command line. `set` takes
// a JSON file (as `show --json` prints it), checks it as the page does, and saves it as the next
// version with the operator as author and an audit event with the reason.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Db } from '../runtime/db';
import { agreementDiff, agreementLines, type AgreementVersion } from '../domain/working-agreement';
import { agreementHistory, agreementInForce, agreementVersion, saveAgreement } from '../record/working-agreement';
import { cliActor, need, UsageError } from './usage';

type Out = (line: string) => void;

const byline = (v: AgreementVersion) => `version ${v.version}, saved ${v.createdAt} by ${v.author}: ${v.reason}`;

function printVersion(v: AgreementVersion, out: Out): void {
  out(`working agreement ${byline(v)}`);
  let section = '';
  for (const l of agreementLines(v.content)) {
    if (l.section !== section) out(`${l.section}:`);
    section = l.section;
    out(`  ${l.what}: ${l.value}`);
  }
}

export async function agreementCommand(action: string, db: Db, values: { file?: string; reason?: string; version?: string; json?: boolean }, out: Out): Promise<void> {
  switch (action) {
    case 'show': {
      const n = values.version === undefined ? undefined : need(z.coerce.number().int('must be a whole number').min(1, 'must be at least 1'), values.version, 'version');
      const v = n === undefined ? await agreementInForce(db) : await agreementVersion(db, n);
      if (!v) throw new UsageError(`there is no version ${n} of the working agreement; see "agreement history"`);
      if (values.json) out(JSON.stringify(v.content, null, 2));
      else printVersion(v, out);
      return;
    }
    case 'history': {
      const history = await agreementHistory(db);
      for (const [i, v] of history.entries()) {
        out(`${i === 0 ? '* ' : '  '}${byline(v)}`);
        const before = history[i + 1];
        if (before) for (const c of agreementDiff(before.content, v.content)) out(`      ${c.section}: ${c.what}: ${c.before} -> ${c.after}`);
      }
      out('(* in force)');
      return;
    }
    case 'set': {
      const file = need(z.string().min(1, 'must name a file'), values.file, 'file');
      if (values.reason === undefined) throw new UsageError('--reason is required (why the agreement changes, e.g. "Partnership board, 12 March: high tier within 2 hours")');
      let content: unknown;
      try {
        content = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`--file ${file} could not be read as JSON: ${(err as Error).message}`);
      }
      const actor = cliActor();
      const result = await saveAgreement(db, { content, reason: values.reason, author: actor.actor, actor: actor.actor, authorId: actor.actorId });
      if ('problems' in result) throw new UsageError(`the working agreement cannot work as written, nothing was saved:\n${result.problems.map((p) => `  ${p.message}`).join('\n')}`);
      if ('conflict' in result) throw new UsageError(`version ${result.conflict.version} was saved meanwhile; try again`);
      out(`saved the working agreement as version ${result.saved.version}: processes started from now on use it; running ones keep theirs`);
      return;
    }
    default:
      throw new UsageError(`unknown command "agreement ${action}"; use agreement show, history or set`);
  }
}
