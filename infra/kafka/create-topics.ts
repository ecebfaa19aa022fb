// Creates every Kafka topic declared in @crm/contracts (packages/contracts/src/topics.ts) and its
// dead-letter twin, idempotently; one line per topic (created / exists). Run from the repository root:
//   node --import tsx infra/kafka/create-topics.ts        (brokers from KAFKA_BROKERS, default 127.0.0.1:9092)
// The work is done by the crm CLI (`crm topics create`); importing it by path lets its own dependencies
// (@crm/contracts, @crm/event-bus, kafkajs) resolve from packages/cli without root-level dependencies.
import { printAllTopics } from '../../packages/cli/src/commands/topics.ts';

try {
  process.exitCode = await printAllTopics(process.stdout);
} catch (err) {
  process.stderr.write(`creating topics failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
