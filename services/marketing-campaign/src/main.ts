// Composition root: read config, build the parts, start them, close them in order on SIGTERM.
import { createConsumer, createKafka, OutboxRelay } from '@crm/event-bus';
import { loadConfig, runService } from '@crm/service-kit';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { syncJourneyDefinitions } from './application/journeys.ts';
import { Scheduler } from './application/scheduler.ts';
import { marketingConfig } from './config.ts';
import { createPrisma } from './db.ts';
import { createDelivery } from './delivery/index.ts';
import { batchHandlers, onProfileTombstone, subscribedTopics, subscriptions } from './events/subscriptions.ts';

const config = loadConfig(marketingConfig);
const logger = pino({ name: config.SERVICE_NAME, level: config.LOG_LEVEL });
const db = createPrisma(config.DATABASE_URL);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'crm-marketing-campaign', logger });
const admin = kafka.admin();
await admin.connect();

const production = process.env.NODE_ENV === 'production';
const app = buildApp({
  db,
  jwtSecret: config.JWT_SECRET,
  logger,
  bodyLimit: config.BODY_LIMIT_BYTES,
  devSink: !production,
  readiness: [{ name: 'kafka', check: async () => void (await admin.describeCluster()) }],
});
const delivery = createDelivery({
  smtpHost: config.SMTP_HOST,
  smtpPort: config.SMTP_PORT,
  mailFrom: config.MAIL_FROM,
  providerUrl: config.PROVIDER_URL ?? `http://127.0.0.1:${config.PORT}/v1/dev/sink`,
});
// LISTEN/NOTIFY wakes the relay on commit, so an event reaches Kafka in milliseconds rather than a poll later.
const relay = new OutboxRelay({ db, kafka, logger, registry: app.metrics, listen: { connectionString: config.DATABASE_URL } });
const consumer = createConsumer({
  kafka,
  groupId: 'crm-marketing-campaign',
  topics: subscribedTopics,
  transaction: (fn) => db.$transaction(fn, { timeout: 60_000 }),
  handlers: subscriptions,
  batchHandlers,
  onTombstone: (key, tx) => onProfileTombstone(key, tx),
  logger,
  registry: app.metrics,
});
const scheduler = new Scheduler({ db, delivery, logger, intervalMs: config.SCHEDULER_INTERVAL_MS });

await syncJourneyDefinitions(db);
await relay.start();
await consumer.start();
scheduler.start();
await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [() => scheduler.stop(), () => consumer.stop(), () => relay.stop(), () => delivery.close(), () => admin.disconnect(), () => db.$disconnect()],
});
