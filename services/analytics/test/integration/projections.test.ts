// Projections from events on the real broker and Postgres: the 360, purchase_day facts, idempotency
// under redelivery, tombstones, the value recompute and its events, and rebuild = incremental.
import { newId } from '@crm/contracts';
import { checkDrift } from '@crm/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev, daysAgo } from './factory.ts';
import { bearer, schemaPath, snapshotTables, startAnalytics, type AnalyticsService } from './harness.ts';

let svc: AnalyticsService;
let analyst: Record<string, string>;
let admin: Record<string, string>;
const ann = newId('cus');
const bob = newId('cus');
const queue = newId('q');
const ticket = newId('tkt');

// Ann: regular buyer (every ~10 days), Bob: bought long ago, 3 times in a burst, then nothing.
const annEvents = () => [
  ev.registered(ann),
  ev.profile(ann, 1, 'Ann Lee'),
  ev.consent(ann, true, daysAgo(100)),
  ev.stage(ann, 'active'),
  ...[90, 80, 70, 60, 50, 40, 30, 20, 10].map((d) => ev.purchase(ann, '20.00', daysAgo(d))),
  ev.purchase(ann, '5.50', daysAgo(10, 18)), // same day as the one above: one purchase day of 25.50
  ev.refund(ann, '4.00', daysAgo(5)),
  ev.interaction(ann, 'phone', daysAgo(3)),
  ev.interaction(ann, 'email', daysAgo(2)),
  ev.interaction(ann, 'phone', daysAgo(1)),
  ev.nps(ann, 9),
  ev.ticketOpened(ann, ticket, queue),
  ev.ticketBreached(ann, ticket, queue),
  ev.ticketResolved(ann, ticket, queue, 'agent-7', 1800),
  ev.ticketRated(ann, ticket, 4),
];
const bobEvents = () => [
  ev.registered(bob),
  ev.purchase(bob, '100.00', daysAgo(400)),
  ev.purchase(bob, '80.00', daysAgo(395)),
  ev.purchase(bob, '90.00', daysAgo(390)),
];
let published: ReturnType<typeof annEvents>;

beforeAll(async () => {
  svc = await startAnalytics();
  analyst = bearer(svc.token('analyst'));
  admin = bearer(svc.token('admin'));
  published = [...annEvents(), ...bobEvents()];
  await svc.publish(published);
  await svc.settle();
}, 90_000);
afterAll(async () => svc?.close());

describe('schema', () => {
  it('the migrated database matches schema.prisma (no drift)', async () => {
    expect(await checkDrift({ databaseUrl: svc.database.url, schemaPath })).toEqual([]);
  });
});

