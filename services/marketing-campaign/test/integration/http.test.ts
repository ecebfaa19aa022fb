// The HTTP surface: drift, auth on every route, problem+json for bad input, segments, and loyalty
// (concurrent redemptions, refund reversal) with facts fed through the real handlers.
import {
  customerConsentChanged, customerProfile, customerRegistered, purchaseRecorded, purchaseRefunded,
} from '@crm/contracts';
import { checkDrift } from '@crm/db';
import { DateTime } from 'luxon';
import { birthdays, evaluateTiers, expirePoints } from '../../src/application/loyalty-jobs.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, ev, newId, schemaPath, startMarketingService, type MarketingService } from './harness.ts';

let svc: MarketingService;
let marketer: Record<string, string>;
let analyst: Record<string, string>;

beforeAll(async () => {
  svc = await startMarketingService({ relay: false });
  marketer = bearer(svc.token('marketer'));
  analyst = bearer(svc.token('analyst'));
}, 90_000);
afterAll(async () => svc?.close());

const iso = (d = new Date()) => d.toISOString();

async function customer(opts: { country?: string; emailConsent?: boolean; tags?: string[]; birthday?: string } = {}) {
  const id = newId('cus');
  await svc.handle([
    ev(customerRegistered, id, { customerId: id, kind: 'person', lifecycleStage: 'new', source: 'api' }),
    ev(customerProfile, id, {
      customerId: id, kind: 'person', version: 1, displayName: 'Ann Lee', givenName: 'Ann',
      emails: [{ address: `${id.toLowerCase()}@example.com`, primary: true, verified: true }], phones: [], postalAddresses: [],
      country: opts.country ?? 'DE', timeZone: 'Europe/Berlin', ...(opts.birthday ? { birthday: opts.birthday } : {}), lifecycleStage: 'new', tags: opts.tags ?? [], externalIds: [], updatedAt: iso(),
    }),
    ...(opts.emailConsent === undefined ? [] : [ev(customerConsentChanged, id, { customerId: id, channel: 'email', purpose: 'marketing', granted: opts.emailConsent, source: 'web_form', effectiveAt: iso() })]),
  ]);
  return id;
}

describe('schema', () => {
  it('the migrated database matches schema.prisma (no drift)', async () => {
    expect(await checkDrift({ databaseUrl: svc.database.url, schemaPath })).toEqual([]);
  });
});

describe('every route: 401 without a token, 403 with a wrong role', () => {
  it('covers every /v1 route from the OpenAPI document', async () => {
    const spec = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path, url: path.replace(/\{[^}]+\}/g, 'cus_00000000000000000000000000').replace('/sink/cus_00000000000000000000000000', '/sink/sms') })));
    expect(ops.length).toBeGreaterThanOrEqual(20);
    // the development provider sink takes writes without a token (the provider adapter has none)
    const protectedOps = ops.filter((o) => !(o.method === 'POST' && o.path.startsWith('/v1/dev/sink')));
    for (const op of protectedOps) {
      const anon = await svc.app.inject({ method: op.method as 'GET', url: op.url, payload: op.method === 'GET' || op.method === 'DELETE' ? undefined : {} });
      expect(anon.statusCode, `${op.method} ${op.url} without token`).toBe(401);
    }
    // agents only read loyalty members; integrators only redeem
    const agent = bearer(svc.token('agent'));
    for (const op of protectedOps) {
      const res = await svc.app.inject({ method: op.method as 'GET', url: op.url, headers: agent, payload: op.method === 'GET' || op.method === 'DELETE' ? undefined : {} });
      const allowed = op.method === 'GET' && op.path.startsWith('/v1/loyalty/members/');
      if (!allowed) expect(res.statusCode, `${op.method} ${op.url} as agent`).toBe(403);
      else expect(res.statusCode).not.toBe(403);
    }
    // analysts read, never write
    for (const op of protectedOps.filter((o) => o.method !== 'GET' && o.path !== '/v1/segments/preview')) {
      const res = await svc.app.inject({ method: op.method as 'POST', url: op.url, headers: analyst, payload: op.method === 'DELETE' ? undefined : {} });
      expect(res.statusCode, `${op.method} ${op.url} as analyst`).toBe(403);
    }
    expect((await svc.app.inject({ method: 'GET', url: '/v1/dev/sink/sms', headers: marketer })).statusCode).toBe(403);
    expect((await svc.app.inject({ method: 'GET', url: '/v1/segments', headers: analyst })).statusCode).toBe(200);
  });
});

