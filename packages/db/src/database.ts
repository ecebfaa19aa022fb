import pg from 'pg';

/** Postgres identifiers we create: lower-case, digits and underscores, at most 63 bytes. */
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function assertDatabaseName(name: string): void {
  if (!DATABASE_NAME.test(name)) {
    throw new Error(`invalid database name "${name}": use lower-case letters, digits and _ (max 63)`);
  }
}

/**
 * Connection URL for database `name` from the libpq environment variables
 * (PGHOST, PGPORT, PGUSER, PGPASSWORD; defaults 127.0.0.1, 5432, postgres, none).
 */
export function databaseUrlFor(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const host = env.PGHOST || '127.0.0.1';
  const port = env.PGPORT || '5432';
  const user = encodeURIComponent(env.PGUSER || 'postgres');
  const password = env.PGPASSWORD ? `:${encodeURIComponent(env.PGPASSWORD)}` : '';
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `postgresql://${user}${password}@${hostPart}:${port}/${encodeURIComponent(name)}`;
}

/** URL of the maintenance database (`postgres`) used to create and drop databases. */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return databaseUrlFor('postgres', env);
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates database `name` if it does not exist. Safe when several processes race to create the same
 * database: the loser's duplicate error is swallowed. Resolves to true when this call created it.
 */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  assertDatabaseName(name);
  return withClient(adminUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index.
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw error;
    }
  });
}

/** Drops database `name` if it exists, terminating its open connections (`WITH (FORCE)`). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertDatabaseName(name);
  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