describe('projections', () => {
  it('builds the 360 from events only', async () => {
    const res = await svc.app.inject({ method: 'GET', url: `/v1/customers/${ann}/360`, headers: bearer(svc.token('agent')) });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.profile).toMatchObject({ displayName: 'Ann Lee', primaryEmail: `${ann.toLowerCase()}@example.com`, country: 'DE', tags: ['vip'] });
    expect(JSON.stringify(c)).not.toContain('Secret Street'); // addresses and birthday are not kept
    expect(JSON.stringify(c)).not.toContain('1980-01-02');
    expect(c.lifecycleStage).toBe('active');
    expect(c.purchases).toMatchObject({ count: 10, revenue: '185.50', refunded: '4.00', netRevenue: '181.50', averageOrderValue: '18.55', currency: 'EUR' });
    expect(c.interactions.total).toBe(3);
    expect(c.interactions.lastContactChannel).toBe('phone');
    expect(c.interactions.byChannel).toEqual([
      { channel: 'email', interactions: 1, lastAt: daysAgo(2) },
      { channel: 'phone', interactions: 2, lastAt: daysAgo(1) },
    ]);
    expect(c.service).toMatchObject({ openTickets: 0, tickets: 1, slaBreaches: 1, csat: { average: 4, responses: 1 }, nps: { last: 9, responses: 1 } });
    expect(c.consent).toEqual([{ channel: 'email', purpose: 'marketing', granted: true, effectiveAt: daysAgo(100) }]);
  });

  it('keeps one purchase_day row per customer and day, with the day total as NUMERIC', async () => {
    const rows = await svc.db.$queryRawUnsafe<{ day: string; purchases: number; amount: string; refunds: string }[]>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, purchases, amount::text AS amount, refunds::text AS refunds FROM purchase_day WHERE customer_id = $1 ORDER BY day`, ann,
    );
    expect(rows).toHaveLength(10); // 9 purchase days + 1 refund-only day
    expect(rows.find((r) => r.day === daysAgo(10).slice(0, 10))).toEqual({ day: daysAgo(10).slice(0, 10), purchases: 2, amount: '25.5000', refunds: '0.0000' });
    expect(rows.find((r) => r.day === daysAgo(5).slice(0, 10))).toMatchObject({ purchases: 0, refunds: '4.0000' });
  });

  it('is idempotent under redelivery: the same events again change nothing', async () => {
    const before = await snapshotTables(svc.db);
    await svc.publish(published); // same event ids
    await svc.settle();
    expect(await snapshotTables(svc.db)).toEqual(before);
  });

  it('service KPIs by queue and agent', async () => {
    const res = await svc.app.inject({ method: 'GET', url: `/v1/kpis/service?from=${daysAgo(1)}&to=${daysAgo(-1)}`, headers: analyst });
    expect(res.statusCode).toBe(200);
    expect(res.json().byQueue).toEqual([expect.objectContaining({ queueId: queue, resolved: 1, avgResolutionSeconds: 1800, slaMetRate: 1, slaBreaches: 1, csatAverage: 4 })]);
    expect(res.json().byAgent).toEqual([expect.objectContaining({ agentId: 'agent-7', resolved: 1 })]);
  });
});

type Outbox = { type: string; key: string; payload: { data: Record<string, unknown> } };
const outbox = () => svc.db.$queryRawUnsafe<Outbox[]>(`SELECT type, key, payload FROM outbox_event ORDER BY seq`);

describe('value recompute', () => {
  it('computes value, RFM and risk, and announces each customer once', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/admin/recompute', headers: admin, payload: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ customers: 2, valueEvents: 2, riskRaised: 1 });
    const value = await svc.app.inject({ method: 'GET', url: `/v1/customers/${ann}/value`, headers: bearer(svc.token('agent')) });
    expect(value.statusCode).toBe(200);
    const v = value.json();
    expect(v).toMatchObject({ historicalClv: '181.50', currency: 'EUR', summary: { x: 8 } });
    expect(Number(v.predictedClv)).toBeGreaterThan(0);
    expect(v.probabilityAlive).toBeGreaterThan(0.5);
    const bobValue = (await svc.app.inject({ method: 'GET', url: `/v1/customers/${bob}/value`, headers: analyst })).json();
    expect(bobValue.risk.level).toBe('high');
    expect(bobValue.probabilityAlive).toBeLessThan(0.3);

    const events = await outbox();
    expect(events.filter((e) => e.type === 'crm.analytics.customer_value_updated.v1').map((e) => e.key).sort()).toEqual([ann, bob].sort());
    expect(events.filter((e) => e.type === 'crm.analytics.churn_risk_raised.v1').map((e) => e.key)).toEqual([bob]);
  });

  it('emits nothing when nothing changed meaningfully, and only for the customer who changed', async () => {
    const again = await svc.app.inject({ method: 'POST', url: '/v1/admin/recompute', headers: admin, payload: {} });
    expect(again.json()).toMatchObject({ valueEvents: 0, riskRaised: 0, riskCleared: 0 });
    const before = (await outbox()).length;
    // Bob comes back with a big order: value changes and his risk is cleared.
    await svc.publish([ev.purchase(bob, '300.00', daysAgo(0, 1))]);
    await svc.settle();
    const third = await svc.app.inject({ method: 'POST', url: '/v1/admin/recompute', headers: admin, payload: {} });
    expect(third.json()).toMatchObject({ riskCleared: 1, riskRaised: 0 });
    const fresh = (await outbox()).slice(before);
    expect(fresh.filter((e) => e.type === 'crm.analytics.churn_risk_cleared.v1').map((e) => e.key)).toEqual([bob]);
    expect(fresh.filter((e) => e.type === 'crm.analytics.customer_value_updated.v1').map((e) => e.key)).toContain(bob);
  });

  it('rankings, segment counts and the RFM grid', async () => {
    const top = (await svc.app.inject({ method: 'GET', url: '/v1/rankings/top-value?limit=5', headers: analyst })).json();
    expect(top.items).toHaveLength(2);
    const risk = await svc.app.inject({ method: 'GET', url: '/v1/rankings/highest-risk', headers: analyst });
    expect(risk.statusCode).toBe(200);
    const counts = (await svc.app.inject({ method: 'GET', url: '/v1/segments/counts', headers: analyst })).json();
    expect(Object.values(counts.rfmSegments as Record<string, number>).reduce((s, n) => s + n, 0)).toBe(2);
    const grid = (await svc.app.inject({ method: 'GET', url: '/v1/rfm/grid', headers: analyst })).json();
    expect(grid.cells.reduce((s: number, c: { customers: number }) => s + c.customers, 0)).toBe(2);
  });
});

describe('tombstones and erasure', () => {
  it('a profile tombstone removes the personal fields and keeps the facts', async () => {
    await svc.tombstone(ann);
    await svc.settle();
    const c = (await svc.app.inject({ method: 'GET', url: `/v1/customers/${ann}/360`, headers: analyst })).json();
    expect(c.profile).toMatchObject({ displayName: null, primaryEmail: null, tags: [] });
    expect(c.purchases.count).toBe(10);
  });
});

describe('rebuild', () => {
  it('truncates, replays from the beginning with progress, and ends equal to the incremental projections', async () => {
    const erased = newId('cus');
    await svc.publish([ev.registered(erased), ev.purchase(erased, '10.00', daysAgo(3)), ev.erased(erased)]);
    await svc.settle();
    await svc.scheduler.run(); // incremental state incl. values as of today
    const incremental = await snapshotTables(svc.db);
    expect(incremental.erased_customer).toHaveLength(1);
    expect(incremental.purchase_day!.some((r) => r.includes(erased))).toBe(false);
    const outboxBefore = (await outbox()).filter((e) => e.type !== 'crm.analytics.erasure_confirmed.v1').length;

    const started = await svc.app.inject({ method: 'POST', url: '/v1/admin/rebuild', headers: admin });
    expect(started.statusCode).toBe(202);
    expect((await svc.app.inject({ method: 'POST', url: '/v1/admin/rebuild', headers: admin })).statusCode).toBe(409);
    const status = await svc.projector.waitForRebuild();
    expect(status.state).toBe('done');
    expect(status.total).toBeGreaterThan(0);
    expect(status.replayed).toBeGreaterThanOrEqual(published.length);
    const polled = (await svc.app.inject({ method: 'GET', url: '/v1/admin/rebuild/status', headers: admin })).json();
    expect(polled).toMatchObject({ state: 'done', replayed: status.replayed, total: status.total });

    expect(await snapshotTables(svc.db)).toEqual(incremental);
    // Same numbers: the rebuild announced no value or risk change.
    expect((await outbox()).filter((e) => e.type !== 'crm.analytics.erasure_confirmed.v1').length).toBe(outboxBefore);
    // The old group's inbox rows are gone; the new group recorded the replay.
    const groups = await svc.db.$queryRawUnsafe<{ consumer_group: string }[]>(`SELECT DISTINCT consumer_group FROM processed_event`);
    expect(groups.map((g) => g.consumer_group)).toEqual([status.groupId]);
  });
});
