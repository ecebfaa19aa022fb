// Every route of the OpenAPI document: 401 without a token, 403 for roles that may not use it.
import { roles, type Role } from '@crm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startAnalytics, type AnalyticsService } from './harness.ts';

let svc: AnalyticsService;
beforeAll(async () => {
  svc = await startAnalytics({ start: false });
}, 60_000);
afterAll(async () => svc?.close());

/** Who may call what: analyst and admin read everything; agents read a customer's 360 and value. */
function allowed(method: string, path: string): Role[] {
  if (path.startsWith('/v1/admin/')) return ['admin'];
  if (path === '/v1/customers/{id}/360' || path === '/v1/customers/{id}/value') return ['admin', 'analyst', 'agent'];
  return ['admin', 'analyst'];
}

describe('roles on every route', () => {
  it('answers 401 without a token and 403 to every role not allowed', async () => {
    const doc = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })))
      .filter((r) => r.path.startsWith('/v1/'));
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const failures: string[] = [];
    for (const { method, path } of routes) {
      const url = path.replace('{id}', 'cus_01JZZZZZZZZZZZZZZZZZZZZZZZ');
      const anon = await svc.app.inject({ method: method as 'GET', url });
      if (anon.statusCode !== 401) failures.push(`${method} ${path} anonymous -> ${anon.statusCode}`);
      for (const role of roles) {
        const res = await svc.app.inject({ method: method as 'GET', url, headers: bearer(svc.token(role)), ...(method === 'POST' ? { payload: {} } : {}) });
        const ok = allowed(method, path).includes(role);
        if (ok && (res.statusCode === 401 || res.statusCode === 403)) failures.push(`${method} ${path} ${role} -> ${res.statusCode}, expected access`);
        if (!ok && res.statusCode !== 403) failures.push(`${method} ${path} ${role} -> ${res.statusCode}, expected 403`);
      }
    }
    expect(failures).toEqual([]);
  });
});
