// One ticketing service per test file: a fresh migrated database, the real broker, the app built as
// main.ts builds it, and a relay publishing its outbox.
import { topics } from '@crm/contracts';
import { createKafka, ensureTopics, OutboxRelay } from '@crm/event-bus';
import { signToken, type Role } from '@crm/service-kit';
import { collectMessages, testDatabase, testKafka } from '@crm/testing';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { createPrisma } from '../../src/db.ts';

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));
export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startTicketingService(options: { relay?: boolean } = {}) {
  const database = await testDatabase({ service: 'ticketing', migrationsDir });
  const { brokers } = await testKafka();
  const kafka = createKafka({ brokers, clientId: 'ticketing-test', logger });
  await ensureTopics(kafka, topics);
  const db = createPrisma(database.url);
  const app = buildApp({ db, jwtSecret: JWT_SECRET, logger });
  await app.ready();
  const relay = options.relay === false ? null : new OutboxRelay({ db, kafka, logger, pollIntervalMs: 20 });
  await relay?.start();

  return {
    app,
    db,
    kafka,
    brokers,
    database,
    token: (role: Role, sub = `${role}-1`) => signToken({ sub, roles: [role] }, JWT_SECRET),
    async close() {
      await relay?.stop();
      await app.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export type TicketingService = Awaited<ReturnType<typeof startTicketingService>>;

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

export const unique = () => Math.random().toString(36).slice(2, 10);

/** Messages on a topic whose key is `key`, read by an independent consumer group, until `count` arrived. */
export async function eventsFor(brokers: string[], topic: string, key: string, count: number, timeoutMs = 20_000) {
  return collectMessages({ brokers, topic, count, timeoutMs, fromBeginning: true, allowFewer: true, where: (m) => m.key === key });
}

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}
