import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { CustomerDirectory } from './application/customer-directory.ts';
import type { Db } from './db.ts';
import { customerRoutes } from './routes/customers.ts';
import { interactionRoutes } from './routes/interactions.ts';
import { purchaseRoutes } from './routes/purchases.ts';

export interface AppDeps {
  db: Db;
  jwtSecret: string;
  /** The customer service, over HTTP (httpCustomerDirectory). */
  directory: CustomerDirectory;
  logger?: Logger;
  readiness?: ReadinessCheck[];
  bodyLimit?: number;
  importBatchSize?: number;
}

/** The interaction service's HTTP app, without a port: main.ts listens, tests inject. */
export function buildApp(deps: AppDeps): ServiceApp {
  const app = createServiceApp({
    name: 'interaction',
    version: '1.0.0',
    description: 'Every touchpoint on every channel, purchases and refunds, survey answers; per-customer timeline.',
    jwtSecret: deps.jwtSecret,
    db: deps.db,
    ...(deps.logger ? { logger: deps.logger } : { loggerOptions: { level: process.env.LOG_LEVEL ?? 'info' } }),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.bodyLimit ? { bodyLimit: deps.bodyLimit } : {}),
  });
  app.register(interactionRoutes, { db: deps.db, directory: deps.directory });
  app.register(purchaseRoutes, { db: deps.db, directory: deps.directory, ...(deps.importBatchSize ? { importBatchSize: deps.importBatchSize } : {}) });
  app.register(customerRoutes, { db: deps.db, directory: deps.directory });
  return app;
}
