// Latency benchmark: 1,000 events/s for ~20 s through enqueue (every 10 ms, `perTx` events per
// transaction: default 10, i.e. one transaction per tick; 1 = one transaction per event, like one HTTP
// write each, which this shared, loaded box could not sustain: ~230 commits/s measured) → OutboxRelay → Kafka → createConsumer → projection table. Prints p50/p95/p99 of the
// time from the enqueue transaction's COMMIT having returned to the projection transaction's COMMIT
// having returned (one process, one clock). The projection rows also hold both timestamps
// (enqueued_at = enqueue commit, projected_at = clock_timestamp() in the projection transaction), and
// the database-side percentiles are printed next to the in-process ones as a cross-check.
// Modes: `listen` (relay wakes on enqueue's NOTIFY) and `poll` (relay polls every 50 ms, the default).
// Target (DESIGN.md): p99 < 50 ms at 1,000 events/s.
//
// Also prints p50/p95/p99 per hop: enqueue commit → relay read → broker ack (relay hooks) → consumer
// transaction start → projection commit.
// Env PCC: the consumer's partitionsConsumedConcurrently (default 3; the topic has 6 partitions).
//
// Usage: node --import tsx bench/latency.ts [seconds=20] [rate=1000] [modes=listen,poll] [perTx=10]
import { execSync } from 'node:child_process';
import { createEvent, newId, purchaseRecorded, type CloudEvent } from '@crm/contracts';
import { createConsumer } from '../src/consumer.ts';
import { enqueue } from '../src/outbox.ts';
import { OutboxRelay } from '../src/relay.ts';
import type { Sql } from '../src/sql.ts';
import { deleteTopics, freshDatabase, logger, randomSuffix, testKafka, uniqueTopic, waitFor } from '../test/helpers.ts';

const SECONDS = Number(process.argv[2] ?? 20);
const RATE = Number(process.argv[3] ?? 1_000);
const MODES = (process.argv[4] ?? 'listen,poll').split(',') as Array<'listen' | 'poll'>;
const PER_TX = Number(process.argv[5] ?? 10);
const TICK_MS = 10;
const WARMUP_S = 1;

const PROJECTION = `CREATE TABLE purchase_latency (
  event_id text PRIMARY KEY, enqueued_at timestamptz NOT NULL, projected_at timestamptz NOT NULL)`;

const now = () => performance.timeOrigin + performance.now();

function purchase(i: number): CloudEvent {
  const customerId = `cus_${String(i % 5_000).padStart(26, '0')}`;
  return createEvent(purchaseRecorded, {
    source: '/crm/bench', subject: customerId,
    data: { purchaseId: newId('pur'), orderId: `o-${i}`, customerId, amount: '12.34', currency: 'EUR',
      occurredAt: '2026-01-01T00:00:00.000Z', channel: 'web', lineCount: 1, source: 'api' },
  });
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Number((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN).toFixed(1));
  return { n: sorted.length, p50_ms: at(50), p95_ms: at(95), p99_ms: at(99), max_ms: at(100) };
}

