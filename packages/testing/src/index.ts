export { testDatabase, testPostgresEnv, type TestDatabase, type TestDatabaseOptions } from './database.ts';
export {
  testKafka,
  testKafkaClient,
  createTopics,
  uniqueTopics,
  collectMessages,
  parseBrokers,
  CollectTimeoutError,
  type TestKafka,
  type CollectedMessage,
  type CollectMessagesOptions,
} from './kafka.ts';
export { dockerAvailable, portOpen, TestInfrastructureError } from './environment.ts';
