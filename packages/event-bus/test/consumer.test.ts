// (b) poison messages go to <topic>.dlq with the reason in headers and the consumer goes on;
// (c) a redelivered event (same id published twice) is applied once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { newId } from '@crm/contracts';
import { createConsumer } from '../src/consumer.ts';
import { eventHeaders } from '../src/headers.ts';
import { APPLIED_SQL, APPLY_ONE, applyMany, registered } from './fixtures.ts';
import {
  collectMessages, deleteTopics, freshDatabase, logger, randomSuffix, rawProducer, testKafka, uniqueTopic, waitFor,
  type TestDatabase,
} from './helpers.ts';
import type { CloudEvent } from '@crm/contracts';

let database: TestDatabase;
let kafka: Kafka;
let producer: Producer;
const created: string[] = [];

beforeAll(async () => {
  database = await freshDatabase(APPLIED_SQL);
  kafka = testKafka();
  producer = await rawProducer(kafka);
});
afterAll(async () => {
  await producer?.disconnect();
  await deleteTopics(kafka, created.flatMap((t) => [t, `${t}.dlq`]));
  await database?.drop();
});

const asMessage = (event: CloudEvent) => ({ key: event.subject, value: JSON.stringify(event), headers: eventHeaders(event) });

async function applied(): Promise<Map<string, number>> {
  const rows = await database.db.$queryRawUnsafe<{ event_id: string; n: number }[]>('SELECT event_id, n FROM applied');
  return new Map(rows.map((r) => [r.event_id, r.n]));
}

