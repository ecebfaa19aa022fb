// The interaction service seen from Kafka: integrators' commands on the ingest topic (recorded exactly
// once, invalid ones dead-lettered with the reason), customer merges and erasures, and what an
// independent subscriber reads on crm.interaction. Ingest and customer topics are per-file copies so that
// other runs' messages on the shared broker cannot interfere; published events go to the real topic.
import {
  createEvent, customerErased, customerMerged, recordInteractionCommand, recordPurchaseCommand, toKafkaMessage, type CloudEvent,
} from '@crm/contracts';
import { createConsumer, type EventConsumer } from '@crm/event-bus';
import { collectMessages, createTopics } from '@crm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerEventHandlers, INGEST_MAX_ATTEMPTS, ingestHandlers } from '../../src/events/subscriptions.ts';
import { bearer, startInteractionService, unique, type InteractionService } from './harness.ts';

let svc: InteractionService;
const run = unique();
const ingestTopic = `crm.interaction.ingest.t${run}`;
const customerTopic = `crm.customer.t${run}`;
const consumers: EventConsumer[] = [];

beforeAll(async () => {
  svc = await startInteractionService();
  await createTopics(svc.brokers, [ingestTopic, `${ingestTopic}.dlq`, customerTopic, `${customerTopic}.dlq`]);
  const transaction = <R>(fn: (tx: never) => Promise<R>) => svc.db.$transaction(fn as never, { timeout: 30_000 }) as Promise<R>;
  consumers.push(
    createConsumer({ kafka: svc.kafka, groupId: `interaction-ingest-${run}`, topics: [ingestTopic], transaction, handlers: ingestHandlers(svc.directory), maxAttempts: INGEST_MAX_ATTEMPTS, logger: svc.logger }),
    createConsumer({ kafka: svc.kafka, groupId: `interaction-customer-${run}`, topics: [customerTopic], transaction, handlers: customerEventHandlers, logger: svc.logger }),
  );
  for (const c of consumers) await c.start();
}, 90_000);
afterAll(async () => {
  for (const c of consumers) await c.stop();
  await svc?.close();
});

async function publish(topic: string, events: CloudEvent[]) {
  const producer = svc.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: events.map((e) => toKafkaMessage(e)) });
  await producer.disconnect();
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    v = await fn();
  }
  return v;
}

const command = (def: typeof recordPurchaseCommand | typeof recordInteractionCommand, subject: string, data: unknown) =>
  createEvent(def as typeof recordPurchaseCommand, { source: '/shop/test', subject, data: data as never });

