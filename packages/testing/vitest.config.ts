import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real Postgres and Kafka on a shared 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
