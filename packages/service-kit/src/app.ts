import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Sql } from '@crm/db';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import {
  createJsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger, LoggerOptions } from 'pino';
import './types.ts';
import { installAuth } from './auth.ts';
import { registerHealthRoutes, type ReadinessCheck } from './health.ts';
import { installIdempotency } from './idempotency.ts';
import { createMetricsRegistry, installMetrics } from './metrics.ts';
import { notFoundHandler, problemErrorHandler } from './problem.ts';

/** The fastify instance every service gets: zod type provider, pino logger. */
export type ServiceApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface ServiceAppOptions {
  /** Service name, e.g. 'customer': OpenAPI title, log `name`, metrics `service` label. */
  name: string;
  version: string;
  description?: string;
  /** A ready pino logger; or give `loggerOptions` (default `{ level: 'info' }`). */
  logger?: Logger;
  loggerOptions?: LoggerOptions;
  jwtSecret: string;
  /** Needed by routes with `config.idempotent: true`; also adds a 'database' readiness check (SELECT 1). */
  db?: Sql;
  readiness?: ReadinessCheck[];
  /** Largest accepted request body in bytes (default 1 MiB); larger → 413. */
  bodyLimit?: number;
  /** Per-check timeout of /health/ready (default 2000 ms). */
  readinessTimeoutMs?: number;
}

const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Request logging stays on, but compact: no "incoming request" line, and one line per completed request
 * (`{ requestId, method, url, status, ms }`); successful probes and scrapes are not logged.
 */
class CompactLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    if (!error && status < 400 && QUIET_ROUTES.has(request.routeOptions.url ?? '')) return;
    const line = { method: request.method, url: request.url, status, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) request.log.error({ ...line, err: error }, 'request');
    else if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** The incoming x-request-id when it is sane (≤ 128 of [A-Za-z0-9_.:-]), else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

/**
 * Builds a service's fastify app (no listen). Synchronous: register route plugins on the result, e.g.
 * `app.register(customerRoutes, deps)`, then `await app.ready()` / `app.inject()` / `runService()`.
 * Routes must live in plugins (`app.register`) so that the OpenAPI collector sees them.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const common = {
    bodyLimit,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    logController: new CompactLogController({ requestIdLogLabel: 'requestId' }),
    routerOptions: { ignoreTrailingSlash: true },
  };
  const base = options.logger
    ? Fastify({ ...common, loggerInstance: options.logger.child({ service: options.name }) })
    : Fastify({ ...common, logger: { level: 'info', ...options.loggerOptions, name: options.loggerOptions?.name ?? options.name } });
  const app = base.withTypeProvider<ZodTypeProvider>() as unknown as ServiceApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  installAuth(app as unknown as FastifyInstance, options.jwtSecret);
  installIdempotency(app as unknown as FastifyInstance, options.db);
  installMetrics(app as unknown as FastifyInstance, createMetricsRegistry(options.name));

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.name, version: options.version, description: options.description ?? `${options.name} service` },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: createJsonSchemaTransform({ skipList: ['/openapi.json', '/metrics'] }),
    transformObject: jsonSchemaTransformObject,
  });
  app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  const readiness = [...(options.readiness ?? [])];
  const db = options.db;
  if (db && !readiness.some((r) => r.name === 'database')) {
    readiness.unshift({ name: 'database', check: async () => void (await db.$queryRawUnsafe('SELECT 1')) });
  }
  app.register(async (kit) => {
    registerHealthRoutes(kit as unknown as FastifyInstance, readiness, options.readinessTimeoutMs);
    kit.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => kit.swagger());
  });

  return app;
}
