import { createServiceApp, type ReadinessCheck, type ServiceApp } from '@crm/service-kit';
import type { Logger } from 'pino';
import type { Db } from './db.ts';
import { defaultLifecyclePolicy, type LifecyclePolicy } from './domain/index.ts';
import { queueRoutes } from './routes/queues.ts';
import { slaRoutes } from './routes/sla.ts';
import { ticketRoutes } from './routes/tickets.ts';

export interface AppDeps {
  db: Db;
  jwtSecret: string;
  logger?: Logger;
  readiness?: ReadinessCheck[];
  bodyLimit?: number;
  lifecycle?: LifecyclePolicy;
}

/** The ticketing service's HTTP app, without a port: main.ts listens, tests inject. */
export function buildApp(deps: AppDeps): ServiceApp {
  const app = createServiceApp({
    name: 'ticketing',
    version: '1.0.0',
    description: 'Tickets, queues and assignment, SLA policies and business calendars, escalation, satisfaction ratings, service KPIs.',
    jwtSecret: deps.jwtSecret,
    db: deps.db,
    ...(deps.logger ? { logger: deps.logger } : { loggerOptions: { level: process.env.LOG_LEVEL ?? 'info' } }),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.bodyLimit ? { bodyLimit: deps.bodyLimit } : {}),
  });
  app.register(ticketRoutes, { db: deps.db, lifecycle: deps.lifecycle ?? defaultLifecyclePolicy });
  app.register(queueRoutes, { db: deps.db });
  app.register(slaRoutes, { db: deps.db });
  return app;
}
