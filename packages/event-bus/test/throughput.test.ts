// (d) Throughput smoke: 5,000 events enqueued → relayed → consumed into a table, all exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createConsumer } from '../src/consumer.ts';
import { enqueue } from '../src/outbox.ts';
import { OutboxRelay } from '../src/relay.ts';
import { APPLIED_SQL, applyMany, registered } from './fixtures.ts';
import { deleteTopics, freshDatabase, logger, randomSuffix, testKafka, uniqueTopic, waitFor, type TestDatabase } from './helpers.ts';

let database: TestDatabase;
let kafka: Kafka;
let topic = '';

beforeAll(async () => {
  database = await freshDatabase(APPLIED_SQL);
  kafka = testKafka();
  topic = await uniqueTopic(kafka, 'test.eventbus', 6);
});
afterAll(async () => {
  await deleteTopics(kafka, [topic, `${topic}.dlq`]);
  await database?.drop();
});

describe('throughput smoke', () => {
  it('moves 5,000 events from outbox to projection exactly once', async () => {
    const N = 5_000;
    const { db } = database;
    const events = Array.from({ length: N }, (_, i) => registered(undefined, undefined)).map((e, i) => ({ ...e, subject: `cus_${String(i % 500).padStart(26, '0')}` }));
    const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, pollIntervalMs: 10 });
    const consumer = createConsumer({
      kafka, groupId: `g-${randomSuffix()}`, topics: [topic], logger,
      transaction: (fn) => db.transaction(fn),
      handlers: {},
      batchHandlers: {
        'crm.customer.registered.v1': async (items, tx) => {
          const [sql, params] = applyMany(items.map((i) => i.event));
          await tx.$executeRawUnsafe(sql, ...params);
        },
      },
    });
    await consumer.start();
    relay.start();
    const t0 = performance.now();
    for (let i = 0; i < N; i += 500) await db.$transaction((tx) => enqueue(tx, events.slice(i, i + 500)));
    const count = async () => (await db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM applied'))[0]!.n;
    await waitFor(async () => (await count()) >= N, 60_000, `${N} events in the projection`);
    const seconds = (performance.now() - t0) / 1000;
    await relay.stop();
    await consumer.stop();
    console.log(`[event-bus] throughput smoke: ${N} events outbox→Kafka→projection in ${seconds.toFixed(2)} s = ${Math.round(N / seconds)} events/s`);

    const rows = await db.$queryRawUnsafe<{ n: number; rows: number; max: number }[]>(
      'SELECT count(*)::int AS rows, max(n)::int AS max FROM applied');
    expect(rows[0]).toEqual({ rows: N, max: 1 });
    expect(await relay.pendingCount()).toBe(0);
  });
});
