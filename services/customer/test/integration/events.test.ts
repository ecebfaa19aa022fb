// The customer service seen from Kafka: what an independent subscriber reads after HTTP calls, what the
// service does with the events it consumes, and what is left of a customer after erasure.
import { churnRiskRaised, createEvent, newId, parseEvent, purchaseRecorded, toKafkaMessage } from '@crm/contracts';
import { createConsumer } from '@crm/event-bus';
import { collectMessages } from '@crm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribedTopics, subscriptions } from '../../src/events/subscriptions.ts';
import { bearer, startCustomerService, type CustomerService } from './harness.ts';

let svc: CustomerService;
let agent: Record<string, string>;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  svc = await startCustomerService();
  agent = bearer(svc.token('agent'));
}, 60_000);
afterAll(async () => svc?.close());

async function eventsFor(topic: string, key: string, count: number, timeoutMs = 15_000) {
  return collectMessages({ brokers: svc.brokers, topic, count, timeoutMs, fromBeginning: true, where: (m) => m.key === key });
}

describe('events', () => {
  it('a customer created over HTTP becomes a CloudEvent on crm.customer that an independent subscriber reads', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/customers', headers: { ...agent, 'x-request-id': `req-${unique()}` }, payload: { firstName: 'Eve', emails: [{ address: `eve.${unique()}@example.com` }] } });
    expect(res.statusCode).toBe(201);
    const id = res.json().id;
    const [message] = await eventsFor('crm.customer', id, 1);
    expect(message).toBeDefined();
    const event = parseEvent(message!.value);
    expect(event).toMatchObject({ specversion: '1.0', type: 'crm.customer.registered.v1', source: '/crm/customer', subject: id, correlationid: res.headers['x-request-id'] });
    expect(message!.headers['content-type']).toBe('application/cloudevents+json');
    expect(message!.headers.ce_type).toBe('crm.customer.registered.v1');
    // history carries no contact data
    expect(JSON.stringify(message!.value)).not.toContain('Eve');
    const [profile] = await eventsFor('crm.customer.profile', id, 1);
    expect(JSON.stringify(profile!.value)).toContain('Eve');
  });

  it('a first purchase moves a prospect to new, once, even when the event is delivered twice', async () => {
    const c = (await svc.app.inject({ method: 'POST', url: '/v1/customers', headers: agent, payload: { firstName: 'Bo', emails: [{ address: `bo.${unique()}@example.com` }] } })).json();
    const purchase = createEvent(purchaseRecorded, {
      source: '/crm/interaction',
      subject: c.id,
      data: { purchaseId: newId('pur'), orderId: `o-${unique()}`, customerId: c.id, amount: '10.00', currency: 'EUR', occurredAt: new Date().toISOString(), channel: 'web', lineCount: 1, source: 'api' },
    });
    const risk = createEvent(churnRiskRaised, {
      source: '/crm/analytics',
      subject: c.id,
      data: { customerId: c.id, level: 'high', previousLevel: 'medium', probabilityAlive: 0.2, recencyDays: 200 },
    });
    // The topics are shared with every other test: the group's offsets are set to their current end before
    // it starts, so it sees exactly what follows (no race between joining the group and producing).
    const groupId = `customer-test-${unique()}`;
    const admin = svc.kafka.admin();
    await admin.connect();
    for (const topic of subscribedTopics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
    await admin.disconnect();
    const consumer = createConsumer({
      kafka: svc.kafka,
      groupId,
      topics: subscribedTopics,
      transaction: (fn) => svc.db.$transaction(fn),
      handlers: subscriptions,
      logger: (await import('pino')).pino({ level: 'silent' }),
    });
    await consumer.start();
    const producer = svc.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'crm.interaction', messages: [toKafkaMessage(purchase), toKafkaMessage(purchase)] });
    await producer.send({ topic: 'crm.analytics', messages: [toKafkaMessage(risk)] });
    await producer.disconnect();
    try {
      const deadline = Date.now() + 20_000;
      let history: { to: string; reason: string }[] = [];
      while (Date.now() < deadline) {
        history = (await svc.app.inject({ method: 'GET', url: `/v1/customers/${c.id}/stage-history`, headers: agent })).json().items;
        if (history.length >= 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(history.map((h) => `${h.to}:${h.reason}`)).toEqual(['prospect:registered', 'new:first_purchase', 'at_risk:churn_risk_raised']);
      const row = await svc.db.customer.findUniqueOrThrow({ where: { id: c.id } });
      expect(row.purchaseCount).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it('after erasure neither the API, the database nor any history topic yields the personal data; the profile topic gets a tombstone', async () => {
    const marker = `erasable${unique()}`;
    const email = `${marker}@example.com`;
    const c = (await svc.app.inject({ method: 'POST', url: '/v1/customers', headers: agent, payload: { firstName: marker, lastName: marker, emails: [{ address: email }], phones: [{ number: '+4915112345678' }], externalIds: [{ source: 'shop', id: marker }], birthday: '1980-01-01' } })).json();
    await svc.app.inject({ method: 'PATCH', url: `/v1/customers/${c.id}`, headers: { ...agent, 'if-match': 'W/"1"' }, payload: { lastName: `${marker}x` } });
    await svc.app.inject({ method: 'POST', url: '/v1/customers/import', headers: { ...bearer(svc.token('integrator')), 'content-type': 'application/x-ndjson' }, payload: JSON.stringify({ firstName: marker, emails: [{ address: email }] }) });
    await eventsFor('crm.customer.profile', c.id, 2);

    const admin = bearer(svc.token('admin'));
    const exported = await svc.app.inject({ method: 'GET', url: `/v1/customers/${c.id}/export`, headers: admin });
    expect(JSON.stringify(exported.json())).toContain(email);

    const erased = await svc.app.inject({ method: 'POST', url: `/v1/customers/${c.id}/erasure`, headers: admin, payload: {} });
    expect(erased.statusCode).toBe(202);

    expect((await svc.app.inject({ method: 'GET', url: `/v1/customers/${c.id}`, headers: agent })).statusCode).toBe(404);
    const search = await svc.app.inject({ method: 'GET', url: `/v1/customers?q=${marker}`, headers: agent });
    expect(search.json().items).toEqual([]);

    // the whole database, every table, as text
    const tables = await svc.db.$queryRawUnsafe<{ table_name: string }[]>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    for (const { table_name } of tables) {
      const hits = await svc.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}" t WHERE t::text ILIKE $1 OR t::text LIKE $2`, `%${marker}%`, '%4915112345678%');
      expect(Number(hits[0]!.n), `table ${table_name}`).toBe(0);
    }

    const profile = await eventsFor('crm.customer.profile', c.id, 3);
    expect(profile.at(-1)!.value).toBeNull();
    const [erasedEvent] = (await eventsFor('crm.customer', c.id, 3)).filter((m) => (m.value as { type: string }).type === 'crm.customer.erased.v1');
    expect(erasedEvent).toBeDefined();
    for (const topic of ['crm.customer', 'crm.interaction', 'crm.ticket', 'crm.marketing', 'crm.analytics']) {
      const all = await collectMessages({ brokers: svc.brokers, topic, count: Number.MAX_SAFE_INTEGER, timeoutMs: 3_000, fromBeginning: true, allowFewer: true });
      expect(JSON.stringify(all), topic).not.toContain(marker);
    }
  });
});
