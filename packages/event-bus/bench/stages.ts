// Diagnostic: times each stage of the outbox → Kafka → projection path on its own (enqueue into the
// outbox; relay draining a pre-filled outbox; consumer projecting a pre-filled topic), so a change can be
// attributed to the stage it speeds up. Usage: node --import tsx bench/stages.ts [events=30000]
import { createEvent, newId, purchaseRecorded, type CloudEvent } from '@crm/contracts';
import { createConsumer } from '../src/consumer.ts';
import { enqueue } from '../src/outbox.ts';
import { OutboxRelay } from '../src/relay.ts';
import type { Sql } from '../src/sql.ts';
import { deleteTopics, freshDatabase, logger, randomSuffix, testKafka, uniqueTopic } from '../test/helpers.ts';

const N = Number(process.argv[2] ?? 30_000);
const BATCH = Number(process.argv[3] ?? 2_000);
const PROJECTION = `CREATE TABLE customer_revenue (
  customer_id text PRIMARY KEY, purchases int NOT NULL, revenue numeric(18,4) NOT NULL, last_purchase_id text NOT NULL)`;

function purchase(i: number): CloudEvent {
  const customerId = `cus_${String(i % 5_000).padStart(26, '0')}`;
  return createEvent(purchaseRecorded, {
    source: '/crm/bench', subject: customerId,
    data: { purchaseId: newId('pur'), orderId: `o-${i}`, customerId, amount: ((i % 9_000) / 100).toFixed(2), currency: 'EUR',
      occurredAt: '2026-01-01T00:00:00.000Z', channel: 'web', lineCount: 1, source: 'api' },
  });
}

async function project(items: Array<{ event: CloudEvent }>, tx: Sql): Promise<void> {
  const byCustomer = new Map<string, { n: number; cents: number; last: string }>();
  for (const { event } of items) {
    const data = event.data as { customerId: string; purchaseId: string; amount: string };
    const acc = byCustomer.get(data.customerId) ?? { n: 0, cents: 0, last: '' };
    acc.n += 1; acc.cents += Math.round(Number(data.amount) * 100); acc.last = data.purchaseId;
    byCustomer.set(data.customerId, acc);
  }
  const rows = [...byCustomer.values()];
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_revenue (customer_id, purchases, revenue, last_purchase_id)
     SELECT c, n, cents / 100, l FROM unnest($1::text[], $2::int[], $3::numeric[], $4::text[]) AS u(c, n, cents, l)
     ON CONFLICT (customer_id) DO UPDATE SET purchases = customer_revenue.purchases + excluded.purchases,
       revenue = customer_revenue.revenue + excluded.revenue, last_purchase_id = excluded.last_purchase_id`,
    [...byCustomer.keys()], rows.map((r) => r.n), rows.map((r) => r.cents), rows.map((r) => r.last));
}

const database = await freshDatabase(PROJECTION, 6);
const kafka = testKafka('bench-stages');
const topic = await uniqueTopic(kafka, 'bench.stages', 6);
const { db } = database;
const events = Array.from({ length: N }, (_, i) => purchase(i));

let t0 = performance.now();
for (let i = 0; i < N; i += 1_000) await db.$transaction((tx) => enqueue(tx, events.slice(i, i + 1_000)));
const enqueueS = (performance.now() - t0) / 1000;

const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, batchSize: BATCH });
await relay.drainOnce(); // producer connect outside the clock: publishes everything
const relayS = await (async () => {
  await db.$executeRawUnsafe('UPDATE outbox_event SET published_at = NULL');
  await db.$executeRawUnsafe('VACUUM outbox_event').catch(() => {});
  const t = performance.now();
  const n = await relay.drainOnce();
  if (n !== N) throw new Error(`relay published ${n}, pending ${await relay.pendingCount()}, ${JSON.stringify(await db.$queryRawUnsafe("SELECT min(seq)::int, max(seq)::int, count(*)::int FROM outbox_event WHERE published_at IS NULL"))}`);
  return (performance.now() - t) / 1000;
})();
await relay.stop();

let consumed = 0;
let finish = () => {};
const done = new Promise<void>((resolve) => (finish = resolve));
const consumer = createConsumer({
  kafka, groupId: `stages-${randomSuffix()}`, topics: [topic], logger,
  transaction: (fn) => db.transaction(fn), handlers: {},
  batchHandlers: { 'crm.purchase.recorded.v1': project }, partitionsConsumedConcurrently: 3,
  onBatchDone: (info) => { consumed += info.handled + info.duplicates; if (consumed >= 2 * N) finish(); },
});
t0 = performance.now();
await consumer.start();
await done;
const consumeS = (performance.now() - t0) / 1000;
await consumer.stop();
await deleteTopics(kafka, [topic, `${topic}.dlq`]);
await database.drop();
console.log(JSON.stringify({ events: N, enqueue_per_s: Math.round(N / enqueueS), relay_per_s: Math.round(N / relayS), consume_per_s: Math.round((2 * N) / consumeS), note: 'topic holds each event twice (warm-up drain + timed drain): consume counts messages incl. duplicates' }));
