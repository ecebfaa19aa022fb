// Transactional outbox: rows written in the caller's transaction, published later by OutboxRelay.
import { randomUUID } from 'node:crypto';
import { eventRegistry, toKafkaMessage, type CloudEvent } from '@crm/contracts';
import type { Sql } from './sql.ts';

export type EnqueueOptions = {
  /** Kafka key; defaults to the event's subject. `null` publishes without a key. */
  key?: string | null;
  /**
   * Send NOTIFY crm_outbox with the rows (delivered at commit) so a listening relay publishes at once.
   * Default true. Postgres serialises the commits of notifying transactions, so a writer that commits
   * many thousands of tiny transactions a second and does not need the wake-up may turn it off.
   */
  notify?: boolean;
};

// One statement per call: the rows travel as a single JSON array parameter and are expanded server-side
// by jsonb_to_recordset. Measured here (1,000 rows of ~450 bytes): about twice as fast as a VALUES list
// with 6,000 parameters (whose parse/plan dominates), on a par with unnest(arrays); and it needs no
// chunking, no array parameter support from the driver, and the payload is embedded as JSON (no
// double encoding). Works the same through a Prisma client and raw pg.
const INSERT_ROWS = `INSERT INTO outbox_event (id, topic, key, type, payload, headers)
  SELECT id, topic, key, type, payload, headers
  FROM jsonb_to_recordset($1::jsonb) AS r(ord int, id text, topic text, key text, type text, payload jsonb, headers jsonb)
  ORDER BY ord`;
// The same, plus NOTIFY on OUTBOX_CHANNEL in the same statement (no extra round trip). Postgres delivers
// the notification only when the caller's transaction commits (never for a rollback) and folds repeats
// within one transaction, so a relay that LISTENs (OutboxRelay's `listen` option) wakes right after the
// commit instead of at its next poll.
const INSERT_ROWS_NOTIFY = `WITH wake AS MATERIALIZED (SELECT pg_notify('crm_outbox', '') AS w)
  INSERT INTO outbox_event (id, topic, key, type, payload, headers)
  SELECT id, topic, key, type, payload, headers
  FROM wake, jsonb_to_recordset($1::jsonb) AS r(ord int, id text, topic text, key text, type text, payload jsonb, headers jsonb)
  ORDER BY ord`;

/** Channel of the NOTIFY sent with every enqueue (the relay LISTENs on it). */
export const OUTBOX_CHANNEL = 'crm_outbox';

/** A row as a JSON object text; `payload` and `headers` are JSON texts already, embedded as they are. */
type OutboxRow = { id: string; topic: string; key: string | null; type: string; payload: string | null; headers: string };

/** Writes outbox rows for the events in the caller's transaction (one multi-row INSERT per 1,000). */
export async function enqueue(tx: Sql, events: CloudEvent | CloudEvent[], opts: EnqueueOptions = {}): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  const rows = list.map((event): OutboxRow => {
    const definition = eventRegistry.get(event.type);
    if (!definition) throw new Error(`enqueue: unknown event type ${event.type} (not in eventRegistry)`);
    const message = toKafkaMessage(event);
    const key = opts.key === undefined ? message.key : opts.key;
    return { id: event.id, topic: definition.topic, key, type: event.type, payload: message.value, headers: JSON.stringify(message.headers) };
  });
  await insertRows(tx, rows, opts.notify ?? true);
}

/** Writes a tombstone (null value) for `key` on a compacted topic, e.g. when a customer is erased. */
export async function enqueueTombstone(tx: Sql, topic: string, key: string): Promise<void> {
  await insertRows(tx, [{ id: `tomb_${randomUUID()}`, topic, key, type: TOMBSTONE_TYPE, payload: null, headers: '{}' }], true);
}

/** Type recorded on tombstone rows (they carry no CloudEvent). */
export const TOMBSTONE_TYPE = 'tombstone';

async function insertRows(tx: Sql, rows: OutboxRow[], notify: boolean): Promise<void> {
  if (rows.length === 0) return;
  // `ord` keeps the events' order in `seq` (the relay publishes in seq order).
  const json = rows
    .map(
      (r, i) =>
        `{"ord":${i},"id":${JSON.stringify(r.id)},"topic":${JSON.stringify(r.topic)},"key":${JSON.stringify(r.key)},` +
        `"type":${JSON.stringify(r.type)},"payload":${r.payload ?? 'null'},"headers":${r.headers}}`,
    )
    .join(',');
  await tx.$executeRawUnsafe(notify ? INSERT_ROWS_NOTIFY : INSERT_ROWS, `[${json}]`);
}
