// The projection consumer's batch transactions on plain node-postgres instead of Prisma's interactive
// transactions: the hot path is a handful of raw statements per Kafka batch, and Prisma's per-query
// machinery (argument mapping, result conversion, the transaction manager) cost more CPU than the
// statements themselves. The handle satisfies @crm/db's Sql, so handlers and the event-bus inbox/outbox
// code run unchanged. Repeated statement texts are sent as named (prepared) statements per connection.
import type { Sql } from '@crm/db';
import pg from 'pg';

export interface PgTransactions {
  transaction<R>(fn: (tx: Sql) => Promise<R>): Promise<R>;
  end(): Promise<void>;
}

const MAX_PREPARED = 200;

export function pgTransactions(connectionString: string, max: number): PgTransactions {
  const pool = new pg.Pool({ connectionString, max });
  // Statement text -> prepared statement name (bounded: per-event handlers build a few dynamic texts).
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `an${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  const run = (client: pg.PoolClient, text: string, values: unknown[]) => {
    const name = nameOf(text);
    return client.query(name === undefined ? { text, values } : { name, text, values });
  };
  return {
    async transaction(fn) {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const tx: Sql = {
          $executeRawUnsafe: async (query, ...values) => (await run(client, query, values)).rowCount ?? 0,
          $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await run(client, query, values)).rows as T,
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (e) {
          broken = e;
        }
        throw err;
      } finally {
        // A connection whose ROLLBACK failed is discarded rather than reused.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    end: () => pool.end(),
  };
}
