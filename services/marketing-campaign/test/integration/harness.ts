// One marketing-campaign service per test file: a fresh migrated database, the real broker, a real SMTP
// catcher (maildev) on free ports, the app built as main.ts builds it, a relay, and (optionally) the
// real consumer on a unique group.
import { createEvent, newId, toKafkaMessage, topicOf, topics, type EventData, type EventDefinition } from '@crm/contracts';
import { createConsumer, createKafka, ensureTopics, OutboxRelay } from '@crm/event-bus';
import { signToken, type Role } from '@crm/service-kit';
import { testDatabase, testKafka } from '@crm/testing';
import { MailDev } from 'maildev';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { syncJourneyDefinitions } from '../../src/application/journeys.ts';
import { createPrisma, type Tx } from '../../src/db.ts';
import { createDelivery, type Delivery } from '../../src/delivery/index.ts';
import { batchHandlers, onProfileTombstone, subscribedTopics, subscriptions } from '../../src/events/subscriptions.ts';

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMarketingService(options: { relay?: boolean; consumer?: boolean } = {}) {
  const database = await testDatabase({ service: 'marketing', migrationsDir });
  const { brokers } = await testKafka();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const kafka = createKafka({ brokers, clientId: 'marketing-test', logger });
  await ensureTopics(kafka, topics);
  const db = createPrisma(database.url, 20);
  await syncJourneyDefinitions(db);
  const app = buildApp({ db, jwtSecret: JWT_SECRET, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const appPort = (app.server.address() as { port: number }).port;

  const smtpPort = await freePort();
  const maildev = new MailDev({ smtp: smtpPort, ip: '127.0.0.1', disableWeb: true, silent: true });
  const servers = await maildev.start();
  const delivery: Delivery = createDelivery({ smtpHost: '127.0.0.1', smtpPort, mailFrom: 'CRM <marketing@crm.local>', providerUrl: `http://127.0.0.1:${appPort}/v1/dev/sink` });

  const relay = options.relay === false ? null : new OutboxRelay({ db, kafka, logger, pollIntervalMs: 20 });
  await relay?.start();
  const groupId = `marketing-test-${Math.random().toString(36).slice(2, 10)}`;
  const consumer = options.consumer
    ? createConsumer({
        kafka,
        groupId,
        topics: subscribedTopics,
        transaction: (fn) => db.$transaction(fn, { timeout: 60_000 }),
        handlers: subscriptions,
        batchHandlers,
        onTombstone: (key, tx) => onProfileTombstone(key, tx),
        logger,
        fromBeginning: false,
      })
    : null;
  await consumer?.start();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  return {
    app,
    db,
    kafka,
    brokers,
    database,
    delivery,
    smtpPort,
    logger,
    groupId,
    /** Every e-mail the SMTP catcher received. */
    mails: () => servers.storage.getAll(),
    token: (role: Role, sub = `${role}-1`) => signToken({ sub, roles: [role] }, JWT_SECRET),
    /** Publish real contract events to their real topics (keyed by subject). */
    async publish(events: ReturnType<typeof createEvent>[]) {
      const byTopic = new Map<string, ReturnType<typeof toKafkaMessage>[]>();
      for (const e of events) {
        const topic = topicOf(e.type);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), toKafkaMessage(e)]);
      }
      for (const [topic, messages] of byTopic) await producer.send({ topic, acks: -1, messages });
    },
    /**
     * Apply events through the handlers directly, in one transaction, as the consumer would: each run of
     * consecutive events of a batched type goes to its batch handler, the others one at a time.
     */
    async handle(events: ReturnType<typeof createEvent>[], opts: { batched?: boolean } = {}) {
      const batched = opts.batched ?? true;
      const ctx = (e: ReturnType<typeof createEvent>) => ({ topic: topicOf(e.type), partition: 0, offset: '0', headers: {} });
      await db.$transaction(async (tx: Tx) => {
        for (let i = 0; i < events.length;) {
          const e = events[i]!;
          const batch = batchHandlers[e.type];
          if (batched && batch) {
            let j = i;
            while (j < events.length && events[j]!.type === e.type) j++;
            await batch(events.slice(i, j).map((event) => ({ event, ctx: ctx(event) })), tx);
            i = j;
          } else {
            await subscriptions[e.type]!(e, tx, ctx(e));
            i++;
          }
        }
      }, { timeout: 120_000 });
    },
    async close() {
      await consumer?.stop();
      await relay?.stop();
      await producer.disconnect();
      await delivery.close();
      await maildev.stop();
      await app.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export type MarketingService = Awaited<ReturnType<typeof startMarketingService>>;


export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

export const ev = <D>(def: EventDefinition<D>, subject: string, data: EventData<EventDefinition<D>>, source = '/crm/test') =>
  createEvent(def, { source, subject, data: data as D });

export { newId };

/** Wait until `check` returns a truthy value (polling). */
export async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, label = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
