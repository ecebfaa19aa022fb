// The CDNOW proof through the whole pipeline: the sample is imported through the interaction service's
// purchase import (customers resolved by the real customer service), the relays publish to Kafka, the
// analytics consumer projects purchase_day facts, and the fit endpoints must reproduce the published
// BG/NBD and Gamma-Gamma parameters (Fader, Hardie & Lee 2005) to 3 significant figures, with x, t_x, T
// of every customer equal to the summary file.
import { createKafka, OutboxRelay } from '@crm/event-bus';
import { signToken } from '@crm/service-kit';
import { testDatabase } from '@crm/testing';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildCustomerApp } from '../../../customer/src/app.ts';
import { createPrisma as createCustomerPrisma } from '../../../customer/src/db.ts';
import { buildApp as buildInteractionApp } from '../../../interaction/src/app.ts';
import { httpCustomerDirectory } from '../../../interaction/src/application/customer-directory.ts';
import { createPrisma as createInteractionPrisma } from '../../../interaction/src/db.ts';
import { bearer, isolatedTopics, JWT_SECRET, startAnalytics, type AnalyticsService } from './harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const cdnowDir = path.resolve(repoRoot, '../shared/datasets/cdnow');
const dir = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const sig3 = (v: number) => Number(v.toPrecision(3));

let analytics: AnalyticsService;
const closers: Array<() => Promise<unknown>> = [];
let customerApp: ReturnType<typeof buildCustomerApp>;
let rows = 0;

/** CDNOW_sample.txt (master id, sample id, yyyymmdd, CDs, dollars) as the import's CSV; order id per line. */
function cdnowCsv(): string {
  const lines = readFileSync(path.join(cdnowDir, 'CDNOW_sample.txt'), 'utf8').split('\n');
  let out = 'order_id,customer_external_id,occurred_at,amount,currency\n';
  lines.forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) return;
    const [, id, ymd, , amount] = f as [string, string, string, string, string];
    out += `cdnow-${i + 1},cdnow-${Number(id)},${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)},${amount},USD\n`;
    rows++;
  });
  return out;
}