describe('bad input is 400 problem+json', () => {
  it('an unknown rule field', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'x', rule: { and: [{ field: 'shoeSize', op: 'gt', value: 40 }] } } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.json().errors)).toContain('body.rule');
  });

  it('a schedule in the past', async () => {
    const seg = (await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'all de', rule: { field: 'country', op: 'eq', value: 'DE' } } })).json();
    const res = await svc.app.inject({
      method: 'POST', url: '/v1/campaigns', headers: marketer,
      payload: {
        name: 'past', segmentId: seg.id, channel: 'email',
        templates: [{ key: 'a', format: 'text', subject: 'Hi', body: 'Hello {{firstName}}' }],
        experiment: { variants: [{ id: 'a', weight: 100, templateId: 'a' }] },
        schedule: { kind: 'at', at: '2020-01-01T00:00:00Z' },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.json().errors)).toContain('in the past');
  });

  it('a negative multiplier', async () => {
    const current = await svc.app.inject({ method: 'GET', url: '/v1/loyalty/programme', headers: marketer });
    const res = await svc.app.inject({
      method: 'PUT', url: '/v1/loyalty/programme', headers: { ...marketer, 'if-match': current.headers.etag as string },
      payload: { currency: 'EUR', pointsPerUnit: '1', categoryMultipliers: { books: -2 } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.json().errors)).toContain('categoryMultipliers');
  });
});

describe('segments', () => {
  it('previews without saving, keeps a dynamic segment current, imports a static one from CSV', async () => {
    const tag = `t${Math.random().toString(36).slice(2, 8)}`;
    const a = await customer({ tags: [tag], emailConsent: true });
    const b = await customer({ tags: [tag], emailConsent: false });
    await customer({ tags: [] });
    const rule = { and: [{ field: 'tags', op: 'contains', value: tag }, { field: 'consent.email.marketing', op: 'eq', value: true }] };
    const before = await svc.db.segment.count();
    const preview = await svc.app.inject({ method: 'POST', url: '/v1/segments/preview', headers: analyst, payload: { rule } });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ size: 1, sample: [a] });
    expect(await svc.db.segment.count()).toBe(before);

    const seg = await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'tagged', kind: 'dynamic', rule } });
    expect(seg.statusCode).toBe(201);
    expect(seg.json().size).toBe(1);
    // b grants consent: the dynamic segment follows, and the change is an outbox event
    await svc.handle([ev(customerConsentChanged, b, { customerId: b, channel: 'email', purpose: 'marketing', granted: true, source: 'web_form', effectiveAt: iso() })]);
    expect((await svc.app.inject({ method: 'GET', url: `/v1/segments/${seg.json().id}`, headers: analyst })).json().size).toBe(2);
    const changes = await svc.db.outboxEvent.findMany({ where: { type: 'crm.marketing.segment_membership_changed.v1', key: b } });
    expect(changes.filter((c) => (c.payload as { data: { segmentId: string } }).data.segmentId === seg.json().id).map((c) => (c.payload as { data: { change: string } }).data.change)).toEqual(['entered']);

    const stat = (await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: 'vip list', kind: 'static' } })).json();
    const csv = `customerId\r\n${a}\r\n${b}\r\n${a}\r\ncus_ZZZZZZZZZZZZZZZZZZZZZZZZZZ\r\nnot-an-id\r\n`;
    const imported = await svc.app.inject({ method: 'POST', url: `/v1/segments/${stat.id}/members/import`, headers: { ...marketer, 'content-type': 'text/csv' }, payload: csv });
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toMatchObject({ received: 5, added: 2, alreadyMember: 1 });
    expect(imported.json().errors).toHaveLength(2);
  });
});

