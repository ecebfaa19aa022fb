import { z } from 'zod';

/** Thrown by loadConfig; `issues` lists every bad key, and the message names each of them. */
export class ConfigError extends Error {
  readonly issues: ReadonlyArray<{ key: string; message: string }>;

  constructor(issues: ReadonlyArray<{ key: string; message: string }>) {
    super(`Invalid configuration: ${issues.map((i) => `${i.key}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every service has; services `.extend()` it with their own keys (and their own PORT default). */
export const baseConfig = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
  /** Comma-separated host:port list; split it with `parseBrokers`. */
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
});
export type BaseConfig = z.infer<typeof baseConfig>;

/** Parses the environment with the given schema; throws ConfigError naming each bad key. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  // Empty strings count as unset, so `FOO=` in an env file falls back to the default.
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    const missing = issue.code === 'invalid_type' && issue.path.length === 1 && cleaned[key] === undefined;
    return { key, message: missing ? 'is required' : issue.message };
  });
  throw new ConfigError(issues);
}

/** `"a:9092, b:9092"` → `['a:9092', 'b:9092']`. */
export function parseBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}
