// End-to-end benchmark: enqueue (outbox, batches of 1,000 per transaction) → OutboxRelay → Kafka →
// createConsumer writing a projection table in one transaction per Kafka batch. Prints events/s next to
// the raw kafkajs yardstick (../shared/bench/raw-kafka-baseline.mjs, run as a child process right before,
// on the same broker). Target (DESIGN.md): at least half of raw produce-and-consume.
//
// Usage: node --import tsx bench/outbox-to-projection.ts [events=50000] [rawMessages=200000]
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createEvent, newId, purchaseRecorded, type CloudEvent } from '@crm/contracts';
import { createConsumer } from '../src/consumer.ts';
import { enqueue } from '../src/outbox.ts';
import { OutboxRelay } from '../src/relay.ts';
import type { Sql } from '../src/sql.ts';
import { brokers, deleteTopics, freshDatabase, logger, randomSuffix, testKafka, uniqueTopic } from '../test/helpers.ts';

const N = Number(process.argv[2] ?? 50_000);
const RAW_N = Number(process.argv[3] ?? 200_000);
const ENQUEUE_BATCH = 1_000;
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const baselineScript = fileURLToPath(new URL('../../../../shared/bench/raw-kafka-baseline.mjs', import.meta.url));

type Raw = { node: string; messages: number; produce_per_s: number; consume_per_s: number };

async function rawBaseline(): Promise<Raw | null> {
  if (!existsSync(baselineScript)) return null;
  // cwd = this package, so the script resolves the project's own kafkajs.
  const { stdout } = await promisify(execFile)(process.execPath, [baselineScript, brokers.join(','), String(RAW_N)], {
    cwd: packageDir,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Raw;
}

const PROJECTION = `CREATE TABLE customer_revenue (
  customer_id text PRIMARY KEY, purchases int NOT NULL, revenue numeric(18,4) NOT NULL, last_purchase_id text NOT NULL)`;

/** One multi-row upsert per batch: aggregate in memory first (a row may appear once per statement). */
async function project(items: Array<{ event: CloudEvent }>, tx: Sql): Promise<void> {
  const byCustomer = new Map<string, { n: number; cents: number; last: string }>();
  for (const { event } of items) {
    const data = event.data as { customerId: string; purchaseId: string; amount: string };
    const acc = byCustomer.get(data.customerId) ?? { n: 0, cents: 0, last: '' };
    acc.n += 1;
    acc.cents += Math.round(Number(data.amount) * 100); // bench only; services compute money with decimal.js
    acc.last = data.purchaseId;
    byCustomer.set(data.customerId, acc);
  }
  const ids = [...byCustomer.keys()];
  const rows = [...byCustomer.values()];
  // Column arrays + unnest: one statement, 4 parameters, whatever the batch size.
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_revenue (customer_id, purchases, revenue, last_purchase_id)
     SELECT c, n, cents / 100, l FROM unnest($1::text[], $2::int[], $3::numeric[], $4::text[]) AS u(c, n, cents, l)
     ON CONFLICT (customer_id) DO UPDATE SET purchases = customer_revenue.purchases + excluded.purchases,
       revenue = customer_revenue.revenue + excluded.revenue, last_purchase_id = excluded.last_purchase_id`,
    ids,
    rows.map((r) => r.n),
    rows.map((r) => r.cents),
    rows.map((r) => r.last),
  );
}

function purchase(i: number): CloudEvent {
  const customerId = `cus_${String(i % 5_000).padStart(26, '0')}`;
  return createEvent(purchaseRecorded, {
    source: '/crm/bench',
    subject: customerId,
    data: {
      purchaseId: newId('pur'), orderId: `o-${i}`, customerId, amount: ((i % 9_000) / 100).toFixed(2), currency: 'EUR',
      occurredAt: '2026-01-01T00:00:00.000Z', channel: 'web', lineCount: 1, source: 'api',
    },
  });
}

async function ours(): Promise<{ seconds: number; enqueueSeconds: number }> {
  const database = await freshDatabase(PROJECTION, 6);
  const kafka = testKafka('bench-outbox');
  const topic = await uniqueTopic(kafka, 'bench.eventbus', 6);
  const { db } = database;
  const events = Array.from({ length: N }, (_, i) => purchase(i)); // built before the clock starts
  const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, batchSize: 2_000, pollIntervalMs: 10 });
  let consumed = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const consumer = createConsumer({
    kafka, groupId: `bench-${randomSuffix()}`, topics: [topic], logger,
    transaction: (fn) => db.transaction(fn),
    handlers: {},
    batchHandlers: { 'crm.purchase.recorded.v1': project },
    partitionsConsumedConcurrently: 3,
    onBatchDone: (info) => {
      consumed += info.handled;
      if (consumed >= N) finish();
    },
  });
  await consumer.start();
  relay.start();
  const t0 = performance.now();
  for (let i = 0; i < N; i += ENQUEUE_BATCH) {
    await db.$transaction((tx) => enqueue(tx, events.slice(i, i + ENQUEUE_BATCH)));
  }
  const enqueueSeconds = (performance.now() - t0) / 1000;
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await relay.stop();
  await consumer.stop();
  const [check] = await db.$queryRawUnsafe<{ purchases: number }[]>('SELECT sum(purchases)::int AS purchases FROM customer_revenue');
  if (check?.purchases !== N) throw new Error(`projection holds ${check?.purchases} purchases, expected ${N}`);
  await deleteTopics(kafka, [topic, `${topic}.dlq`]);
  await database.drop();
  return { seconds, enqueueSeconds };
}

const raw = await rawBaseline();
const result = await ours();
const rate = Math.round(N / result.seconds);
const rawEndToEnd = raw ? Math.round(1 / (1 / raw.produce_per_s + 1 / raw.consume_per_s)) : null;
console.log(
  JSON.stringify({
    node: process.version,
    events: N,
    outbox_to_projection_per_s: rate,
    enqueue_per_s: Math.round(N / result.enqueueSeconds),
    raw_kafkajs: raw,
    raw_produce_and_consume_per_s: rawEndToEnd,
    ratio_vs_raw: rawEndToEnd ? Number((rate / rawEndToEnd).toFixed(2)) : null,
    target_ratio: 0.5,
  }),
);
