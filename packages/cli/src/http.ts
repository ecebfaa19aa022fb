// Service addresses, the CLI's own token, and small fetch helpers shared by the commands.
import type { Role } from '@crm/contracts';

export const serviceUrls = {
  customer: () => process.env.CRM_CUSTOMER_URL || 'http://127.0.0.1:3001',
  interaction: () => process.env.CRM_INTERACTION_URL || 'http://127.0.0.1:3002',
  ticketing: () => process.env.CRM_TICKETING_URL || 'http://127.0.0.1:3003',
  marketing: () => process.env.CRM_MARKETING_URL || 'http://127.0.0.1:3004',
  analytics: () => process.env.CRM_ANALYTICS_URL || 'http://127.0.0.1:3005',
} as const;
export type ServiceName = keyof typeof serviceUrls;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export function jwtSecret(): string {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new CliError('JWT_SECRET is not set (./dev sets a local one; elsewhere export the deployment secret)');
  if (secret.length < 32) throw new CliError('JWT_SECRET must be at least 32 characters');
  return secret;
}

export async function mintToken(roles: Role[], sub = 'crm-cli', ttlSeconds = 3600): Promise<string> {
  const secret = jwtSecret();
  // Loaded on use: the service kit brings fastify along, which commands without tokens do not need.
  const { signToken } = await import('@crm/service-kit');
  return signToken({ sub, roles }, secret, { expiresIn: ttlSeconds });
}

/** CRM_TOKEN when given, else an admin token signed with JWT_SECRET. */
export async function adminToken(): Promise<string> {
  return process.env.CRM_TOKEN || mintToken(['admin'], 'crm-cli');
}

export type JsonResponse = { status: number; ok: boolean; body: unknown; headers: Headers };

export async function requestJson(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new CliError(`${method} ${url} failed: ${describeFetchError(err)}`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, ok: res.ok, body, headers: res.headers };
}

/** True when GET /health/ready answers 2xx within the timeout. */
export async function isReady(baseUrl: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the service running? ./dev status)';
    if (err.name === 'TimeoutError') return 'timed out';
    return cause?.message ?? err.message;
  }
  return String(err);
}

/** A one-line description of an error response (problem+json title/detail, or the raw text). */
export function describeProblem(res: JsonResponse): string {
  const b = res.body as { title?: string; detail?: string } | string | null;
  if (b && typeof b === 'object') return `${res.status} ${b.title ?? ''}${b.detail ? `: ${b.detail}` : ''}`.trim();
  return `${res.status} ${typeof b === 'string' ? b.slice(0, 300) : ''}`.trim();
}
