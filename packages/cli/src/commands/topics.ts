// crm topics create: creates every topic declared in @crm/contracts and its dead-letter twin, idempotently,
// printing one line per topic. infra/kafka/create-topics.ts (run by ./dev and the compose `topics` service)
// calls createAllTopics from here, so the workspace packages resolve through this package.
import { topics, type TopicSpec } from '@crm/contracts';
import type { Command } from '../args.ts';

export type TopicLine = { name: string; status: 'created' | 'exists'; partitions: number; note?: string };

export function describeSpec(t: TopicSpec): string {
  const retention = t.retentionMs === undefined ? '' : t.retentionMs < 0 ? ', kept forever' : `, retention ${Math.round(t.retentionMs / 86_400_000)}d`;
  return `${t.partitions} partition${t.partitions === 1 ? '' : 's'}, ${t.cleanupPolicy}${retention}`;
}

export function formatTopicLine(line: TopicLine, spec: TopicSpec): string {
  return `${line.status.padEnd(7)} ${line.name.padEnd(28)} ${describeSpec(spec)}${line.note ? `  (${line.note})` : ''}`;
}

/** Ensures every declared topic exists; returns one line per topic, in declaration order. */
export async function createAllTopics(opts: { brokers?: string; specs?: readonly TopicSpec[] } = {}): Promise<TopicLine[]> {
  const specs = opts.specs ?? topics;
  const brokers = opts.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const [{ createKafka, ensureTopics }, { pino }] = await Promise.all([import('@crm/event-bus'), import('pino')]);
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const kafka = createKafka({ brokers, clientId: 'crm-topics', logger });
  const created = new Set(await ensureTopics(kafka, specs));
  // Existing topics are left alone; say so when their partition count differs from the declaration.
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    const partitions = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    return specs.map((s) => {
      const actual = partitions.get(s.name) ?? 0;
      const note = actual !== s.partitions ? `has ${actual} partitions, declared ${s.partitions}` : undefined;
      return { name: s.name, status: created.has(s.name) ? 'created' : 'exists', partitions: actual, ...(note ? { note } : {}) };
    });
  } finally {
    await admin.disconnect();
  }
}

export async function printAllTopics(out: { write(s: string): unknown } = process.stdout, brokers?: string): Promise<number> {
  const lines = await createAllTopics(brokers ? { brokers } : {});
  const byName = new Map(topics.map((t) => [t.name, t]));
  for (const line of lines) out.write(`${formatTopicLine(line, byName.get(line.name)!)}\n`);
  const n = lines.filter((l) => l.status === 'created').length;
  out.write(`${lines.length} topics: ${n} created, ${lines.length - n} already there\n`);
  return 0;
}

export const topicsCommands: Command[] = [
  {
    words: ['topics', 'create'],
    spec: {
      name: 'topics create',
      summary: 'Create every CRM topic and its dead-letter twin (idempotent; existing topics are left as they are).',
      flags: { brokers: { type: 'string', value: 'HOST:PORT,...', description: 'Kafka brokers (default: $KAFKA_BROKERS or 127.0.0.1:9092)' } },
    },
    run: ({ flags }) => printAllTopics(process.stdout, flags.brokers as string | undefined),
  },
];
