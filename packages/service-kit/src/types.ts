import type { Registry } from 'prom-client';
import type { Principal, RouteAuth } from './auth.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: `{ roles: [...] }` (admin always may) or 'public'. Required on every route. */
    auth?: RouteAuth;
    /** Accept an Idempotency-Key header (stored in the idempotency_key table). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /** The verified caller; `{ sub: 'anonymous', roles: [] }` on public routes. */
    principal: Principal;
  }
  interface FastifyInstance {
    /** This app's prom-client registry (default process metrics + HTTP histogram). */
    metrics: Registry;
  }
}

export {};
