import { createMailer, type Mailer } from '../../runtime/mailer';
import type { SmtpCapture } from './smtp';

export function mailerFor(smtp: SmtpCapture): Mailer {
  return createMailer(smtp.url, 'careloop <careloop@test.local>');
}
