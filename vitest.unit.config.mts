import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the fast tier, in under a minute with no database. Domain rules
// (test/domain/), and every `*.unit.test.ts`: workflow logic against the time-skipping server
// with fake activities, activities against MockActivityEnvironment, pure runtime checks.
// `npm test` (vitest.config.mts) runs these too, with everything else.
export default defineConfig({
  test: {
    include: ['test/**/*.unit.test.ts', 'test/domain/**/*.test.ts'],
    globalSetup: ['test/support/global-setup-unit.ts'],
    hookTimeout: 60_000,
    testTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
