// Outbox relay: publishes unpublished outbox rows in order, in batches, with an idempotent producer.
// A row is marked published only after the broker acknowledged it (acks -1), in the same transaction
// that locked it, so a crash anywhere before the commit leaves the row to be published again
// (at-least-once; consumers dedupe by event id).
import { Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counter, gauge } from './metrics.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';
import type { Sql, TransactionalSql } from './sql.ts';

export type OutboxRelayOptions = {
  db: TransactionalSql;
  kafka: Kafka;
  logger: Logger;
  /** Rows per transaction and per producer.sendBatch. */
  batchSize?: number;
  /** Sleep between polls when the outbox is empty (a full batch loops again at once). */
  pollIntervalMs?: number;
  /** prom-client registry for crm_outbox_published_total / crm_outbox_pending / crm_outbox_errors_total. */
  registry?: Registry;
  /** Maps a row's topic to the topic actually published to (tests use per-run topic names). */
  topicFor?: (topic: string, type: string) => string;
  /** Upper bound of the exponential backoff after a failed batch. */
  maxBackoffMs?: number;
  /**
   * Hold a transaction-scoped advisory lock while publishing, so that only one relay per database
   * publishes at a time (two replicas with SKIP LOCKED alone could reorder one key's events). Default true.
   */
  exclusive?: boolean;
  /**
   * LISTEN for enqueue's NOTIFY on a dedicated connection to this database (a Prisma client cannot
   * LISTEN), so the relay wakes as soon as an outbox transaction commits, in any process; polling stays
   * as the fallback (and while the listener reconnects). Without it, latency is bounded by pollIntervalMs
   * (or by calls to notify() in this process).
   */
  listen?: { connectionString: string };
  /** Test seam: runs after the broker acknowledged a batch and before the rows are marked published. */
  hooks?: {
    /** Runs synchronously when a batch was read from the outbox (benchmarks time the hops with it). */
    afterRead?: (ids: string[]) => void;
    afterSend?: (ids: string[]) => void | Promise<void>;
  };
};

type OutboxSelectRow = { seq: string; id: string; topic: string; key: string | null; type: string; payload: string | null; headers: string };

// The next unpublished rows in seq order after `$2` (the last row already sent in this transaction).
// ORDER BY o.seq, not `seq`: a bare name would sort by the text alias ('10' < '9').
// The partial index outbox_event_unpublished_idx serves this as an ordered index walk that stops after
// `$1` rows. On a fresh or not yet analysed table the planner instead picks a bitmap scan of every
// pending row plus a sort (measured: 370 ms per 2,000-row batch with 28,000 pending, a disk sort of 20 MB,
// against 25 ms for the index walk), so the relay's transaction switches sorts and bitmap scans off for
// itself (SET LOCAL, via set_config(..., true)).
const PLAN_SETTINGS = `set_config('enable_sort', 'off', true) AS s, set_config('enable_bitmapscan', 'off', true) AS b`;
const selectBatch = (lockRows: boolean) => `SELECT seq::text AS seq, id, topic, key, type, payload::text AS payload, headers::text AS headers
  FROM outbox_event o WHERE published_at IS NULL AND o.seq > $2 ORDER BY o.seq LIMIT $1${lockRows ? ' FOR UPDATE SKIP LOCKED' : ''}`;
