// One customer service per test file: a fresh migrated database, the real broker, the app built as
// main.ts builds it, and a relay publishing its outbox.
import { topics } from '@crm/contracts';
import { createKafka, ensureTopics, OutboxRelay } from '@crm/event-bus';
import { signToken, type Role } from '@crm/service-kit';
import { testDatabase, testKafka } from '@crm/testing';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { createPrisma } from '../../src/db.ts';

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

export async function startCustomerService(options: { relay?: boolean; bodyLimit?: number } = {}) {
  const database = await testDatabase({ service: 'customer', migrationsDir });
  const { brokers } = await testKafka();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const kafka = createKafka({ brokers, clientId: 'customer-test', logger });
  await ensureTopics(kafka, topics);
  const db = createPrisma(database.url);
  const app = buildApp({ db, jwtSecret: JWT_SECRET, logger, ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) });
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

export type CustomerService = Awaited<ReturnType<typeof startCustomerService>>;

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
