// Worker Versioning: every worker polls as one version (deployment name + build id) of a Worker
// Deployment, and workflows are PINNED to the version they started on by default, so a sprint
// finishes on the code it started with. A release starts workers of the new build beside the
// old, makes the new build current, and stops the old workers once nothing runs on them any
// more (docs/operators.md, "Releases"). A change that must reach running processes (a dispute
// runs for weeks) goes through patched() instead; such a workflow says AUTO_UPGRADE itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';

const projectRoot = path.resolve(__dirname, '..');

/**
 * `<package.json version>+<git commit>`: one build id per commit, the same on every machine.
 * GIT_COMMIT (set by CI or a Docker build) wins over asking git; with neither, the version alone.
 */
export function defaultBuildId(env: NodeJS.ProcessEnv = process.env, root = projectRoot): string {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  let commit = env.GIT_COMMIT?.trim();
  if (!commit) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
    } catch {
      commit = undefined;
    }
  }
  return commit ? `${version}+${commit.slice(0, 12)}` : version;
}

/** The version this worker polls as, or undefined when Worker Versioning is off. */
export function workerDeploymentVersion(worker: Config['worker'], env: NodeJS.ProcessEnv = process.env): WorkerDeploymentVersion | undefined {
  if (!worker.versioning) return undefined;
  return { deploymentName: worker.deploymentName, buildId: worker.buildId ?? defaultBuildId(env) };
}

/**
 * Makes `version` the deployment's current version: new workflows start on it, pinned ones stay
 * where they are. Allowed before the worker's first poll (it is about to start polling).
 * The same as `temporal worker deployment set-current-version --deployment-name ... --build-id ...`.
 */
export async function setCurrentVersion(connection: Pick<NativeConnection, 'workflowService'>, namespace: string, version: WorkerDeploymentVersion, identity: string): Promise<void> {
  await connection.workflowService.setWorkerDeploymentCurrentVersion({
    namespace,
    deploymentName: version.deploymentName,
    buildId: version.buildId,
    identity,
    allowNoPollers: true,
  });
}

/**
 * Applies WORKER_SET_CURRENT at start-up, before the worker's first poll. Returns what it did.
 * `auto`: a build the deployment has never seen (no worker of it has polled yet) is a new
 * release and becomes current; a build it knows is left where it is, so restarting an old
 * build kept running for its pinned workflows never takes new workflows back from the new one.
 */
export async function applySetCurrent(
  connection: Pick<NativeConnection, 'workflowService'>,
  namespace: string,
  version: WorkerDeploymentVersion,
  mode: Config['worker']['setCurrent'],
  identity: string,
): Promise<'made-current' | 'already-current' | 'left-alone'> {
  if (mode === 'false') return 'left-alone';
  let known: string[] = [];
  let current: string | undefined;
  try {
    const answer = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName });
    known = (answer.workerDeploymentInfo?.versionSummaries ?? []).map((v) => v.deploymentVersion?.buildId ?? '');
    current = answer.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || undefined;
  } catch (err) {
    // A deployment that does not exist yet: this is its first build.
    if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
  }
  if (current === version.buildId) return 'already-current';
  if (mode === 'auto' && known.includes(version.buildId)) return 'left-alone';
  await setCurrentVersion(connection, namespace, version, identity);
  return 'made-current';
}

/** The build that new workflows start on, or undefined when unversioned workers take them. */
export async function currentBuildId(connection: Pick<NativeConnection, 'workflowService'>, namespace: string, deploymentName: string): Promise<string | undefined> {
  const answer = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  return answer.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || undefined;
}
