import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Sql } from '@crm/db';
import { adminDatabaseUrl, databaseUrlFor, dropDatabase, ensureDatabase } from '@crm/db';
import pino from 'pino';

export const SECRET = 'test-secret-test-secret-test-secret-0123';

/** Errors only, so test output stays readable; set LOG_LEVEL=info to see request lines. */
export const quietLogger = () => pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** raw pg wrapped into the Sql surface that a Prisma client also has */
export function pgSql(pool: pg.Pool): Sql {
  return {
    $executeRawUnsafe: async (q: string, ...v: unknown[]) => (await pool.query(q, v)).rowCount ?? 0,
    $queryRawUnsafe: async <T = unknown>(q: string, ...v: unknown[]) => (await pool.query(q, v)).rows as T,
  };
}

/** A fresh database with the shared platform tables (canonical SQL from @crm/db). */
export async function freshDatabase(): Promise<{ sql: Sql; pool: pg.Pool; drop: () => Promise<void> }> {
  const name = `svckit_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminDatabaseUrl(), name);
  const pool = new pg.Pool({ connectionString: databaseUrlFor(name), max: 4 });
  const ddl = readFileSync(new URL('../../db/prisma/shared-migration.sql', import.meta.url), 'utf8');
  await pool.query(ddl);
  return {
    sql: pgSql(pool),
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(adminDatabaseUrl(), name);
    },
  };
}
