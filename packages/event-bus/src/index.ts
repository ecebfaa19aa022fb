export { createKafka, patchKafkaJsNegativeTimeout, pinoLogCreator, type CreateKafkaOptions } from './kafka.ts';
export { enqueue, enqueueTombstone, OUTBOX_CHANNEL, TOMBSTONE_TYPE, type EnqueueOptions } from './outbox.ts';
export { OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export {
  createConsumer,
  type BatchDoneInfo,
  type BatchHandler,
  type BatchHandlers,
  type ConsumerOptions,
  type EventConsumer,
  type EventContext,
  type EventHandler,
  type Handlers,
  type PartitionLag,
  type TombstoneHandler,
} from './consumer.ts';
export { ensureTopics, type EnsureTopicSpec, type EnsureTopicsOptions } from './topics.ts';
export { eventHeaders, headersToStrings } from './headers.ts';
export type { Sql, TransactionalSql } from './sql.ts';
