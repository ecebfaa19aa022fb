import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from './generated/prisma/client.ts';

export type Db = PrismaClient;
/** The client inside `db.$transaction(async (tx) => …)`: use cases take it so that callers own the transaction. */
export type Tx = Prisma.TransactionClient;

/** Connection string of each client made by createPrisma (the projector opens its own pg pool with it). */
const urls = new WeakMap<object, string>();

export function createPrisma(databaseUrl: string): PrismaClient {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
  urls.set(client, databaseUrl);
  return client;
}

/** The connection string `db` was made with (undefined for a client not made by createPrisma). */
export function databaseUrlOf(db: object): string | undefined {
  return urls.get(db);
}
