import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { Projector } from './application/projector.ts';
import type { RecomputeResult } from './application/value.ts';
import type { Db } from './db.ts';
import { adminRoutes } from './routes/admin.ts';
import { analyticsRoutes } from './routes/analytics.ts';

export interface AppDeps {
  db: Db;
  jwtSecret: string;
  projector: Projector;
  recompute: (asOf?: string) => Promise<RecomputeResult>;
  logger?: Logger;
  readiness?: ReadinessCheck[];
  bodyLimit?: number;
}

/** The analytics service's HTTP app, without a port: main.ts listens, tests inject. */
export function buildApp(deps: AppDeps): ServiceApp {
  const app = createServiceApp({
    name: 'analytics',
    version: '1.0.0',
    description: 'Customer 360, RFM, CLV (historical and predicted), churn risk and service KPIs, projected from events.',
    jwtSecret: deps.jwtSecret,
    db: deps.db,
    ...(deps.logger ? { logger: deps.logger } : { loggerOptions: { level: process.env.LOG_LEVEL ?? 'info' } }),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.bodyLimit ? { bodyLimit: deps.bodyLimit } : {}),
  });
  app.register(analyticsRoutes, { db: deps.db });
  app.register(adminRoutes, { projector: deps.projector, recompute: deps.recompute });
  return app;
}
