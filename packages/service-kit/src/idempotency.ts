import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '@crm/db';
import { HttpProblem } from './problem.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Response headers stored with the body and sent again on replay. */
const REPLAYED_RESPONSE_HEADERS = ['content-type', 'location', 'etag'] as const;

interface StoredResponse {
  headers: Record<string, string>;
  body: string | null;
}

interface IdempotencyRow {
  request_hash: string;
  status_code: number | null;
  response: StoredResponse | null;
  created_at: Date | string;
  stale: boolean;
}

interface OwnedKey {
  key: string;
  scope: string;
  settled: boolean;
}

const kOwned = Symbol('crm.idempotency.owned');
type WithOwned = FastifyRequest & { [kOwned]?: OwnedKey };

/** JSON with object keys sorted at every level, so equal bodies hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 over method, URL (path and query) and the canonical JSON body. */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${canonicalJson(body)}`).digest('hex');
}

export interface IdempotencyOptions {
  /** A pending row older than this is taken to belong to a crashed request and may be taken over. Default 60 s. */
  staleAfterMs?: number;
}

/**
 * Idempotency-Key support for routes with `config.idempotent: true`: the first request with a key runs
 * the handler and stores its status and body; a repeat with the same body gets the stored response with
 * header `idempotent-replayed: true`; the same key with another body → 422; a repeat while the first one
 * still runs → 409. 5xx responses are not stored (the key is freed so the client can retry).
 */
export function installIdempotency(app: FastifyInstance, db: Sql | undefined, options: IdempotencyOptions = {}): void {
  const staleAfterMs = options.staleAfterMs ?? 60_000;

  app.addHook('onRoute', (route) => {
    if ((route.config as { idempotent?: unknown } | undefined)?.idempotent !== true) return;
    if (!db) throw new Error(`Route ${String(route.method)} ${route.url} sets config.idempotent but createServiceApp got no db`);
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.hide === true) return;
    const note = `Accepts an \`Idempotency-Key\` header (at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters): a retry with the same key and body replays the first response with header \`idempotent-replayed: true\`; the same key with another body gets 422.`;
    route.schema = { ...schema, description: schema.description ? `${String(schema.description)}\n\n${note}` : note };
  });

  if (!db) return;

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.idempotent !== true) return;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || Array.isArray(header)) {
      throw HttpProblem.badRequest(`Idempotency-Key must be one value of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const scope = `${request.method} ${request.routeOptions.url ?? request.url} ${request.principal?.sub ?? 'anonymous'}`;
    const hash = requestHash(request.method, request.url, request.body);

    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await db.$executeRawUnsafe(
        'INSERT INTO idempotency_key (key, scope, request_hash) VALUES ($1, $2, $3) ON CONFLICT (key, scope) DO NOTHING',
        key,
        scope,
        hash,
      );
      if (inserted === 1) {
        (request as WithOwned)[kOwned] = { key, scope, settled: false };
        return;
      }
      const rows = await db.$queryRawUnsafe<IdempotencyRow[]>(
        `SELECT request_hash, status_code, response, created_at,
                created_at < now() - ($3::int * interval '1 millisecond') AS stale
           FROM idempotency_key WHERE key = $1 AND scope = $2`,
        key,
        scope,
        staleAfterMs,
      );
      const row = rows[0];
      if (!row) continue; // deleted in between (the first request failed with a 5xx): try to take it
      if (row.status_code === null && row.stale) {
        // left pending by a request that never finished (crash): release it and try again
        await db.$executeRawUnsafe(
          'DELETE FROM idempotency_key WHERE key = $1 AND scope = $2 AND status_code IS NULL AND created_at = $3',
          key,
          scope,
          row.created_at,
        );
        continue;
      }
      if (row.request_hash !== hash) {
        throw new HttpProblem(422, 'Unprocessable Content', 'Idempotency-Key was already used with a different request', {
          type: 'urn:crm:problem:idempotency-key-reused',
        });
      }
      if (row.status_code === null) {
        throw new HttpProblem(409, 'Conflict', 'A request with this Idempotency-Key is still being processed; retry later', {
          type: 'urn:crm:problem:idempotency-key-in-progress',
        });
      }
      const stored = row.response ?? { headers: {}, body: null };
      reply.code(row.status_code).headers(stored.headers).header(REPLAYED_HEADER, 'true');
      return reply.send(stored.body ?? undefined);
    }
    throw new HttpProblem(409, 'Conflict', 'A request with this Idempotency-Key is still being processed; retry later', {
      type: 'urn:crm:problem:idempotency-key-in-progress',
    });
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const owned = (request as WithOwned)[kOwned];
    if (!owned || owned.settled) return payload;
    owned.settled = true;
    const status = reply.statusCode;
    const storable = typeof payload === 'string' || Buffer.isBuffer(payload) || payload === null || payload === undefined;
    try {
      if (status >= 500 || !storable) {
        await release(db, owned);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_RESPONSE_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const body = payload === null || payload === undefined ? null : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload;
      const stored: StoredResponse = { headers, body: body as string | null };
      await db.$executeRawUnsafe(
        'UPDATE idempotency_key SET status_code = $3, response = $4::jsonb WHERE key = $1 AND scope = $2',
        owned.key,
        owned.scope,
        status,
        JSON.stringify(stored),
      );
    } catch (err) {
      request.log.error({ err }, 'could not store the idempotent response; releasing the key');
      await release(db, owned).catch(() => undefined);
    }
    return payload;
  });

  // The response never reached onSend (e.g. the connection dropped): free the key.
  app.addHook('onResponse', async (request: FastifyRequest) => {
    const owned = (request as WithOwned)[kOwned];
    if (owned && !owned.settled) {
      owned.settled = true;
      await release(db, owned).catch((err: unknown) => request.log.error({ err }, 'could not release idempotency key'));
    }
  });
}

function release(db: Sql, owned: OwnedKey): Promise<number> {
  return db.$executeRawUnsafe(
    'DELETE FROM idempotency_key WHERE key = $1 AND scope = $2 AND status_code IS NULL',
    owned.key,
    owned.scope,
  );
}
