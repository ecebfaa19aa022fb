// The customer service owns customers. This service asks it over HTTP where it needs an answer now:
// does this customer id exist (and what is its live id after a merge), and which customer ids do a source
// system's external ids map to (unknown ones are created there). Answers are remembered in customer_ref,
// which crm.customer merged/erased events keep current.
import { HttpProblem, signToken } from '@crm/service-kit';
import type { Tx } from '../db.ts';

export interface CustomerDirectory {
  /** Live customer id for `id` (the survivor after a merge), or null if the customer service does not know it or erased it. */
  liveId(tx: Tx, id: string): Promise<string | null>;
  /** Customer ids for external ids of one source system; unknown ones are created by the customer service. */
  resolve(source: string, externalIds: string[]): Promise<Record<string, string>>;
}

export class CustomerServiceUnavailable extends HttpProblem {
  constructor(detail: string) {
    super(503, 'Customer service unavailable', detail);
  }
}

export const RESOLVE_BATCH = 1000;

export function httpCustomerDirectory(options: { baseUrl: string; jwtSecret: string; serviceToken?: string | undefined; timeoutMs?: number }): CustomerDirectory {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  let cached: { token: string; until: number } | null = null;
  const token = () => {
    if (options.serviceToken) return options.serviceToken;
    if (!cached || cached.until < Date.now()) {
      cached = { token: signToken({ sub: 'service:interaction', roles: ['integrator'] }, options.jwtSecret, { expiresIn: '1h' }), until: Date.now() + 50 * 60_000 };
    }
    return cached.token;
  };
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token()}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new CustomerServiceUnavailable(`${method} ${path}: ${(err as Error).message}`);
    }
  }

  return {
    async liveId(tx, id) {
      const known = await tx.customerRef.findUnique({ where: { id } });
      if (known) return known.liveId;
      const res = await call('GET', `/v1/customers/${encodeURIComponent(id)}`);
      if (res.status === 404 || res.status === 410) return null;
      if (!res.ok) throw new CustomerServiceUnavailable(`GET /v1/customers/{id} answered ${res.status}`);
      const { id: live } = (await res.json()) as { id: string };
      await tx.customerRef.upsert({ where: { id }, create: { id, liveId: live }, update: {} });
      return live;
    },
    async resolve(source, externalIds) {
      const mapping: Record<string, string> = {};
      const unique = [...new Set(externalIds)];
      for (let i = 0; i < unique.length; i += RESOLVE_BATCH) {
        const res = await call('POST', '/v1/customers/resolve', { source, externalIds: unique.slice(i, i + RESOLVE_BATCH) });
        if (!res.ok) throw new CustomerServiceUnavailable(`POST /v1/customers/resolve answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
        Object.assign(mapping, ((await res.json()) as { mapping: Record<string, string> }).mapping);
      }
      return mapping;
    },
  };
}

/** The live id of a customer, or 404 problem: a write for an unknown or erased customer writes nothing. */
export async function requireCustomer(directory: CustomerDirectory, tx: Tx, id: string): Promise<string> {
  const live = await directory.liveId(tx, id);
  if (!live) throw new HttpProblem(404, 'Customer not found', `customer ${id} is not known to the customer service`, { type: 'urn:crm:problem:customer-not-found' });
  return live;
}
