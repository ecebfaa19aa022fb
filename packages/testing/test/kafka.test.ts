import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectMessages,
  CollectTimeoutError,
  createTopics,
  dockerAvailable,
  parseBrokers,
  testKafka,
  testKafkaClient,
  uniqueTopics,
} from '../src/index.ts';

const suffix = randomBytes(4).toString('hex');
const topic = `crm.testing.collect.${suffix}`;
let brokers: string[];

beforeAll(async () => {
  ({ brokers } = await testKafka());
  await createTopics(brokers, [topic], 3);
  const producer = testKafkaClient(brokers).producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      { key: 'cus_1', value: JSON.stringify({ n: 1 }), headers: { 'ce_type': 'crm.test.v1', 'x-request-id': Buffer.from('req-1') } },
      { key: 'cus_1', value: JSON.stringify({ n: 2 }), headers: { multi: ['a', 'b'] } },
      { key: 'cus_2', value: null },
      { key: null, value: 'not json' },
    ],
  });
  await producer.disconnect();
});

describe('testKafka', () => {
  it('takes brokers from KAFKA_BROKERS or the local broker, and they answer', async () => {
    const expected = parseBrokers(process.env.KAFKA_BROKERS);
    expect(brokers).toEqual(expected.length > 0 ? expected : ['127.0.0.1:9092']);
    const admin = testKafkaClient(brokers).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.length).toBeGreaterThan(0);
  });

  it('parses a comma-separated broker list', () => {
    expect(parseBrokers(' a:1, b:2 ,,')).toEqual(['a:1', 'b:2']);
    expect(parseBrokers(undefined)).toEqual([]);
  });

  it('sees a Docker engine only through DOCKER_HOST or the socket', () => {
    expect(dockerAvailable({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toBe(true);
  });
});

describe('createTopics', () => {
  it('creates topics with the asked partitions and tolerates existing ones', async () => {
    const other = `crm.testing.create.${suffix}`;
    await createTopics(brokers, [topic, other], 2);
    const admin = testKafkaClient(brokers).admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic, other] });
    await admin.disconnect();
    const partitions = Object.fromEntries(metadata.topics.map((item) => [item.name, item.partitions.length]));
    expect(partitions).toEqual({ [topic]: 3, [other]: 2 });
  });
});

describe('collectMessages', () => {
  it('decodes keys, JSON values, tombstones and headers', async () => {
    const messages = await collectMessages({ brokers, topic, count: 4, timeoutMs: 20_000 });
    const byValue = messages.map(({ key, value, headers }) => ({ key, value, headers }));
    expect(byValue).toHaveLength(4);
    expect(byValue).toEqual(
      expect.arrayContaining([
        { key: 'cus_1', value: { n: 1 }, headers: { ce_type: 'crm.test.v1', 'x-request-id': 'req-1' } },
        { key: 'cus_1', value: { n: 2 }, headers: { multi: 'a,b' } },
        { key: 'cus_2', value: null, headers: {} },
        { key: null, value: 'not json', headers: {} },
      ]),
    );
    // One customer's events stay in order.
    const cus1 = messages.filter((message) => message.key === 'cus_1').map((message) => message.value);
    expect(cus1).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('uses its own group each time, so a second read sees the same messages', async () => {
    const again = await collectMessages({ brokers, topic, count: 4, timeoutMs: 20_000 });
    expect(again).toHaveLength(4);
  });

  it('rejects with what arrived when too few come in time, or returns them with allowFewer', async () => {
    const error = await collectMessages({ brokers, topic, count: 5, timeoutMs: 6_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CollectTimeoutError);
    expect((error as CollectTimeoutError).message).toMatch(/collected 4 of 5 messages/);
    expect((error as CollectTimeoutError).messages).toHaveLength(4);

    const fewer = await collectMessages({ brokers, topic, count: 5, timeoutMs: 6_000, allowFewer: true });
    expect(fewer).toHaveLength(4);
  });
});

describe('uniqueTopics', () => {
  it('suffixes names and renames DLQ twins', () => {
    const specs = [
      { name: 'crm.customer', partitions: 3, dlq: 'crm.customer.dlq' as string | null },
      { name: 'crm.customer.profile', partitions: 3, dlq: null },
    ];
    expect(uniqueTopics(specs, 'abc')).toEqual([
      { name: 'crm.customer.abc', partitions: 3, dlq: 'crm.customer.abc.dlq' },
      { name: 'crm.customer.profile.abc', partitions: 3, dlq: null },
    ]);
    const [first] = uniqueTopics(specs);
    const [second] = uniqueTopics(specs);
    expect(first!.name).not.toBe(second!.name);
  });
});

afterAll(async () => {
  const admin = testKafkaClient(brokers).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, `crm.testing.create.${suffix}`] }).catch(() => {});
  await admin.disconnect();
});
