// Benchmark: GET /v1/customers/{id} (auth, zod, Prisma, Postgres) against a fastify hello-world route,
// both in their own process, measured side by side with autocannon. Target (DESIGN.md): at least half.
// Usage: node --import tsx bench/get-customer.ts [seconds=8] [connections=32]
import { signToken } from '@crm/service-kit';
import { testDatabase } from '@crm/testing';
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPrisma } from '../src/db.ts';
import { createCustomer } from '../src/application/customers.ts';

const seconds = Number(process.argv[2] ?? 8);
const connections = Number(process.argv[3] ?? 32);
const secret = 'bench-secret-0123456789abcdef0123456789';
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

function start(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(here(script), { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: 'inherit' });
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(url: string, headers: Record<string, string> = {}, paths: string[] = []) {
  console.error(`  loading ${url}${paths.length ? ` (${paths.length} different customers in turn)` : ''} for ${seconds}s with ${connections} connections …`);
  let next = 0;
  const requests = paths.length ? [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[next++ % paths.length] }) }] : undefined;
  const result = await autocannon({ url, connections, duration: seconds, headers, ...(requests ? { requests } : {}) });
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const database = await testDatabase({ service: 'customer', migrationsDir: here('../prisma/migrations') });
try {
  console.error('▸ preparing 1,000 customers');
  const db = createPrisma(database.url);
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    ids.push((await createCustomer(db, { kind: 'person', firstName: `Bench${i}`, lastName: 'User', stage: 'prospect', emails: [{ address: `bench${i}@example.com` }], phones: [], addresses: [], externalIds: [], tags: ['bench'], attributes: {}, consents: [] }, { sub: 'bench' })).id);
  }
  await db.$disconnect();

  console.error('▸ hello-world baseline');
  const hello = await start('./hello-server.ts', {});
  const baseline = await load(`http://127.0.0.1:${hello.port}/hello`);
  hello.child.kill();

  console.error('▸ GET /v1/customers/{id}');
  const svc = await start('./customer-server.ts', { DATABASE_URL: database.url, JWT_SECRET: secret });
  const token = signToken({ sub: 'bench', roles: ['agent'] }, secret, { expiresIn: '1h' });
  // Every request asks for another of the 1,000 customers, so the read cache (1 s TTL) is not the only thing measured.
  const ours = await load(`http://127.0.0.1:${svc.port}`, { authorization: `Bearer ${token}` }, ids.map((id) => `/v1/customers/${id}`));
  svc.child.kill();

  const ratio = ours.rps / baseline.rps;
  console.log(JSON.stringify({ benchmark: 'GET /v1/customers/{id}', customers: ids.length, seconds, connections, hello_rps: baseline.rps, customer_rps: ours.rps, customer_p99_ms: ours.p99, errors: ours.errors, ratio: Number(ratio.toFixed(2)), target: 0.5, met: ratio >= 0.5 }));
} finally {
  await database.drop();
}
