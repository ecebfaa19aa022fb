import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.ts';
import { freshDatabase, migrationsFolder, query } from './helpers.ts';

const shared = join(dirname(fileURLToPath(import.meta.url)), '..', 'prisma');
let db: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  db = await freshDatabase('shared_tables');
  const dir = await migrationsFolder({ '20260101000000_shared': await readFile(join(shared, 'shared-migration.sql'), 'utf8') });
  await migrate({ databaseUrl: db.url, migrationsDir: dir });
});
afterAll(() => db?.drop());

describe('shared tables', () => {
  it('the relay query reads unpublished rows through the partial index, not the published history', async () => {
    await query(
      db.url,
      `INSERT INTO outbox_event (id, topic, type, payload, published_at)
       SELECT 'evt_' || g, 'crm.customer', 'crm.customer.registered.v1', '{}', CASE WHEN g <= 49000 THEN now() END
       FROM generate_series(1, 50000) g`,
    );
    await query(db.url, 'ANALYZE outbox_event');
    const plan = await query<{ 'QUERY PLAN': string }>(
      db.url,
      'EXPLAIN SELECT * FROM outbox_event WHERE published_at IS NULL ORDER BY seq LIMIT 500 FOR UPDATE SKIP LOCKED',
    );
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('outbox_event_unpublished_idx');
  });

  it('seq follows insert order and defaults fill the rest', async () => {
    await query(db.url, `INSERT INTO outbox_event (id, topic, type, payload) VALUES ('evt_a', 't', 'x', '{}'), ('evt_b', 't', 'x', NULL)`);
    const rows = await query<{ id: string; seq: string; attempts: number; headers: unknown }>(
      db.url,
      `SELECT id, seq, attempts, headers FROM outbox_event WHERE id IN ('evt_a', 'evt_b') ORDER BY seq`,
    );
    expect(rows.map((row) => row.id)).toEqual(['evt_a', 'evt_b']);
    expect(BigInt(rows[1]!.seq)).toBe(BigInt(rows[0]!.seq) + 1n);
    expect(rows[0]).toMatchObject({ attempts: 0, headers: {} });
  });
});
