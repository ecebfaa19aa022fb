import { checkDrift } from '@crm/db';
import { testDatabase } from '@crm/testing';
import { describe, expect, it } from 'vitest';
import { migrationsDir, schemaPath } from './harness.ts';

describe('schema', () => {
  it('the migrated database matches schema.prisma (no drift)', async () => {
    const database = await testDatabase({ service: 'interaction', migrationsDir });
    try {
      expect(await checkDrift({ databaseUrl: database.url, schemaPath })).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
