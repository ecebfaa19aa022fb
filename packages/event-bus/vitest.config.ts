import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Every file talks to the one shared broker and Postgres on a 2-core box: one file at a time.
    fileParallelism: false,
  },
});
