export type { Sql } from './sql.ts';
export {
  migrate,
  readMigrations,
  migrationChecksum,
  MigrationError,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
} from './migrate.ts';
export { ensureDatabase, dropDatabase, databaseUrlFor, adminDatabaseUrl } from './database.ts';
export { checkDrift, expectedSchema, compareSchema, type CheckDriftOptions, type ExpectedSchema } from './drift.ts';
export { parseDatamodel, readSchemaFiles, postgresType } from './prisma-schema.ts';
export { silencePgQueueDeprecation } from './warnings.ts';
