// Composition root: read config, build the parts, start them, close them in order on SIGTERM.
import { createConsumer, createKafka, OutboxRelay } from '@crm/event-bus';
import { loadConfig, runService } from '@crm/service-kit';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { httpCustomerDirectory } from './application/customer-directory.ts';
import { interactionConfig } from './config.ts';
import { createPrisma } from './db.ts';
import { customerEventHandlers, customerTopics, INGEST_MAX_ATTEMPTS, ingestHandlers, ingestTopics } from './events/subscriptions.ts';

const config = loadConfig(interactionConfig);
const logger = pino({ name: config.SERVICE_NAME, level: config.LOG_LEVEL });
const db = createPrisma(config.DATABASE_URL);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'crm-interaction', logger });
const admin = kafka.admin();
await admin.connect();
const directory = httpCustomerDirectory({ baseUrl: config.CUSTOMER_SERVICE_URL, jwtSecret: config.JWT_SECRET, serviceToken: config.SERVICE_TOKEN });

const app = buildApp({
  db,
  directory,
  jwtSecret: config.JWT_SECRET,
  logger,
  bodyLimit: config.BODY_LIMIT_BYTES,
  importBatchSize: config.IMPORT_BATCH_SIZE,
  readiness: [{ name: 'kafka', check: async () => void (await admin.describeCluster()) }],
});
const transaction = <R>(fn: (tx: Parameters<Parameters<typeof db.$transaction>[0]>[0]) => Promise<R>) => db.$transaction(fn, { timeout: 60_000 });
// LISTEN/NOTIFY wakes the relay on commit, so an event reaches Kafka in milliseconds rather than a poll later.
const relay = new OutboxRelay({ db, kafka, logger, registry: app.metrics, listen: { connectionString: config.DATABASE_URL } });
const customerEvents = createConsumer({ kafka, groupId: 'crm-interaction', topics: customerTopics, transaction, handlers: customerEventHandlers, logger, registry: app.metrics });
const ingest = createConsumer({
  kafka,
  groupId: 'crm-interaction-ingest',
  topics: ingestTopics,
  transaction,
  handlers: ingestHandlers(directory),
  maxAttempts: INGEST_MAX_ATTEMPTS,
  logger,
  registry: app.metrics,
});

await relay.start();
await customerEvents.start();
await ingest.start();
await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [() => ingest.stop(), () => customerEvents.stop(), () => relay.stop(), () => admin.disconnect(), () => db.$disconnect()],
});
