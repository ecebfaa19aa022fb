import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MigrationError, readMigrations } from '../src/index.ts';
import { addMigrations, freshDatabase, migrationsFolder, query } from './helpers.ts';

const INIT = `CREATE TABLE "account" ("id" TEXT NOT NULL, CONSTRAINT "account_pkey" PRIMARY KEY ("id"));\n`;
const SECOND = `ALTER TABLE "account" ADD COLUMN "name" TEXT;\nINSERT INTO "account" ("id", "name") VALUES ('a1', 'first');\n`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (drops.length) await drops.pop()!();
}, 60_000);
async function database(label: string) {
  const db = await freshDatabase(label);
  drops.push(db.drop);
  return db;
}

describe('migrate', () => {
  it('applies pending migrations in folder-name order and records them like prisma migrate', async () => {
    const db = await database('apply');
    // Created out of order on purpose: the folder name decides.
    const dir = await migrationsFolder({ '20260102000000_second': SECOND, '20260101000000_init': INIT });
    const lines: string[] = [];
    const result = await migrate({ databaseUrl: db.url, migrationsDir: dir, log: (line) => lines.push(line) });

    expect(result).toEqual({ applied: ['20260101000000_init', '20260102000000_second'], alreadyApplied: [] });
    expect(lines.filter((line) => line.startsWith('applied migration'))).toHaveLength(2);
    expect(await query(db.url, 'SELECT id, name FROM account')).toEqual([{ id: 'a1', name: 'first' }]);

    const rows = await query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date | null; id: string }>(
      db.url,
      'SELECT * FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => [row.migration_name, row.checksum, row.applied_steps_count])).toEqual([
      ['20260101000000_init', sha256(INIT), 1],
      ['20260102000000_second', sha256(SECOND), 1],
    ]);
    expect(rows.every((row) => row.finished_at instanceof Date && row.id.length === 36)).toBe(true);

    const columns = await query(
      db.url,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'migration_name', data_type: 'character varying', len: 255, is_nullable: 'NO', column_default: null },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);
  });

  it('is idempotent and applies only migrations added later', async () => {
    const db = await database('idem');
    const dir = await migrationsFolder({ '20260101000000_init': INIT });
    await migrate({ databaseUrl: db.url, migrationsDir: dir });
    expect(await migrate({ databaseUrl: db.url, migrationsDir: dir })).toEqual({
      applied: [],
      alreadyApplied: ['20260101000000_init'],
    });
    await addMigrations(dir, { '20260102000000_second': SECOND });
    expect(await migrate({ databaseUrl: db.url, migrationsDir: dir })).toEqual({
      applied: ['20260102000000_second'],
      alreadyApplied: ['20260101000000_init'],
    });
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: 2 }]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const db = await database('checksum');
    const dir = await migrationsFolder({ '20260101000000_init': INIT });
    await migrate({ databaseUrl: db.url, migrationsDir: dir });
    await writeFile(join(dir, '20260101000000_init', 'migration.sql'), `${INIT}-- edited\n`);
    await addMigrations(dir, { '20260102000000_second': SECOND });

    const error = await migrate({ databaseUrl: db.url, migrationsDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/20260101000000_init was modified after it was applied/);
    // Nothing after the edited migration ran.
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: 1 }]);
  });

  it('accepts a checksum taken before line endings were converted', async () => {
    const db = await database('crlf');
    const dir = await migrationsFolder({ '20260101000000_init': INIT.replace(/\n/g, '\r\n') });
    await migrate({ databaseUrl: db.url, migrationsDir: dir });
    await writeFile(join(dir, '20260101000000_init', 'migration.sql'), INIT);
    expect((await migrate({ databaseUrl: db.url, migrationsDir: dir })).alreadyApplied).toEqual(['20260101000000_init']);
  });

  it('rolls a failing migration back completely, stops, and applies it once fixed', async () => {
    const db = await database('fail');
    const dir = await migrationsFolder({
      '20260101000000_init': INIT,
      '20260102000000_broken': `CREATE TABLE "half" ("id" TEXT);\nSELECT no_such_function();\n`,
      '20260103000000_after': `CREATE TABLE "after" ("id" TEXT);\n`,
    });
    await expect(migrate({ databaseUrl: db.url, migrationsDir: dir })).rejects.toThrow(
      /migration 20260102000000_broken failed .*no_such_function/,
    );
    expect(await query(db.url, `SELECT to_regclass('half') AS half, to_regclass('after') AS after`)).toEqual([
      { half: null, after: null },
    ]);
    expect(await query(db.url, 'SELECT migration_name FROM "_prisma_migrations"')).toEqual([
      { migration_name: '20260101000000_init' },
    ]);

    await writeFile(join(dir, '20260102000000_broken', 'migration.sql'), `CREATE TABLE "half" ("id" TEXT);\n`);
    expect((await migrate({ databaseUrl: db.url, migrationsDir: dir })).applied).toEqual([
      '20260102000000_broken',
      '20260103000000_after',
    ]);
  });

  it('refuses a database where prisma recorded a failed migration', async () => {
    const db = await database('failedrow');
    const dir = await migrationsFolder({ '20260101000000_init': INIT });
    await migrate({ databaseUrl: db.url, migrationsDir: dir });
    await query(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ($1, $2, $3, 'boom')`,
      ['00000000-0000-0000-0000-000000000001', sha256('x'), '20260102000000_failed'],
    );
    await expect(migrate({ databaseUrl: db.url, migrationsDir: dir })).rejects.toThrow(/20260102000000_failed failed earlier/);
  });

  it('applies each migration once when two migrators start together', async () => {
    const db = await database('race');
    // The sleep keeps the first migrator inside its transaction while the second one arrives.
    const dir = await migrationsFolder({
      '20260101000000_init': `SELECT pg_sleep(0.3);\n${INIT}`,
      '20260102000000_second': SECOND,
    });
    const results = await Promise.all([
      migrate({ databaseUrl: db.url, migrationsDir: dir }),
      migrate({ databaseUrl: db.url, migrationsDir: dir }),
    ]);
    const applied = results.flatMap((result) => result.applied).sort();
    expect(applied).toEqual(['20260101000000_init', '20260102000000_second']);
    expect(results.some((result) => result.applied.length === 0 && result.alreadyApplied.length === 2)).toBe(true);
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: 2 }]);
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM account')).toEqual([{ n: 1 }]);
  });

  it('reports a folder without migration.sql and a missing folder', async () => {
    const dir = await migrationsFolder({ '20260101000000_init': INIT });
    await expect(readMigrations(join(dir, 'nope'))).rejects.toThrow(/cannot read migrations folder/);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, '20260102000000_empty'));
    await expect(readMigrations(dir)).rejects.toThrow(/20260102000000_empty has no migration.sql/);
  });
});
