import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A small stand-in for `prisma migrate deploy` (whose schema engine cannot be installed everywhere):
 * the same migration folders, the same `_prisma_migrations` table and checksums, the same advisory lock,
 * so either tool can take over a database the other one migrated.
 */

/** The advisory lock key `prisma migrate` takes on PostgreSQL; sharing it serialises both tools. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** The table exactly as Prisma's schema engine creates it. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export type MigrateOptions = {
  databaseUrl: string;
  /** The `prisma/migrations` folder: one sub-folder per migration holding `migration.sql`. */
  migrationsDir: string;
  /** Receives one progress line per applied migration and a summary line. Silent when omitted. */
  log?: (line: string) => void;
  /** How long to wait for another migrator holding the lock (default 60 s). */
  lockTimeoutMs?: number;
};

export type MigrateResult = {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were already applied before this call. */
  alreadyApplied: string[];
};

export type MigrationFile = { name: string; sql: string; checksum: string };

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** sha256 hex of the script, the checksum Prisma stores. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Prisma accepts a checksum taken before a checkout converted line endings (CRLF <-> LF); so do we. */
function checksumMatches(sql: string, checksum: string): boolean {
  const variants = [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\r?\n/g, '\r\n')];
  return variants.some((variant) => migrationChecksum(variant) === checksum);
}

/** Reads `<dir>/<name>/migration.sql` for every sub-folder, sorted by folder name. */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    throw new MigrationError(`cannot read migrations folder ${migrationsDir}: ${(error as Error).message}`);
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    let sql: string;
    try {
      sql = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8');
    } catch {
      throw new MigrationError(`migration folder ${name} has no migration.sql`);
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATE_LOCK_KEY,
    ]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      throw new MigrationError(`timed out after ${timeoutMs} ms waiting for the migration lock held by another migrator`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, each in its own transaction, under
 * Prisma's advisory lock. Refuses to run when an applied migration's file changed or when a migration is
 * recorded as failed (as `prisma migrate deploy` does, P3009).
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { databaseUrl, migrationsDir, log = () => {}, lockTimeoutMs = 60_000 } = options;
  const migrations = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireLock(client, lockTimeoutMs);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
    );
    const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed.length > 0) {
      throw new MigrationError(
        `migration(s) ${failed.map((row) => row.migration_name).join(', ')} failed earlier and are not rolled back; ` +
          'fix the database, then mark them with `prisma migrate resolve` (or delete their _prisma_migrations rows)',
      );
    }
    const applied = new Map<string, string>();
    for (const row of rows) {
      if (row.finished_at !== null && row.rolled_back_at === null) applied.set(row.migration_name, row.checksum);
    }
    const local = new Set(migrations.map((migration) => migration.name));
    const unknown = [...applied.keys()].filter((name) => !local.has(name));
    if (unknown.length > 0) {
      log(`warning: ${unknown.length} applied migration(s) missing from ${migrationsDir}: ${unknown.join(', ')}`);
    }

    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const recorded = applied.get(migration.name);
      if (recorded !== undefined) {
        if (!checksumMatches(migration.sql, recorded)) {
          throw new MigrationError(
            `migration ${migration.name} was modified after it was applied (checksum ${recorded} in the database, ` +
              `${migration.checksum} on disk); add a new migration instead of editing an applied one`,
          );
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      const ms = await applyOne(client, migration);
      result.applied.push(migration.name);
      log(`applied migration ${migration.name} (${ms} ms)`);
    }
    log(
      `${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already applied` +
        ` (${new URL(databaseUrl).pathname.slice(1)})`,
    );
    return result;
  } finally {
    // Ending the session releases the advisory lock as well.
    await client.end().catch(() => {});
  }
}

async function applyOne(client: pg.Client, migration: MigrationFile): Promise<number> {
  const started = Date.now();
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
      [id, migration.checksum, migration.name],
    );
    // No parameters: the simple query protocol runs a multi-statement script in one round trip.
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1, logs = NULL WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
    return Date.now() - started;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const detail = error as Error & { position?: string };
    const where = detail.position ? ` at character ${detail.position}` : '';
    throw new MigrationError(
      `migration ${migration.name} failed after ${Date.now() - started} ms${where}: ${detail.message}; nothing of it was applied`,
      { cause: error },
    );
  }
}
