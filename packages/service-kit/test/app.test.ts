import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { z } from 'zod';
import {
  createServiceApp,
  HttpProblem,
  signToken,
  type FastifyPluginAsyncZod,
  type ServiceApp,
} from '../src/index.ts';
import { quietLogger, SECRET } from './helpers.ts';

const customerBody = z.strictObject({
  name: z.string().min(1),
  email: z.email(),
  address: z.strictObject({ city: z.string() }).optional(),
});

const routes: FastifyPluginAsyncZod<{ failingCheck: boolean }> = async (app) => {
  app.post(
    '/v1/customers',
    {
      config: { auth: { roles: ['agent'] } },
      schema: {
        summary: 'Create a customer',
        body: customerBody,
        response: { 201: z.object({ id: z.string(), name: z.string(), by: z.string() }) },
      },
    },
    async (request, reply) => reply.code(201).send({ id: 'cus_1', name: request.body.name, by: request.principal.sub }),
  );
  app.get(
    '/v1/customers/:id',
    {
      config: { auth: { roles: ['agent', 'analyst'] } },
      schema: { params: z.object({ id: z.string().startsWith('cus_') }), querystring: z.object({ limit: z.coerce.number().int().max(10).optional() }) },
    },
    async (request) => ({ id: request.params.id }),
  );
  app.get('/v1/boom', { config: { auth: 'public' } }, async () => {
    throw new Error('password=hunter2 leaked from the database driver');
  });
  app.get('/v1/conflict', { config: { auth: 'public' } }, async () => {
    throw HttpProblem.conflict('version mismatch', { currentVersion: 3 });
  });
  app.get('/v1/whoami', { config: { auth: 'public' } }, async (request) => ({ principal: request.principal, id: request.id }));
};

function token(roles: Parameters<typeof signToken>[0]['roles'], opts: { expiresIn?: number } = {}) {
  return `Bearer ${signToken({ sub: `user_${roles.join('_')}`, roles }, SECRET, opts)}`;
}

