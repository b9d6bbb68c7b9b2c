// Replays recorded histories of every workflow type, one per process path, against today's
// workflow code: a change that would break a running workflow (non-determinism) fails here.
// How a release changes running workflows (pinned builds, patched() for disputes): docs/releases.md.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../support/temporal';

const dir = path.join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories (no server needed)', () => {
  it('has a history for every workflow type', () => {
    const types = new Set(files.map((f) => f.replace(/\.json$/, '').split('-')[0]));
    expect([...types].sort()).toEqual(['digest', 'dispute', 'escalation', 'huddle', 'plan', 'smoke', 'sprint']);
  });

  it.each(files)('replays %s deterministically', async (file) => {
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, file)).resolves.toBeUndefined();
  });
});
