// Worker Versioning at start-up: which build id a worker polls as, and when it makes itself the
// deployment's current version. The server side is covered for real in test/e2e/start.test.ts;
// here the decision alone, against a recorded answer of describeWorkerDeployment.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config';
import { applySetCurrent, defaultBuildId, workerDeploymentVersion } from '../../runtime/versioning';
import { version } from '../../package.json';

const base = { DATABASE_URL: 'postgresql://u:p@h:5432/d', SESSION_SECRET: 'x'.repeat(32) };

function fakeServer(state: { known: string[]; current?: string } | 'no-deployment') {
  const set: string[] = [];
  const workflowService = {
    async describeWorkerDeployment() {
      if (state === 'no-deployment') throw Object.assign(new Error('not found'), { code: 5 });
      return {
        workerDeploymentInfo: {
          versionSummaries: state.known.map((buildId) => ({ deploymentVersion: { buildId, deploymentName: 'careloop' } })),
          routingConfig: { currentDeploymentVersion: state.current ? { buildId: state.current, deploymentName: 'careloop' } : null },
        },
      };
    },
    async setWorkerDeploymentCurrentVersion(req: { buildId: string; allowNoPollers: boolean }) {
      expect(req.allowNoPollers).toBe(true);
      set.push(req.buildId);
      return {};
    },
  };
  return { connection: { workflowService } as never, set };
}

describe('Worker Versioning at start-up', () => {
  it('polls as careloop/<version>+<commit> by default, WORKER_BUILD_ID when given, unversioned when off', () => {
    expect(defaultBuildId({ GIT_COMMIT: '3f2c9e1a7b4d9999' })).toBe(`${version}+3f2c9e1a7b4d`);
    expect(defaultBuildId({})).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}(\\+[0-9a-f]{7,12})?$`));
    expect(workerDeploymentVersion(loadConfig({ ...base, WORKER_BUILD_ID: '2.0.0+abc' }).worker)).toEqual({ deploymentName: 'careloop', buildId: '2.0.0+abc' });
    expect(workerDeploymentVersion(loadConfig({ ...base, WORKER_VERSIONING: 'false' }).worker)).toBeUndefined();
    expect(loadConfig(base).worker).toMatchObject({ versioning: true, deploymentName: 'careloop', setCurrent: 'auto' });
    expect(() => loadConfig({ ...base, WORKER_DEPLOYMENT_NAME: 'care.loop' })).toThrow(/WORKER_DEPLOYMENT_NAME must be letters/);
    expect(() => loadConfig({ ...base, WORKER_SET_CURRENT: 'yes' })).toThrow(/WORKER_SET_CURRENT must be auto, true or false/);
  });

  const v2 = { deploymentName: 'careloop', buildId: '2' };

  it('auto: the first build of a deployment, and a build never seen before, become current', async () => {
    const fresh = fakeServer('no-deployment');
    expect(await applySetCurrent(fresh.connection, 'default', v2, 'auto', 't')).toBe('made-current');
    expect(fresh.set).toEqual(['2']);
    const release = fakeServer({ known: ['1'], current: '1' });
    expect(await applySetCurrent(release.connection, 'default', v2, 'auto', 't')).toBe('made-current');
    expect(release.set).toEqual(['2']);
  });

  it('auto: an old build restarted to finish its pinned workflows never takes routing back', async () => {
    const server = fakeServer({ known: ['1', '2'], current: '2' });
    expect(await applySetCurrent(server.connection, 'default', { deploymentName: 'careloop', buildId: '1' }, 'auto', 't')).toBe('left-alone');
    expect(await applySetCurrent(server.connection, 'default', v2, 'auto', 't')).toBe('already-current');
    expect(server.set).toEqual([]);
  });

  it('true always makes this build current (a rollback); false never does (the pipeline does it)', async () => {
    const server = fakeServer({ known: ['1', '2'], current: '2' });
    expect(await applySetCurrent(server.connection, 'default', { deploymentName: 'careloop', buildId: '1' }, 'true', 't')).toBe('made-current');
    expect(await applySetCurrent(server.connection, 'default', { deploymentName: 'careloop', buildId: '3' }, 'false', 't')).toBe('left-alone');
    expect(server.set).toEqual(['1']);
  });
});
