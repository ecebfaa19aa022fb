import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { Db } from './db.ts';
import { customerRoutes } from './routes/customers.ts';
import { identityRoutes } from './routes/identity.ts';
import { leadRoutes } from './routes/leads.ts';
import { privacyRoutes } from './routes/privacy.ts';

export interface AppDeps {
  db: Db;
  jwtSecret: string;
  logger?: Logger;
  readiness?: ReadinessCheck[];
  bodyLimit?: number;
}

/** The customer service's HTTP app, without a port: main.ts listens, tests inject. */
export function buildApp(deps: AppDeps): ServiceApp {
  const app = createServiceApp({
    name: 'customer',
    version: '1.0.0',
    description: 'Customers, contact points, consent, lifecycle, leads, merges and erasure.',
    jwtSecret: deps.jwtSecret,
    db: deps.db,
    ...(deps.logger ? { logger: deps.logger } : { loggerOptions: { level: process.env.LOG_LEVEL ?? 'info' } }),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.bodyLimit ? { bodyLimit: deps.bodyLimit } : {}),
  });
  app.register(identityRoutes, { db: deps.db });
  app.register(customerRoutes, { db: deps.db });
  app.register(privacyRoutes, { db: deps.db });
  app.register(leadRoutes, { db: deps.db });
  return app;
}
