import type { Sql } from '@crm/db';

export type { Sql };

/** A database handle that can open a transaction: a Prisma client, or the pg wrapper used in tests. */
export type TransactionalSql = Sql & {
  $transaction<R>(fn: (tx: Sql) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
};
