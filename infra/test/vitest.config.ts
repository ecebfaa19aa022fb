// Checks of the repository's deployment files (docker-compose.yml, Dockerfiles). Not a workspace package:
// run from the repository root with `pnpm exec vitest run --config infra/test/vitest.config.ts`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['infra/test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
