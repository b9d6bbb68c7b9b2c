import { defineConfig } from 'vitest/config';

// `npm run drills`: the reliability drills too slow for `npm test` (see docs/reliability.md).
export default defineConfig({
  test: {
    include: ['test/drills/**/*.drill.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    hookTimeout: 180_000,
    testTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default'],
  },
});
