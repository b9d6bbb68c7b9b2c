import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from './logger';
import type { Config } from './config';

function connectionOptions(config: Config['temporal']) {
  return {
    address: config.address,
    tls: config.tls ? {} : undefined,
    apiKey: config.apiKey,
  };
}

export async function connectClient(config: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '10 seconds' });
  return new Client({ connection, namespace: config.namespace });
}

export async function connectWorker(config: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

let runtimeInstalled = false;

/**
 * Routes the SDK's own logs through ours (warnings and up) and, when `ownSignals` is set,
 * leaves SIGINT/SIGTERM to the caller, which then stops workers in its own order.
 * Call once, before any worker, connection or test environment is created.
 */
export function installTemporalRuntime(logger: Logger, opts: { ownSignals?: boolean } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLogger = logger.child({ part: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : 'debug';
      sdkLogger[level]({ ...entry.meta }, entry.message);
    }),
    ...(opts.ownSignals ? { shutdownSignals: [] } : {}),
  });
}
