// Against the real broker (KAFKA_BROKERS, default 127.0.0.1:9092), with topic names unique to this run.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import type { TopicSpec } from '@crm/contracts';
import { createKafka } from '@crm/event-bus';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAllTopics, describeSpec } from '../src/commands/topics.ts';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const suffix = randomBytes(4).toString('hex');
const specs: TopicSpec[] = [
  { name: `test.cli.${suffix}`, partitions: 3, cleanupPolicy: 'delete', retentionMs: -1, dlq: `test.cli.${suffix}.dlq`, description: 'test', producer: 'customer' },
  { name: `test.cli.${suffix}.dlq`, partitions: 1, cleanupPolicy: 'delete', retentionMs: 86_400_000, dlq: null, description: 'test', producer: 'customer' },
  { name: `test.cli.${suffix}.profile`, partitions: 2, cleanupPolicy: 'compact', dlq: null, description: 'test', producer: 'customer' },
];
const kafka = createKafka({ brokers, clientId: 'cli-test', logger: pino({ level: 'silent' }) });

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
  await admin.disconnect();
});

describe('createAllTopics', () => {
  it('creates missing topics with their partitions and config, then reports them as existing', async () => {
    const first = await createAllTopics({ brokers, specs });
    expect(first.map((l) => [l.name, l.status, l.partitions])).toEqual(specs.map((s) => [s.name, 'created', s.partitions]));
    const second = await createAllTopics({ brokers, specs });
    expect(second.map((l) => l.status)).toEqual(['exists', 'exists', 'exists']);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: specs.map((s) => ({ type: 2, name: s.name, configNames: ['cleanup.policy', 'retention.ms'] })),
      });
      const config = (name: string, key: string) =>
        resources.find((r) => r.resourceName === name)?.configEntries.find((e) => e.configName === key)?.configValue;
      expect(config(specs[0]!.name, 'retention.ms')).toBe('-1');
      expect(config(specs[1]!.name, 'retention.ms')).toBe('86400000');
      expect(config(specs[2]!.name, 'cleanup.policy')).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('describes a spec in words', () => {
    expect(describeSpec(specs[0]!)).toBe('3 partitions, delete, kept forever');
    expect(describeSpec(specs[1]!)).toBe('1 partition, delete, retention 1d');
    expect(describeSpec(specs[2]!)).toBe('2 partitions, compact');
  });
});

describe('infra/kafka/create-topics.ts', () => {
  it('prints one line per declared topic, created or exists, and exits 0', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/kafka/create-topics.ts'], {
      cwd: new URL('../../..', import.meta.url),
      env: { ...process.env, KAFKA_BROKERS: brokers },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    for (const name of ['crm.customer', 'crm.customer.dlq', 'crm.customer.profile', 'crm.interaction.ingest', 'crm.ticket', 'crm.analytics.dlq']) {
      expect(lines.some((l) => new RegExp(`^(created|exists)\\s+${name.replace(/\./g, '\\.')}\\s`).test(l)), name).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/^\d+ topics: \d+ created, \d+ already there$/);
  }, 60_000);
});
