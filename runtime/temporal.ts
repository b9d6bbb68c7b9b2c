import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { status } from '@grpc/grpc-js';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
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

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

/**
 * Registers careloop's search attributes on a namespace that lacks them (a self-hosted cluster,
 * the time-skipping test server). Attributes already there are left alone.
 */
export async function registerSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<string[]> {
  let known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    known = new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (err) {
    // The time-skipping test server can add search attributes but not list them.
    if ((err as { code?: number }).code !== status.UNIMPLEMENTED) throw err;
  }
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
  });
  return missing.map((k) => k.name);
}
