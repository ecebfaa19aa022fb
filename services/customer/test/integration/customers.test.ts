import { roles } from '@crm/service-kit';
import { checkDrift } from '@crm/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, schemaPath, startCustomerService, type CustomerService } from './harness.ts';

let svc: CustomerService;
let agent: Record<string, string>;
let admin: Record<string, string>;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  svc = await startCustomerService({ relay: false });
  agent = bearer(svc.token('agent'));
  admin = bearer(svc.token('admin'));
}, 60_000);
afterAll(async () => svc?.close());

async function create(body: Record<string, unknown>, headers: Record<string, string> = agent) {
  return svc.app.inject({ method: 'POST', url: '/v1/customers', headers, payload: body });
}

const person = (over: Record<string, unknown> = {}) => {
  const id = unique();
  return {
    firstName: 'Ann',
    lastName: `Lee-${id}`,
    emails: [{ address: `ann.${id}@example.com` }],
    phones: [{ number: `+86 138 ${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` }],
    country: 'CN',
    timeZone: 'Asia/Shanghai',
    tags: ['vip'],
    consents: [{ channel: 'email', purpose: 'marketing', granted: true, source: 'web_form' }],
    ...over,
  };
};

describe('schema', () => {
  it('the migrated database matches schema.prisma (no drift)', async () => {
    expect(await checkDrift({ databaseUrl: svc.database.url, schemaPath })).toEqual([]);
  });
});

