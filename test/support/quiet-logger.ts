import { createLogger } from '../../runtime/logger';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'careloop-test');
