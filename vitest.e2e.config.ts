import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the console in a real headless Chromium against a real server.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    setupFiles: ['test/support/after-each-file.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    retry: 0,
  },
});