describe('customers over HTTP', () => {
  it('creates, reads with an ETag, and normalises contact data', async () => {
    const res = await create(person({ emails: [{ address: '  Mixed.Case@Example.COM ' }] }));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.id).toMatch(/^cus_/);
    expect(body.stage).toBe('prospect');
    expect(res.headers.location).toBe(`/v1/customers/${body.id}`);

    const read = await svc.app.inject({ method: 'GET', url: `/v1/customers/${body.id}`, headers: agent });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('W/"1"');
    expect(read.json().phones[0].number).toMatch(/^\+86138\d{8}$/);
    expect(read.json().consents).toMatchObject([{ channel: 'email', purpose: 'marketing', granted: true }]);
  });

  it('answers 409 with the existing id when the e-mail or phone already belongs to someone', async () => {
    const first = (await create(person())).json();
    const sameEmail = await create(person({ emails: [{ address: first.emails[0].address.toUpperCase() }] }));
    expect(sameEmail.statusCode).toBe(409);
    expect(sameEmail.headers['content-type']).toContain('application/problem+json');
    expect(sameEmail.json()).toMatchObject({ status: 409, existingId: first.id });

    const samePhone = await create(person({ phones: [{ number: first.phones[0].number.replace('+', '00') }] }));
    expect(samePhone.statusCode).toBe(409);
    expect(samePhone.json().existingId).toBe(first.id);
  });

  it('updates with If-Match, and refuses a stale version with 409 and a missing one with 428', async () => {
    const c = (await create(person())).json();
    const ok = await svc.app.inject({ method: 'PATCH', url: `/v1/customers/${c.id}`, headers: { ...agent, 'if-match': 'W/"1"' }, payload: { firstName: 'Anna' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ firstName: 'Anna', version: 2 });
    expect(ok.headers.etag).toBe('W/"2"');

    const stale = await svc.app.inject({ method: 'PATCH', url: `/v1/customers/${c.id}`, headers: { ...agent, 'if-match': 'W/"1"' }, payload: { firstName: 'Annie' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().currentVersion).toBe(2);

    const missing = await svc.app.inject({ method: 'PATCH', url: `/v1/customers/${c.id}`, headers: agent, payload: { firstName: 'Annie' } });
    expect(missing.statusCode).toBe(428);
  });

  it('a retried POST with the same Idempotency-Key creates one customer', async () => {
    const body = person();
    const key = `key-${unique()}`;
    const first = await create(body, { ...agent, 'idempotency-key': key });
    const second = await create(body, { ...agent, 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json().id).toBe(first.json().id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const count = await svc.db.customer.count({ where: { lastName: body.lastName } });
    expect(count).toBe(1);
  });

  it('lists with filters and a stable cursor', async () => {
    const tagName = `t${unique()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(person({ tags: [tagName] }))).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/customers?tag=${tagName}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await svc.app.inject({ method: 'GET', url, headers: agent });
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((c: { id: string }) => c.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const byText = await svc.app.inject({ method: 'GET', url: `/v1/customers?q=${encodeURIComponent(ids.length ? 'lee' : '')}&tag=${tagName}`, headers: agent });
    expect(byText.json().items).toHaveLength(5);
  });

  it('tags, consent and manual stage changes are recorded with history and audit', async () => {
    const c = (await create(person())).json();
    const tagged = await svc.app.inject({ method: 'POST', url: `/v1/customers/${c.id}/tags`, headers: agent, payload: { add: ['b2b'], remove: ['vip'] } });
    expect(tagged.json().tags).toEqual(['b2b']);

    const consent = await svc.app.inject({ method: 'POST', url: `/v1/customers/${c.id}/consents`, headers: agent, payload: { channel: 'email', purpose: 'marketing', granted: false, source: 'unsubscribe_link' } });
    expect(consent.statusCode).toBe(200);
    const history = (await svc.app.inject({ method: 'GET', url: `/v1/customers/${c.id}/consents`, headers: agent })).json();
    expect(history.current).toMatchObject([{ channel: 'email', granted: false }]);
    expect(history.history.map((h: { granted: boolean }) => h.granted)).toEqual([true, false]);

    const refused = await svc.app.inject({ method: 'POST', url: `/v1/customers/${c.id}/stage`, headers: agent, payload: { to: 'won_back' } });
    expect(refused.statusCode).toBe(409);
    const moved = await svc.app.inject({ method: 'POST', url: `/v1/customers/${c.id}/stage`, headers: agent, payload: { to: 'new' } });
    expect(moved.json().stage).toBe('new');

    const audit = (await svc.app.inject({ method: 'GET', url: `/v1/customers/${c.id}/audit`, headers: admin })).json();
    expect(audit.items.map((a: { action: string }) => a.action)).toEqual(['customer.created', 'customer.tagged', 'consent.recorded', 'stage.changed']);
    expect(audit.items[0].actor).toBe('agent-1');
    await expect(svc.db.$executeRawUnsafe('DELETE FROM audit_entry')).rejects.toThrow(/append-only/);
  });

  it('finds duplicate candidates and merges them; the merged id keeps resolving', async () => {
    const suffix = unique();
    const a = (await create(person({ firstName: 'Wei', lastName: `Zhang${suffix}`, birthday: '1990-02-03' }))).json();
    const b = (await create(person({ firstName: 'Wei', lastName: `Zhang${suffix}`, birthday: '1990-02-03', tags: ['b2b'], emails: [{ address: `wei.${suffix}@example.org` }] }))).json();

    const candidates = (await svc.app.inject({ method: 'GET', url: '/v1/customers/duplicates?minScore=0.5&limit=500', headers: agent })).json();
    const pair = candidates.items.find((p: { customerIds: string[] }) => p.customerIds.includes(a.id) && p.customerIds.includes(b.id));
    expect(pair).toBeDefined();
    expect(pair.reasons).toEqual(expect.arrayContaining(['same name', 'same birthday']));

    const merged = await svc.app.inject({ method: 'POST', url: `/v1/customers/${a.id}/merge`, headers: agent, payload: { mergeId: b.id } });
    expect(merged.statusCode).toBe(200);
    expect(merged.json().survivor.tags).toEqual(['b2b', 'vip']);
    expect(merged.json().survivor.emails.map((e: { address: string }) => e.address)).toContain(`wei.${suffix}@example.org`);

    const viaOld = await svc.app.inject({ method: 'GET', url: `/v1/customers/${b.id}`, headers: agent });
    expect(viaOld.statusCode).toBe(200);
    expect(viaOld.json()).toMatchObject({ id: a.id, resolvedFrom: b.id });

    const again = await svc.app.inject({ method: 'POST', url: `/v1/customers/${a.id}/merge`, headers: agent, payload: { mergeId: b.id } });
    expect(again.statusCode).toBe(409);
  });

  it('leads: capture, qualify, convert into a prospect that keeps the lead history', async () => {
    const email = `lead.${unique()}@example.com`;
    const lead = await svc.app.inject({ method: 'POST', url: '/v1/leads', headers: agent, payload: { source: 'web_form', firstName: 'Li', lastName: 'Na', email } });
    expect(lead.statusCode).toBe(201);
    const id = lead.json().id;
    expect((await svc.app.inject({ method: 'POST', url: `/v1/leads/${id}/qualify`, headers: agent })).json().status).toBe('qualified');
    const converted = await svc.app.inject({ method: 'POST', url: `/v1/leads/${id}/convert`, headers: agent, payload: { consents: [{ channel: 'email', purpose: 'marketing', granted: true, source: 'web_form' }] } });
    expect(converted.statusCode).toBe(201);
    const { lead: after, customer } = converted.json();
    expect(after.status).toBe('converted');
    expect(after.history.map((h: { status: string }) => h.status)).toEqual(['captured', 'qualified', 'converted']);
    expect(customer).toMatchObject({ stage: 'prospect', emails: [{ address: email }] });
    const twice = await svc.app.inject({ method: 'POST', url: `/v1/leads/${id}/convert`, headers: agent, payload: {} });
    expect(twice.statusCode).toBe(409);
    const noReason = await svc.app.inject({ method: 'POST', url: `/v1/leads/${id}/disqualify`, headers: agent, payload: {} });
    expect(noReason.statusCode).toBe(400);
  });

  it('resolves external ids, creating each unknown customer exactly once', async () => {
    const source = 'shop';
    const ids = [`x${unique()}`, `y${unique()}`];
    const integrator = bearer(svc.token('integrator'));
    const [r1, r2] = await Promise.all([
      svc.app.inject({ method: 'POST', url: '/v1/customers/resolve', headers: integrator, payload: { source, externalIds: ids } }),
      svc.app.inject({ method: 'POST', url: '/v1/customers/resolve', headers: integrator, payload: { source, externalIds: [...ids].reverse() } }),
    ]);
    expect(r1.statusCode).toBe(200);
    expect(r2.statusCode).toBe(200);
    expect(r1.json().mapping).toEqual(r2.json().mapping);
    expect(r1.json().created + r2.json().created).toBe(2);
  });

  it('imports CSV and NDJSON: valid rows written whole, bad rows reported by line, duplicates counted', async () => {
    const s = unique();
    const csv = [
      'firstName,lastName,email,phone,country,externalSource,externalId,tags',
      `Ada,Lovelace,ada.${s}@example.com,+441234567890${s.length % 10},GB,erp,e1-${s},vip;b2b`,
      `Bad,Row,not-an-email,,GB,,,`,
      `Ada,Again,ada.${s}@example.com,,GB,,,`,
      `"Quoted, Name",Smith,q.${s}@example.com,,US,erp,e2-${s},`,
    ].join('\n');
    const integrator = { ...bearer(svc.token('integrator')), 'content-type': 'text/csv' };
    const res = await svc.app.inject({ method: 'POST', url: '/v1/customers/import', headers: integrator, payload: csv });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 4, created: 2, duplicates: 1, rejected: 1 });
    expect(res.json().errors.map((e: { line: number }) => e.line).sort()).toEqual([3, 4]);
    expect(await svc.db.customer.count({ where: { firstName: 'Bad' } })).toBe(0);

    const ndjson = [JSON.stringify(person()), '{not json', JSON.stringify({ firstName: 'X', unknownField: 1 })].join('\n');
    const nd = await svc.app.inject({ method: 'POST', url: '/v1/customers/import', headers: { ...integrator, 'content-type': 'application/x-ndjson' }, payload: ndjson });
    expect(nd.json()).toMatchObject({ received: 3, created: 1, rejected: 2 });
  });
});

describe('bad input answers 400 problem+json and writes nothing', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['malformed e-mail', { firstName: 'A', emails: [{ address: 'nope@' }] }, 'emails.0.address'],
    ['phone without country code', { firstName: 'A', phones: [{ number: '13800138000' }] }, 'phones.0.number'],
    ['unknown field', { firstName: 'A', shoeSize: 42 }, 'shoeSize'],
    ['wrong type', { firstName: 42 }, 'firstName'],
    ['bad stage', { firstName: 'A', stage: 'zombie' }, 'stage'],
    ['bad consent channel', { firstName: 'A', consents: [{ channel: 'pigeon', purpose: 'marketing', granted: true, source: 'api' }] }, 'consents'],
  ];
  it.each(cases)('%s', async (_name, body, path) => {
    const before = await svc.db.customer.count();
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.json())).toContain(path);
    expect(await svc.db.customer.count()).toBe(before);
  });

  it('oversize body → 413', async () => {
    const res = await create({ firstName: 'A', attributes: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('malformed JSON → 400', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/customers', headers: { ...agent, 'content-type': 'application/json' }, payload: '{"firstName": ' });
    expect(res.statusCode).toBe(400);
  });
});

describe('every route: 401 without a token, 403 with a wrong role', () => {
  it('covers every /v1 route', async () => {
    // every route is in the OpenAPI document, so nothing registered later can escape this check
    const spec = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'cus_00000000000000000000000000') })));
    expect(ops.length).toBeGreaterThanOrEqual(18);
    for (const op of ops) {
      const anon = await svc.app.inject({ method: op.method as 'GET', url: op.url, payload: op.method === 'GET' ? undefined : {} });
      expect(anon.statusCode, `${op.method} ${op.url} without token`).toBe(401);
    }
    // analysts read aggregates in analytics, never customer records
    for (const op of ops) {
      const res = await svc.app.inject({ method: op.method as 'GET', url: op.url, headers: bearer(svc.token('analyst')), payload: op.method === 'GET' ? undefined : {} });
      expect(res.statusCode, `${op.method} ${op.url} as analyst`).toBe(403);
    }
    // privacy operations are admin-only
    for (const url of ['/v1/customers/cus_x/export', '/v1/customers/cus_x/audit']) {
      expect((await svc.app.inject({ method: 'GET', url, headers: agent })).statusCode).toBe(403);
    }
    expect(roles).toContain('analyst');
  });
});
