import type { Kafka, ITopicConfig } from 'kafkajs';

/** The subset of @crm/contracts' TopicSpec this function needs. */
export type EnsureTopicSpec = {
  name: string;
  partitions: number;
  cleanupPolicy: 'delete' | 'compact';
  retentionMs?: number | undefined;
  dlq: string | null;
};

export type EnsureTopicsOptions = { replicationFactor?: number; dlqPartitions?: number };

/**
 * Creates the missing topics of `specs` and their dead-letter twins with partitions and config
 * (cleanup.policy, retention.ms). Existing topics are left as they are; safe to call on every start.
 * Returns the names it created.
 */
export async function ensureTopics(
  kafka: Kafka,
  specs: readonly EnsureTopicSpec[],
  opts: EnsureTopicsOptions = {},
): Promise<string[]> {
  const replicationFactor = opts.replicationFactor ?? -1; // -1: the broker's default.replication.factor
  const wanted = new Map<string, ITopicConfig>();
  for (const spec of specs) {
    const configEntries: { name: string; value: string }[] = [{ name: 'cleanup.policy', value: spec.cleanupPolicy }];
    if (spec.retentionMs !== undefined) configEntries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
    wanted.set(spec.name, { topic: spec.name, numPartitions: spec.partitions, replicationFactor, configEntries });
    // A DLQ keeps everything that failed (never compacted: one key can fail many times).
    if (spec.dlq && !wanted.has(spec.dlq)) {
      wanted.set(spec.dlq, {
        topic: spec.dlq,
        numPartitions: opts.dlqPartitions ?? 1,
        replicationFactor,
        configEntries: [{ name: 'cleanup.policy', value: 'delete' }],
      });
    }
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...wanted.values()].filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (err) {
      // Another process may have created some of them in the meantime: fine if they all exist now.
      const now = new Set(await admin.listTopics());
      if (!missing.every((t) => now.has(t.topic))) throw err;
    }
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
