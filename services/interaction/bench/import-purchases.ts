// Benchmark: bulk purchase import over HTTP, end to end.
//   node --import tsx bench/import-purchases.ts [ROWS=100000] [CUSTOMERS=10000]
// Generates ROWS purchase rows for CUSTOMERS customers (by external id), starts the customer and
// interaction apps in-process on fresh databases (listening on free ports), streams the CSV through HTTP
// to POST /v1/purchases/import while printing progress, prints rows/s, and checks the count in the database.
import { signToken } from '@crm/service-kit';
import { testDatabase } from '@crm/testing';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp as buildCustomerApp } from '../../customer/src/app.ts';
import { createPrisma as createCustomerPrisma } from '../../customer/src/db.ts';
import { buildApp } from '../src/app.ts';
import { httpCustomerDirectory } from '../src/application/customer-directory.ts';
import { createPrisma } from '../src/db.ts';

const rows = Number(process.argv[2] ?? process.env.ROWS ?? 100_000);
const customers = Number(process.argv[3] ?? process.env.CUSTOMERS ?? 10_000);
const secret = 'bench-secret-0123456789abcdef0123456789';
const quiet = pino({ level: 'warn' });
const dir = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const customerDb = await testDatabase({ service: 'customer', migrationsDir: dir('../../customer/prisma/migrations') });
const interactionDb = await testDatabase({ service: 'interaction', migrationsDir: dir('../prisma/migrations') });
const cdb = createCustomerPrisma(customerDb.url);
const idb = createPrisma(interactionDb.url);
const customerApp = buildCustomerApp({ db: cdb, jwtSecret: secret, logger: quiet });
await customerApp.listen({ port: 0, host: '127.0.0.1' });
const customerUrl = `http://127.0.0.1:${(customerApp.server.address() as AddressInfo).port}`;
// progress lines come from the service's own log ('purchase import progress')
const progressLog = pino({ level: 'info' }, { write: (line: string) => {
  const o = JSON.parse(line) as { msg: string; received?: number; recorded?: number; rowsPerSecond?: number };
  if (o.msg === 'purchase import progress') process.stderr.write(`  progress: ${o.received} rows read, ${o.recorded} recorded, ${o.rowsPerSecond} rows/s\n`);
} });
const app = buildApp({ db: idb, jwtSecret: secret, logger: progressLog, directory: httpCustomerDirectory({ baseUrl: customerUrl, jwtSecret: secret }) });
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/purchases/import`;

function* csv(): Generator<string> {
  yield 'order_id,customer_external_id,occurred_at,amount,currency,channel\n';
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    chunk += `bench-${i},cust-${i % customers},2024-${month}-${day}T12:00:00Z,${(i % 997) + 1}.${String(i % 100).padStart(2, '0')},EUR,web\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

try {
  process.stderr.write(`importing ${rows} purchases of ${customers} customers via ${url}\n`);
  const token = signToken({ sub: 'bench', roles: ['integrator'] }, secret);
  const started = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
    body: Readable.toWeb(Readable.from(csv())) as ReadableStream,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  const report = (await res.json()) as { received: number; recorded: number; duplicates: number; rejected: number };
  const seconds = (Date.now() - started) / 1000;
  const inDb = await idb.purchase.count();
  const outbox = await idb.outboxEvent.count();
  const created = await cdb.customer.count();
  console.log(JSON.stringify({ status: res.status, ...report, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(rows / seconds), purchasesInDb: inDb, outboxRows: outbox, customersCreated: created }));
  if (inDb !== rows || report.recorded !== rows || created !== Math.min(rows, customers)) {
    console.error(`MISMATCH: expected ${rows} purchases and ${Math.min(rows, customers)} customers`);
    process.exitCode = 1;
  } else console.log(`ok: ${rows} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s, no row lost`);
} finally {
  await app.close();
  await customerApp.close();
  await idb.$disconnect();
  await cdb.$disconnect();
  await interactionDb.drop();
  await customerDb.drop();
}
