// Creates each service's database and applies its migrations. Run by ./dev from the repo root:
//   node --import tsx infra/postgres/prepare.ts
// Postgres comes from PGHOST/PGPORT/PGUSER/PGPASSWORD (defaults 127.0.0.1:5432, postgres).
// infra is not a workspace package, so workspace code is imported by relative path.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminDatabaseUrl, databaseUrlFor, ensureDatabase, migrate } from '../../packages/db/src/index.ts';

/** Database of each service (platform-api.md); a new service gets crm_<name>. */
const DATABASE_NAMES: Record<string, string> = {
  customer: 'crm_customer',
  interaction: 'crm_interaction',
  ticketing: 'crm_ticketing',
  'marketing-campaign': 'crm_marketing',
  analytics: 'crm_analytics',
};

export function databaseNameFor(service: string): string {
  return DATABASE_NAMES[service] ?? `crm_${service.replace(/[^a-z0-9]+/g, '_')}`;
}

export type PrepareOptions = {
  root: string;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  /** Override for the database name (tests use throwaway names). */
  nameFor?: (service: string) => string;
};

export type PreparedService = { service: string; database: string; applied: string[]; alreadyApplied: string[] };

/** Services (folders under services/) that have a prisma/migrations folder, in name order. */
export function servicesWithMigrations(root: string): string[] {
  const servicesDir = join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(servicesDir, entry.name, 'prisma', 'migrations')))
    .map((entry) => entry.name)
    .sort();
}

export async function prepareDatabases(options: PrepareOptions): Promise<PreparedService[]> {
  const { root, env = process.env, print = console.log, nameFor = databaseNameFor } = options;
  const prepared: PreparedService[] = [];
  for (const service of servicesWithMigrations(root)) {
    const database = nameFor(service);
    const created = await ensureDatabase(adminDatabaseUrl(env), database);
    const warnings: string[] = [];
    const result = await migrate({
      databaseUrl: databaseUrlFor(database, env),
      migrationsDir: join(root, 'services', service, 'prisma', 'migrations'),
      log: (line) => {
        if (line.startsWith('warning')) warnings.push(line);
      },
    });
    const news = result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'up to date';
    print(
      `  ${service.padEnd(18)} ${database.padEnd(16)} ${created ? 'created, ' : ''}${news}` +
        ` (${result.alreadyApplied.length + result.applied.length} migration(s))`,
    );
    for (const warning of warnings) print(`  ${service.padEnd(18)} ${warning}`);
    prepared.push({ service, database, ...result });
  }
  return prepared;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  try {
    const prepared = await prepareDatabases({ root });
    if (prepared.length === 0) console.log('  no service has prisma/migrations yet');
  } catch (error) {
    console.error(`database preparation failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
