import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { roles as knownRoles, type Role } from './roles.ts';
import { HttpProblem } from './problem.ts';

export const JWT_ISSUER = 'crm';
export const JWT_ALGORITHM = 'HS256';

/** Who is calling: the token's subject and roles (anonymous on public routes). */
export interface Principal {
  sub: string;
  roles: Role[];
}

export const ANONYMOUS: Principal = Object.freeze({ sub: 'anonymous', roles: [] as Role[] }) as Principal;

/** `config.auth` of a route: the roles allowed (admin always is), or 'public'. */
export type RouteAuth = 'public' | { roles: readonly Role[] };

export interface TokenClaims extends Principal {
  iat: number;
  exp: number;
  iss: string;
}

export interface SignOptions {
  /** Seconds (number) or a duration string such as '15m', '1h', '7d'. Default '1h'. */
  expiresIn?: number | string;
}

/** Signs an HS256 JWT with claims sub, roles, iat, exp and iss 'crm'. */
export function signToken(principal: Principal, secret: string, options: SignOptions = {}): string {
  const expiresIn = options.expiresIn ?? '1h';
  const sign = createSigner({
    key: secret,
    algorithm: JWT_ALGORITHM,
    iss: JWT_ISSUER,
    expiresIn: typeof expiresIn === 'number' ? expiresIn * 1000 : expiresIn,
  });
  return sign({ sub: principal.sub, roles: [...principal.roles] });
}

export class InvalidTokenError extends Error {
  readonly reason: 'expired' | 'invalid';
  constructor(reason: 'expired' | 'invalid', message: string) {
    super(message);
    this.name = 'InvalidTokenError';
    this.reason = reason;
  }
}

type Verify = (token: string) => TokenClaims;

/** A verifier for one secret (HS256 only, issuer 'crm', exp required), with a small cache of verified tokens. */
export function createTokenVerifier(secret: string): Verify {
  const verifier = createVerifier({
    key: secret,
    algorithms: [JWT_ALGORITHM],
    allowedIss: JWT_ISSUER,
    requiredClaims: ['sub', 'exp', 'iat'],
    cache: 1000,
  });
  const roleSet = new Set<string>(knownRoles);
  return (token) => {
    let payload: Record<string, unknown>;
    try {
      payload = verifier(token) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof TokenError && err.code === TokenError.codes.expired) {
        throw new InvalidTokenError('expired', 'token expired');
      }
      throw new InvalidTokenError('invalid', 'token invalid');
    }
    const { sub, roles, iat, exp, iss } = payload;
    if (typeof sub !== 'string' || sub === '' || !Array.isArray(roles)) {
      throw new InvalidTokenError('invalid', 'token claims invalid');
    }
    return {
      sub,
      roles: roles.filter((r): r is Role => typeof r === 'string' && roleSet.has(r)),
      iat: Number(iat),
      exp: Number(exp),
      iss: String(iss),
    };
  };
}

const verifiers = new Map<string, Verify>();

/** Verifies a token signed by signToken; throws InvalidTokenError ('expired' | 'invalid'). */
export function verifyToken(token: string, secret: string): TokenClaims {
  let verify = verifiers.get(secret);
  if (!verify) {
    verify = createTokenVerifier(secret);
    verifiers.set(secret, verify);
  }
  return verify(token);
}

/** True when the principal may call a route with this auth (admin always may). */
export function isAllowed(principal: Principal, auth: RouteAuth): boolean {
  if (auth === 'public') return true;
  if (principal.roles.includes('admin')) return true;
  return auth.roles.some((r) => principal.roles.includes(r));
}

/** Paths the kit registers itself; routes beneath them default to 'public'. */
export const KIT_PUBLIC_PREFIXES = ['/health', '/metrics', '/openapi.json', '/docs'] as const;

function isKitPath(url: string): boolean {
  return KIT_PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`));
}

function describeAuth(auth: { roles: readonly Role[] }): string {
  return `Roles: ${['admin', ...auth.roles.filter((r) => r !== 'admin')].join(', ')}.`;
}

function checkAuthConfig(route: RouteOptions, auth: unknown): asserts auth is RouteAuth {
  const where = `${String(route.method)} ${route.url}`;
  if (auth === undefined) {
    throw new Error(`Route ${where} has no config.auth: set config.auth to { roles: [...] } or 'public'`);
  }
  if (auth === 'public') return;
  const list = (auth as { roles?: unknown } | null)?.roles;
  if (!Array.isArray(list) || list.some((r) => !(knownRoles as readonly unknown[]).includes(r))) {
    throw new Error(`Route ${where} has an invalid config.auth: expected 'public' or { roles: Role[] } with roles in ${knownRoles.join(', ')}`);
  }
}

/**
 * Checks every route's config.auth at registration (a route without it stops the app from starting),
 * documents it in the OpenAPI schema, and enforces it on each request.
 */
export function installAuth(app: FastifyInstance, jwtSecret: string): void {
  const verify = createTokenVerifier(jwtSecret);
  app.decorateRequest('principal', null as unknown as Principal);

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { auth?: unknown };
    let auth = config.auth;
    if (auth === undefined && isKitPath(route.url)) {
      auth = 'public';
      route.config = { ...route.config, auth: 'public' };
    }
    checkAuthConfig(route, auth);
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.hide === true) return;
    const security = schema.security ?? (auth === 'public' ? [] : [{ bearerAuth: [] }]);
    const next: Record<string, unknown> = { ...schema, security };
    if (auth !== 'public') {
      const note = describeAuth(auth);
      next.description = schema.description ? `${String(schema.description)}\n\n${note}` : note;
    }
    route.schema = next as RouteOptions['schema'];
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const auth = request.routeOptions.config.auth;
    if (auth === undefined || auth === 'public') {
      request.principal = ANONYMOUS;
      return;
    }
    const header = request.headers.authorization;
    if (!header) {
      throw new HttpProblem(401, 'Unauthorized', 'Missing bearer token', {}, { headers: { 'www-authenticate': 'Bearer realm="crm"' } });
    }
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new HttpProblem(401, 'Unauthorized', 'Authorization header must be "Bearer <token>"', {}, {
        headers: { 'www-authenticate': 'Bearer realm="crm", error="invalid_request"' },
      });
    }
    let claims: TokenClaims;
    try {
      claims = verify(match[1]);
    } catch (err) {
      const reason = err instanceof InvalidTokenError ? err.reason : 'invalid';
      const detail = reason === 'expired' ? 'Token expired' : 'Token invalid';
      throw new HttpProblem(401, 'Unauthorized', detail, {}, {
        headers: { 'www-authenticate': `Bearer realm="crm", error="invalid_token", error_description="${detail}"` },
      });
    }
    const principal: Principal = { sub: claims.sub, roles: claims.roles };
    if (!isAllowed(principal, auth)) {
      throw new HttpProblem(403, 'Forbidden', `Requires one of the roles: ${['admin', ...auth.roles].join(', ')}`);
    }
    request.principal = principal;
  });
}
