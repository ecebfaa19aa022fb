// Transactional outbox: rows written in the caller's transaction, published later by OutboxRelay.
import { randomUUID } from 'node:crypto';
import { eventRegistry, toKafkaMessage, type CloudEvent } from '@crm/contracts';
import type { Sql } from './sql.ts';

export type EnqueueOptions = {
  /** Kafka key; defaults to the event's subject. `null` publishes without a key. */
  key?: string | null;
};

const COLUMNS = 6; // id, topic, key, type, payload, headers
const ROWS_PER_STATEMENT = 1000; // 6,000 parameters, far under Postgres's 65,535

type OutboxRow = [id: string, topic: string, key: string | null, type: string, payload: string | null, headers: string];

/** Writes outbox rows for the events in the caller's transaction (one multi-row INSERT per 1,000). */
export async function enqueue(tx: Sql, events: CloudEvent | CloudEvent[], opts: EnqueueOptions = {}): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  const rows = list.map((event): OutboxRow => {
    const definition = eventRegistry.get(event.type);
    if (!definition) throw new Error(`enqueue: unknown event type ${event.type} (not in eventRegistry)`);
    const message = toKafkaMessage(event);
    const key = opts.key === undefined ? message.key : opts.key;
    return [event.id, definition.topic, key, event.type, message.value, JSON.stringify(message.headers)];
  });
  await insertRows(tx, rows);
}

/** Writes a tombstone (null value) for `key` on a compacted topic, e.g. when a customer is erased. */
export async function enqueueTombstone(tx: Sql, topic: string, key: string): Promise<void> {
  await insertRows(tx, [[`tomb_${randomUUID()}`, topic, key, TOMBSTONE_TYPE, null, '{}']]);
}

/** Type recorded on tombstone rows (they carry no CloudEvent). */
export const TOMBSTONE_TYPE = 'tombstone';

async function insertRows(tx: Sql, rows: OutboxRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const values = chunk
      .map((_, i) => {
        const p = i * COLUMNS;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::jsonb, $${p + 6}::jsonb)`;
      })
      .join(', ');
    await tx.$executeRawUnsafe(
      `INSERT INTO outbox_event (id, topic, key, type, payload, headers) VALUES ${values}`,
      ...chunk.flat(),
    );
  }
}
