import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { adminDatabaseUrl } from '@crm/db';
import { testDatabase, testPostgresEnv } from '../src/index.ts';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'migrations');

async function rows<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const databasesLike = async (pattern: string) =>
  (await rows<{ datname: string }>(adminDatabaseUrl(await testPostgresEnv()), 'SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern])).map(
    (row) => row.datname,
  );

describe('testDatabase', () => {
  it('gives each call its own migrated database and drops it', async () => {
    const [a, b] = await Promise.all([
      testDatabase({ service: 'Marketing-Campaign', migrationsDir }),
      testDatabase({ service: 'Marketing-Campaign', migrationsDir }),
    ]);
    expect(a.name).not.toBe(b.name);
    expect(a.name).toMatch(/^test_marketing_campaign_[0-9a-f]{12}$/);

    await rows(a.url, `INSERT INTO note (id, body) VALUES ('n1', 'only in a')`);
    expect(await rows(a.url, 'SELECT id FROM note')).toEqual([{ id: 'n1' }]);
    expect(await rows(b.url, 'SELECT id FROM note')).toEqual([]);
    expect(await rows(a.url, 'SELECT migration_name FROM "_prisma_migrations"')).toEqual([
      { migration_name: '20260101000000_init' },
    ]);

    await Promise.all([a.drop(), b.drop()]);
    expect(await databasesLike(`${a.name}%`)).toEqual([]);
    expect(await databasesLike(`${b.name}%`)).toEqual([]);
  });

  it('drops the database again when its migrations fail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-testing-'));
    await mkdir(join(dir, '20260101000000_broken'));
    await writeFile(join(dir, '20260101000000_broken', 'migration.sql'), 'CREATE TABLE broken (;\n');
    const service = `broken_${Date.now().toString(36)}`;
    await expect(testDatabase({ service, migrationsDir: dir })).rejects.toThrow(/20260101000000_broken failed/);
    expect(await databasesLike(`test_${service}_%`)).toEqual([]);
  });
});
