// One analytics service per test file: a fresh migrated database, the real broker, isolated copies of
// the topics it reads (so replays see only this file's events), the app built as main.ts builds it.
import { toKafkaMessage, type CloudEvent } from '@crm/contracts';
import { createKafka } from '@crm/event-bus';
import { signToken, type Role } from '@crm/service-kit';
import { createTopics, testDatabase, testKafka } from '@crm/testing';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { Projector } from '../../src/application/projector.ts';
import { ValueScheduler } from '../../src/application/scheduler.ts';
import { recomputeValues, type ValueSettings } from '../../src/application/value.ts';
import { createPrisma } from '../../src/db.ts';
import { topicList, type ProjectionTopics } from '../../src/events/topics.ts';

export const JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));
export const settings: ValueSettings = { horizonMonths: 12, monthlyDiscountRate: 0.01, defaultCurrency: 'EUR' };

export function isolatedTopics(suffix = randomBytes(4).toString('hex')): ProjectionTopics {
  return {
    customer: `crm.customer.${suffix}`,
    profile: `crm.customer.profile.${suffix}`,
    interaction: `crm.interaction.${suffix}`,
    ticket: `crm.ticket.${suffix}`,
  };
}

export async function startAnalytics(options: { topics?: ProjectionTopics; partitions?: number; start?: boolean } = {}) {
  const database = await testDatabase({ service: 'analytics', migrationsDir });
  const { brokers } = await testKafka();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const kafka = createKafka({ brokers, clientId: 'analytics-test', logger });
  const topics = options.topics ?? isolatedTopics();
  const names = topicList(topics);
  await createTopics(brokers, [...names, ...names.map((n) => `${n}.dlq`)], options.partitions ?? 3);
  const db = createPrisma(database.url);
  const groupPrefix = `analytics-test-${randomBytes(4).toString('hex')}`;
  const ref: { projector?: Projector } = {};
  const scheduler = new ValueScheduler((asOf) => recomputeValues(db, settings, { logger, ...(asOf ? { asOf } : {}) }), 0, logger, () => ref.projector?.isReplaying() ?? false);
  const projector = new Projector({ db, kafka, logger, topics, groupPrefix, concurrency: 3, afterRebuild: () => scheduler.run() });
  ref.projector = projector;
  const app = buildApp({ db, jwtSecret: JWT_SECRET, projector, recompute: (asOf) => scheduler.run(asOf), logger });
  await app.ready();
  if (options.start !== false) await projector.start();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  return {
    app, db, kafka, brokers, database, topics, projector, scheduler,
    token: (role: Role, sub = `${role}-1`) => signToken({ sub, roles: [role] }, JWT_SECRET),
    /** Publishes events to the isolated copy of their topic (chosen by the event's type). */
    async publish(events: CloudEvent[]) {
      const byTopic = new Map<string, ReturnType<typeof toKafkaMessage>[]>();
      for (const e of events) {
        const t = e.type === 'crm.customer.profile.v1' ? topics.profile
          : e.type.startsWith('crm.customer.') ? topics.customer
          : e.type.startsWith('crm.ticket.') ? topics.ticket : topics.interaction;
        const list = byTopic.get(t) ?? [];
        list.push(toKafkaMessage(e));
        byTopic.set(t, list);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    async tombstone(customerId: string) {
      await producer.send({ topic: topics.profile, acks: -1, messages: [{ key: customerId, value: null }] });
    },
    /** Waits until the projection consumer has processed everything published so far. */
    async settle(timeoutMs = 30_000) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const groupId = await projector.currentGroup();
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          let behind = 0;
          for (const topic of names) {
            const high = await admin.fetchTopicOffsets(topic);
            const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
            for (const p of high) {
              const c = projector.processedOffset(topic, p.partition, Number(committed.find((x) => x.partition === p.partition)?.offset ?? -1));
              if (Number(p.high) > Number(p.low) && c < Number(p.high)) behind += 1;
            }
          }
          if (behind === 0) return;
          if (Date.now() > deadline) throw new Error(`projection still behind on ${behind} partitions`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      await producer.disconnect();
      await projector.stop();
      await scheduler.stop();
      await app.close();
      await db.$disconnect();
      await database.drop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [...names, ...names.map((n) => `${n}.dlq`)] }).catch(() => {});
      await admin.disconnect();
    },
  };
}

export type AnalyticsService = Awaited<ReturnType<typeof startAnalytics>>;

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** Every projection and value table, as sorted JSON rows (for rebuild = incremental comparisons). */
export async function snapshotTables(db: { $queryRawUnsafe<T>(q: string): Promise<T> }) {
  const tables = ['customer_360', 'customer_channel', 'customer_consent', 'purchase_day', 'ticket_fact', 'erased_customer', 'customer_value', 'customer_rfm', 'churn_risk'];
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const rows = await db.$queryRawUnsafe<{ j: string }[]>(`SELECT row_to_json(tbl)::text AS j FROM ${t} tbl`);
    out[t] = rows.map((r) => r.j).sort();
  }
  return out;
}
