import './types.ts';

export type { FastifyPluginAsyncZod, FastifyPluginCallbackZod, ZodTypeProvider } from 'fastify-type-provider-zod';
export { baseConfig, ConfigError, loadConfig, parseBrokers, type BaseConfig } from './config.ts';
export { createServiceApp, requestIdFrom, REQUEST_ID_HEADER, type ServiceApp, type ServiceAppOptions } from './app.ts';
export {
  HttpProblem,
  isHttpProblem,
  notFoundHandler,
  PROBLEM_CONTENT_TYPE,
  problemErrorHandler,
  problemSchema,
  sendProblem,
  validationIssues,
  type Problem,
  type ProblemExtras,
  type ValidationIssue,
} from './problem.ts';
export {
  ANONYMOUS,
  createTokenVerifier,
  InvalidTokenError,
  isAllowed,
  JWT_ISSUER,
  KIT_PUBLIC_PREFIXES,
  signToken,
  verifyToken,
  type Principal,
  type RouteAuth,
  type SignOptions,
  type TokenClaims,
} from './auth.ts';
export { roles, type Role } from './roles.ts';
export {
  canonicalJson,
  IDEMPOTENCY_HEADER,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  REPLAYED_HEADER,
  requestHash,
} from './idempotency.ts';
export { READINESS_TIMEOUT_MS, runReadinessChecks, type CheckResult, type ReadinessCheck } from './health.ts';
export { createMetricsRegistry, HTTP_DURATION_METRIC } from './metrics.ts';
export { runService, type RunningService, type RunServiceOptions } from './run.ts';
export { readRecords, type ReadRecord, type RecordFormat } from './records.ts';
export { decodeCursor, encodeCursor, pageQuerySchema, pageSchema, type PageQuery } from './cursor.ts';
export { etagOf, expectedVersion, ifMatchVersion } from './etag.ts';
