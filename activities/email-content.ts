// Moved: each kind of email is one template in domain/emails/ (sprint, plan, escalation,
// dispute). This re-export keeps older imports working; import from domain/emails/.
export { formatInstant } from '../domain/format';
export * from '../domain/emails/sprint';
export * from '../domain/emails/plan';
export * from '../domain/emails/escalation';
export * from '../domain/emails/dispute';
