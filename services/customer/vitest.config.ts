import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Integration files share one broker and a 2-core machine: one file at a time keeps timings honest.
    fileParallelism: false,
  },
});
