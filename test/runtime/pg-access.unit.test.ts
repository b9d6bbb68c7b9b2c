// The check behind "run as root from a folder other users cannot enter": embedded PostgreSQL
// runs as `postgres`, and a 0700 folder on the way to its programs or data stops it with
// `spawn ... initdb EACCES`. Pure: real folders, a made-up account.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertPostgresCanReach, firstFolderClosedTo, PostgresAccessError } from '../../runtime/pg-access';

const other = { name: 'postgres', uid: 999_999, gids: [999_999] };
const root = mkdtempSync(path.join(os.tmpdir(), 'careloop-pg-access-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('can embedded PostgreSQL reach its programs and data?', () => {
  it('finds the 0700 folder (what mktemp -d and /root are) on the way to a path', () => {
    const closed = path.join(root, 'closed');
    mkdirSync(path.join(closed, 'checkout', '.data'), { recursive: true });
    chmodSync(root, 0o755);
    chmodSync(closed, 0o700);
    expect(firstFolderClosedTo(path.join(closed, 'checkout', '.data'), other)).toBe(closed);
    // Its owner, or a member of its group when the group may enter, passes.
    expect(firstFolderClosedTo(path.join(closed, 'checkout'), { uid: process.getuid!(), gids: [] })).toBeUndefined();
    chmodSync(closed, 0o710);
    expect(firstFolderClosedTo(path.join(closed, 'checkout'), { uid: other.uid, gids: [process.getgid!()] })).toBeUndefined();
    // chmod o+x (pass through, not list) is enough.
    chmodSync(closed, 0o701);
    expect(firstFolderClosedTo(path.join(closed, 'checkout', '.data'), other)).toBeUndefined();
  });

  it('a folder not created yet is not in the way', () => {
    chmodSync(root, 0o755);
    expect(firstFolderClosedTo(path.join(root, 'not', 'there', 'yet'), other)).toBeUndefined();
  });

  it('stops with a message naming the folder, what it holds and the fix', () => {
    const checkout = path.join(root, 'private');
    mkdirSync(path.join(checkout, 'node_modules', 'bin'), { recursive: true });
    chmodSync(checkout, 0o700);
    let caught: unknown;
    try {
      assertPostgresCanReach({ binDir: path.join(checkout, 'node_modules', 'bin'), dataDir: path.join(checkout, '.data', 'postgres'), account: other });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PostgresAccessError);
    const message = (caught as Error).message;
    expect(message).toContain(`cannot enter ${checkout} (mode 0700)`);
    expect(message).toContain('programs');
    expect(message).toContain(`chmod o+x ${checkout}`);
    expect(message).toContain('DATABASE_URL');

    // Programs reachable, data not: the fix names CARELOOP_DATA_DIR.
    const data = path.join(root, 'data-only');
    mkdirSync(data, { recursive: true });
    chmodSync(checkout, 0o755);
    chmodSync(data, 0o700);
    expect(() => assertPostgresCanReach({ binDir: path.join(checkout, 'node_modules', 'bin'), dataDir: path.join(data, 'pg'), account: other })).toThrow(/CARELOOP_DATA_DIR/);
    chmodSync(data, 0o755);
    expect(() => assertPostgresCanReach({ binDir: path.join(checkout, 'node_modules', 'bin'), dataDir: path.join(data, 'pg'), account: other })).not.toThrow();
  });
});
