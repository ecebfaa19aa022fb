import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real Postgres on a shared 2-core machine: creating and dropping databases can be slow.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
