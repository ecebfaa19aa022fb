// Test fixtures: a fresh Postgres database per file with the shared platform tables, raw `pg` wrapped
// to the Sql interface (the same surface a Prisma client offers), and unique Kafka topics.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { adminDatabaseUrl, databaseUrlFor, dropDatabase, ensureDatabase } from '@crm/db';
import { Partitioners, type Kafka, type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import pino from 'pino';
import { createKafka } from '../src/kafka.ts';
import type { Sql, TransactionalSql } from '../src/sql.ts';
import { ensureTopics } from '../src/topics.ts';

const SHARED_SQL = fileURLToPath(new URL('../../db/prisma/shared-migration.sql', import.meta.url));

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

function wrap(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async $executeRawUnsafe(query: string, ...values: unknown[]) {
      return (await client.query(query, values)).rowCount ?? 0;
    },
    async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]) {
      return (await client.query(query, values)).rows as T;
    },
  };
}

export type PgDb = TransactionalSql & { transaction: <R>(fn: (tx: Sql) => Promise<R>) => Promise<R> };

/** A pg Pool behind the Sql interface, with Prisma-like interactive transactions. */
export function pgDb(pool: pg.Pool): PgDb {
  const $transaction = async <R>(fn: (tx: Sql) => Promise<R>): Promise<R> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
  return { ...wrap(pool), $transaction, transaction: $transaction };
}

export type TestDatabase = { name: string; url: string; pool: pg.Pool; db: PgDb; drop(): Promise<void> };

/** CREATE DATABASE with a random name, then the shared tables from @crm/db's canonical SQL. */
export async function freshDatabase(extraSql = '', poolSize = 10): Promise<TestDatabase> {
  const name = `eventbus_test_${randomSuffix()}`;
  const admin = adminDatabaseUrl();
  await ensureDatabase(admin, name);
  const url = databaseUrlFor(name);
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  await pool.query(await readFile(SHARED_SQL, 'utf8'));
  if (extraSql) await pool.query(extraSql);
  return {
    name,
    url,
    pool,
    db: pgDb(pool),
    async drop() {
      await pool.end();
      await dropDatabase(admin, name);
    },
  };
}

export function testKafka(clientId = 'event-bus-test'): Kafka {
  return createKafka({ brokers, clientId, logger });
}

/** Creates `<prefix>.<random>` and its DLQ; returns the topic name. */
export async function uniqueTopic(kafka: Kafka, prefix = 'test.eventbus', partitions = 3): Promise<string> {
  const name = `${prefix}.${randomSuffix()}`;
  await ensureTopics(kafka, [{ name, partitions, cleanupPolicy: 'delete', dlq: `${name}.dlq` }]);
  return name;
}

export async function deleteTopics(kafka: Kafka, names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: names }).catch(() => {});
  await admin.disconnect();
}

/** Reads `count` messages of `topic` from the beginning with an independent consumer group. */
export async function collectMessages(kafka: Kafka, topic: string, count: number, timeoutMs = 20_000) {
  const consumer = kafka.consumer({ groupId: `collect-${randomSuffix()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`collected ${out.length}/${count} from ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          out.push(message);
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export async function rawProducer(kafka: Kafka) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
