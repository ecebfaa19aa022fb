// One interaction service per test file: a fresh migrated database, the real broker, the app built as
// main.ts builds it, a relay publishing its outbox — and the real customer service beside it (its own
// fresh database, listening on a free port) that the interaction service asks over HTTP.
import { topics } from '@crm/contracts';
import { createKafka, ensureTopics, OutboxRelay } from '@crm/event-bus';
import { signToken, type Role } from '@crm/service-kit';
import { testDatabase, testKafka } from '@crm/testing';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp as buildCustomerApp } from '../../../customer/src/app.ts';
import { createPrisma as createCustomerPrisma } from '../../../customer/src/db.ts';
import { buildApp } from '../../src/app.ts';
import { httpCustomerDirectory } from '../../src/application/customer-directory.ts';
import { createPrisma } from '../../src/db.ts';

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));
const customerMigrations = fileURLToPath(new URL('../../../customer/prisma/migrations', import.meta.url));

/** The real customer service in-process on a fresh database, listening on a free port. */
export async function startCustomerService(logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })) {
  const database = await testDatabase({ service: 'customer', migrationsDir: customerMigrations });
  const db = createCustomerPrisma(database.url);
  const app = buildCustomerApp({ db, jwtSecret: JWT_SECRET, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    db,
    url,
    async close() {
      await app.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export async function startInteractionService(options: { relay?: boolean; importBatchSize?: number } = {}) {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const customers = await startCustomerService(logger);
  const database = await testDatabase({ service: 'interaction', migrationsDir });
  const { brokers } = await testKafka();
  const kafka = createKafka({ brokers, clientId: 'interaction-test', logger });
  await ensureTopics(kafka, topics);
  const db = createPrisma(database.url);
  const directory = httpCustomerDirectory({ baseUrl: customers.url, jwtSecret: JWT_SECRET });
  const app = buildApp({ db, directory, jwtSecret: JWT_SECRET, logger, ...(options.importBatchSize ? { importBatchSize: options.importBatchSize } : {}) });
  await app.ready();
  const relay = options.relay === false ? null : new OutboxRelay({ db, kafka, logger, pollIntervalMs: 20 });
  await relay?.start();
  const token = (role: Role, sub = `${role}-1`) => signToken({ sub, roles: [role] }, JWT_SECRET);

  return {
    app,
    db,
    kafka,
    brokers,
    database,
    directory,
    customers,
    logger,
    token,
    /** Creates a customer in the customer service; returns its id. */
    async newCustomer(): Promise<string> {
      const res = await customers.app.inject({ method: 'POST', url: '/v1/customers', headers: bearer(token('agent')), payload: { firstName: 'Test' } });
      if (res.statusCode !== 201) throw new Error(`customer create: ${res.statusCode} ${res.body}`);
      return res.json().id as string;
    },
    async close() {
      await relay?.stop();
      await app.close();
      await db.$disconnect();
      await database.drop();
      await customers.close();
    },
  };
}

export type InteractionService = Awaited<ReturnType<typeof startInteractionService>>;

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

export const unique = () => Math.random().toString(36).slice(2, 10);
