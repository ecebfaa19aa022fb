// Benchmark: replay of 1,000,000 purchase + interaction events through the projection consumer.
//   node --import tsx bench/replay.ts [EVENTS=1000000] [CUSTOMERS=100000]
// 1. A child process generates the events (70% purchases, 30% interactions, valid CloudEvents keyed by
//    customer id) straight onto fresh bench topics in big batches.
// 2. This process runs the analytics projection consumer (fresh database, fresh group) from the
//    beginning until the committed offsets reach the high watermarks, sampling process.memoryUsage().rss,
//    and prints events/s and peak RSS; then it checks the projected counts.
// 3. The raw kafkajs baseline (../shared/bench/raw-kafka-baseline.mjs) runs as a child process and its
//    figures are printed beside ours. Targets (DESIGN.md): 1,000,000 events in <= 30 s, < 512 MB resident.
import { newId } from '@crm/contracts';
import { createKafka } from '@crm/event-bus';
import { createTopics, testDatabase } from '@crm/testing';
import { execFileSync, spawnSync } from 'node:child_process';
import { Partitioners } from 'kafkajs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Projector } from '../src/application/projector.ts';
import { createPrisma } from '../src/db.ts';
import { topicList, type ProjectionTopics } from '../src/events/topics.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

async function produce(topic: string, events: number, customers: number) {
  const kafka = createKafka({ brokers, clientId: 'bench-producer', logger });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const ids = Array.from({ length: customers }, () => newId('cus'));
  const channels = ['phone', 'email', 'web', 'chat'];
  const base = Date.parse('2024-01-01T00:00:00Z');
  const t0 = Date.now();
  const BATCH = 4_000; // keeps each partition's record batch under the broker's 1 MB message.max.bytes
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < events; i += BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(events, i + BATCH); j++) {
      const customerId = ids[(j * 7919) % customers]!;
      const occurredAt = new Date(base + (j % 700) * 86_400_000 + (j % 86_400) * 1000).toISOString();
      const isPurchase = j % 10 < 7;
      const id = newId('evt');
      const envelope = isPurchase
        ? { specversion: '1.0', id, source: '/crm/interaction', type: 'crm.purchase.recorded.v1', time: occurredAt, subject: customerId, datacontenttype: 'application/json',
            data: { purchaseId: newId('pur'), orderId: `bench-${j}`, customerId, amount: `${1 + Math.floor((j % 9000) / 100)}.${String(j % 100).padStart(2, '0')}`, currency: 'EUR', occurredAt, channel: 'web', lineCount: 1, source: 'import' } }
        : { specversion: '1.0', id, source: '/crm/interaction', type: 'crm.interaction.recorded.v1', time: occurredAt, subject: customerId, datacontenttype: 'application/json',
            data: { interactionId: newId('int'), customerId, channel: channels[j % 4], direction: 'inbound', kind: 'call', occurredAt } };
      messages.push({ key: customerId, value: JSON.stringify(envelope), headers: { 'content-type': 'application/cloudevents+json', ce_id: id, ce_type: envelope.type } });
    }
    inFlight.push(producer.send({ topic, acks: 1, messages }));
    if (inFlight.length >= 6) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  const s = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({ produced: events, seconds: Number(s.toFixed(1)), producePerSecond: Math.round(events / s) }));
  await producer.disconnect();
}

