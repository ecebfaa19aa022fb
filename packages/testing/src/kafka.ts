import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { dockerAvailable, portOpen, TestInfrastructureError } from './environment.ts';

export type TestKafka = { brokers: string[] };

let kafkaPromise: Promise<TestKafka> | undefined;

/**
 * Broker addresses for tests: KAFKA_BROKERS (comma-separated), else the broker on 127.0.0.1:9092, else one
 * Kafka container per test process (testcontainers, when Docker is there).
 */
export function testKafka(): Promise<TestKafka> {
  kafkaPromise ??= resolveKafka().catch((error: unknown) => {
    kafkaPromise = undefined;
    throw error;
  });
  return kafkaPromise;
}

async function resolveKafka(): Promise<TestKafka> {
  const fromEnv = parseBrokers(process.env.KAFKA_BROKERS);
  if (fromEnv.length > 0) return { brokers: fromEnv };
  if (await portOpen('127.0.0.1', 9092)) return { brokers: ['127.0.0.1:9092'] };
  if (!dockerAvailable()) {
    throw new TestInfrastructureError(
      'no Kafka broker for tests: set KAFKA_BROKERS, run one on 127.0.0.1:9092 (./dev kafka start), or make a Docker engine reachable',
    );
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
  return { brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`] };
}

export function parseBrokers(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}

/** A quiet kafkajs client for test plumbing (services get theirs from @crm/event-bus). */
export function testKafkaClient(brokers: string[], clientId = 'crm-testing'): Kafka {
  patchKafkaJsNegativeTimeout();
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

/** Creates the topics that do not exist yet and waits for their leaders. */
export async function createTopics(brokers: string[], names: string[], partitions = 1): Promise<void> {
  const admin = testKafkaClient(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Appends one random suffix per call to topic names (and their DLQ twins) so parallel tests never share a topic. */
export function uniqueTopics<T extends { name: string; dlq?: string | null }>(
  specs: T[],
  suffix = randomBytes(4).toString('hex'),
): T[] {
  return specs.map((spec) => {
    const name = `${spec.name}.${suffix}`;
    const renamed = { ...spec, name };
    if (spec.dlq !== undefined) renamed.dlq = spec.dlq === null ? null : `${name}.dlq`;
    return renamed;
  });
}

export type CollectedMessage = {
  key: string | null;
  /** The value parsed as JSON; null for a tombstone; the raw text when it is not JSON. */
  value: unknown;
  headers: Record<string, string>;
  partition: number;
  offset: string;
};

export type CollectMessagesOptions = {
  brokers: string[];
  topic: string;
  /** Resolve once this many messages arrived. */
  count: number;
  /** Give up after this long (default 15 s): rejects, unless allowFewer. */
  timeoutMs?: number;
  /** Read the topic from its start (default) or only messages produced after the group joined. */
  fromBeginning?: boolean;
  /** On timeout resolve with what arrived instead of rejecting (for "exactly n, no more" checks). */
  allowFewer?: boolean;
  /** Keep only matching messages (e.g. one test's customer id on a shared topic); `count` counts these. */
  where?: (message: CollectedMessage) => boolean;
};

export class CollectTimeoutError extends Error {
  override readonly name = 'CollectTimeoutError';
  constructor(
    message: string,
    readonly messages: CollectedMessage[],
  ) {
    super(message);
  }
}

/**
 * Reads `count` messages from `topic` with a consumer group of its own, so it never takes partitions from
 * the consumers under test.
 */
export async function collectMessages(options: CollectMessagesOptions): Promise<CollectedMessage[]> {
  const { brokers, topic, count, timeoutMs = 15_000, fromBeginning = true, allowFewer = false, where } = options;
  const consumer = testKafkaClient(brokers).consumer({
    groupId: `crm-testing-collect-${randomBytes(6).toString('hex')}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const messages: CollectedMessage[] = [];
  let finish: () => void = () => {};
  const enough = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning });
    if (count <= 0) finish();
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        if (messages.length >= count) return;
        const collected: CollectedMessage = {
          key: message.key === null ? null : message.key.toString(),
          value: decodeValue(message.value),
          headers: decodeHeaders(message.headers),
          partition,
          offset: message.offset,
        };
        if (where && !where(collected)) return;
        messages.push(collected);
        if (messages.length >= count) finish();
      },
    });
    const outcome = await Promise.race([enough, timedOut]);
    if (outcome === 'timeout' && !allowFewer) {
      throw new CollectTimeoutError(
        `collected ${messages.length} of ${count} messages from ${topic} within ${timeoutMs} ms`,
        [...messages],
      );
    }
    return messages.slice(0, count);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}

function decodeValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    decoded[name] = values.map((item) => item.toString()).join(',');
  }
  return decoded;
}

// ---- Node 24 TimeoutNegativeWarning from kafkajs 2.2.4 ------------------------------------------------
// A copy of @crm/event-bus's patchKafkaJsNegativeTimeout (see its comment for the why): @crm/event-bus
// depends on this package for its tests, so importing it here would make a cycle. Both use the same
// global marker, so whichever runs first patches kafkajs once for the process.
const PATCHED = Symbol.for('crm.event-bus.kafkajs-negative-timeout-patched');

type RequestQueueState = {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
};

function patchKafkaJsNegativeTimeout(): void {
  const marker = globalThis as Record<symbol, unknown>;
  if (marker[PATCHED] !== undefined) return;
  let patched = false;
  try {
    const require = createRequire(import.meta.url);
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: Record<string, unknown> };
    const original = RequestQueue.prototype['scheduleCheckPendingRequests'];
    if (typeof original === 'function' && original.toString().includes('this.throttledUntil - Date.now()')) {
      RequestQueue.prototype['scheduleCheckPendingRequests'] = function scheduleCheckPendingRequests(this: RequestQueueState) {
        let scheduleAt = this.throttledUntil - Date.now();
        if (!this.throttleCheckTimeoutId) {
          if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : 10;
          this.throttleCheckTimeoutId = setTimeout(() => {
            this.throttleCheckTimeoutId = null;
            this.checkPendingRequests();
          }, Math.max(0, scheduleAt));
        }
      };
      patched = true;
    }
  } catch {
    patched = false;
  }
  marker[PATCHED] = patched;
}
