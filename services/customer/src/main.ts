// Composition root: read config, build the parts, start them, close them in order on SIGTERM.
import { createConsumer, createKafka, OutboxRelay } from '@crm/event-bus';
import { loadConfig, parseBrokers, runService } from '@crm/service-kit';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { customerConfig } from './config.ts';
import { createPrisma } from './db.ts';
import { subscribedTopics, subscriptions } from './events/subscriptions.ts';

const config = loadConfig(customerConfig);
const logger = pino({ name: config.SERVICE_NAME, level: config.LOG_LEVEL });
const db = createPrisma(config.DATABASE_URL);
const kafka = createKafka({ brokers: parseBrokers(config.KAFKA_BROKERS), clientId: 'crm-customer', logger });
const admin = kafka.admin();
await admin.connect();

const app = buildApp({
  db,
  jwtSecret: config.JWT_SECRET,
  logger,
  bodyLimit: config.BODY_LIMIT_BYTES,
  readCacheTtlMs: config.CUSTOMER_CACHE_TTL_MS,
  readiness: [{ name: 'kafka', check: async () => void (await admin.describeCluster()) }],
});
// LISTEN/NOTIFY wakes the relay on commit, so an event reaches Kafka in milliseconds rather than a poll later.
const relay = new OutboxRelay({ db, kafka, logger, registry: app.metrics, listen: { connectionString: config.DATABASE_URL } });
const consumer = createConsumer({
  kafka,
  groupId: 'crm-customer',
  topics: subscribedTopics,
  transaction: (fn) => db.$transaction(fn, { timeout: 30_000 }),
  handlers: subscriptions,
  logger,
  registry: app.metrics,
});

await relay.start();
await consumer.start();
await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [() => consumer.stop(), () => relay.stop(), () => admin.disconnect(), () => db.$disconnect()],
});
