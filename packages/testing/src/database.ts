import { randomBytes } from 'node:crypto';
import { adminDatabaseUrl, databaseUrlFor, dropDatabase, ensureDatabase, migrate } from '@crm/db';
import { dockerAvailable, portOpen, TestInfrastructureError } from './environment.ts';

export type TestDatabase = {
  /** Connection URL of the fresh, migrated database. */
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are still open. */
  drop(): Promise<void>;
};

export type TestDatabaseOptions = {
  /** Service name, used in the database name so a leftover database says where it came from. */
  service: string;
  /** The service's prisma/migrations folder. */
  migrationsDir: string;
};

let postgresEnv: Promise<NodeJS.ProcessEnv> | undefined;

/**
 * Libpq-style settings of the Postgres server tests use: PGHOST… from the environment, else the server on
 * 127.0.0.1:5432, else one PostgreSQL container per test process (testcontainers, when Docker is there).
 */
export function testPostgresEnv(): Promise<NodeJS.ProcessEnv> {
  postgresEnv ??= resolvePostgres().catch((error: unknown) => {
    postgresEnv = undefined;
    throw error;
  });
  return postgresEnv;
}

async function resolvePostgres(): Promise<NodeJS.ProcessEnv> {
  if (process.env.PGHOST) return process.env;
  if (await portOpen('127.0.0.1', Number(process.env.PGPORT || 5432))) return process.env;
  if (!dockerAvailable()) {
    throw new TestInfrastructureError(
      'no PostgreSQL for tests: set PGHOST/PGPORT/PGUSER/PGPASSWORD, run one on 127.0.0.1:5432, or make a Docker engine reachable',
    );
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17-alpine').start();
  return {
    ...process.env,
    PGHOST: container.getHost(),
    PGPORT: String(container.getPort()),
    PGUSER: container.getUsername(),
    PGPASSWORD: container.getPassword(),
  };
}

/** Lower-case, digits and underscores: a safe fragment of a database name. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'db';
}

/** A fresh database with a random name, migrated with the service's migrations. One per test file. */
export async function testDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const env = await testPostgresEnv();
  const name = `test_${slug(options.service)}_${randomBytes(6).toString('hex')}`;
  const adminUrl = adminDatabaseUrl(env);
  await ensureDatabase(adminUrl, name);
  const url = databaseUrlFor(name, env);
  const drop = () => dropDatabase(adminUrl, name);
  try {
    await migrate({ databaseUrl: url, migrationsDir: options.migrationsDir });
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { url, name, drop };
}