if (process.argv[2] === '--produce') {
  await produce(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
  process.exit(0);
}

const EVENTS = Number(process.argv[2] ?? process.env.EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.argv[3] ?? process.env.CUSTOMERS ?? 100_000);
const suffix = `bench${Date.now()}`;
const topics: ProjectionTopics = {
  customer: `bench.customer.${suffix}`,
  profile: `bench.customer.profile.${suffix}`,
  interaction: `bench.interaction.${suffix}`,
  ticket: `bench.ticket.${suffix}`,
};
const names = topicList(topics);
await createTopics(brokers, [...names, ...names.map((n) => `${n}.dlq`)], 6);
process.stderr.write(`generating ${EVENTS} events for ${CUSTOMERS} customers onto ${topics.interaction} (child process)\n`);
execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--produce', topics.interaction, String(EVENTS), String(CUSTOMERS)], { stdio: ['ignore', 'inherit', 'inherit'] });

const database = await testDatabase({ service: 'analytics', migrationsDir: path.resolve(here, '../prisma/migrations') });
const db = createPrisma(database.url);
const kafka = createKafka({ brokers, clientId: 'bench-replay', logger });
const admin = kafka.admin();
await admin.connect();
const concurrency = Number(process.env.PROJECTION_CONCURRENCY ?? 6);
const projector = new Projector({ db, kafka, logger, topics, groupPrefix: `bench-replay-${suffix}`, concurrency });

let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
const rssAtStart = peakRss;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 50);
const targets = (await admin.fetchTopicOffsets(topics.interaction)).map((p) => ({ partition: p.partition, high: Number(p.high) }));
const t0 = Date.now();
await projector.start();
const groupId = await projector.currentGroup();
let lastPrint = Date.now();
for (;;) {
  const committed = (await admin.fetchOffsets({ groupId, topics: [topics.interaction] }))[0]!.partitions;
  // Committed offsets, or what the consumer finished (the event-bus commits at most once a second, not while idle).
  const at = (p: number) => projector.processedOffset(topics.interaction, p, Number(committed.find((c) => c.partition === p)?.offset ?? -1));
  const done = targets.reduce((s, t) => s + Math.max(0, at(t.partition)), 0);
  if (targets.every((t) => at(t.partition) >= t.high)) break;
  if (Date.now() - lastPrint > 2000) {
    lastPrint = Date.now();
    process.stderr.write(`  replayed ${done} / ${EVENTS} (${Math.round(done / ((Date.now() - t0) / 1000))} events/s, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB, heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB)\n`);
  }
  await new Promise((r) => setTimeout(r, 20));
}
const seconds = (Date.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
await projector.stop();

const [counts] = await db.$queryRawUnsafe<{ purchases: number; interactions: number; inbox: number }[]>(
  `SELECT (SELECT COALESCE(sum(purchases), 0)::int FROM purchase_day) AS purchases,
          (SELECT COALESCE(sum(interaction_count), 0)::int FROM customer_360) AS interactions,
          (SELECT count(*)::int FROM processed_event) AS inbox`,
);
const result = {
  events: EVENTS,
  seconds: Number(seconds.toFixed(1)),
  eventsPerSecond: Math.round(EVENTS / seconds),
  peakRssMB: Math.round(peakRss / 1048576),
  peakHeapUsedMB: Math.round(peakHeap / 1048576),
  rssAtStartMB: Math.round(rssAtStart / 1048576),
  concurrency,
  projected: counts,
  targets: { seconds: 30, rssMB: 512 },
};
console.log(JSON.stringify({ projection: result }));
const ok = counts!.purchases + counts!.interactions === EVENTS && counts!.inbox === EVENTS;
if (!ok) {
  console.error('MISMATCH: projected counts differ from the events produced');
  process.exitCode = 1;
}

await admin.deleteGroups([groupId]).catch(() => {});
await admin.deleteTopics({ topics: [...names, ...names.map((n) => `${n}.dlq`)] }).catch(() => {});
await admin.disconnect();
await db.$disconnect();
await database.drop();

// The raw kafkajs yardstick, same broker, run from this package so it uses the project's kafkajs.
const baselinePath = path.resolve(here, '../../../../shared/bench/raw-kafka-baseline.mjs');
const baseline = spawnSync(process.execPath, [baselinePath, brokers.join(','), String(Math.min(EVENTS, 200_000))], { cwd: path.resolve(here, '..'), encoding: 'utf8' });
console.log(JSON.stringify({ rawKafkaBaseline: baseline.stdout.trim() ? JSON.parse(baseline.stdout.trim().split('\n').pop()!) : { error: baseline.stderr.slice(0, 500) } }));
console.log(`replay: ${EVENTS} events in ${seconds.toFixed(1)} s = ${result.eventsPerSecond} events/s, peak RSS ${result.peakRssMB} MB (targets: <= 30 s, < 512 MB)`);
