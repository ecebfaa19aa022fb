import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalJson, createServiceApp, HttpProblem, signToken, type FastifyPluginAsyncZod, type ServiceApp } from '../src/index.ts';
import { freshDatabase, quietLogger, SECRET } from './helpers.ts';

describe('idempotency (real Postgres)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let app: ServiceApp;
  const calls = { create: 0, fail: 0, reject: 0 };
  let release: (() => void) | undefined;
  const auth = (sub = 'agent_1') => ({ authorization: `Bearer ${signToken({ sub, roles: ['agent'] }, SECRET)}` });

  const routes: FastifyPluginAsyncZod = async (r) => {
    r.post(
      '/v1/orders',
      {
        config: { auth: { roles: ['agent'] }, idempotent: true },
        schema: { body: z.strictObject({ item: z.string(), qty: z.number().int() }) },
      },
      async (request, reply) => {
        calls.create++;
        if (request.body.item === 'slow') await new Promise<void>((resolve) => (release = resolve));
        return reply
          .code(201)
          .header('location', `/v1/orders/ord_${calls.create}`)
          .send({ id: `ord_${calls.create}`, ...request.body, n: calls.create });
      },
    );
    r.post('/v1/flaky', { config: { auth: { roles: ['agent'] }, idempotent: true } }, async () => {
      calls.fail++;
      if (calls.fail === 1) throw new Error('database is down');
      return { ok: true, attempt: calls.fail };
    });
    r.post('/v1/rejects', { config: { auth: { roles: ['agent'] }, idempotent: true } }, async () => {
      calls.reject++;
      throw HttpProblem.unprocessable('credit limit exceeded');
    });
  };

  beforeAll(async () => {
    db = await freshDatabase();
    app = createServiceApp({ name: 'idem', version: '0', logger: quietLogger(), jwtSecret: SECRET, db: db.sql });
    await app.register(routes);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('same key and body twice: one handler call, identical response, replay header', async () => {
    const before = calls.create;
    const headers = { ...auth(), 'idempotency-key': 'k-1' };
    const first = await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'cd', qty: 2 }, headers });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // same body with keys in another order is the same request
    const second = await app.inject({ method: 'POST', url: '/v1/orders', payload: '{"qty":2,"item":"cd"}', headers: { ...headers, 'content-type': 'application/json' } });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers.location).toBe(first.headers.location);
    expect(calls.create - before).toBe(1);
    const rows = await db.pool.query('SELECT scope, status_code, response FROM idempotency_key WHERE key = $1', ['k-1']);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].scope).toBe('POST /v1/orders agent_1');
    expect(rows.rows[0].status_code).toBe(201);
  });

  it('same key with another body → 422 problem, handler not called', async () => {
    const headers = { ...auth(), 'idempotency-key': 'k-2' };
    await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'cd', qty: 1 }, headers });
    const before = calls.create;
    const res = await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'cd', qty: 5 }, headers });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(calls.create).toBe(before);
  });

  it('the key is scoped by principal: another user with the same key runs the handler', async () => {
    const payload = { item: 'lp', qty: 1 };
    const a = await app.inject({ method: 'POST', url: '/v1/orders', payload, headers: { ...auth('agent_a'), 'idempotency-key': 'shared' } });
    const b = await app.inject({ method: 'POST', url: '/v1/orders', payload, headers: { ...auth('agent_b'), 'idempotency-key': 'shared' } });
    expect(a.json().id).not.toBe(b.json().id);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
  });

  it('without the header every request runs', async () => {
    const before = calls.create;
    await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'x', qty: 1 }, headers: auth() });
    await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'x', qty: 1 }, headers: auth() });
    expect(calls.create - before).toBe(2);
  });

  it('a concurrent repeat while the first is still running → 409', async () => {
    const headers = { ...auth(), 'idempotency-key': 'k-slow' };
    const first = app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'slow', qty: 1 }, headers });
    await expect.poll(() => release !== undefined, { timeout: 5000 }).toBe(true);
    const second = await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'slow', qty: 1 }, headers });
    expect(second.statusCode).toBe(409);
    release?.();
    expect((await first).statusCode).toBe(201);
    const third = await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'slow', qty: 1 }, headers });
    expect(third.statusCode).toBe(201);
    expect(third.headers['idempotent-replayed']).toBe('true');
  });

  it('a 5xx is not stored: the retry runs the handler again', async () => {
    const headers = { ...auth(), 'idempotency-key': 'k-flaky' };
    const first = await app.inject({ method: 'POST', url: '/v1/flaky', payload: {}, headers });
    expect(first.statusCode).toBe(500);
    const rows = await db.pool.query('SELECT 1 FROM idempotency_key WHERE key = $1', ['k-flaky']);
    expect(rows.rowCount).toBe(0);
    const retry = await app.inject({ method: 'POST', url: '/v1/flaky', payload: {}, headers });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ ok: true, attempt: 2 });
    expect(calls.fail).toBe(2);
  });

  it('a 4xx is stored and replayed', async () => {
    const headers = { ...auth(), 'idempotency-key': 'k-4xx' };
    const first = await app.inject({ method: 'POST', url: '/v1/rejects', payload: {}, headers });
    expect(first.statusCode).toBe(422);
    const second = await app.inject({ method: 'POST', url: '/v1/rejects', payload: {}, headers });
    expect(second.statusCode).toBe(422);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.body).toBe(first.body);
    expect(calls.reject).toBe(1);
  });

  it('a pending row left by a crashed request is taken over once stale', async () => {
    await db.pool.query(
      `INSERT INTO idempotency_key (key, scope, request_hash, created_at) VALUES ('k-crash', 'POST /v1/rejects agent_1', 'x', now() - interval '1 hour')`,
    );
    const res = await app.inject({ method: 'POST', url: '/v1/rejects', payload: {}, headers: { ...auth(), 'idempotency-key': 'k-crash' } });
    // the stale row had another hash, but it was never completed, so it is released and the request runs
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toBe('credit limit exceeded');
  });

  it('an over-long key → 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/orders', payload: { item: 'x', qty: 1 }, headers: { ...auth(), 'idempotency-key': 'k'.repeat(201) } });
    expect(res.statusCode).toBe(400);
  });

  it('canonicalJson sorts keys at every level and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('an idempotent route needs a db', async () => {
    const noDb = createServiceApp({ name: 'x', version: '0', logger: quietLogger(), jwtSecret: SECRET });
    noDb.register(routes);
    await expect(noDb.ready()).rejects.toThrow(/config\.idempotent but createServiceApp got no db/);
    await noDb.close().catch(() => undefined);
  });
});
