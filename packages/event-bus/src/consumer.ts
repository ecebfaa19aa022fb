// Consumer runner: one database transaction per Kafka batch, inbox dedupe, per-message retry, DLQ.
import { eventRegistry, fromKafkaMessage, headerNames, type CloudEvent } from '@crm/contracts';
import { Partitioners, type Batch, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { headersToStrings } from './headers.ts';
import { counter, gauge } from './metrics.ts';
import type { Sql } from './sql.ts';

export type EventContext = { topic: string; partition: number; offset: string; headers: Record<string, string> };
export type EventHandler<Tx> = (event: CloudEvent, tx: Tx, ctx: EventContext) => Promise<void>;
export type Handlers<Tx> = Partial<Record<string, EventHandler<Tx>>>;
/** Receives a run of consecutive new events of one type, in log order, so it can write multi-row statements. */
export type BatchHandler<Tx> = (items: Array<{ event: CloudEvent; ctx: EventContext }>, tx: Tx) => Promise<void>;
export type BatchHandlers<Tx> = Partial<Record<string, BatchHandler<Tx>>>;
export type TombstoneHandler<Tx> = (key: string | null, tx: Tx, ctx: EventContext) => Promise<void>;

export type BatchDoneInfo = {
  topic: string;
  partition: number;
  messages: number;
  handled: number;
  duplicates: number;
  skipped: number;
  deadLettered: number;
};

export type ConsumerOptions<Tx extends Sql> = {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** Opens a transaction, e.g. `(fn) => prisma.$transaction(fn)`. */
  transaction: <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>;
  handlers: Handlers<Tx>;
  /** Optional per-type batch handlers; they take precedence over `handlers` for their type. */
  batchHandlers?: BatchHandlers<Tx>;
  /** Called for null-valued messages (tombstones of compacted topics); they are skipped otherwise. */
  onTombstone?: TombstoneHandler<Tx>;
  logger: Logger;
  registry?: Registry;
  maxAttempts?: number;
  fromBeginning?: boolean;
  onBatchDone?: (info: BatchDoneInfo) => void | Promise<void>;
  /**
   * Envelope parser of the JSON value. Default: @crm/contracts' fromKafkaMessage, which validates the
   * envelope and, for known types, the data; types this build does not know pass (and are skipped
   * unless a handler names them), so a newer producer cannot push a consumer's input into the DLQ.
   */
  parse?: (json: unknown) => CloudEvent;
  /** First retry delay of a failing message; doubles per attempt. */
  retryBackoffMs?: number;
  /**
   * Partitions processed at once (each in its own transaction). kafkajs fetches again only after every
   * batch of the previous fetch is done, so for low latency set it to the number of assigned partitions.
   */
  partitionsConsumedConcurrently?: number;
  /** How long start() waits for the group join before resolving anyway. */
  joinTimeoutMs?: number;
};

export type PartitionLag = { topic: string; partition: number; lag: number };

export type EventConsumer = {
  /** Connects, subscribes and runs; resolves once the member joined its group. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Last known lag per assigned partition (high watermark minus next offset to process). */
  lag(): PartitionLag[];
};

const INBOX_INSERT = `INSERT INTO processed_event (consumer_group, event_id)
  SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id`;

type Parsed =
  | { kind: 'event'; message: KafkaMessage; ctx: EventContext; event: CloudEvent }
  | { kind: 'tombstone'; message: KafkaMessage; ctx: EventContext }
  | { kind: 'poison'; message: KafkaMessage; ctx: EventContext; error: unknown };
type Good = Exclude<Parsed, { kind: 'poison' }>;

type Outcome = 'handled' | 'duplicate' | 'skipped' | 'dead_lettered' | 'retried';

export function createConsumer<Tx extends Sql>(opts: ConsumerOptions<Tx>): EventConsumer {
  const {
    kafka,
    groupId,
    topics,
    transaction,
    handlers,
    batchHandlers = {},
    onTombstone,
    registry,
    maxAttempts = 5,
    fromBeginning = true,
    onBatchDone,
    parse,
    retryBackoffMs = 50,
    partitionsConsumedConcurrently = 1,
    joinTimeoutMs = 30_000,
  } = opts;
  const log = opts.logger.child({ component: 'consumer', groupId });
  const eventsTotal = counter(registry, {
    name: 'crm_consumer_events_total',
    help: 'Messages seen by a consumer group, by outcome (handled, duplicate, skipped, dead_lettered, retried)',
    labelNames: ['group', 'topic', 'type', 'outcome'] as const,
  });
  const lagGauge = gauge(registry, {
    name: 'crm_consumer_lag',
    help: 'Messages between the high watermark and the next offset to process',
    labelNames: ['group', 'topic', 'partition'] as const,
  });
  const lagByPartition = new Map<string, PartitionLag>();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  let dlqProducer: Producer | null = null;
  let started = false;
  let stopping = false;
  /** Next offset to consume per partition whose batch this member finished (committed at stop). */
  const processed = new Map<string, { topic: string; partition: number; offset: string }>();
  // Offsets this member last sent to Kafka from the idle flush below (eachBatch commits through kafkajs).
  const flushed = new Map<string, string>();
  let idleFlush: ReturnType<typeof setInterval> | undefined;

  /**
   * eachBatch commits at most once a second while batches flow, so the last batch before a quiet spell
   * would otherwise stay uncommitted until the next batch or stop(): lag tools would show a backlog that
   * is not there, and anyone waiting on committed offsets (a rebuild, a test) would wait forever.
   */
  async function flushIdleOffsets(): Promise<void> {
    const due = [...processed.entries()].filter(([key, value]) => flushed.get(key) !== value.offset);
    if (due.length === 0 || stopping) return;
    await consumer.commitOffsets(due.map(([, value]) => value));
    for (const [key, value] of due) flushed.set(key, value.offset);
  }

  function count(topic: string, type: string, outcome: Outcome, n = 1) {
    if (n > 0) eventsTotal.inc({ group: groupId, topic, type, outcome }, n);
  }

  function record(topic: string, counts: Map<string, number>) {
    for (const [k, n] of counts) {
      const [type = 'unknown', outcome] = k.split('\u0000') as [string, Outcome];
      count(topic, type, outcome, n);
    }
  }

  function parseMessage(batch: Batch, message: KafkaMessage): Parsed {
    const ctx: EventContext = {
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      headers: headersToStrings(message.headers),
    };
    if (message.value === null) return { kind: 'tombstone', message, ctx };
    try {
      const event = parse ? parse(JSON.parse(message.value.toString('utf8'))) : parseKnown(message, ctx.headers);
      return { kind: 'event', message, ctx, event };
    } catch (error) {
      return { kind: 'poison', message, ctx, error };
    }
  }

  type DeadLetter = { message: KafkaMessage; ctx: EventContext; error: unknown; attempts: number; type: string };
  async function deadLetter(items: DeadLetter[]) {
    if (items.length === 0 || !dlqProducer) return;
    const byTopic = new Map<string, typeof items>();
    for (const item of items) {
      const list = byTopic.get(item.ctx.topic) ?? [];
      list.push(item);
      byTopic.set(item.ctx.topic, list);
    }
    await dlqProducer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic: `${topic}.dlq`,
        messages: list.map(({ message, ctx, error, attempts }) => ({
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'x-error': errorMessage(error).slice(0, 4000),
            'x-error-type': errorType(error),
            'x-original-topic': ctx.topic,
            'x-original-partition': String(ctx.partition),
            'x-original-offset': ctx.offset,
            'x-consumer-group': groupId,
            'x-attempts': String(attempts),
            'x-failed-at': new Date().toISOString(),
          },
        })),
      })),
    });
    for (const { ctx, type } of items) count(ctx.topic, type, 'dead_lettered');
  }

  /** Handles `items` (already parsed, in log order) inside `tx`; returns the outcome counts per type. */
  async function handleInTx(tx: Tx, items: Good[], heartbeat: () => Promise<void>) {
    const stats = { handled: 0, duplicates: 0, skipped: 0, counts: new Map<string, number>() };
    const tally = (type: string, outcome: Outcome) => {
      const k = `${type}\u0000${outcome}`;
      stats.counts.set(k, (stats.counts.get(k) ?? 0) + 1);
    };
    const events = items.filter((i): i is Extract<Good, { kind: 'event' }> => i.kind === 'event');
    let fresh = new Set<string>();
    if (events.length > 0) {
      const ids = [...new Set(events.map((e) => e.event.id))];
      const rows = await tx.$queryRawUnsafe<{ event_id: string }[]>(INBOX_INSERT, groupId, ids);
      fresh = new Set(rows.map((r) => r.event_id));
    }
    let runType: string | null = null;
    let run: Array<{ event: CloudEvent; ctx: EventContext }> = [];
    const flush = async () => {
      if (runType === null) return;
      const handler = batchHandlers[runType];
      if (handler) await handler(run, tx);
      runType = null;
      run = [];
    };
    let sinceHeartbeat = 0;
    for (const item of items) {
      if (++sinceHeartbeat >= 200) {
        sinceHeartbeat = 0;
        await heartbeat();
      }
      if (item.kind === 'tombstone') {
        await flush();
        if (onTombstone) await onTombstone(item.message.key?.toString('utf8') ?? null, tx, item.ctx);
        continue;
      }
      const { event, ctx } = item;
      if (!fresh.delete(event.id)) {
        stats.duplicates += 1;
        tally(event.type, 'duplicate');
        continue;
      }
      if (batchHandlers[event.type]) {
        if (runType !== event.type) {
          await flush();
          runType = event.type;
        }
        run.push({ event, ctx });
        stats.handled += 1;
        tally(event.type, 'handled');
        continue;
      }
      await flush();
      const handler = handlers[event.type];
      if (handler) {
        await handler(event, tx, ctx);
        stats.handled += 1;
        tally(event.type, 'handled');
      } else {
        stats.skipped += 1;
        tally(event.type, 'skipped');
      }
    }
    await flush();
    return stats;
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    if (batch.isEmpty() || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const parsed = batch.messages.map((m) => parseMessage(batch, m));
    const good = parsed.filter((p): p is Good => p.kind !== 'poison');
    const poison = parsed.filter((p) => p.kind === 'poison');
    const info: BatchDoneInfo = { topic, partition, messages: parsed.length, handled: 0, duplicates: 0, skipped: 0, deadLettered: 0 };

    // Unparseable messages can never succeed: straight to the DLQ.
    if (poison.length > 0) {
      for (const p of poison) log.warn({ topic, partition, offset: p.ctx.offset, err: p.error }, 'unparseable message to DLQ');
      await deadLetter(poison.map((p) => ({ ...p, attempts: 0, type: 'unparseable' })));
      info.deadLettered += poison.length;
    }

    try {
      const stats = await transaction((tx) => handleInTx(tx, good, heartbeat));
      record(topic, stats.counts);
      info.handled += stats.handled;
      info.duplicates += stats.duplicates;
      info.skipped += stats.skipped;
    } catch (err) {
      log.warn({ err, topic, partition, messages: good.length }, 'batch failed, retrying message by message');
      for (const item of good) {
        const stats = await retryOne(item, heartbeat);
        if (stats === 'dead_lettered') info.deadLettered += 1;
        else {
          record(topic, stats.counts);
          info.handled += stats.handled;
          info.duplicates += stats.duplicates;
          info.skipped += stats.skipped;
        }
        resolveOffset(item.message.offset);
        await heartbeat();
      }
    }

    resolveOffset(batch.lastOffset());
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    processed.set(`${topic}\u0000${partition}`, { topic, partition, offset: next });
    // Offsets are committed to Kafka at most every autoCommitInterval, not after every batch: kafkajs's
    // autoCommit sends a synchronous OffsetCommit after each batch, which held up the next fetch (the
    // largest part of the event-to-projection latency). The projection and inbox rows are already
    // committed in Postgres, so a redelivery of uncommitted offsets after a crash is deduped.
    if (stopping) await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
    else await commitOffsetsIfNecessary();
    try {
      await heartbeat();
    } catch (err) {
      // Rebalancing: hand over what this member processed (kafkajs's autoCommit did the same).
      if (isRebalancing(err)) await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets()).catch(() => {});
      throw err;
    }

    const lag = Math.max(0, Number(batch.highWatermark) - (Number(batch.lastOffset()) + 1));
    lagByPartition.set(`${topic}/${partition}`, { topic, partition, lag });
    lagGauge.set({ group: groupId, topic, partition: String(partition) }, lag);
    await onBatchDone?.(info);
  }

  async function retryOne(item: Good, heartbeat: () => Promise<void>) {
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        return await transaction((tx) => handleInTx(tx, [item], heartbeat));
      } catch (err) {
        lastError = err;
        count(item.ctx.topic, item.kind === 'event' ? item.event.type : 'tombstone', 'retried');
        if (attempt < maxAttempts) await sleep(Math.min(retryBackoffMs * 2 ** (attempt - 1), 2_000));
        await heartbeat();
      }
    }
    // Before blaming the message, make sure the database itself is up: if it is not, fail the batch so
    // that Kafka redelivers it later, instead of dead-lettering every message during an outage.
    await transaction((tx) => tx.$queryRawUnsafe('SELECT 1'));
    log.error(
      { err: lastError, topic: item.ctx.topic, partition: item.ctx.partition, offset: item.ctx.offset, attempts: maxAttempts },
      'message failed after retries, sent to DLQ',
    );
    const type = item.kind === 'event' ? item.event.type : 'tombstone';
    await deadLetter([{ message: item.message, ctx: item.ctx, error: lastError, attempts: maxAttempts, type }]);
    return 'dead_lettered' as const;
  }

  return {
    async start() {
      if (started) return;
      started = true;
      dlqProducer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await dlqProducer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning });
      // start() resolves once this member joined its group (or after joinTimeoutMs): then it is consuming.
      let removeListener = () => {};
      const joined = new Promise<void>((resolve) => {
        removeListener = consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      });
      stopping = false;
      await consumer.run({
        // Committed by eachBatch itself at most every autoCommitInterval (and at rebalance and stop).
        autoCommit: false,
        autoCommitInterval: 1_000,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently,
        eachBatch,
      });
      idleFlush = setInterval(() => {
        flushIdleOffsets().catch((err: unknown) => log.debug({ err }, 'idle offset commit failed; the next one retries'));
      }, 1_000);
      idleFlush.unref();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([joined, new Promise<void>((resolve) => (timer = setTimeout(resolve, joinTimeoutMs)))]);
      clearTimeout(timer);
      removeListener();
    },
    async stop() {
      if (!started) return;
      started = false;
      // Batches still in flight commit their offsets themselves; the ones done since the last commit here.
      stopping = true;
      clearInterval(idleFlush);
      const done = [...processed.values()];
      processed.clear();
      flushed.clear();
      if (done.length > 0) {
        await consumer
          .commitOffsets(done)
          .catch((err: unknown) => log.warn({ err }, 'could not commit offsets at stop; they will be redelivered and deduped'));
      }
      await consumer.stop(); // waits for the batch in flight
      await consumer.disconnect();
      await dlqProducer?.disconnect();
      dlqProducer = null;
    },
    lag() {
      return [...lagByPartition.values()];
    },
  };
}

/**
 * fromKafkaMessage in one validation pass for the common case: a known type is validated with its own
 * envelope schema only (it checks the envelope too), instead of the generic envelope first and the typed
 * one after. Anything else (unknown type, invalid, not JSON) takes fromKafkaMessage itself, so results
 * and errors stay the same.
 */
function parseKnown(message: KafkaMessage, headers: Record<string, string>): CloudEvent {
  let json: unknown;
  try {
    json = JSON.parse(message.value!.toString('utf8'));
  } catch {
    return fromKafkaMessage(message, { allowUnknownTypes: true });
  }
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  const definition = typeof type === 'string' ? eventRegistry.get(type) : undefined;
  const result = definition?.envelope.safeParse(json);
  if (!result?.success) return fromKafkaMessage(message, { allowUnknownTypes: true });
  const event = result.data;
  const requestId = headers[headerNames.requestId];
  if (event.correlationid === undefined && requestId !== undefined) event.correlationid = requestId;
  return event;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function errorType(error: unknown): string {
  if (error instanceof Error) return error.name !== 'Error' ? error.name : error.constructor.name;
  return typeof error;
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

function isRebalancing(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}
