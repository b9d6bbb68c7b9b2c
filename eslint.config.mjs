// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'generated/', '.data/', 'coverage/', '.shots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O libraries, no clocks or randomness.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto', 'os', 'http', 'https', 'child_process'], message: 'Workflows must not use Node built-ins.' },
            { group: ['@prisma/*', '**/generated/**', 'nodemailer', 'pg', 'express', '**/runtime/**', '**/api/**'], message: 'Workflows do I/O only through activities.' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Import activity types only (import type).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read workflow time through workflows/clock.ts (workflowNow), so every read of the clock is in one place.' },
        { object: 'Math', property: 'random', message: 'Use uuid4() or a seeded value from the workflow API.' },
      ],
    },
  },
  {
    // The API and the CLI reach the care record through record/ and domain/, never through the
    // worker's activities: what a route writes is not a workflow's side effect.
    files: ['api/**/*.ts', 'cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities', '**/activities/*'], message: 'The API does not import activities/: shared writes live in record/, rules in domain/.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
);
