// `crm demo load` and `crm analytics rebuild` against a real HTTP server standing in for the services.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idOf, outcomeOf } from '../src/commands/demo.ts';
import { readRebuildStatus } from '../src/commands/analytics.ts';
import { demoCampaign, demoCustomers, demoInteractions, demoLeads, demoPurchases, demoSegment, demoTickets } from '../src/demo/data.ts';

const main = new URL('../src/main.ts', import.meta.url).pathname;
const secret = 'test-secret-that-is-long-enough-0123456789';

type Handler = (method: string, url: string, headers: Record<string, string | string[] | undefined>, body: string) => { status: number; body?: unknown; headers?: Record<string, string> };
let handler: Handler = () => ({ status: 404 });
let server: Server;
let base: string;
const closed = 'http://127.0.0.1:9'; // discard port: nothing listens

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const r = handler(req.method ?? 'GET', req.url ?? '', req.headers, body);
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(r.body === undefined ? '' : JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function crm(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, JWT_SECRET: secret, CRM_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('crm demo load', () => {
  it('creates customers and leads once, replays on a re-run, and skips services that are not ready', async () => {
    const store = new Map<string, { id: string; body: string }>();
    const posts: string[] = [];
    handler = (method, url, headers, body) => {
      if (url === '/health/ready') return { status: 200, body: { status: 'ok' } };
      if (method !== 'POST') return { status: 404 };
      posts.push(url);
      const key = String(headers['idempotency-key']);
      const known = store.get(key);
      if (known) return known.body === body ? { status: 201, body: { id: known.id }, headers: { 'idempotent-replayed': 'true' } } : { status: 422 };
      if (url === '/v1/leads' && key === 'demo-lead-02') return { status: 409, body: { title: 'Conflict' } };
      const id = `${url === '/v1/customers' ? 'cus' : 'lead'}_${store.size}`;
      store.set(key, { id, body });
      return { status: 201, body: { id } };
    };
    const env = { CRM_CUSTOMER_URL: base, CRM_INTERACTION_URL: closed, CRM_TICKETING_URL: closed, CRM_MARKETING_URL: closed };
    const first = await crm(['demo', 'load'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('customers: 20 created, 0 already there, 0 failed');
    expect(first.stderr).toContain('leads: 3 created, 1 already there, 0 failed');
    expect(first.stderr).toMatch(/skip interactions: interaction does not answer/);
    expect(first.stderr).toMatch(/skip tickets: ticketing does not answer/);
    expect(first.stderr).toMatch(/skip segment and campaign: marketing does not answer/);
    expect(posts.filter((p) => p === '/v1/customers')).toHaveLength(20);

    const again = await crm(['demo', 'load'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('customers: 0 created, 20 already there, 0 failed');
  }, 60_000);

  it('exits 1 and names the items a service refused', async () => {
    handler = (method, url) => {
      if (url === '/health/ready') return { status: 200 };
      if (url === '/v1/customers') return { status: 400, body: { title: 'Bad Request', detail: 'body/kind: invalid' } };
      return { status: 201, body: { id: 'x' } };
    };
    const r = await crm(['demo', 'load'], { CRM_CUSTOMER_URL: base, CRM_INTERACTION_URL: closed, CRM_TICKETING_URL: closed, CRM_MARKETING_URL: closed });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✗ demo-customer-01: POST /v1/customers → 400 Bad Request: body/kind: invalid');
    expect(r.stderr).toContain('no customer ids');
    const tolerant = await crm(['demo', 'load', '--allow-failures'], { CRM_CUSTOMER_URL: base, CRM_INTERACTION_URL: closed, CRM_TICKETING_URL: closed, CRM_MARKETING_URL: closed });
    expect(tolerant.code).toBe(0);
  }, 60_000);
});

describe('crm analytics rebuild', () => {
  it('starts the rebuild and follows it to the end', async () => {
    let polls = 0;
    const calls: string[] = [];
    handler = (method, url, headers) => {
      calls.push(`${method} ${url} ${String(headers.authorization).slice(0, 7)}`);
      if (method === 'POST' && url === '/v1/admin/rebuild') return { status: 202, body: { state: 'running' } };
      if (url === '/v1/admin/rebuild/status') {
        polls++;
        return { status: 200, body: polls < 3 ? { state: 'running', replayed: polls * 400, total: 1000 } : { state: 'done', replayed: 1000, total: 1000 } };
      }
      return { status: 404 };
    };
    const r = await crm(['analytics', 'rebuild', '--interval', '20'], { CRM_ANALYTICS_URL: base });
    expect(r.code, r.stderr).toBe(0);
    expect(calls[0]).toBe('POST /v1/admin/rebuild Bearer ');
    expect(polls).toBe(3);
    expect(r.stderr).toMatch(/1,000 \/ 1,000 events .* done in/);
  }, 60_000);

  it('exits 1 when the rebuild fails', async () => {
    handler = (method, url) =>
      url === '/v1/admin/rebuild' ? { status: 202 } : { status: 200, body: { state: 'failed', replayed: 5, total: 10, error: 'projection exploded' } };
    const r = await crm(['analytics', 'rebuild', '--interval', '20'], { CRM_ANALYTICS_URL: base });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rebuild failed: projection exploded');
  }, 60_000);
});

describe('demo helpers', () => {
  it.each([
    [201, null, 'created'], [200, 'true', 'replayed'], [409, null, 'exists'], [422, null, 'failed'], [500, null, 'failed'], [404, null, 'failed'],
  ] as const)('outcomeOf(%i, %s) = %s', (status, replayed, outcome) => expect(outcomeOf(status, replayed)).toBe(outcome));

  it('finds ids in the usual places', () => {
    expect(idOf({ id: 'cus_1' })).toBe('cus_1');
    expect(idOf({ data: { id: 'cus_2' } })).toBe('cus_2');
    expect(idOf({ type: 'x', existingId: 'cus_3' })).toBe('cus_3');
    expect(idOf({ title: 'Conflict' })).toBeUndefined();
    expect(idOf('cus_4')).toBeUndefined();
  });

  it('builds the same data on every call (so Idempotency-Keys replay) with unique refs', () => {
    const ids = demoCustomers().map((_, i) => `cus_${i}`);
    const all = () => [...demoCustomers(), ...demoLeads(), ...demoInteractions(ids), ...demoPurchases(ids), ...demoTickets(ids), demoSegment(), demoCampaign('seg_1')];
    expect(JSON.stringify(all())).toBe(JSON.stringify(all()));
    const refs = all().map((r) => r.ref);
    expect(new Set(refs).size).toBe(refs.length);
    expect(demoCustomers()).toHaveLength(20);
  });

  it('gives customers distinct e-mails and E.164 phones, and purchases decimal-string money and valid dates', () => {
    const customers = demoCustomers().map((c) => c.body as { emails: Array<{ address: string }>; phones: Array<{ number: string }> });
    expect(new Set(customers.map((c) => c.emails[0]!.address)).size).toBe(20);
    for (const c of customers) expect(c.phones[0]!.number).toMatch(/^\+[1-9]\d{7,14}$/);
    const purchases = demoPurchases(demoCustomers().map((_, i) => `cus_${i}`)).map((p) => p.body as { amount: string; occurredAt: string; lines: Array<{ unitPrice: string; quantity: number }> });
    expect(purchases.length).toBeGreaterThan(40);
    for (const p of purchases) {
      expect(p.amount).toMatch(/^\d+\.\d{2}$/);
      expect(new Date(p.occurredAt).toISOString()).toBe(p.occurredAt);
      expect((Number(p.lines[0]!.unitPrice) * p.lines[0]!.quantity).toFixed(2)).toBe(p.amount);
    }
    expect(demoPurchases([undefined, 'cus_1']).every((p) => (p.body as { customerId: string }).customerId === 'cus_1')).toBe(true);
  });
});

describe('readRebuildStatus', () => {
  it('maps the usual field names', () => {
    expect(readRebuildStatus({ status: 'completed', eventsReplayed: 10, totalEvents: 10, eventsPerSecond: 5 })).toEqual({ state: 'done', replayed: 10, total: 10, ratePerSecond: 5 });
    expect(readRebuildStatus({ state: 'running' })).toEqual({ state: 'running', replayed: 0, total: null, ratePerSecond: null });
    expect(readRebuildStatus({ state: 'error', error: 'x' }).state).toBe('failed');
    expect(readRebuildStatus(null).state).toBe('running');
  });
});
