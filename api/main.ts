// The API process: `npm run api`. Email replies are taken by a process of their own
// (`npm run inbound`, api/inbound-main.ts): the API binds only its HTTP port, so replicas
// start side by side on one host.
import type { Server } from 'node:http';
import { loadConfigOrExit, type Config } from '../runtime/config';
import { createProcessClients } from '../runtime/clients';
import { createLogger, type Logger } from '../runtime/logger';
import { createApp } from './app';

export interface RunningApi {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

export async function startApi(config: Config, logger: Logger): Promise<RunningApi> {
  const clients = createProcessClients(config);
  const { db, temporal, mailer } = clients;
  const app = createApp({ config: { ...config, taskQueue: config.temporal.taskQueue }, db, temporal, mailer, logger });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`The API cannot start: port ${config.port} is already in use. Set PORT to another port.`) : err),
    );
  });
  logger.info({ port: config.port }, 'api listening');
  return {
    server,
    url: `http://localhost:${config.port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await clients.close();
    },
  };
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'careloop-api');
  startApi(config, logger)
    .then((api) => {
      const stop = () => {
        logger.info('api stopping');
        api.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: Error) => {
      logger.fatal({ err }, err.message);
      process.exit(1);
    });
}
