import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@crm/service-kit';
import type { Logger } from 'pino';
import { CustomerReadCache } from './application/read-cache.ts';
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
  /** How long a read customer may be served from memory (default 1000 ms; 0 turns the cache off). */
  readCacheTtlMs?: number;
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
  const cache = new CustomerReadCache(deps.readCacheTtlMs ?? 1000);
  // Any successful change made through this instance drops the cached copies it touched at once.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || reply.statusCode >= 400 || !request.url.startsWith('/v1/customers/')) return;
    const params = request.params as { id?: string } | undefined;
    const body = request.body as { mergeId?: string } | undefined;
    cache.invalidate(params?.id, typeof body === 'object' ? body?.mergeId : undefined);
  });
  app.register(identityRoutes, { db: deps.db });
  app.register(customerRoutes, { db: deps.db, cache });
  app.register(privacyRoutes, { db: deps.db });
  app.register(leadRoutes, { db: deps.db });
  return app;
}
