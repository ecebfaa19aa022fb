/**
 * The smallest database surface the platform code needs. A Prisma client and a Prisma interactive
 * transaction client both satisfy it, so outbox, inbox and idempotency code never depend on a
 * service's generated client.
 */
export type Sql = {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
};