describe('consumer', () => {
  it('sends an unparseable message and one whose handler always throws to the DLQ, and handles the rest', async () => {
    const topic = await uniqueTopic(kafka, 'test.eventbus', 1);
    created.push(topic);
    const customer = newId('cus');
    const good1 = registered(customer);
    const bad = registered(customer);
    const good2 = registered(customer);
    const good3 = registered(customer);
    // One send: the five messages land in one partition, normally in one batch, so the batch transaction
    // fails and the per-message retry path has to handle good1/good2 around the failures.
    await producer.send({
      topic,
      messages: [
        asMessage(good1),
        { key: customer, value: '{"specversion":"1.0", not json' },
        asMessage(good2),
        asMessage(bad),
        asMessage(good3),
      ],
    });
    const registry = new Registry();
    const attempts = new Map<string, number>();
    const consumer = createConsumer({
      kafka, groupId: `g-${randomSuffix()}`, topics: [topic], logger, registry, maxAttempts: 3, retryBackoffMs: 10,
      transaction: (fn) => database.db.transaction(fn),
      handlers: {
        'crm.customer.registered.v1': async (event, tx) => {
          attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
          await tx.$executeRawUnsafe(APPLY_ONE, event.id, event.subject);
          if (event.id === bad.id) throw new TypeError('boom: cannot apply');
        },
      },
    });
    await consumer.start();
    const dlq = await collectMessages(kafka, `${topic}.dlq`, 2, 30_000);
    await waitFor(async () => (await applied()).has(good3.id), 20_000, 'good3 applied');
    await consumer.stop();

    const [json, thrown] = dlq;
    expect(json?.value?.toString()).toBe('{"specversion":"1.0", not json');
    expect(json?.headers?.['x-error-type']?.toString()).toBe('EventParseError');
    expect(json?.headers?.['x-error']?.toString()).toMatch(/not JSON/);
    expect(json?.headers?.['x-original-topic']?.toString()).toBe(topic);
    expect(json?.headers?.['x-original-partition']?.toString()).toBe('0');
    expect(json?.headers?.['x-original-offset']?.toString()).toBe('1');
    expect(json?.key?.toString()).toBe(customer);

    expect(thrown?.headers?.['x-error']?.toString()).toBe('boom: cannot apply');
    expect(thrown?.headers?.['x-error-type']?.toString()).toBe('TypeError');
    expect(thrown?.headers?.['x-original-offset']?.toString()).toBe('3');
    expect(thrown?.headers?.['ce_id']?.toString()).toBe(bad.id); // original headers kept
    expect(JSON.parse(thrown!.value!.toString()).id).toBe(bad.id);

    // The failing handler ran once in the batch and maxAttempts (3) times alone; its writes rolled back.
    expect(attempts.get(bad.id)).toBe(4);
    const rows = await applied();
    expect([...rows.keys()].sort()).toEqual([good1.id, good2.id, good3.id].sort());
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    const inbox = await database.db.$queryRawUnsafe<{ event_id: string }[]>('SELECT event_id FROM processed_event');
    expect(inbox.map((r) => r.event_id)).not.toContain(bad.id);

    const metrics = await registry.getMetricsAsJSON();
    const total = metrics.find((m) => m.name === 'crm_consumer_events_total')!;
    const sum = (outcome: string) => total.values.filter((v) => v.labels['outcome'] === outcome).reduce((s, v) => s + v.value, 0);
    expect(sum('dead_lettered')).toBe(2);
    expect(sum('handled')).toBe(3);
    expect(consumer.lag()).toEqual([{ topic, partition: 0, lag: 0 }]);
  });

  it('commits the offsets of the last batch while idle, not only at the next batch or at stop', async () => {
    const topic = await uniqueTopic(kafka);
    created.push(topic);
    const groupId = `g-${randomSuffix()}`;
    let seen = 0;
    const consumer = createConsumer({
      kafka, groupId, topics: [topic], logger,
      transaction: (fn) => database.db.transaction(fn),
      handlers: {},
      onBatchDone: (info) => void (seen += info.messages),
    });
    await consumer.start();
    await producer.send({ topic, messages: [asMessage(registered()), asMessage(registered()), asMessage(registered())] });
    await waitFor(() => seen >= 3, 20_000, 'delivery');
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Still running and idle: the flush commits what was processed within about a second.
      await waitFor(async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (committed?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === 3;
      }, 10_000, 'idle commit');
    } finally {
      await admin.disconnect();
      await consumer.stop();
    }
  });

  it('applies a redelivered event once, in the same batch and across batches and restarts', async () => {
    const topic = await uniqueTopic(kafka);
    created.push(topic);
    const a = registered();
    const b = registered();
    const groupId = `g-${randomSuffix()}`;
    let calls = 0;
    let seen = 0;
    const start = () =>
      createConsumer({
        kafka, groupId, topics: [topic], logger,
        transaction: (fn) => database.db.transaction(fn),
        handlers: {},
        batchHandlers: {
          'crm.customer.registered.v1': async (items, tx) => {
            calls += items.length;
            const [sql, params] = applyMany(items.map((i) => i.event));
            await tx.$executeRawUnsafe(sql, ...params);
          },
        },
        onBatchDone: (info) => void (seen += info.messages),
      });

    await producer.send({ topic, messages: [asMessage(a), asMessage(a), asMessage(b)] });
    const first = start();
    await first.start();
    await waitFor(() => seen >= 3, 20_000, 'first delivery');
    await producer.send({ topic, messages: [asMessage(a)] });
    await waitFor(() => seen >= 4, 20_000, 'second delivery');
    await first.stop();

    // A new consumer group member after a restart, and one more copy of b.
    await producer.send({ topic, messages: [asMessage(b)] });
    const second = start();
    await second.start();
    await waitFor(() => seen >= 5, 20_000, 'after restart');
    await second.stop();
    // Offsets are committed at stop (not after every batch): the restarted member saw only the new message.
    expect(seen).toBe(5);
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const total = (committed?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    expect(total).toBe(5);

    const rows = await applied();
    expect(rows.get(a.id)).toBe(1);
    expect(rows.get(b.id)).toBe(1);
    expect(calls).toBe(2);
    const inbox = await database.db.$queryRawUnsafe<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM processed_event WHERE consumer_group = $1', groupId);
    expect(inbox[0]?.n).toBe(2);
  });
});