describe('loyalty', () => {
  it('100 concurrent redemptions against one balance never overdraw it', async () => {
    const id = await customer();
    await svc.handle([ev(purchaseRecorded, id, { purchaseId: newId('pur'), orderId: 'o-1', customerId: id, amount: '250.00', currency: 'EUR', occurredAt: iso(), channel: 'web', lineCount: 1, source: 'api' })]);
    const member = await svc.app.inject({ method: 'GET', url: `/v1/loyalty/members/${id}`, headers: bearer(svc.token('agent')) });
    expect(member.json().balance).toBe(250);
    const integrator = bearer(svc.token('integrator'));
    const results = await Promise.all(
      Array.from({ length: 100 }, () => svc.app.inject({ method: 'POST', url: '/v1/loyalty/redemptions', headers: integrator, payload: { customerId: id, points: 10, rewardCode: 'coffee' } })),
    );
    const ok = results.filter((r) => r.statusCode === 201);
    const refused = results.filter((r) => r.statusCode === 422);
    expect(results.filter((r) => r.statusCode !== 201 && r.statusCode !== 422).map((r) => r.body)).toEqual([]);
    expect(ok).toHaveLength(25);
    expect(refused).toHaveLength(75);
    expect(refused[0]!.headers['content-type']).toContain('application/problem+json');
    const after = (await svc.app.inject({ method: 'GET', url: `/v1/loyalty/members/${id}`, headers: marketer, query: { limit: '200' } })).json();
    expect(after.balance).toBe(0);
    // the ledger agrees with the cached balance and every movement is balanced
    const [sum] = await svc.db.$queryRawUnsafe<{ customer: bigint; total: bigint }[]>(
      `SELECT coalesce(sum(e.points) FILTER (WHERE e.account = $1), 0) AS customer, coalesce(sum(e.points), 0) AS total FROM ledger_entry e JOIN ledger_movement m ON m.id = e.movement_id WHERE m.customer_id = $2`,
      `customer:${id}:points`, id,
    );
    expect(Number(sum!.customer)).toBe(0);
    expect(Number(sum!.total)).toBe(0);
    expect(after.history.filter((h: { kind: string }) => h.kind === 'redemption')).toHaveLength(25);
  });

  it('a redemption is idempotent by its id', async () => {
    const id = await customer();
    await svc.handle([ev(purchaseRecorded, id, { purchaseId: newId('pur'), orderId: 'o-2', customerId: id, amount: '100.00', currency: 'EUR', occurredAt: iso(), channel: 'web', lineCount: 1, source: 'api' })]);
    const redemptionId = newId('rdm');
    const body = { redemptionId, customerId: id, points: 30, rewardCode: 'mug' };
    const first = await svc.app.inject({ method: 'POST', url: '/v1/loyalty/redemptions', headers: marketer, payload: body });
    const second = await svc.app.inject({ method: 'POST', url: '/v1/loyalty/redemptions', headers: marketer, payload: body });
    expect(first.json()).toMatchObject({ balanceAfter: 70, replayed: false });
    expect(second.json()).toMatchObject({ balanceAfter: 70, replayed: true, entryId: first.json().entryId });
  });

  it('a refund reverses exactly its points, and a redelivered refund nothing more', async () => {
    const id = await customer();
    const purchaseId = newId('pur');
    await svc.handle([ev(purchaseRecorded, id, { purchaseId, orderId: 'o-3', customerId: id, amount: '99.90', currency: 'EUR', occurredAt: iso(), channel: 'web', lineCount: 2, source: 'api' })]);
    const other = newId('pur');
    await svc.handle([ev(purchaseRecorded, id, { purchaseId: other, orderId: 'o-4', customerId: id, amount: '40.00', currency: 'EUR', occurredAt: iso(), channel: 'web', lineCount: 1, source: 'api' })]);
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).balance).toBe(99 + 40);
    const refund = (amount: string, full: boolean) => ev(purchaseRefunded, id, { refundId: newId('rfd'), purchaseId, orderId: 'o-3', customerId: id, amount, currency: 'EUR', occurredAt: iso(), reason: 'returned', full });
    const part = refund('33.30', false);
    await svc.handle([part]);
    await svc.handle([part]); // the same refund again (a redelivery under another inbox): no second reversal
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).balance).toBe(139 - 33);
    await svc.handle([refund('66.60', true)]);
    // the whole purchase refunded: exactly its 99 points are gone, the other purchase's 40 stay
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).balance).toBe(40);
    const reversed = await svc.db.outboxEvent.findMany({ where: { type: 'crm.loyalty.points_reversed.v1', key: id } });
    expect(reversed.map((r) => (r.payload as { data: { points: number } }).data.points).sort()).toEqual([33, 66]);
  });
});

