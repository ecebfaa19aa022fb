// Composition root: read config, build the parts, start them, close them in order on SIGTERM.
import { createKafka, OutboxRelay } from '@crm/event-bus';
import { loadConfig, runService } from '@crm/service-kit';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { Projector } from './application/projector.ts';
import { ValueScheduler } from './application/scheduler.ts';
import { recomputeValues } from './application/value.ts';
import { analyticsConfig } from './config.ts';
import { createPrisma } from './db.ts';
import { defaultProjectionTopics } from './events/topics.ts';

const config = loadConfig(analyticsConfig);
const logger = pino({ name: config.SERVICE_NAME, level: config.LOG_LEVEL });
const db = createPrisma(config.DATABASE_URL);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'crm-analytics', logger });
const admin = kafka.admin();
await admin.connect();

const settings = { horizonMonths: config.CLV_HORIZON_MONTHS, monthlyDiscountRate: config.CLV_MONTHLY_DISCOUNT_RATE, defaultCurrency: config.DEFAULT_CURRENCY };
// The scheduler asks the projector whether a rebuild is replaying (values wait for the full replay).
const ref: { projector?: Projector } = {};
const scheduler = new ValueScheduler(
  (asOf) => recomputeValues(db, settings, { logger, ...(asOf ? { asOf } : {}) }),
  config.RECOMPUTE_INTERVAL_MS,
  logger,
  () => ref.projector?.isReplaying() ?? false,
);
const projector = new Projector({
  db, kafka, logger, topics: defaultProjectionTopics, groupPrefix: config.PROJECTION_GROUP,
  concurrency: config.PROJECTION_CONCURRENCY, afterRebuild: () => scheduler.run(),
});
ref.projector = projector;
const app = buildApp({
  db,
  jwtSecret: config.JWT_SECRET,
  projector,
  recompute: (asOf) => scheduler.run(asOf),
  logger,
  bodyLimit: config.BODY_LIMIT_BYTES,
  readiness: [{ name: 'kafka', check: async () => void (await admin.describeCluster()) }],
});
// LISTEN/NOTIFY wakes the relay on commit, so an event reaches Kafka in milliseconds rather than a poll later.
const relay = new OutboxRelay({ db, kafka, logger, registry: app.metrics, listen: { connectionString: config.DATABASE_URL } });

await relay.start();
await projector.start();
scheduler.start();
await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [() => scheduler.stop(), () => projector.stop(), () => relay.stop(), () => admin.disconnect(), () => db.$disconnect()],
});
