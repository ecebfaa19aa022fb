// The interaction API over HTTP, against a real database and the real customer service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startInteractionService, unique, type InteractionService } from './harness.ts';

let svc: InteractionService;
let agent: Record<string, string>;
let integrator: Record<string, string>;
let customerId: string;

beforeAll(async () => {
  svc = await startInteractionService({ relay: false });
  agent = bearer(svc.token('agent'));
  integrator = bearer(svc.token('integrator'));
  customerId = await svc.newCustomer();
}, 90_000);
afterAll(async () => svc?.close());

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: unknown) =>
  svc.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const interaction = (over: Record<string, unknown> = {}) => ({
  customerId,
  channel: 'phone',
  direction: 'inbound',
  kind: 'call',
  intent: 'complaint',
  subject: 'Parcel arrived broken',
  summary: 'Customer says the parcel was crushed; we offered a replacement.',
  agentId: 'agt_1',
  occurredAt: '2025-03-01T10:00:00.000Z',
  durationSeconds: 300,
  queueWaitSeconds: 40,
  handleSeconds: 280,
  firstContactResolution: true,
  ...over,
});

const counts = async () => ({
  interactions: await svc.db.interaction.count(),
  purchases: await svc.db.purchase.count(),
  refunds: await svc.db.refund.count(),
  surveys: await svc.db.surveyResponse.count(),
  outbox: await svc.db.outboxEvent.count(),
});

describe('interactions', () => {
  it('records, reads with an ETag, corrects with If-Match keeping every earlier version', async () => {
    const res = await call('POST', '/v1/interactions', agent, interaction());
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ id: expect.stringMatching(/^int_/), customerId, version: 1, corrected: false, firstContactResolution: true });

    const read = await call('GET', `/v1/interactions/${created.id}`, agent);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('W/"1"');

    const noMatch = await call('PATCH', `/v1/interactions/${created.id}`, agent, { outcome: 'resolved' });
    expect(noMatch.statusCode).toBe(428);
    const fixed = await svc.app.inject({ method: 'PATCH', url: `/v1/interactions/${created.id}`, headers: { ...agent, 'if-match': 'W/"1"' }, payload: { outcome: 'resolved', summary: 'Replacement sent.' } });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json()).toMatchObject({ version: 2, corrected: true, outcome: 'resolved', summary: 'Replacement sent.' });
    expect(fixed.headers.etag).toBe('W/"2"');
    const stale = await svc.app.inject({ method: 'PATCH', url: `/v1/interactions/${created.id}`, headers: { ...agent, 'if-match': 'W/"1"' }, payload: { outcome: 'escalated' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().currentVersion).toBe(2);
    await svc.app.inject({ method: 'PATCH', url: `/v1/interactions/${created.id}`, headers: { ...agent, 'if-match': 'W/"2"' }, payload: { durationSeconds: 310 } });

    const revisions = await call('GET', `/v1/interactions/${created.id}/revisions`, agent);
    expect(revisions.statusCode).toBe(200);
    const items = revisions.json().items;
    expect(items.map((r: { version: number }) => r.version)).toEqual([3, 2, 1]);
    expect(items[0]).toMatchObject({ current: true, changedFields: ['durationSeconds'] });
    expect(items[1]).toMatchObject({ current: false, changedFields: ['summary', 'outcome'].sort((a, b) => ['summary', 'outcome'].indexOf(a) - ['summary', 'outcome'].indexOf(b)) });
    expect(items[1].data.summary).toBe('Replacement sent.');
    expect(items[2].data).toMatchObject({ summary: interaction().summary, outcome: null, durationSeconds: 300 });

    const events = await svc.db.outboxEvent.findMany({ where: { key: customerId }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['crm.interaction.recorded.v1', 'crm.interaction.corrected.v1']));
    // free text stays in the database, never in events
    expect(JSON.stringify(events.map((e) => e.payload))).not.toMatch(/Parcel|crushed|Replacement/);
  });

  it('searches subjects and summaries by text, newest first, with a cursor', async () => {
    const word = `zebra${unique()}`;
    for (let i = 0; i < 3; i++) await call('POST', '/v1/interactions', agent, interaction({ subject: `About ${word} ${i}`, occurredAt: `2025-04-0${i + 1}T10:00:00.000Z` }));
    await call('POST', '/v1/interactions', agent, interaction({ subject: 'Other', summary: `the ${word} again`, occurredAt: '2025-04-09T10:00:00.000Z' }));
    const first = await call('GET', `/v1/interactions?q=${word}&limit=3`, agent);
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((i: { occurredAt: string }) => i.occurredAt.slice(0, 10))).toEqual(['2025-04-09', '2025-04-03', '2025-04-02']);
    const second = await call('GET', `/v1/interactions?q=${word}&limit=3&cursor=${first.json().nextCursor}`, agent);
    expect(second.json().items.map((i: { occurredAt: string }) => i.occurredAt.slice(0, 10))).toEqual(['2025-04-01']);
    expect(second.json().nextCursor).toBeNull();
    expect((await call('GET', `/v1/interactions?q=nosuchword${unique()}`, agent)).json().items).toEqual([]);
  });

  it('an Idempotency-Key replays the first response', async () => {
    const key = { ...agent, 'idempotency-key': `k-${unique()}` };
    const a = await call('POST', '/v1/interactions', key, interaction());
    const b = await call('POST', '/v1/interactions', key, interaction());
    expect(b.statusCode).toBe(201);
    expect(b.json().id).toBe(a.json().id);
    expect(b.headers['idempotent-replayed']).toBe('true');
  });

  it('bad input is a 400/404 problem and writes nothing', async () => {
    const before = await counts();
    const cases: [Record<string, unknown>, number][] = [
      [interaction({ channel: 'carrier_pigeon' }), 400],
      [interaction({ occurredAt: '2025-13-45T10:00:00Z' }), 400],
      [interaction({ occurredAt: 'yesterday' }), 400],
      [interaction({ customerId: 'not-an-id' }), 400],
      [interaction({ customerId: 'cus_00000000000000000000000000' }), 404],
      [interaction({ unknownField: 1 }), 400],
    ];
    for (const [body, status] of cases) {
      const res = await call('POST', '/v1/interactions', agent, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await call('GET', '/v1/interactions/int_nope', agent)).statusCode).toBe(404);
    expect(await counts()).toEqual(before);
  });
});

