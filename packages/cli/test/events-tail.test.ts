// `crm events tail` against the real broker: an independent consumer group that prints the envelopes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createEvent, customerRegistered, newId, registrationSources, toKafkaMessage } from '@crm/contracts';
import { createKafka, ensureTopics } from '@crm/event-bus';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const topic = `test.tail.${randomBytes(4).toString('hex')}`;
const kafka = createKafka({ brokers, clientId: 'cli-tail-test', logger: pino({ level: 'silent' }) });
const events = Array.from({ length: 4 }, () => {
  const subject = newId('cus');
  return createEvent(customerRegistered, {
    source: '/crm/customer', subject, data: { customerId: subject, kind: 'person', lifecycleStage: 'new', source: registrationSources[0] },
  });
});

beforeAll(async () => {
  await ensureTopics(kafka, [{ name: topic, partitions: 1, cleanupPolicy: 'delete', dlq: null }]);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, messages: [...events.map((e) => toKafkaMessage(e)), { key: events[0]!.subject, value: null }] });
  await producer.disconnect();
});
afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

function tail(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('../src/main.ts', import.meta.url).pathname, 'events', 'tail', topic, '--brokers', brokers, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

it('prints every envelope as one NDJSON line, tombstones on stderr, and stops after --max', async () => {
  const r = await tail(['--from-beginning', '--max', '5']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
  expect(lines.map((e) => e.id)).toEqual(events.map((e) => e.id));
  expect(r.stderr).toMatch(new RegExp(`tombstone key=${events[0]!.subject}`));
  expect(r.stderr).toMatch(/group crm-cli-[0-9a-f]{12}/);
}, 90_000);

it('wraps events with their Kafka coordinates and headers with --meta', async () => {
  const r = await tail(['--from-beginning', '--max', '2', '--meta']);
  expect(r.code, r.stderr).toBe(0);
  const first = JSON.parse(r.stdout.split('\n')[0]!) as { topic: string; offset: string; key: string; headers: Record<string, string>; event: { id: string } };
  expect(first).toMatchObject({ topic, offset: '0', key: events[0]!.subject, event: { id: events[0]!.id } });
  expect(first.headers['ce_type']).toBe('crm.customer.registered.v1');
}, 90_000);
