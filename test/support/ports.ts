export { freePort } from '../../runtime/embedded';
