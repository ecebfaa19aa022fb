// crm events tail TOPIC: prints the CloudEvents of a topic as NDJSON (one envelope a line, pipe-friendly)
// with its own consumer group, so it never takes messages away from a service.
import { randomBytes } from 'node:crypto';
import { UsageError, type Command, type Parsed } from '../args.ts';

async function tail({ flags, positionals }: Parsed): Promise<number> {
  const topic = positionals[0]!;
  const max = flags.max === undefined ? Infinity : Number(flags.max);
  if (!(max > 0)) throw new UsageError('--max must be a positive number');
  const brokers = (flags.brokers as string | undefined) ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const [{ createKafka }, { pino }] = await Promise.all([import('@crm/event-bus'), import('pino')]);
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const kafka = createKafka({ brokers, clientId: 'crm-cli', logger });
  const groupId = `crm-cli-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  const admin = kafka.admin();

  let seen = 0;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= consumer.disconnect().then(() => admin.deleteGroups([groupId]).then(() => undefined, () => undefined)).finally(() => admin.disconnect()));
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onSignal = () => finish();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  await admin.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: flags['from-beginning'] === true });
  process.stderr.write(`tailing ${topic} on ${brokers} (group ${groupId})${flags['from-beginning'] ? ' from the beginning' : ''}; Ctrl-C stops\n`);
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (seen >= max) return;
      seen++;
      const value = message.value?.toString('utf8') ?? null;
      if (flags.meta) {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : v?.toString()]));
        let event: unknown = value;
        try {
          event = value === null ? null : JSON.parse(value);
        } catch {
          // not JSON: print as text
        }
        process.stdout.write(`${JSON.stringify({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, headers, event })}\n`);
      } else if (value === null) {
        process.stderr.write(`tombstone key=${message.key?.toString() ?? ''} partition=${partition} offset=${message.offset}\n`);
      } else {
        process.stdout.write(`${value.replace(/\n/g, ' ')}\n`);
      }
      if (seen >= max) finish();
    },
  });
  await finished;
  await stop();
  return 0;
}

export const eventsCommands: Command[] = [
  {
    words: ['events', 'tail'],
    spec: {
      name: 'events tail',
      summary: 'Print the CloudEvents of a Kafka topic as NDJSON (one envelope per line) with an independent consumer group.',
      positionals: ['TOPIC'],
      flags: {
        'from-beginning': { type: 'boolean', description: 'start at the oldest message instead of new ones only' },
        max: { type: 'string', value: 'N', description: 'stop after N messages' },
        meta: { type: 'boolean', description: 'wrap each event with topic, partition, offset, key and headers' },
        brokers: { type: 'string', value: 'HOST:PORT,...', description: 'Kafka brokers (default: $KAFKA_BROKERS or 127.0.0.1:9092)' },
      },
      details: 'Example: crm events tail crm.customer --from-beginning --max 10 | crm events validate',
    },
    run: tail,
  },
];