describe('ingest topic', () => {
  it('records a valid purchase command once even when published twice, and publishes crm.purchase.recorded', async () => {
    const orderId = `ord-${unique()}`;
    const cmd = command(recordPurchaseCommand, orderId, {
      orderId, customerExternalId: { system: 'shop', id: `sh-${unique()}` }, amount: '19.99', currency: 'EUR', occurredAt: '2025-05-01T10:00:00Z', channel: 'web',
      lines: [{ sku: 'A-1', quantity: 1, unitPrice: '19.99' }],
    });
    // the same command twice, and the same order under a new event id (an integrator's retry)
    const retry = command(recordPurchaseCommand, orderId, cmd.data);
    await publish(ingestTopic, [cmd, cmd, retry]);
    const rows = await until(() => svc.db.purchase.findMany({ where: { orderId } }), (r) => r.length > 0);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sourceSystem: 'shop', source: 'ingest', channel: 'web' });
    await until(() => svc.db.processedEvent.count({ where: { eventId: retry.id } }), (n) => n === 1);
    expect(await svc.db.purchase.count({ where: { orderId } })).toBe(1);
    const published = await collectMessages({ brokers: svc.brokers, topic: 'crm.interaction', count: 1, where: (m) => m.key === rows[0]!.customerId });
    expect(published[0]!.value).toMatchObject({ type: 'crm.purchase.recorded.v1', data: { orderId, amount: '19.99', source: 'ingest' }, causationid: cmd.id });
  });

  it('records an interaction command once (by external id)', async () => {
    const customerId = await svc.newCustomer();
    const externalId = `call-${unique()}`;
    const cmd = command(recordInteractionCommand, customerId, { externalId, customerId, channel: 'phone', direction: 'inbound', kind: 'call', occurredAt: '2025-05-02T08:00:00Z', handleSeconds: 120, firstContactResolution: true });
    await publish(ingestTopic, [cmd, command(recordInteractionCommand, customerId, cmd.data)]);
    const rows = await until(() => svc.db.interaction.findMany({ where: { customerId } }), (r) => r.length > 0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await svc.db.interaction.count({ where: { customerId } })).toBe(1);
    expect(rows[0]).toMatchObject({ externalId, source: 'ingest', handleSeconds: 120, subject: null });
  });

  it('dead-letters invalid commands with the reason in the headers and records nothing', async () => {
    const badSchema = createEvent(recordPurchaseCommand, { source: '/shop/test', subject: 'x', data: { orderId: `neg-${unique()}`, customerExternalId: { system: 'shop', id: 'a' }, amount: '1.00', currency: 'EUR', occurredAt: '2025-05-01T10:00:00Z' } });
    // a negative amount cannot pass createEvent: tamper with the envelope the way a buggy integrator would
    const negative = { ...badSchema, data: { ...badSchema.data, amount: '-1.00' } } as CloudEvent;
    const unknownCustomer = command(recordPurchaseCommand, 'y', { orderId: `unk-${unique()}`, customerId: 'cus_00000000000000000000000000', amount: '5.00', currency: 'EUR', occurredAt: '2025-05-01T10:00:00Z' });
    const badCurrency = command(recordPurchaseCommand, 'z', { orderId: `cur-${unique()}`, customerExternalId: { system: 'shop', id: 'b' }, amount: '5.00', currency: 'XYZ', occurredAt: '2025-05-01T10:00:00Z' });
    const unknownChannel = { ...unknownCustomer, id: `evt_${unique()}`, data: { ...(unknownCustomer.data as object), orderId: `chn-${unique()}`, channel: 'telepathy' } } as CloudEvent;
    await publish(ingestTopic, [negative, unknownCustomer, badCurrency, unknownChannel]);

    const dead = await collectMessages({ brokers: svc.brokers, topic: `${ingestTopic}.dlq`, count: 4, timeoutMs: 30_000 });
    const byId = new Map(dead.map((m) => [m.headers.ce_id, m.headers]));
    expect(byId.get(negative.id)?.['x-error']).toMatch(/amount/);
    expect(byId.get(unknownCustomer.id)?.['x-error']).toMatch(/customer cus_0+ is not known/);
    expect(byId.get(badCurrency.id)?.['x-error']).toMatch(/currency/);
    expect(byId.get(unknownChannel.id)?.['x-error']).toMatch(/channel/);
    for (const h of byId.values()) expect(h['x-original-topic']).toBe(ingestTopic);
    expect(await svc.db.purchase.count({ where: { OR: [{ orderId: { startsWith: 'neg-' } }, { orderId: { startsWith: 'unk-' } }, { orderId: { startsWith: 'cur-' } }, { orderId: { startsWith: 'chn-' } }] } })).toBe(0);
  });
});

