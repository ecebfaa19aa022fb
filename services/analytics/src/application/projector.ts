// The projection consumer and its rebuild. The current consumer group lives in projection_state; a
// rebuild stops the consumer, truncates the projections and the old group's inbox rows, switches to a
// fresh group (which starts at the beginning of every topic) and follows the replay up to the high
// watermarks taken when it started, then recomputes the values.
import { createConsumer, type EventConsumer } from '@crm/event-bus';
import type { Sql } from '@crm/db';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumerOptions } from '@crm/event-bus';
type Registry = NonNullable<ConsumerOptions<Sql>['registry']>;
import { flushPending, PROJECTION_TABLES, VALUE_TABLES } from '../events/projections.ts';
import { batchSubscriptions, onProfileTombstone, subscriptions } from '../events/subscriptions.ts';
import { topicList, type ProjectionTopics } from '../events/topics.ts';
import { databaseUrlOf } from '../db.ts';
import { pgTransactions, type PgTransactions } from '../pg-tx.ts';

type Db = Sql & { $transaction<R>(fn: (tx: Sql) => Promise<R>, o?: { timeout?: number }): Promise<R> };

export interface RebuildStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  groupId: string | null;
  replayed: number;
  total: number | null;
  eventsPerSecond: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
}

export interface ProjectorOptions {
  db: Db;
  kafka: Kafka;
  logger: Logger;
  topics: ProjectionTopics;
  groupPrefix: string;
  concurrency?: number;
  registry?: Registry;
  /** Runs after a rebuild's replay (the value recompute). */
  afterRebuild?: () => Promise<unknown>;
}

const STATE_KEY = 'projections';

export class Projector {
  private consumer: EventConsumer | null = null;
  private groupId: string | null = null;
  private status: RebuildStatus = { state: 'idle', groupId: null, replayed: 0, total: null, eventsPerSecond: null, startedAt: null, finishedAt: null };
  private counting = false;
  private replaying = false;
  private running: Promise<void> | null = null;
  private pg: PgTransactions | null = null;
  /** Next offset per `topic/partition` whose batch this process finished (for the current consumer). */
  private readonly processed = new Map<string, number>();

  constructor(private readonly o: ProjectorOptions) {}

  /** The consumer group feeding the projections now (created on first use). */
  async currentGroup(): Promise<string> {
    const rows = await this.o.db.$queryRawUnsafe<{ group_id: string }[]>(
      `INSERT INTO projection_state (name, group_id) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING group_id`,
      STATE_KEY, this.o.groupPrefix,
    );
    return rows[0]!.group_id;
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    this.groupId = await this.currentGroup();
    this.status.groupId = this.groupId;
    this.consumer = this.makeConsumer(this.groupId);
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.running?.catch(() => {});
    await this.consumer?.stop();
    this.consumer = null;
    await this.pg?.end();
    this.pg = null;
  }

  lag() {
    return this.consumer?.lag() ?? [];
  }

  /** True between the truncate and the end of the replay: projections are partial, values must wait. */
  isReplaying(): boolean {
    return this.replaying;
  }

  rebuildStatus(): RebuildStatus {
    return { ...this.status };
  }

  /**
   * One Kafka batch = one transaction: on a pg pool of its own (one connection per partition in flight)
   * when the client came from createPrisma, else Prisma's interactive transaction.
   */
  private transaction<R>(fn: (tx: Sql) => Promise<R>): Promise<R> {
    const withFlush = async (tx: Sql) => {
      const result = await fn(tx);
      // Every batch transaction ends by writing what the hot batch handlers buffered (see flushPending).
      await flushPending(tx);
      return result;
    };
    const url = databaseUrlOf(this.o.db);
    if (url === undefined) return this.o.db.$transaction(withFlush, { timeout: 60_000 });
    this.pg ??= pgTransactions(url, this.o.concurrency ?? 6);
    return this.pg.transaction(withFlush);
  }

  /**
   * Next offset to process of a partition, as far as this process knows: the larger of what its
   * consumer finished and `committed` (Kafka's committed offset). The event-bus consumer commits
   * offsets to Kafka at most once a second while batches flow and not while idle, so the committed
   * offsets alone can stay behind the last batch indefinitely.
   */
  processedOffset(topic: string, partition: number, committed = -1): number {
    return Math.max(committed, this.processed.get(`${topic}/${partition}`) ?? -1);
  }

  /**
   * The Kafka client handed to the event-bus consumer: the same client, except that its consumers
   * report each finished batch's offset to `processed` (event-bus has no such hook; see the README).
   */
  private trackingKafka(): Kafka {
    const processed = this.processed;
    const kafka = this.o.kafka;
    const consumer: Kafka['consumer'] = (config) => {
      const c = kafka.consumer(config);
      const run = c.run.bind(c);
      c.run = (runConfig) => {
        const eachBatch = runConfig?.eachBatch;
        if (!eachBatch) return run(runConfig);
        return run({
          ...runConfig,
          eachBatch: async (payload) => {
            await eachBatch(payload);
            const { batch } = payload;
            if (!batch.isEmpty() && payload.isRunning() && !payload.isStale()) {
              processed.set(`${batch.topic}/${batch.partition}`, Number(batch.lastOffset()) + 1);
            }
          },
        });
      };
      return c;
    };
    return new Proxy(kafka, {
      get: (target, prop) => (prop === 'consumer' ? consumer : Reflect.get(target, prop, target)),
    });
  }