async function run(mode: 'listen' | 'poll') {
  const database = await freshDatabase(PROJECTION, 16);
  const kafka = testKafka('bench-latency');
  const topic = await uniqueTopic(kafka, 'bench.latency', 6);
  const { db } = database;
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  // Per-hop timestamps (same clock): relay read, broker ack, consumer transaction start, projection commit.
  const readAt = new Map<string, number>();
  const ackAt = new Map<string, number>();
  const hops = { enqueue_commit_to_relay_read: [] as number[], relay_read_to_broker_ack: [] as number[],
    broker_ack_to_consumer_tx_start: [] as number[], consumer_tx_start_to_projection_commit: [] as number[] };
  const idsOfTx = new WeakMap<object, string[]>();
  const measureFrom = now() + WARMUP_S * 1000;

  const relay = new OutboxRelay({
    db, kafka, logger, topicFor: () => topic,
    hooks: {
      afterRead: (ids) => { const t = now(); for (const id of ids) readAt.set(id, t); },
      afterSend: (ids) => { const t = now(); for (const id of ids) ackAt.set(id, t); },
    },
    ...(mode === 'listen' ? { listen: { connectionString: database.url }, pollIntervalMs: 1_000 } : {}),
  });
  const consumer = createConsumer({
    kafka, groupId: `latency-${randomSuffix()}`, topics: [topic], logger,
    transaction: async (fn) => {
      const started = now();
      const result = await db.transaction(async (tx) => {
        idsOfTx.set(tx, []);
        const r = await fn(tx);
        return { r, ids: idsOfTx.get(tx)! };
      });
      const t = now();
      for (const id of result.ids) {
        const t0 = committedAt.get(id);
        if (t0 !== undefined && t0 >= measureFrom) {
          latencies.push(t - t0);
          const r = readAt.get(id), a = ackAt.get(id);
          if (r !== undefined && a !== undefined) {
            hops.enqueue_commit_to_relay_read.push(r - t0);
            hops.relay_read_to_broker_ack.push(a - r);
            hops.broker_ack_to_consumer_tx_start.push(started - a);
            hops.consumer_tx_start_to_projection_commit.push(t - started);
          }
        }
      }
      return result.r;
    },
    handlers: {},
    batchHandlers: {
      'crm.purchase.recorded.v1': async (items, tx: Sql) => {
        const ids = items.map((i) => i.event.id);
        idsOfTx.get(tx)?.push(...ids);
        await tx.$executeRawUnsafe(
          `INSERT INTO purchase_latency (event_id, enqueued_at, projected_at)
           SELECT id, to_timestamp(t / 1000), clock_timestamp() FROM unnest($1::text[], $2::float8[]) AS u(id, t)`,
          ids, ids.map((id) => committedAt.get(id) ?? 0));
      },
    },
    partitionsConsumedConcurrently: Number(process.env.PCC ?? 3),
  });
  await consumer.start();
  relay.start();

  const total = SECONDS * RATE;
  const perTick = (RATE * TICK_MS) / 1000;
  const events = Array.from({ length: total }, (_, i) => purchase(i));
  const inFlight = new Set<Promise<void>>();
  let late = 0;
  const t0 = now();
  for (let tick = 0; tick * perTick < total; tick++) {
    const due = t0 + tick * TICK_MS;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -TICK_MS) late += 1;
    const due_ = events.slice(tick * perTick, (tick + 1) * perTick);
    for (let i = 0; i < due_.length; i += PER_TX) {
      const group = due_.slice(i, i + PER_TX);
      const p = db.$transaction((tx) => enqueue(tx, group)).then(() => {
        const t = now();
        for (const event of group) committedAt.set(event.id, t);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  }
  await Promise.all(inFlight);
  const produceSeconds = (now() - t0) / 1000;
  const count = async () => (await db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM purchase_latency'))[0]!.n;
  await waitFor(async () => (await count()) >= total, 60_000, 'all events projected');
  await relay.stop();
  await consumer.stop();
  const [dbSide] = await db.$queryRawUnsafe<Record<string, number>[]>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
       FROM (SELECT extract(epoch FROM projected_at - enqueued_at) * 1000 AS ms FROM purchase_latency
              WHERE enqueued_at >= to_timestamp($1::float8 / 1000)) x`, measureFrom);
  await deleteTopics(kafka, [topic, `${topic}.dlq`]);
  await database.drop();
  return {
    mode,
    offered_per_s: RATE,
    events_per_tx: PER_TX,
    achieved_enqueue_per_s: Math.round(total / produceSeconds),
    late_ticks: late,
    commit_to_commit: percentiles(latencies),
    hops: Object.fromEntries(Object.entries(hops).map(([k, v]) => {
      const { n: _n, ...p } = percentiles(v);
      return [k, p];
    })),
    db_rows_enqueue_commit_to_projection_stmt: Object.fromEntries(Object.entries(dbSide ?? {}).map(([k, v]) => [`${k}_ms`, Number(Number(v).toFixed(1))])),
  };
}

for (const mode of MODES) {
  const load = execSync('cat /proc/loadavg').toString().trim().split(' ').slice(0, 3).join(' ');
  const result = await run(mode);
  console.log(JSON.stringify({ node: process.version, load_avg_before: load, ...result, target_p99_ms: 50 }));
}
