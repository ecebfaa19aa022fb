import { afterAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes } from 'kafkajs';
import { createKafka, patchKafkaJsNegativeTimeout } from '../src/kafka.ts';
import { ensureTopics } from '../src/topics.ts';
import { brokers, deleteTopics, logger, randomSuffix } from './helpers.ts';
import pino from 'pino';
import { Writable } from 'node:stream';

const kafka = createKafka({ brokers, clientId: 'event-bus-topics-test', logger });
const created: string[] = [];
afterAll(() => deleteTopics(kafka, created));

describe('ensureTopics', () => {
  it('creates missing topics with partitions, cleanup policy, retention and DLQ twins, idempotently', async () => {
    const history = `test.eventbus.history.${randomSuffix()}`;
    const profile = `test.eventbus.profile.${randomSuffix()}`;
    created.push(history, `${history}.dlq`, profile, `${profile}.dlq`);
    const specs = [
      { name: history, partitions: 4, cleanupPolicy: 'delete' as const, retentionMs: 86_400_000, dlq: `${history}.dlq` },
      { name: profile, partitions: 2, cleanupPolicy: 'compact' as const, dlq: `${profile}.dlq` },
    ];
    expect((await ensureTopics(kafka, specs)).sort()).toEqual([...created].sort());
    expect(await ensureTopics(kafka, specs)).toEqual([]);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [history, profile, `${history}.dlq`] });
      const partitions = Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions).toEqual({ [history]: 4, [profile]: 2, [`${history}.dlq`]: 1 });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [history, profile].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy', 'retention.ms'] })),
      });
      const value = (name: string, key: string) =>
        configs.resources.find((r) => r.resourceName === name)?.configEntries.find((e) => e.configName === key)?.configValue;
      expect(value(history, 'cleanup.policy')).toBe('delete');
      expect(value(history, 'retention.ms')).toBe('86400000');
      expect(value(profile, 'cleanup.policy')).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });
});

describe('createKafka', () => {
  it('patches kafkajs so Node 24 prints no TimeoutNegativeWarning', async () => {
    expect(patchKafkaJsNegativeTimeout()).toBe(true);
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.name);
    process.on('warning', onWarning);
    const admin = kafka.admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });

  it('bridges kafkajs logs into pino with the namespace', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
    const log = pino({ level: 'info' }, sink);
    const k = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'bridge-test', logger: log, config: { retry: { retries: 0 }, connectionTimeout: 200 } });
    const admin = k.admin();
    await expect(admin.connect()).rejects.toThrow();
    const errorLine = lines.find((l) => l['level'] === 50);
    expect(errorLine).toMatchObject({ component: 'kafkajs' });
    expect(typeof errorLine?.['namespace']).toBe('string');
    expect(typeof errorLine?.['msg']).toBe('string');
  });
});
