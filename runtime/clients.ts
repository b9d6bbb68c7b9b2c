// The clients an API-side process holds (the API, the inbound listener): the database, the SMTP
// relay and a Temporal client, made from one configuration and closed together.
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';
import { createDb, type Db } from './db';
import { createMailer, type Mailer } from './mailer';

export interface ProcessClients {
  db: Db;
  mailer: Mailer;
  temporal: Client;
  close(): Promise<void>;
}

export function createProcessClients(config: Config): ProcessClients {
  const db = createDb(config.databaseUrl);
  const mailer = createMailer(config.smtp.url, config.smtp.from);
  // Lazy: the process starts while Temporal is still coming up; what needs it meanwhile answers
  // 503 (the API) or 451 (the listener: the sender's server tries again).
  const connection = Connection.lazy({ address: config.temporal.address, tls: config.temporal.tls ? {} : undefined, apiKey: config.temporal.apiKey });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  return {
    db,
    mailer,
    temporal,
    async close() {
      await connection.close();
      mailer.close();
      await db.$disconnect();
    },
  };
}