describe('loyalty housekeeping', () => {
  const buy = (id: string, amount: string, at: string) =>
    ev(purchaseRecorded, id, { purchaseId: newId('pur'), orderId: `o-${Math.random()}`, customerId: id, amount, currency: 'EUR', occurredAt: at, channel: 'web', lineCount: 1, source: 'api' });

  it('expires the oldest points after the configured period, once', async () => {
    const id = await customer();
    const now = new Date();
    await svc.handle([buy(id, '80.00', DateTime.fromJSDate(now).minus({ months: 25 }).toJSDate().toISOString()), buy(id, '30.00', DateTime.fromJSDate(now).minus({ months: 1 }).toJSDate().toISOString())]);
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).balance).toBe(110);
    expect(await expirePoints(svc.db, now)).toBeGreaterThanOrEqual(80);
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).balance).toBe(30);
    await expirePoints(svc.db, now);
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).balance).toBe(30);
    const expired = await svc.db.outboxEvent.findMany({ where: { type: 'crm.loyalty.points_expired.v1', key: id } });
    expect(expired.map((e) => (e.payload as { data: { points: number; balanceAfter: number } }).data)).toMatchObject([{ points: 80, balanceAfter: 30 }]);
  });

  it('qualifies tiers at period end over the rolling window; a tier change is an event, once per period', async () => {
    const id = await customer();
    const now = new Date();
    const lastYear = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('year').minus({ months: 3 }).toJSDate().toISOString();
    await svc.handle([buy(id, '600.00', lastYear)]);
    await evaluateTiers(svc.db, now);
    expect((await svc.db.loyaltyMember.findUniqueOrThrow({ where: { customerId: id } })).tier).toBe('silver');
    await evaluateTiers(svc.db, now);
    const changes = await svc.db.outboxEvent.findMany({ where: { type: 'crm.loyalty.tier_changed.v1', key: id } });
    expect(changes.map((e) => (e.payload as { data: object }).data)).toEqual([{ customerId: id, from: null, to: 'silver', reason: 'initial' }]);
  });

  it('greets a customer on their birthday in their own time zone, once a year', async () => {
    const now = new Date();
    const today = DateTime.fromJSDate(now, { zone: 'Europe/Berlin' }).toFormat('MM-dd');
    const id = await customer({ birthday: `1990-${today}` });
    expect(await birthdays(svc.db, now)).toBeGreaterThanOrEqual(1);
    expect(await svc.db.journeyInstance.count({ where: { customerId: id, journeyKey: 'birthday' } })).toBe(1);
    await birthdays(svc.db, now);
    expect(await svc.db.journeyInstance.count({ where: { customerId: id, journeyKey: 'birthday' } })).toBe(1);
  });
});

describe('programme rules as data', () => {
  it('a sign-up bonus set through the API is credited once on registration', async () => {
    const current = await svc.app.inject({ method: 'GET', url: '/v1/loyalty/programme', headers: marketer });
    const rules = { ...(current.json() as object), bonuses: { signup: 50, birthday: 0, review: 0 } };
    const put = await svc.app.inject({ method: 'PUT', url: '/v1/loyalty/programme', headers: { ...marketer, 'if-match': current.headers.etag as string }, payload: rules });
    expect(put.statusCode, put.body).toBe(200);
    // a stale ETag is refused
    expect((await svc.app.inject({ method: 'PUT', url: '/v1/loyalty/programme', headers: { ...marketer, 'if-match': current.headers.etag as string }, payload: rules })).statusCode).toBe(412);
    const id = newId('cus');
    const registered = ev(customerRegistered, id, { customerId: id, kind: 'person', lifecycleStage: 'new', source: 'api' });
    await svc.handle([registered]);
    await svc.handle([registered]);
    const member = (await svc.app.inject({ method: 'GET', url: `/v1/loyalty/members/${id}`, headers: marketer })).json();
    expect(member.balance).toBe(50);
    expect(member.history).toMatchObject([{ kind: 'bonus', points: 50 }]);
  });
});
