import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { Db } from './db.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { devSinkRoutes } from './routes/dev-sink.ts';
import { journeyRoutes } from './routes/journeys.ts';
import { loyaltyRoutes } from './routes/loyalty.ts';
import { segmentRoutes } from './routes/segments.ts';

export interface AppDeps {
  db: Db;
  jwtSecret: string;
  logger?: Logger;
  readiness?: ReadinessCheck[];
  bodyLimit?: number;
  /** Serve the development provider sink (default true; main.ts turns it off in production). */
  devSink?: boolean;
}

/** The marketing-campaign service's HTTP app, without a port: main.ts listens, tests inject. */
export function buildApp(deps: AppDeps): ServiceApp {
  const app = createServiceApp({
    name: 'marketing-campaign',
    version: '1.0.0',
    description: 'Segments, consent-safe campaigns, triggered journeys and loyalty.',
    jwtSecret: deps.jwtSecret,
    db: deps.db,
    ...(deps.logger ? { logger: deps.logger } : { loggerOptions: { level: process.env.LOG_LEVEL ?? 'info' } }),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.bodyLimit ? { bodyLimit: deps.bodyLimit } : {}),
  });
  app.register(segmentRoutes, { db: deps.db });
  app.register(campaignRoutes, { db: deps.db });
  app.register(journeyRoutes, { db: deps.db });
  app.register(loyaltyRoutes, { db: deps.db });
  app.register(deliveryRoutes, { db: deps.db });
  if (deps.devSink !== false) app.register(devSinkRoutes, { db: deps.db });
  return app;
}
