// What the ticketing service does with the events it consumes, through the real broker: an inbound
// complaint opens exactly one ticket even when delivered twice; a merge re-keys tickets; an erasure
// deletes the texts, keeps the numbers and is confirmed on crm.ticket.
import { createEvent, customerErased, customerMerged, interactionRecorded, newId, toKafkaMessage } from '@crm/contracts';
import { createConsumer } from '@crm/event-bus';
import { collectMessages } from '@crm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribedTopics, subscriptions } from '../../src/events/subscriptions.ts';
import { bearer, logger, startTicketingService, unique, waitFor, type TicketingService } from './harness.ts';

let svc: TicketingService;
let agent: Record<string, string>;
let consumer: ReturnType<typeof createConsumer>;

beforeAll(async () => {
  svc = await startTicketingService();
  agent = bearer(svc.token('agent'));
  consumer = createConsumer({
    kafka: svc.kafka,
    groupId: `ticketing-test-${unique()}`,
    topics: subscribedTopics,
    transaction: (fn) => svc.db.$transaction(fn),
    handlers: subscriptions,
    logger,
    fromBeginning: false,
  });
  await consumer.start();
}, 90_000);
afterAll(async () => {
  await consumer?.stop();
  await svc?.close();
});

async function send(topic: string, events: Parameters<typeof toKafkaMessage>[0][]) {
  const producer = svc.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: events.map((e) => toKafkaMessage(e)) });
  await producer.disconnect();
}

const interaction = (customerId: string, over: Record<string, unknown> = {}) =>
  createEvent(interactionRecorded, {
    source: '/crm/interaction',
    subject: customerId,
    data: { interactionId: newId('int'), customerId, channel: 'phone', direction: 'inbound', kind: 'call', occurredAt: new Date().toISOString(), intent: 'complaint', ...over } as never,
  });

describe('consumed events', () => {
  it('an inbound complaint opens exactly one ticket, even when the event is delivered twice (and twice more as a copy)', async () => {
    const customerId = newId('cus');
    const complaint = interaction(customerId);
    // the same interaction again under a new event id (e.g. re-published by the producer): still one ticket
    const copy = createEvent(interactionRecorded, { source: '/crm/interaction', subject: customerId, data: complaint.data });
    const outbound = interaction(customerId, { direction: 'outbound' });
    const inquiry = interaction(customerId, { intent: 'inquiry' });
    const request = interaction(customerId, { intent: 'request', channel: 'email', kind: 'message' });
    await send('crm.interaction', [complaint, complaint, outbound, inquiry, copy, request, request]);

    const tickets = await waitFor(() => svc.db.ticket.findMany({ where: { customerId }, orderBy: { createdAt: 'asc' } }), (t) => t.length >= 2);
    await new Promise((r) => setTimeout(r, 1_000)); // give stray duplicates a chance to show up
    const all = await svc.db.ticket.findMany({ where: { customerId }, orderBy: { createdAt: 'asc' } });
    expect(all.map((t) => [t.originInteractionId, t.category, t.priority, t.channel])).toEqual([
      [complaint.data.interactionId, 'complaint', 'P2', 'phone'],
      [request.data.interactionId, 'request', 'P3', 'email'],
    ]);
    expect(tickets[0]!.status).toBe('new');

    const opened = await collectMessages({ brokers: svc.brokers, topic: 'crm.ticket', count: 10, timeoutMs: 6_000, allowFewer: true, where: (m) => m.key === customerId });
    expect(opened.map((m) => (m.value as { type: string }).type)).toEqual(['crm.ticket.opened.v1', 'crm.ticket.opened.v1']);
    expect((opened[0]!.value as { data: { originInteractionId: string } }).data.originInteractionId).toBe(complaint.data.interactionId);
  });

  it('a merge re-keys the merged customer\'s tickets to the survivor', async () => {
    const survivorId = newId('cus');
    const mergedId = newId('cus');
    const t = (await svc.app.inject({ method: 'POST', url: '/v1/tickets', headers: agent, payload: { customerId: mergedId, subject: 'Hello' } })).json();
    await send('crm.customer', [createEvent(customerMerged, { source: '/crm/customer', subject: mergedId, data: { survivorId, mergedId } })]);
    const row = await waitFor(() => svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } }), (r) => r.customerId === survivorId);
    expect(row.customerId).toBe(survivorId);
    const history = (await svc.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/history`, headers: agent })).json().items;
    expect(history.at(-1)).toMatchObject({ field: 'customer', from: mergedId, to: survivorId });
  });

  it('an erasure deletes the texts of the customer\'s tickets, keeps the numbers, and is confirmed', async () => {
    const customerId = newId('cus');
    const marker = `secret${unique()}`;
    const integrator = bearer(svc.token('integrator'));
    const t = (await svc.app.inject({ method: 'POST', url: '/v1/tickets', headers: { ...agent, 'idempotency-key': `k-${marker}` }, payload: { customerId, subject: `About ${marker}`, description: `My ${marker} story` } })).json();
    await svc.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/replies`, headers: { ...agent, 'idempotency-key': `r-${marker}` }, payload: { body: `Re ${marker}` } });
    expect(await svc.db.idempotencyKey.count({ where: { key: { in: [`k-${marker}`, `r-${marker}`] } } })).toBe(2);
    await svc.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/notes`, headers: agent, payload: { body: `note ${marker}` } });
    await svc.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/resolve`, headers: agent, payload: {} });
    expect((await svc.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/satisfaction`, headers: integrator, payload: { rating: 2, comment: `bad ${marker}` } })).statusCode).toBe(201);

    const erasedAt = new Date().toISOString();
    await send('crm.customer', [createEvent(customerErased, { source: '/crm/customer', subject: customerId, data: { customerId, erasedAt } })]);
    await waitFor(() => svc.db.ticket.findUniqueOrThrow({ where: { id: t.id } }), (r) => r.erasedAt !== null);

    const tables = await svc.db.$queryRawUnsafe<{ table_name: string }[]>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    for (const { table_name } of tables) {
      const hits = await svc.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}" t WHERE t::text ILIKE $1`, `%${marker}%`);
      expect(Number(hits[0]!.n), `table ${table_name}`).toBe(0);
    }
    const view = (await svc.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}`, headers: agent })).json();
    expect(view).toMatchObject({ subject: null, description: null, status: 'resolved', customerId });
    expect(view.messages).toHaveLength(2);
    expect(await svc.db.satisfactionRating.findUnique({ where: { ticketId: t.id } })).toMatchObject({ rating: 2, comment: null });

    const confirmed = await collectMessages({ brokers: svc.brokers, topic: 'crm.ticket', count: 1, timeoutMs: 15_000, where: (m) => m.key === customerId && (m.value as { type: string }).type === 'crm.ticket.erasure_confirmed.v1' });
    expect((confirmed[0]!.value as { data: { customerId: string; erasedAt: string } }).data).toMatchObject({ customerId, erasedAt });
  });
});