beforeAll(async () => {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const topics = isolatedTopics();
  analytics = await startAnalytics({ topics, partitions: 3 });
  const kafka = createKafka({ brokers: analytics.brokers, clientId: 'cdnow-test', logger });
  // Both services publish through their own outbox relays, onto this file's copies of the topics.
  const topicFor = (topic: string) =>
    topic === 'crm.customer' ? topics.customer : topic === 'crm.customer.profile' ? topics.profile
      : topic === 'crm.interaction' ? topics.interaction : topic === 'crm.ticket' ? topics.ticket : `${topic}.unused`;

  const customerDb = await testDatabase({ service: 'customer', migrationsDir: dir('../../../customer/prisma/migrations') });
  const cdb = createCustomerPrisma(customerDb.url);
  customerApp = buildCustomerApp({ db: cdb, jwtSecret: JWT_SECRET, logger });
  await customerApp.listen({ port: 0, host: '127.0.0.1' });
  const customerRelay = new OutboxRelay({ db: cdb, kafka, logger, pollIntervalMs: 20, topicFor });
  await customerRelay.start();

  const interactionDb = await testDatabase({ service: 'interaction', migrationsDir: dir('../../../interaction/prisma/migrations') });
  const idb = createInteractionPrisma(interactionDb.url);
  const baseUrl = `http://127.0.0.1:${(customerApp.server.address() as AddressInfo).port}`;
  const interactionApp = buildInteractionApp({ db: idb, jwtSecret: JWT_SECRET, logger, directory: httpCustomerDirectory({ baseUrl, jwtSecret: JWT_SECRET, timeoutMs: 150_000 }) });
  await interactionApp.ready();
  const interactionRelay = new OutboxRelay({ db: idb, kafka, logger, pollIntervalMs: 20, topicFor });
  await interactionRelay.start();

  closers.push(
    () => interactionRelay.stop(), () => interactionApp.close(), () => idb.$disconnect(), () => interactionDb.drop(),
    () => customerRelay.stop(), () => customerApp.close(), () => cdb.$disconnect(), () => customerDb.drop(),
    () => analytics.close(),
  );

  const res = await interactionApp.inject({
    method: 'POST',
    url: '/v1/purchases/import',
    headers: { ...bearer(signToken({ sub: 'cdnow', roles: ['integrator'] }, JWT_SECRET)), 'content-type': 'text/csv' },
    payload: cdnowCsv(),
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  expect(res.json()).toMatchObject({ received: rows, recorded: rows, rejected: 0 });

  // Wait until every purchase went outbox -> Kafka -> projection.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [{ n } = { n: 0 }] = await analytics.db.$queryRawUnsafe<{ n: number }[]>(`SELECT COALESCE(sum(purchases), 0)::int AS n FROM purchase_day`);
    if (n === rows) break;
    if (Date.now() > deadline) throw new Error(`only ${n} of ${rows} purchases projected`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 170_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => {});
});

const analyst = () => bearer(analytics.token('analyst'));

describe('CDNOW through the purchase import', () => {
  it('POST /v1/models/bg-nbd/fit reproduces r = 0.243, alpha = 4.41, a = 0.793, b = 2.43 (LL -9582.4)', async () => {
    const res = await analytics.app.inject({ method: 'POST', url: '/v1/models/bg-nbd/fit', headers: analyst(), payload: { calibrationEnd: '1997-09-30', timeUnit: 'week' } });
    expect(res.statusCode, res.body).toBe(200);
    const fit = res.json();
    expect(fit.customers).toBe(2357);
    expect([sig3(fit.r), sig3(fit.alpha), sig3(fit.a), sig3(fit.b)]).toEqual([0.243, 4.41, 0.793, 2.43]);
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThan(0.1);
  });

  it('POST /v1/models/gamma-gamma/fit reproduces p = 6.25, q = 3.74, gamma = 15.4', async () => {
    const res = await analytics.app.inject({ method: 'POST', url: '/v1/models/gamma-gamma/fit', headers: analyst(), payload: { calibrationEnd: '1997-09-30', timeUnit: 'week' } });
    expect(res.statusCode, res.body).toBe(200);
    const fit = res.json();
    expect(fit.customers).toBe(946);
    expect([sig3(fit.p), sig3(fit.q), sig3(fit.gamma)]).toEqual([6.25, 3.74, 15.4]);
    const stored = await analytics.db.$queryRawUnsafe<{ model: string; customers: number }[]>(`SELECT model, customers FROM model_fit ORDER BY id`);
    expect(stored).toEqual([{ model: 'bg_nbd', customers: 2357 }, { model: 'gamma_gamma', customers: 946 }]);
  });

  it('x, t_x and T of every customer equal the summary file', async () => {
    const recompute = await analytics.app.inject({ method: 'POST', url: '/v1/admin/recompute', headers: bearer(analytics.token('admin')), payload: { asOf: '1997-09-30' } });
    expect(recompute.statusCode, recompute.body).toBe(200);
    expect(recompute.json().customers).toBe(2357);
    // Customer ids of the CDNOW ids, as the customer service knows them (resolving again creates nobody).
    const mapping: Record<string, string> = {};
    const ids = Array.from({ length: 2357 }, (_, i) => `cdnow-${i + 1}`);
    for (let i = 0; i < ids.length; i += 1000) {
      const res = await customerApp.inject({ method: 'POST', url: '/v1/customers/resolve', headers: bearer(signToken({ sub: 't', roles: ['integrator'] }, JWT_SECRET)), payload: { source: 'import', externalIds: ids.slice(i, i + 1000) } });
      expect(res.json().created).toBe(0);
      Object.assign(mapping, res.json().mapping);
    }
    const values = new Map((await analytics.db.$queryRawUnsafe<{ customer_id: string; x: number; tx: number; t: number }[]>(`SELECT customer_id, x, tx, t FROM customer_value`)).map((v) => [v.customer_id, v]));
    const lines = readFileSync(path.join(cdnowDir, 'cdnow_customers_summary_with_transactions.csv'), 'utf8').trim().split('\n').slice(1);
    expect(lines).toHaveLength(2357);
    const mismatches: string[] = [];
    for (const line of lines) {
      const [id, x, tx, T] = line.trim().split(',') as [string, string, string, string];
      const v = values.get(mapping[`cdnow-${Number(id)}`] ?? '');
      if (!v || v.x !== Number(x) || v.tx.toFixed(2) !== Number(tx).toFixed(2) || v.t.toFixed(2) !== Number(T).toFixed(2)) {
        mismatches.push(`${id}: got ${v ? `${v.x},${v.tx},${v.t}` : 'nothing'} want ${x},${tx},${T}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
