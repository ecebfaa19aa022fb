// crm demo load: a small demo data set loaded through the services' own HTTP APIs, so every topic carries
// real events. Each step runs only when its service answers /health/ready. Re-runs are safe: every item
// has an Idempotency-Key derived from its demo ref, and 409 (already exists) counts as done.
import type { Command, Parsed } from '../args.ts';
import { adminToken, describeProblem, isReady, requestJson, serviceUrls, type ServiceName } from '../http.ts';
import { demoCampaign, demoCustomers, demoInteractions, demoLeads, demoPurchases, demoSegment, demoTickets, type DemoRef } from '../demo/data.ts';

export type Outcome = 'created' | 'replayed' | 'exists' | 'failed';
type Result = { outcome: Outcome; id?: string; detail?: string };
type Tally = Record<Outcome, number>;

/** Maps a response to an outcome: 2xx created (or replayed), 409 exists, anything else failed. */
export function outcomeOf(status: number, replayedHeader: string | null): Outcome {
  if (status >= 200 && status < 300) return replayedHeader === 'true' ? 'replayed' : 'created';
  if (status === 409) return 'exists';
  return 'failed';
}

/** The id of the created (or existing) resource, from the usual places in a response body. */
export function idOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  for (const key of ['id', 'existingId', 'customerId']) if (typeof b[key] === 'string') return b[key];
  for (const key of ['data', 'customer', 'resource']) {
    const id = idOf(b[key]);
    if (id) return id;
  }
  return undefined;
}

class Loader {
  readonly tally: Tally = { created: 0, replayed: 0, exists: 0, failed: 0 };
  readonly failures: string[] = [];
  constructor(private readonly token: string) {}

  async post(service: ServiceName, path: string, item: DemoRef): Promise<Result> {
    const res = await requestJson('POST', `${serviceUrls[service]()}${path}`, {
      token: this.token,
      body: item.body,
      headers: { 'idempotency-key': item.ref },
    });
    const outcome = outcomeOf(res.status, res.headers.get('idempotent-replayed'));
    this.tally[outcome]++;
    if (outcome === 'failed') this.failures.push(`${item.ref}: POST ${path} → ${describeProblem(res)}`);
    const id = idOf(res.body);
    return { outcome, ...(id ? { id } : {}) };
  }

  async postAll(service: ServiceName, path: string, items: DemoRef[]): Promise<Array<string | undefined>> {
    const ids: Array<string | undefined> = [];
    for (const item of items) ids.push((await this.post(service, path, item)).id);
    return ids;
  }
}

async function step(name: string, service: ServiceName, fn: () => Promise<void>): Promise<boolean> {
  if (!(await isReady(serviceUrls[service]()))) {
    process.stderr.write(`  skip ${name}: ${service} does not answer ${serviceUrls[service]()}/health/ready\n`);
    return false;
  }
  await fn();
  return true;
}

// One function per service: the owners of each service adjust the paths and bodies in demo/data.ts.

async function loadCustomers(l: Loader): Promise<Array<string | undefined>> {
  const items = demoCustomers();
  return l.postAll('customer', '/v1/customers', items);
}

async function loadLeads(l: Loader): Promise<void> {
  await l.postAll('customer', '/v1/leads', demoLeads());
}

async function loadInteractions(l: Loader, customerIds: Array<string | undefined>): Promise<void> {
  await l.postAll('interaction', '/v1/interactions', demoInteractions(customerIds));
}

async function loadPurchases(l: Loader, customerIds: Array<string | undefined>): Promise<void> {
  await l.postAll('interaction', '/v1/purchases', demoPurchases(customerIds));
}

async function loadTickets(l: Loader, customerIds: Array<string | undefined>): Promise<void> {
  await l.postAll('ticketing', '/v1/tickets', demoTickets(customerIds));
}

async function loadMarketing(l: Loader): Promise<void> {
  const segment = await l.post('marketing', '/v1/segments', demoSegment());
  if (segment.id) await l.post('marketing', '/v1/campaigns', demoCampaign(segment.id));
}

async function load({ flags }: Parsed): Promise<number> {
  const l = new Loader(await adminToken());
  const before = () => ({ ...l.tally });
  const report = (name: string, t0: Tally) => {
    const d = (k: Outcome) => l.tally[k] - t0[k];
    process.stderr.write(`  ${name}: ${d('created')} created, ${d('replayed') + d('exists')} already there, ${d('failed')} failed\n`);
  };

  process.stderr.write('demo data:\n');
  let customerIds: Array<string | undefined> = [];
  let t = before();
  if (await step('customers', 'customer', async () => { customerIds = await loadCustomers(l); })) report('customers', t);
  t = before();
  if (await step('leads', 'customer', () => loadLeads(l))) report('leads', t);
  const known = customerIds.filter(Boolean).length;
  if (known === 0) process.stderr.write('  no customer ids: interactions, purchases and tickets need customers\n');
  else {
    t = before();
    if (await step('interactions', 'interaction', () => loadInteractions(l, customerIds))) report('interactions', t);
    t = before();
    if (await step('purchases', 'interaction', () => loadPurchases(l, customerIds))) report('purchases', t);
    t = before();
    if (await step('tickets', 'ticketing', () => loadTickets(l, customerIds))) report('tickets', t);
  }
  t = before();
  if (await step('segment and campaign', 'marketing', () => loadMarketing(l))) report('segment and campaign', t);

  for (const f of l.failures.slice(0, 20)) process.stderr.write(`  ✗ ${f}\n`);
  if (l.failures.length > 20) process.stderr.write(`  … and ${l.failures.length - 20} more failures\n`);
  return l.failures.length > 0 && !flags['allow-failures'] ? 1 : 0;
}

export const demoCommands: Command[] = [
  {
    words: ['demo', 'load'],
    spec: {
      name: 'demo load',
      summary: "Load a small demo data set (customers, leads, interactions, purchases, tickets, a segment and a campaign) through the services' HTTP APIs.",
      flags: { 'allow-failures': { type: 'boolean', description: 'exit 0 even when some items were refused' } },
      details: 'Services that do not answer /health/ready are skipped. Safe to run again (Idempotency-Key per item).\nAddresses: $CRM_CUSTOMER_URL, $CRM_INTERACTION_URL, $CRM_TICKETING_URL, $CRM_MARKETING_URL (defaults 127.0.0.1:3001-3004).',
    },
    run: load,
  },
];
