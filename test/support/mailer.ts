import { createMailer, type Mailer } from '../../runtime/mailer';
import type { SmtpCapture } from './smtp';

export function mailerFor(smtp: SmtpCapture): Mailer {
  return createMailer(smtp.url, 'careloop <careloop@test.local>');
}

export const TEST_LINKS = { publicBaseUrl: 'http://careloop.test', inboundDomain: 'inbound.careloop.test', timeZone: 'UTC' };
