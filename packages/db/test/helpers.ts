import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { adminDatabaseUrl, databaseUrlFor, dropDatabase, ensureDatabase } from '../src/index.ts';

/** A fresh, empty database on the local Postgres (env PGHOST…), dropped by the returned function. */
export async function freshDatabase(label: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `test_db_${label}_${randomBytes(5).toString('hex')}`;
  await ensureDatabase(adminDatabaseUrl(), name);
  return { name, url: databaseUrlFor(name), drop: () => dropDatabase(adminDatabaseUrl(), name) };
}

/** Writes `{ folder: sql }` as a Prisma migrations folder in a temp directory. */
export async function migrationsFolder(migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-migrations-'));
  await addMigrations(dir, migrations);
  return dir;
}

export async function addMigrations(dir: string, migrations: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
}

export async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