describe('purchases and refunds', () => {
  const purchase = (over: Record<string, unknown> = {}) => ({
    orderId: `o-${unique()}`,
    customerId,
    amount: '99.95',
    currency: 'EUR',
    occurredAt: '2025-03-02T12:00:00Z',
    channel: 'web',
    lines: [{ sku: 'CD-1', quantity: 1, unitPrice: '99.95' }],
    ...over,
  });

  it('records once per order id: the repeat answers 200 with the existing purchase', async () => {
    const body = purchase({ amount: '0.1' });
    const first = await call('POST', '/v1/purchases', integrator, body);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ id: expect.stringMatching(/^pur_/), amount: '0.10', currency: 'EUR', sourceSystem: 'api', customerId });
    const again = await call('POST', '/v1/purchases', integrator, body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(await svc.db.purchase.count({ where: { orderId: body.orderId } })).toBe(1);
    const read = await call('GET', `/v1/purchases/${first.json().id}`, agent);
    expect(read.statusCode).toBe(200);
    expect(read.json().lines).toEqual(body.lines);
    expect(await svc.db.outboxEvent.count({ where: { type: 'crm.purchase.recorded.v1', payload: { path: ['data', 'orderId'], equals: body.orderId } } })).toBe(1);
  });

  it('resolves a customer by external id through the customer service (creating it there)', async () => {
    const ext = `shopper-${unique()}`;
    const res = await call('POST', '/v1/purchases', integrator, purchase({ customerId: undefined, customerExternalId: ext, sourceSystem: 'shop' }));
    expect(res.statusCode).toBe(201);
    const resolved = res.json().customerId;
    expect(resolved).toMatch(/^cus_/);
    const there = await svc.customers.app.inject({ method: 'GET', url: `/v1/customers/${resolved}`, headers: agent });
    expect(there.statusCode).toBe(200);
    expect(there.json().externalIds).toEqual([expect.objectContaining({ source: 'shop', id: ext })]);
  });

  it('refunds exactly, up to the remaining amount (decimal, not float)', async () => {
    const p = (await call('POST', '/v1/purchases', integrator, purchase({ amount: '0.30' }))).json();
    const r1 = await call('POST', `/v1/purchases/${p.id}/refunds`, agent, { amount: '0.10', reason: 'damaged' });
    expect(r1.statusCode).toBe(201);
    const r2 = await call('POST', `/v1/purchases/${p.id}/refunds`, agent, { amount: '0.20', reason: 'returned' });
    expect(r2.statusCode).toBe(201);
    expect(r2.json()).toMatchObject({ refundedAmount: '0.30', refunds: [{ amount: '0.10' }, { amount: '0.20' }] });
    const over = await call('POST', `/v1/purchases/${p.id}/refunds`, agent, { amount: '0.01', reason: 'goodwill' });
    expect(over.statusCode).toBe(422);
    expect(over.headers['content-type']).toContain('application/problem+json');
    const events = await svc.db.outboxEvent.findMany({ where: { type: 'crm.purchase.refunded.v1', payload: { path: ['data', 'purchaseId'], equals: p.id } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => (e.payload as { data: { full: boolean } }).data.full)).toEqual([false, true]);
    expect((await call('POST', '/v1/purchases/pur_nope/refunds', agent, { amount: '1.00', reason: 'other' })).statusCode).toBe(404);
  });

  it('bad input is a 400/404 problem and writes nothing', async () => {
    const before = await counts();
    const cases: [Record<string, unknown>, number][] = [
      [purchase({ amount: '-5.00' }), 400],
      [purchase({ amount: 12.5 }), 400],
      [purchase({ amount: '1.23456' }), 400],
      [purchase({ currency: 'EURO' }), 400],
      [purchase({ currency: 'XYZ' }), 400],
      [purchase({ channel: 'telepathy' }), 400],
      [purchase({ occurredAt: '2025-02-30T10:00:00Z' }), 400],
      [purchase({ occurredAt: '01/02/2025' }), 400],
      [purchase({ orderId: undefined }), 400],
      [purchase({ customerId: undefined }), 400],
      [purchase({ customerId: 'cus_00000000000000000000000000' }), 404],
    ];
    for (const [body, status] of cases) {
      const res = await call('POST', '/v1/purchases', integrator, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(await counts()).toEqual(before);
  });
});

describe('surveys and the timeline', () => {
  it('records CSAT, NPS and SERVQUAL answers; comments stay out of events; bad scores are 400', async () => {
    const csat = await call('POST', '/v1/surveys', agent, { customerId, kind: 'csat', score: 4, comment: 'Friendly staff', answeredAt: '2025-03-03T09:00:00Z' });
    expect(csat.statusCode).toBe(201);
    const nps = await call('POST', '/v1/surveys', integrator, { customerId, kind: 'nps', score: 0, answeredAt: '2025-03-04T09:00:00Z' });
    expect(nps.statusCode).toBe(201);
    const servqual = await call('POST', '/v1/surveys', agent, {
      customerId, kind: 'servqual', answeredAt: '2025-03-05T09:00:00Z',
      servqual: ['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy'].map((dimension, i) => ({ dimension, item: i + 1, expectation: 6, perception: 5 })),
    });
    expect(servqual.statusCode).toBe(201);
    expect((await call('GET', `/v1/surveys/${csat.json().id}`, agent)).json().comment).toBe('Friendly staff');
    const before = await counts();
    for (const body of [{ customerId, kind: 'csat', score: 6 }, { customerId, kind: 'nps', score: 11 }, { customerId, kind: 'servqual' }, { customerId, kind: 'csat', score: 3, answeredAt: 'soon' }]) {
      expect((await call('POST', '/v1/surveys', agent, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call('POST', '/v1/surveys', agent, { customerId: 'cus_00000000000000000000000000', kind: 'csat', score: 3 })).statusCode).toBe(404);
    expect(await counts()).toEqual(before);
    const events = await svc.db.outboxEvent.findMany({ where: { type: 'crm.survey.answered.v1' } });
    expect(events.length).toBe(3);
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain('Friendly');
  });

  it('merges interactions, purchases, refunds and surveys newest first, filters, and pages without loss', async () => {
    const c = await svc.newCustomer();
    const at = (d: number) => `2024-01-${String(d).padStart(2, '0')}T08:00:00.000Z`;
    // 2 interactions on the same instant: stable order by (occurred_at, id)
    await call('POST', '/v1/interactions', agent, interaction({ customerId: c, occurredAt: at(1), channel: 'email', kind: 'message' }));
    await call('POST', '/v1/interactions', agent, interaction({ customerId: c, occurredAt: at(1), channel: 'email', kind: 'message' }));
    await call('POST', '/v1/interactions', agent, interaction({ customerId: c, occurredAt: at(3) }));
    const p = (await call('POST', '/v1/purchases', integrator, { orderId: `o-${unique()}`, customerId: c, amount: '10', currency: 'USD', occurredAt: at(2), channel: 'store' })).json();
    await call('POST', `/v1/purchases/${p.id}/refunds`, agent, { amount: '2.5', reason: 'returned', occurredAt: at(4) });
    await call('POST', '/v1/surveys', agent, { customerId: c, kind: 'nps', score: 9, answeredAt: at(5) });

    const all = await call('GET', `/v1/customers/${c}/timeline`, agent);
    expect(all.statusCode).toBe(200);
    const items = all.json().items as { type: string; occurredAt: string; id: string; amount: string | null }[];
    expect(items.map((i) => i.type)).toEqual(['survey', 'refund', 'interaction', 'purchase', 'interaction', 'interaction']);
    expect(items.find((i) => i.type === 'refund')!.amount).toBe('2.50');
    const sameInstant = items.slice(4).map((i) => i.id);
    expect(sameInstant).toEqual([...sameInstant].sort().reverse());

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/v1/customers/${c}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`, agent);
      expect(res.statusCode).toBe(200);
      paged.push(...res.json().items.map((i: { id: string }) => i.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(paged).toEqual(items.map((i) => i.id));

    expect((await call('GET', `/v1/customers/${c}/timeline?channel=email`, agent)).json().items).toHaveLength(2);
    expect((await call('GET', `/v1/customers/${c}/timeline?channel=store`, agent)).json().items.map((i: { type: string }) => i.type)).toEqual(['purchase']);
    expect((await call('GET', `/v1/customers/${c}/timeline?kind=call`, agent)).json().items).toHaveLength(1);
    expect((await call('GET', `/v1/customers/${c}/timeline?type=purchase,refund`, agent)).json().items).toHaveLength(2);
    const window = await call('GET', `/v1/customers/${c}/timeline?from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(4))}`, agent);
    expect(window.json().items.map((i: { type: string }) => i.type)).toEqual(['interaction', 'purchase']);
    expect((await call('GET', `/v1/customers/${c}/timeline?from=tuesday`, agent)).statusCode).toBe(400);
    expect((await call('GET', `/v1/customers/${c}/timeline?cursor=%%%`, agent)).statusCode).toBe(400);
  });
});

describe('every route: 401 without a token, 403 with a wrong role', () => {
  it('covers every /v1 route in the OpenAPI document', async () => {
    const spec = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path, url: path.replace(/\{[^}]+\}/g, 'x_00000000000000000000000000') })));
    expect(ops.length).toBeGreaterThanOrEqual(11);
    for (const op of ops) {
      const anon = await svc.app.inject({ method: op.method as 'GET', url: op.url, payload: op.method === 'GET' ? undefined : {} });
      expect(anon.statusCode, `${op.method} ${op.url} without token`).toBe(401);
      // analysts read aggregates in analytics, nothing personal here
      const analyst = await svc.app.inject({ method: op.method as 'GET', url: op.url, headers: bearer(svc.token('analyst')), payload: op.method === 'GET' ? undefined : {} });
      expect(analyst.statusCode, `${op.method} ${op.url} as analyst`).toBe(403);
      const marketer = await svc.app.inject({ method: op.method as 'GET', url: op.url, headers: bearer(svc.token('marketer')), payload: op.method === 'GET' ? undefined : {} });
      expect(marketer.statusCode, `${op.method} ${op.url} as marketer`).toBe(403);
    }
    // integrators write purchases but do not read free text
    for (const url of ['/v1/interactions?q=x', '/v1/interactions/int_x', '/v1/interactions/int_x/revisions', `/v1/customers/${customerId}/timeline`, '/v1/surveys/svy_x']) {
      expect((await call('GET', url, integrator)).statusCode, url).toBe(403);
    }
    // only integrators (and admins) import
    expect((await svc.app.inject({ method: 'POST', url: '/v1/purchases/import', headers: { ...agent, 'content-type': 'text/csv' }, payload: 'a\n1\n' })).statusCode).toBe(403);
  });
});
