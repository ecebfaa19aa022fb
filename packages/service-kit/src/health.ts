import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sendProblem } from './problem.ts';

/** A readiness check: resolves when the dependency answers, rejects (or times out) when it does not. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export const READINESS_TIMEOUT_MS = 2000;

export type CheckResult = 'ok' | 'failed' | 'timeout';

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs = READINESS_TIMEOUT_MS,
  onFailure?: (name: string, err: unknown) => void,
): Promise<Record<string, CheckResult>> {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, CheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const outcome = await Promise.race([check().then(() => 'ok' as const), timeout]);
        if (outcome === 'timeout') onFailure?.(name, new Error(`timed out after ${timeoutMs} ms`));
        return [name, outcome];
      } catch (err) {
        onFailure?.(name, err);
        return [name, 'failed'];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(results);
}

const liveSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.enum(['ok', 'failed', 'timeout'])) });

/** GET /health/live (the process answers) and GET /health/ready (every readiness check passes). */
export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[], timeoutMs = READINESS_TIMEOUT_MS): void {
  app.get(
    '/health/live',
    {
      config: { auth: 'public' },
      schema: { tags: ['health'], summary: 'Liveness', response: { 200: liveSchema } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/health/ready',
    {
      config: { auth: 'public' },
      schema: { tags: ['health'], summary: 'Readiness: every dependency answers', response: { 200: readySchema } },
    },
    async (request, reply) => {
      const results = await runReadinessChecks(checks, timeoutMs, (name, err) =>
        request.log.warn({ err, check: name }, 'readiness check failed'),
      );
      const failing = Object.entries(results)
        .filter(([, r]) => r !== 'ok')
        .map(([n]) => n);
      if (failing.length > 0) {
        return sendProblem(request, reply, 503, 'Service Unavailable', `Not ready: ${failing.join(', ')}`, {
          type: 'urn:crm:problem:not-ready',
          checks: results,
          failing,
        });
      }
      return { status: 'ready' as const, checks: results };
    },
  );
}
