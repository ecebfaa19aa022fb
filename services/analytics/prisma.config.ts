// Prisma 7 configuration. Migrations are plain SQL folders applied by @crm/db's migrator (or by
// `prisma migrate deploy` where the schema engine is available); the URL only matters for the CLI.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/crm_analytics' },
});