describe('createServiceApp', () => {
  let app: ServiceApp;
  let failing = false;

  beforeAll(async () => {
    app = createServiceApp({
      name: 'test',
      version: '1.2.3',
      logger: quietLogger(),
      jwtSecret: SECRET,
      bodyLimit: 1024,
      readiness: [
        { name: 'always', check: async () => {} },
        {
          name: 'flaky',
          check: async () => {
            if (failing) throw new Error('connection refused to 10.0.0.1');
          },
        },
      ],
    });
    await app.register(routes, { failingCheck: false });
    await app.ready();
  });
  afterAll(() => app.close());

  describe('auth', () => {
    const body = { name: 'Ada', email: 'ada@example.com' };

    it('401 problem with WWW-Authenticate when the token is missing', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/customers', payload: body });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized', instance: '/v1/customers' });
    });

    it('401 for a token signed with another secret, a malformed header and an expired token', async () => {
      const other = `Bearer ${signToken({ sub: 'x', roles: ['admin'] }, 'another-secret-another-secret-another-secret')}`;
      for (const authorization of [other, 'Basic abc', 'Bearer not.a.jwt', token(['agent'], { expiresIn: -10 })]) {
        const res = await app.inject({ method: 'POST', url: '/v1/customers', payload: body, headers: { authorization } });
        expect(res.statusCode, authorization).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      const expired = await app.inject({ method: 'POST', url: '/v1/customers', payload: body, headers: { authorization: token(['agent'], { expiresIn: -10 }) } });
      expect(expired.json().detail).toBe('Token expired');
    });

    it('403 problem when no role matches', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/customers', payload: body, headers: { authorization: token(['marketer', 'analyst']) } });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 403, title: 'Forbidden' });
    });

    it('200/201 for a matching role and always for admin; principal is set', async () => {
      const agent = await app.inject({ method: 'POST', url: '/v1/customers', payload: body, headers: { authorization: token(['agent']) } });
      expect(agent.statusCode).toBe(201);
      expect(agent.json()).toEqual({ id: 'cus_1', name: 'Ada', by: 'user_agent' });
      const admin = await app.inject({ method: 'POST', url: '/v1/customers', payload: body, headers: { authorization: token(['admin']) } });
      expect(admin.statusCode).toBe(201);
      const analyst = await app.inject({ method: 'GET', url: '/v1/customers/cus_9', headers: { authorization: token(['analyst']) } });
      expect(analyst.statusCode).toBe(200);
    });

    it('auth runs before validation, so an anonymous bad body gets 401 not 400', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/customers', payload: { nope: 1 } });
      expect(res.statusCode).toBe(401);
    });

    it('public routes see the anonymous principal', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/whoami' });
      expect(res.json().principal).toEqual({ sub: 'anonymous', roles: [] });
    });
  });

  describe('route registration', () => {
    it('a route without config.auth makes app.ready() reject', async () => {
      const bad = createServiceApp({ name: 'bad', version: '0', logger: quietLogger(), jwtSecret: SECRET });
      bad.register(async (instance) => {
        instance.get('/v1/forgotten', async () => ({ ok: true }));
      });
      await expect(bad.ready()).rejects.toThrow(/GET \/v1\/forgotten has no config\.auth/);
      await bad.close().catch(() => undefined);
    });

    it('an unknown role in config.auth makes app.ready() reject', async () => {
      const bad = createServiceApp({ name: 'bad', version: '0', logger: quietLogger(), jwtSecret: SECRET });
      bad.register(async (instance) => {
        instance.get('/v1/x', { config: { auth: { roles: ['superuser' as 'admin'] } } }, async () => ({ ok: true }));
      });
      await expect(bad.ready()).rejects.toThrow(/invalid config\.auth/);
      await bad.close().catch(() => undefined);
    });
  });

  describe('problem+json errors', () => {
    const authorization = token(['agent']);

    it('400 with the path of the bad field', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/customers', payload: { name: '', email: 'not-an-email' }, headers: { authorization } });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.json();
      expect(problem).toMatchObject({ status: 400, title: 'Bad Request', instance: '/v1/customers' });
      expect(problem.requestId).toBe(res.headers['x-request-id']);
      expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.email', 'body.name']);
    });

    it('400 names the unknown field of a strictObject, nested too', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/customers',
        payload: { name: 'Ada', email: 'ada@example.com', isAdmin: true, address: { city: 'X', zip: '1' } },
        headers: { authorization },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual(
        expect.arrayContaining([
          { path: 'body.isAdmin', message: 'unknown field' },
          { path: 'body.address.zip', message: 'unknown field' },
        ]),
      );
    });

    it('400 for bad params and querystring with their paths', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/customers/xyz', headers: { authorization } });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('params.id');
      const q = await app.inject({ method: 'GET', url: '/v1/customers/cus_1?limit=99', headers: { authorization } });
      expect(q.statusCode).toBe(400);
      expect(q.json().errors[0].path).toBe('querystring.limit');
    });

    it('413 for an oversize body', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/customers',
        payload: { name: 'x'.repeat(2000), email: 'a@b.co' },
        headers: { authorization },
      });
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 413, title: 'Content Too Large' });
    });

    it('400 for malformed JSON', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/customers',
        payload: '{"name": "Ada",',
        headers: { authorization, 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, title: 'Bad Request' });
    });

    it('415 for an unsupported media type', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/customers',
        payload: '<customer/>',
        headers: { authorization, 'content-type': 'application/xml' },
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    });

    it('404 problem for an unknown route', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 404, title: 'Not Found', type: 'about:blank' });
    });

    it('500 leaks nothing of the error', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/boom' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).not.toMatch(/hunter2|password|database|stack|at /);
      expect(res.json()).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        instance: '/v1/boom',
        requestId: res.headers['x-request-id'],
      });
    });

    it('HttpProblem thrown by a handler keeps its status, detail and extras', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/conflict' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ status: 409, title: 'Conflict', detail: 'version mismatch', currentVersion: 3 });
    });
  });

  describe('request id', () => {
    it('echoes x-request-id, or makes one', async () => {
      const given = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { 'x-request-id': 'req-abc.123' } });
      expect(given.headers['x-request-id']).toBe('req-abc.123');
      expect(given.json().id).toBe('req-abc.123');
      const made = await app.inject({ method: 'GET', url: '/v1/whoami' });
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const junk = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { 'x-request-id': 'a b\u00e9' } });
      expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('OpenAPI and docs', () => {
    it('/openapi.json is OpenAPI 3.1 with the routes and bearer security', async () => {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: 'test', version: '1.2.3' });
      expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      const create = doc.paths['/v1/customers'].post;
      expect(create.security).toEqual([{ bearerAuth: [] }]);
      expect(create.description).toContain('Roles: admin, agent');
      const bodySchema = create.requestBody.content['application/json'].schema;
      expect(bodySchema.required).toEqual(['name', 'email']);
      expect(bodySchema.additionalProperties).toBe(false);
      expect(doc.paths['/v1/customers/{id}'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['id', 'limit']);
      expect(doc.paths['/health/ready'].get.security).toEqual([]);
      expect(doc.paths['/v1/boom'].get.security).toEqual([]);
      expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs'))).toBe(false);
    });

    it('/docs answers 200 HTML', async () => {
      const res = await app.inject({ method: 'GET', url: '/docs' });
      const page = res.statusCode === 302 ? await app.inject({ method: 'GET', url: res.headers.location as string }) : res;
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.body).toMatch(/swagger/i);
    });
  });

  describe('health and metrics', () => {
    it('/health/live is always ok', async () => {
      const res = await app.inject({ method: 'GET', url: '/health/live' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('/health/ready is 200 when all checks pass and 503 problem naming the failing one', async () => {
      failing = false;
      const ok = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ status: 'ready', checks: { always: 'ok', flaky: 'ok' } });
      failing = true;
      const bad = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(bad.statusCode).toBe(503);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bad.json()).toMatchObject({ status: 503, failing: ['flaky'], checks: { always: 'ok', flaky: 'failed' } });
      expect(bad.body).not.toContain('10.0.0.1');
      failing = false;
    });

    it('a hanging check times out', async () => {
      const slow = createServiceApp({
        name: 'slow',
        version: '0',
        logger: quietLogger(),
        jwtSecret: SECRET,
        readinessTimeoutMs: 50,
        readiness: [{ name: 'kafka', check: () => new Promise(() => {}) }],
      });
      const res = await slow.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks).toEqual({ kafka: 'timeout' });
      await slow.close();
    });

    it('/metrics has the HTTP histogram with method, route and status, and process metrics', async () => {
      await app.inject({ method: 'GET', url: '/v1/customers/cus_7', headers: { authorization: token(['agent']) } });
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('# TYPE http_request_duration_seconds histogram');
      expect(res.body).toMatch(/http_request_duration_seconds_count\{[^}]*method="GET",route="\/v1\/customers\/:id",status="200"[^}]*\} [1-9]/);
      expect(res.body).toContain('process_cpu_user_seconds_total');
      expect(app.metrics.getSingleMetric('http_request_duration_seconds')).toBeDefined();
    });
  });
});

describe('logging', () => {
  it('logs the 5xx error with the request id, and one compact line per request', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const app = createServiceApp({ name: 'logs', version: '0', logger, jwtSecret: SECRET });
    app.register(async (r) => {
      r.get('/v1/boom', { config: { auth: 'public' } }, async () => {
        throw new Error('secret detail');
      });
    });
    const res = await app.inject({ method: 'GET', url: '/v1/boom', headers: { 'x-request-id': 'req-42' } });
    expect(res.statusCode).toBe(500);
    const failure = lines.find((l) => l.msg === 'request failed');
    expect(failure).toMatchObject({ level: 50, requestId: 'req-42', service: 'logs' });
    expect((failure?.err as { message: string }).message).toBe('secret detail');
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ requestId: 'req-42', method: 'GET', url: '/v1/boom', status: 500 });
    await app.close();
  });
});
