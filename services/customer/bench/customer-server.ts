// The customer service as main.ts builds it (HTTP part), on a prepared database, in its own process.
import { pino } from 'pino';
import { buildApp } from '../src/app.ts';
import { createPrisma } from '../src/db.ts';

const db = createPrisma(process.env.DATABASE_URL!);
const app = buildApp({ db, jwtSecret: process.env.JWT_SECRET!, logger: pino({ level: 'warn' }), readCacheTtlMs: Number(process.env.CUSTOMER_CACHE_TTL_MS ?? 1000) });
await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port: (app.server.address() as { port: number }).port });
