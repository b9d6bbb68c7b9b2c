import { defineConfig } from 'vitest/config';

// Tests that measure how fast something answers run alone, after the rest: on a 2-core machine a
// neighbouring test file starting its own Temporal and PostgreSQL can delay any answer by more
// than the bound they check (/healthz under 100 ms while a hostile reply is digested), and that
// would say nothing about careloop.
const ALONE = ['test/api/inbound-hostile.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // Real servers start in hooks: give them room on a 2-core CI machine.
    hookTimeout: 180_000,
    testTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