describe('customer events', () => {
  it('a merge re-keys interactions, purchases, refunds and surveys to the survivor; the old id finds the timeline', async () => {
    const agent = bearer(svc.token('agent'));
    const [survivor, merged] = [await svc.newCustomer(), await svc.newCustomer()];
    await svc.app.inject({ method: 'POST', url: '/v1/interactions', headers: agent, payload: { customerId: merged, channel: 'chat', direction: 'inbound', kind: 'message', occurredAt: '2025-01-01T00:00:00Z' } });
    const p = (await svc.app.inject({ method: 'POST', url: '/v1/purchases', headers: agent, payload: { orderId: `m-${unique()}`, customerId: merged, amount: '3.00', currency: 'EUR', occurredAt: '2025-01-02T00:00:00Z' } })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/purchases/${p.id}/refunds`, headers: agent, payload: { amount: '1.00', reason: 'other' } });
    await svc.app.inject({ method: 'POST', url: '/v1/surveys', headers: agent, payload: { customerId: merged, kind: 'csat', score: 5 } });

    await publish(customerTopic, [createEvent(customerMerged, { source: '/crm/customer', subject: merged, data: { survivorId: survivor, mergedId: merged } })]);
    const tl = await until(
      async () => (await svc.app.inject({ method: 'GET', url: `/v1/customers/${survivor}/timeline`, headers: agent })).json().items as unknown[],
      (items) => items.length === 4,
    );
    expect(tl).toHaveLength(4);
    const viaOld = (await svc.app.inject({ method: 'GET', url: `/v1/customers/${merged}/timeline`, headers: agent })).json();
    expect(viaOld.customerId).toBe(survivor);
    expect(viaOld.items).toHaveLength(4);
    // a write naming the merged id lands on the survivor
    const later = await svc.app.inject({ method: 'POST', url: '/v1/surveys', headers: agent, payload: { customerId: merged, kind: 'nps', score: 7 } });
    expect(later.json().customerId).toBe(survivor);
  });

  it('an erasure deletes subjects, summaries and comments (also in revisions), keeps amounts, and confirms', async () => {
    const agent = bearer(svc.token('agent'));
    const marker = `secret${unique()}`;
    const c = await svc.newCustomer();
    const i = (await svc.app.inject({ method: 'POST', url: '/v1/interactions', headers: { ...agent, 'idempotency-key': `e-${marker}` }, payload: { customerId: c, channel: 'email', direction: 'inbound', kind: 'message', subject: `${marker} subject`, summary: `${marker} summary`, occurredAt: '2025-01-01T00:00:00Z' } })).json();
    await svc.app.inject({ method: 'PATCH', url: `/v1/interactions/${i.id}`, headers: { ...agent, 'if-match': 'W/"1"' }, payload: { summary: `${marker} corrected` } });
    await svc.app.inject({ method: 'POST', url: '/v1/surveys', headers: agent, payload: { customerId: c, kind: 'csat', score: 2, comment: `${marker} comment` } });
    const p = (await svc.app.inject({ method: 'POST', url: '/v1/purchases', headers: agent, payload: { orderId: `e-${unique()}`, customerId: c, amount: '42.00', currency: 'EUR', occurredAt: '2025-01-02T00:00:00Z' } })).json();

    const erasedAt = new Date().toISOString();
    await publish(customerTopic, [createEvent(customerErased, { source: '/crm/customer', subject: c, data: { customerId: c, erasedAt } })]);
    await until(() => svc.db.interaction.findUniqueOrThrow({ where: { id: i.id } }), (r) => r.subject === null);

    const tables = await svc.db.$queryRawUnsafe<{ table_name: string }[]>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    for (const { table_name } of tables) {
      const hits = await svc.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}" t WHERE t::text ILIKE $1`, `%${marker}%`);
      expect(Number(hits[0]!.n), `table ${table_name}`).toBe(0);
    }
    expect((await svc.db.purchase.findUniqueOrThrow({ where: { id: p.id } })).amount.toFixed(2)).toBe('42.00');
    expect(await svc.db.interactionRevision.count({ where: { interactionId: i.id } })).toBe(1);
    // later writes for the erased customer are refused
    expect((await svc.app.inject({ method: 'POST', url: '/v1/surveys', headers: agent, payload: { customerId: c, kind: 'csat', score: 3 } })).statusCode).toBe(404);

    const confirmed = await collectMessages({ brokers: svc.brokers, topic: 'crm.interaction', count: 1, timeoutMs: 20_000, where: (m) => m.key === c && (m.value as { type: string }).type === 'crm.interaction.erasure_confirmed.v1' });
    expect(confirmed[0]!.value).toMatchObject({ data: { customerId: c, erasedAt } });
    const all = await collectMessages({ brokers: svc.brokers, topic: 'crm.interaction', count: Number.MAX_SAFE_INTEGER, timeoutMs: 3_000, allowFewer: true, where: (m) => m.key === c });
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(all)).not.toContain(marker);
  });
});