// By primary key (bigint) rather than by the text ids: the same rows, a cheaper lookup.
const MARK_PUBLISHED = `UPDATE outbox_event SET published_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])`;
const MARK_FAILED = `UPDATE outbox_event SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])`;
const TRY_LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('crm.outbox_relay')) AS locked, ${PLAN_SETTINGS}`;
const SETTINGS_ONLY = `SELECT true AS locked, ${PLAN_SETTINGS}`;
const COUNT_PENDING = `SELECT count(*)::int AS n FROM outbox_event WHERE published_at IS NULL`;
/** Batches sent per transaction before it commits (the marks become durable at the commit). */
const MAX_BATCHES_PER_TX = 10;

const pendingSources = new WeakMap<object, Set<OutboxRelay>>();

export class OutboxRelay {
  private readonly db: TransactionalSql;
  private readonly kafka: Kafka;
  private readonly log: Logger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly exclusive: boolean;
  private readonly topicFor: ((topic: string, type: string) => string) | undefined;
  private readonly hooks: OutboxRelayOptions['hooks'];
  private readonly published;
  private readonly errors;
  private readonly pendingRelays: Set<OutboxRelay>;
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  private readonly listenUrl: string | undefined;
  private listener: pg.Client | null = null;
  private listenRetry: ReturnType<typeof setTimeout> | null = null;
  /** A wake-up arrived while a round was running: run another round instead of sleeping. */
  private woken = false;

  constructor(opts: OutboxRelayOptions) {
    this.db = opts.db;
    this.kafka = opts.kafka;
    this.log = opts.logger.child({ component: 'outbox-relay' });
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 50;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.exclusive = opts.exclusive ?? true;
    this.topicFor = opts.topicFor;
    this.hooks = opts.hooks;
    this.listenUrl = opts.listen?.connectionString;
    this.published = counter(opts.registry, {
      name: 'crm_outbox_published_total',
      help: 'Outbox rows published to Kafka',
      labelNames: ['topic'] as const,
    });
    this.errors = counter(opts.registry, {
      name: 'crm_outbox_errors_total',
      help: 'Outbox batches that failed to publish',
      labelNames: [] as const,
    });
    const relays = new Set<OutboxRelay>();
    const pending = gauge(opts.registry, {
      name: 'crm_outbox_pending',
      help: 'Outbox rows not yet published',
      labelNames: [] as const,
      async collect() {
        let total = 0;
        for (const relay of relays) total += await relay.pendingCount().catch(() => 0);
        this.set(total);
      },
    });
    // One gauge per registry; every relay registered on it contributes to its value.
    const known = pendingSources.get(pending);
    this.pendingRelays = known ?? relays;
    if (!known) pendingSources.set(pending, relays);
    this.pendingRelays.add(this);
  }

  /** Rows waiting to be published. */
  async pendingCount(): Promise<number> {
    const rows = await this.db.$queryRawUnsafe<{ n: number }[]>(COUNT_PENDING);
    return Number(rows[0]?.n ?? 0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.listenUrl) void this.listen(this.listenUrl);
    this.loop = this.run();
  }

  /** Wakes an idle relay now (call after committing outbox rows for lower latency). Optional. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    if (this.listenRetry) clearTimeout(this.listenRetry);
    this.listenRetry = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
    await this.loop;
    this.loop = null;
    this.pendingRelays.delete(this);
    const producer = this.producer;
    this.producer = null;
    this.connecting = null;
    if (producer) await producer.disconnect();
  }

  /** Publishes until the outbox is empty (or a batch fails: then it throws). Returns rows published. */
  async drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const round = await this.publishRound();
      total += round.published;
      if (!round.more) return total;
    }
  }

  /** Keeps one LISTEN connection open while running; on error reconnects after a second. */
  private async listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url, application_name: 'crm-outbox-relay-listen' });
    const retry = (err: unknown) => {
      if (this.listener === client) this.listener = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => {});
      if (!this.running) return;
      this.log.warn({ err }, 'outbox LISTEN connection lost; polling until it is back');
      this.listenRetry ??= setTimeout(() => {
        this.listenRetry = null;
        if (this.running) void this.listen(url);
      }, 1_000);
    };
    client.on('error', retry);
    client.on('notification', () => this.notify());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (err) {
      retry(err);
      return;
    }
    if (!this.running) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    this.notify(); // rows committed while we were not listening
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more = false;
      this.woken = false;
      try {
        more = (await this.publishRound()).more;
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        const delay = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(this.failures - 1, 20));
        this.log.error({ err, failures: this.failures, retryInMs: delay }, 'outbox publish failed');
        await this.sleep(delay);
        continue;
      }
      if (!more && !this.woken) await this.sleep(this.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 5, maxRetryTime: 5_000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().catch((err: unknown) => {
      this.connecting = null;
      throw err;
    });
    return this.connecting;
  }

  /**
   * One transaction, up to MAX_BATCHES_PER_TX batches, pipelined: while batch k is on its way to the
   * broker, the database marks batch k-1 (acknowledged) and reads batch k+1. Only one send is in flight
   * at a time (order per partition), and a batch is marked only after the broker acknowledged it. If a
   * send fails, the marks of the batches before it are committed, the failed batch gets attempts and
   * last_error, the rows read ahead are left alone, and the next round starts again from the oldest
   * unmarked row. `more` says whether the outbox may hold more rows right now.
   */
  private async publishRound(): Promise<{ published: number; more: boolean }> {
    const producer = await this.getProducer();
    let failed: { seqs: string[]; err: unknown } | null = null;
    let outcome: { published: OutboxSelectRow[]; more: boolean };
    try {
      outcome = await this.db.$transaction(
        async (tx: Sql) => {
          const [lock] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(this.exclusive ? TRY_LOCK : SETTINGS_ONLY);
          if (!lock?.locked) return { published: [], more: false };
          // With the advisory lock no other relay reads these rows, so they need no row locks.
          const select = selectBatch(!this.exclusive);
          const afterRead = this.hooks?.afterRead;
          const read = async (after: string) => {
            const rows = await tx.$queryRawUnsafe<OutboxSelectRow[]>(select, this.batchSize, after);
            if (afterRead && rows.length > 0) afterRead(rows.map((r) => r.id));
            return rows;
          };
          const published: OutboxSelectRow[] = [];
          let rows = await read('0');
          let acked: OutboxSelectRow[] | null = null;
          for (let round = 1; rows.length > 0; round++) {
            const full = rows.length === this.batchSize;
            const readAhead = full && round < MAX_BATCHES_PER_TX;
            const sending = producer.sendBatch({ topicMessages: this.toTopicMessages(rows), acks: -1 });
            const previous = acked;
            const database = (async () => {
              if (previous) await this.mark(tx, previous);
              return readAhead ? read(rows.at(-1)!.seq) : [];
            })();
            const [sent, next] = await Promise.allSettled([sending, database]);
            if (next.status === 'rejected') throw next.reason; // database trouble: roll back, re-send later
            if (previous) published.push(...previous);
            if (sent.status === 'rejected') {
              failed = { seqs: rows.map((r) => r.seq), err: sent.reason };
              return { published, more: false };
            }
            try {
              await this.hooks?.afterSend?.(rows.map((r) => r.id));
            } catch (err) {
              failed = { seqs: rows.map((r) => r.seq), err }; // a crash between the ack and the mark
              return { published, more: false };
            }
            acked = rows;
            if (!readAhead) {
              await this.mark(tx, acked);
              published.push(...acked);
              return { published, more: full };
            }
            rows = next.value;
          }
          if (acked) {
            await this.mark(tx, acked);
            published.push(...acked);
          }
          return { published, more: false };
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
    } catch (err) {
      this.errors.inc();
      throw err;
    }
    for (const row of outcome.published) this.published.inc({ topic: row.topic });
    if (failed) {
      const { seqs, err } = failed as { seqs: string[]; err: unknown };
      this.errors.inc();
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await this.db.$executeRawUnsafe(MARK_FAILED, seqs, message.slice(0, 2000)).catch((markErr: unknown) => {
        this.log.warn({ err: markErr }, 'could not record outbox failure');
      });
      throw err;
    }
    return { published: outcome.published.length, more: outcome.more };
  }

  private async mark(tx: Sql, rows: OutboxSelectRow[]): Promise<void> {
    await tx.$executeRawUnsafe(MARK_PUBLISHED, rows.map((r) => r.seq));
  }

  private toTopicMessages(rows: OutboxSelectRow[]): TopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const topic = this.topicFor ? this.topicFor(row.topic, row.type) : row.topic;
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({ key: row.key, value: row.payload, headers: JSON.parse(row.headers) as Record<string, string> });
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }
}
