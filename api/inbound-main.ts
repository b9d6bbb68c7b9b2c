// The inbound SMTP listener as a process of its own: `npm run inbound`. It takes the email
// replies (ack+<token>@INBOUND_DOMAIN) on INBOUND_SMTP_PORT and acts through the same services
// as the API, so it needs the API's configuration (database, Temporal, SMTP relay) but not its
// port. Apart from the API so that no message, however built, can hold up a web request, and
// so that API replicas start side by side on one host. Several of these may run behind the
// relay that forwards INBOUND_DOMAIN's mail: they share nothing but the database.
import { loadConfigOrExit, type Config } from '../runtime/config';
import { createProcessClients } from '../runtime/clients';
import { createLogger, type Logger } from '../runtime/logger';
import { startInboundListener } from './inbound';
import { reportReady } from '../runtime/child-part';
import { createSprintService } from './sprints/service';
import { createPlanService } from './plans/service';
import { createEscalationService } from './escalations/service';
import { createPlanStepsService } from './plans/steps-service';
import { createDisputeService } from './disputes/service';

export interface RunningInbound {
  /** The SMTP port that takes email replies. */
  port: number;
  stop(): Promise<void>;
}

export async function startInbound(config: Config, logger: Logger): Promise<RunningInbound> {
  const clients = createProcessClients(config);
  const { db, temporal, mailer } = clients;
  const services = { db, temporal, taskQueue: config.temporal.taskQueue };
  const close = () => clients.close();
  const listener = await startInboundListener({
    port: config.smtp.inboundPort,
    inboundDomain: config.smtp.inboundDomain,
    timeZone: config.timeZone,
    sprints: createSprintService(services),
    plans: createPlanService(services),
    escalations: createEscalationService(services),
    planSteps: createPlanStepsService(services),
    disputes: createDisputeService(services),
    mailer,
    db,
    logger,
  }).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return {
    port: listener.port,
    async stop() {
      await listener.stop();
      await close();
    },
  };
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'careloop-inbound');
  startInbound(config, logger)
    .then((inbound) => {
      const stop = () => {
        logger.info('inbound listener stopping');
        inbound.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      reportReady({ port: inbound.port }, stop);
    })
    .catch((err: Error) => {
      logger.fatal({ err }, err.message);
      process.exit(1);
    });
}