  private makeConsumer(groupId: string): EventConsumer {
    this.processed.clear();
    return createConsumer<Sql>({
      kafka: this.trackingKafka(),
      groupId,
      topics: topicList(this.o.topics),
      transaction: (fn) => this.transaction(fn),
      handlers: subscriptions,
      batchHandlers: batchSubscriptions,
      onTombstone: async (key, tx, ctx) => {
        if (ctx.topic === this.o.topics.profile) await onProfileTombstone(key, tx, ctx);
      },
      logger: this.o.logger,
      ...(this.o.registry ? { registry: this.o.registry } : {}),
      partitionsConsumedConcurrently: this.o.concurrency ?? 6,
      onBatchDone: (info) => {
        if (this.counting) this.status.replayed += info.messages;
      },
    });
  }

  /** Starts a rebuild; returns false when one is already running. */
  startRebuild(): boolean {
    if (this.status.state === 'running') return false;
    this.status = { state: 'running', groupId: null, replayed: 0, total: null, eventsPerSecond: null, startedAt: new Date().toISOString(), finishedAt: null };
    this.running = this.rebuild().catch((err: Error) => {
      this.o.logger.error({ err }, 'rebuild failed');
      this.status = { ...this.status, state: 'failed', error: err.message, finishedAt: new Date().toISOString() };
    });
    return true;
  }

  /** Resolves when the rebuild in progress (if any) has finished. */
  async waitForRebuild(): Promise<RebuildStatus> {
    await this.running;
    return this.rebuildStatus();
  }

  private async rebuild(): Promise<void> {
    const { db, kafka, logger } = this.o;
    const log = logger.child({ component: 'rebuild' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await this.consumer?.stop();
      this.consumer = null;
      const topics = topicList(this.o.topics);
      const targets: { topic: string; partition: number; high: number }[] = [];
      let total = 0;
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          const high = Number(p.high);
          const low = Number(p.low);
          if (high > low) targets.push({ topic, partition: p.partition, high });
          total += high - low;
        }
      }
      const oldGroup = this.groupId ?? (await this.currentGroup());
      this.replaying = true;
      const newGroup = `${this.o.groupPrefix}.r${Date.now()}`;
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`TRUNCATE ${[...PROJECTION_TABLES, ...VALUE_TABLES].join(', ')}`);
        await tx.$executeRawUnsafe(`DELETE FROM processed_event WHERE consumer_group = $1`, oldGroup);
        await tx.$executeRawUnsafe(
          `INSERT INTO projection_state (name, group_id, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (name) DO UPDATE SET group_id = EXCLUDED.group_id, updated_at = now()`,
          STATE_KEY, newGroup,
        );
      }, { timeout: 120_000 });
      this.groupId = newGroup;
      this.status = { ...this.status, groupId: newGroup, total };
      log.info({ oldGroup, newGroup, total, topics }, 'rebuild: projections truncated, replaying from the beginning');
      const t0 = Date.now();
      this.counting = true;
      this.consumer = this.makeConsumer(newGroup);
      await this.consumer.start();
      let lastLog = 0;
      for (;;) {
        const committed = await admin.fetchOffsets({ groupId: newGroup, topics });
        const at = new Map<string, number>();
        for (const t of committed) for (const p of t.partitions) at.set(`${t.topic}/${p.partition}`, Number(p.offset));
        const done = targets.every((t) => this.processedOffset(t.topic, t.partition, at.get(`${t.topic}/${t.partition}`) ?? -1) >= t.high);
        const secs = (Date.now() - t0) / 1000;
        this.status.eventsPerSecond = secs > 0 ? Math.round(this.status.replayed / secs) : null;
        if (done) break;
        if (Date.now() - lastLog > 2000) {
          lastLog = Date.now();
          log.info({ replayed: this.status.replayed, total, eventsPerSecond: this.status.eventsPerSecond }, 'rebuild: replaying');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      this.counting = false;
      this.replaying = false;
      log.info({ replayed: this.status.replayed, total, seconds: (Date.now() - t0) / 1000, eventsPerSecond: this.status.eventsPerSecond }, 'rebuild: replay done');
      await this.o.afterRebuild?.();
      if (oldGroup !== newGroup) await admin.deleteGroups([oldGroup]).catch(() => {});
      this.status = { ...this.status, state: 'done', finishedAt: new Date().toISOString() };
      log.info('rebuild: done');
    } finally {
      this.counting = false;
      this.replaying = false;
      await admin.disconnect();
    }
  }
}
