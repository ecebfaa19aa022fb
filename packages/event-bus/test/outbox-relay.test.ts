// (a) An event committed to the outbox survives a relay crash: before publishing, and after the broker
// acknowledged but before the rows were marked. A restarted relay publishes it; the consumer applies it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { newId } from '@crm/contracts';
import { createConsumer } from '../src/consumer.ts';
import { enqueue, enqueueTombstone } from '../src/outbox.ts';
import { OutboxRelay } from '../src/relay.ts';
import { APPLIED_SQL, APPLY_ONE, registered } from './fixtures.ts';
import { collectMessages, deleteTopics, freshDatabase, logger, randomSuffix, testKafka, uniqueTopic, waitFor, type TestDatabase } from './helpers.ts';

let database: TestDatabase;
let kafka: Kafka;
const created: string[] = [];

beforeAll(async () => {
  database = await freshDatabase(APPLIED_SQL);
  kafka = testKafka();
});
afterAll(async () => {
  await deleteTopics(kafka, created.flatMap((t) => [t, `${t}.dlq`]));
  await database?.drop();
});

type OutboxRow = { id: string; published_at: Date | null; attempts: number; last_error: string | null };

describe('outbox relay', () => {
  it('publishes rows committed before any relay ran and re-publishes a batch whose marking crashed; consumer applies each once', async () => {
    const topic = await uniqueTopic(kafka);
    created.push(topic);
    const { db } = database;
    const events = Array.from({ length: 20 }, () => registered());
    await db.$transaction(async (tx) => {
      await enqueue(tx, events.slice(0, 10));
      await enqueue(tx, events.slice(10));
    });
    // No relay ran yet ("crash between commit and publish"): everything still pending.
    const pending = await db.$queryRawUnsafe<OutboxRow[]>('SELECT * FROM outbox_event WHERE published_at IS NULL');
    expect(pending).toHaveLength(20);

    // Relay 1 dies after the broker acknowledged the batch but before marking it published.
    const crashing = new OutboxRelay({
      db, kafka, logger, topicFor: () => topic,
      hooks: { afterSend: () => { throw new Error('simulated crash after send'); } },
    });
    await expect(crashing.drainOnce()).rejects.toThrow('simulated crash after send');
    await crashing.stop();
    const afterCrash = await db.$queryRawUnsafe<OutboxRow[]>('SELECT id, published_at, attempts, last_error FROM outbox_event');
    expect(afterCrash.every((r) => r.published_at === null && r.attempts === 1)).toBe(true);
    expect(afterCrash[0]?.last_error).toContain('simulated crash after send');

    // A restarted relay publishes them again, and marks them.
    const registry = new Registry();
    const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, registry });
    expect(await relay.drainOnce()).toBe(20);
    expect(await relay.drainOnce()).toBe(0);
    expect(await relay.pendingCount()).toBe(0);
    const metrics = await registry.getMetricsAsJSON();
    const published = metrics.find((m) => m.name === 'crm_outbox_published_total');
    expect(published?.values.reduce((s, v) => s + v.value, 0)).toBe(20);
    await relay.stop();

    // The topic holds 40 messages (the crashed batch, then the re-publish), in outbox order per key.
    const messages = await collectMessages(kafka, topic, 40);
    expect(messages).toHaveLength(40);
    const first = messages.find((m) => m.headers?.['ce_id']?.toString() === events[0]!.id)!;
    expect(first.key?.toString()).toBe(events[0]!.subject);
    expect(first.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');
    expect(first.headers?.['ce_type']?.toString()).toBe('crm.customer.registered.v1');
    expect(first.headers?.['ce_source']?.toString()).toBe('/crm/test');
    expect(first.headers?.['x-request-id']?.toString()).toBe('req-test-1');
    expect(JSON.parse(first.value!.toString())).toEqual(events[0]);

    // The consumer sees 40 messages and applies 20 events, each once.
    let seen = 0;
    const consumer = createConsumer({
      kafka, groupId: `g-${randomSuffix()}`, topics: [topic], logger,
      transaction: (fn) => db.transaction(fn),
      handlers: { 'crm.customer.registered.v1': async (event, tx) => void (await tx.$executeRawUnsafe(APPLY_ONE, event.id, event.subject)) },
      onBatchDone: (info) => void (seen += info.messages),
    });
    await consumer.start();
    await waitFor(() => seen >= 40, 30_000, 'consumer to see 40 messages');
    await consumer.stop();
    const applied = await db.$queryRawUnsafe<{ event_id: string; n: number }[]>('SELECT event_id, n FROM applied');
    expect(applied.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(applied.every((r) => r.n === 1)).toBe(true);
  });

  it('keeps running: a started relay publishes rows enqueued later, including a tombstone', async () => {
    const topic = await uniqueTopic(kafka);
    created.push(topic);
    const db = database.db;
    await db.$executeRawUnsafe('UPDATE outbox_event SET published_at = now() WHERE published_at IS NULL');
    const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, pollIntervalMs: 20 });
    relay.start();
    const event = registered();
    await db.$transaction(async (tx) => {
      await enqueue(tx, event);
      await enqueueTombstone(tx, 'crm.customer.profile', event.subject);
    });
    await waitFor(async () => (await relay.pendingCount()) === 0, 10_000, 'relay to publish');
    await relay.stop();
    const [message, tombstone] = await collectMessages(kafka, topic, 2);
    expect(message?.headers?.['ce_id']?.toString()).toBe(event.id);
    expect(tombstone?.key?.toString()).toBe(event.subject);
    expect(tombstone?.value).toBeNull();
  });

  it('keeps outbox order across many batches of one transaction (seq crosses 9 → 10 → 100) for one key', async () => {
    const topic = await uniqueTopic(kafka, 'test.eventbus', 1);
    created.push(topic);
    const db = database.db;
    await db.$executeRawUnsafe('UPDATE outbox_event SET published_at = now() WHERE published_at IS NULL');
    const customer = newId('cus');
    const events = Array.from({ length: 120 }, () => registered(customer));
    for (let i = 0; i < events.length; i += 7) await db.$transaction((tx) => enqueue(tx, events.slice(i, i + 7)));
    // batchSize 4: 30 batches, i.e. several pipelined rounds of up to 10 batches each.
    const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, batchSize: 4 });
    expect(await relay.drainOnce()).toBe(120);
    await relay.stop();
    const messages = await collectMessages(kafka, topic, 120);
    expect(messages.map((m) => m.headers?.['ce_id']?.toString())).toEqual(events.map((e) => e.id));
  });

  it('a failure in the middle of a pipelined round keeps the acknowledged batches marked and restarts from the oldest unmarked row', async () => {
    const topic = await uniqueTopic(kafka, 'test.eventbus', 1);
    created.push(topic);
    const db = database.db;
    await db.$executeRawUnsafe('UPDATE outbox_event SET published_at = now() WHERE published_at IS NULL');
    const events = Array.from({ length: 20 }, () => registered());
    await db.$transaction((tx) => enqueue(tx, events));
    let sends = 0;
    const failing = new OutboxRelay({
      db, kafka, logger, topicFor: () => topic, batchSize: 4,
      hooks: { afterSend: () => { if (++sends === 3) throw new Error('lost after the third ack'); } },
    });
    await expect(failing.drainOnce()).rejects.toThrow('lost after the third ack');
    await failing.stop();
    const rows = await db.$queryRawUnsafe<OutboxRow[]>(
      `SELECT id, published_at, attempts, last_error FROM outbox_event WHERE id = ANY($1::text[]) ORDER BY seq`, events.map((e) => e.id));
    expect(rows.map((r) => r.published_at !== null)).toEqual([...Array(8).fill(true), ...Array(12).fill(false)]);
    expect(rows.map((r) => r.attempts)).toEqual([...Array(12).fill(1), ...Array(8).fill(0)]);
    expect(rows[8]?.last_error).toContain('lost after the third ack');

    const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, batchSize: 4 });
    expect(await relay.drainOnce()).toBe(12);
    await relay.stop();
    // 8 + 4 (the failed batch, acknowledged) + 12: in order, the failed batch's events twice.
    const messages = await collectMessages(kafka, topic, 24);
    const ids = events.map((e) => e.id);
    expect(messages.map((m) => m.headers?.['ce_id']?.toString())).toEqual([...ids.slice(0, 12), ...ids.slice(8)]);
  });

  it('with `listen`, an idle relay wakes on the NOTIFY of a committed enqueue (no poll within the test)', async () => {
    const topic = await uniqueTopic(kafka, 'test.eventbus', 1);
    created.push(topic);
    const db = database.db;
    await db.$executeRawUnsafe('UPDATE outbox_event SET published_at = now() WHERE published_at IS NULL');
    const relay = new OutboxRelay({ db, kafka, logger, topicFor: () => topic, pollIntervalMs: 600_000, listen: { connectionString: database.url } });
    relay.start();
    await new Promise((r) => setTimeout(r, 1_500)); // the startup round ran; the relay now sleeps for 10 minutes
    // A rolled-back enqueue notifies nobody and publishes nothing; a committed one wakes the relay.
    await expect(db.$transaction(async (tx) => { await enqueue(tx, registered()); throw new Error('rollback'); })).rejects.toThrow('rollback');
    const event = registered();
    await db.$transaction((tx) => enqueue(tx, event));
    await waitFor(async () => (await relay.pendingCount()) === 0, 5_000, 'relay woken by NOTIFY');
    await relay.stop();
    const [message] = await collectMessages(kafka, topic, 1);
    expect(message?.headers?.['ce_id']?.toString()).toBe(event.id);
  });
});
