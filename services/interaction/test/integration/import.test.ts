// Bulk import of purchases through HTTP, with the real customer service resolving (and creating) customers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startInteractionService, unique, type InteractionService } from './harness.ts';

let svc: InteractionService;
let integrator: Record<string, string>;

beforeAll(async () => {
  // Small batches so that a ~2,000 row file crosses many batch boundaries.
  svc = await startInteractionService({ relay: false, importBatchSize: 250 });
  integrator = bearer(svc.token('integrator'));
}, 90_000);
afterAll(async () => svc?.close());

const importCsv = (body: string, headers = integrator) =>
  svc.app.inject({ method: 'POST', url: '/v1/purchases/import', headers: { ...headers, 'content-type': 'text/csv' }, payload: body });

describe('purchase import', () => {
  it('records exactly the good rows of a generated CSV and reports each bad row with its line', async () => {
    const run = unique();
    const lines = ['order_id,customer_external_id,occurred_at,amount,currency,channel'];
    const bad = new Map<number, RegExp>();
    const good: { orderId: string; amount: string }[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = lines.length + 1;
      const orderId = `${run}-${i}`;
      const customer = `c-${run}-${i % 300}`;
      if (i === 17) { lines.push(`${orderId},${customer},2025-02-30,10.00,EUR,web`); bad.set(line, /occurred_at/); continue; }
      if (i === 500) { lines.push(`${orderId},${customer},2025-01-01,-3.00,EUR,web`); bad.set(line, /negative/); continue; }
      if (i === 999) { lines.push(`${orderId},${customer},2025-01-01,3.00,EURO,web`); bad.set(line, /currency/); continue; }
      if (i === 1500) { lines.push(`,${customer},2025-01-01,3.00,EUR,web`); bad.set(line, /order_id is missing/); continue; }
      if (i === 1600) { lines.push(`${orderId},${customer},2025-01-01,3.00,EUR,carrier_pigeon`); bad.set(line, /channel/); continue; }
      if (i === 1700) { lines.push(`${orderId},${customer},last tuesday,3.00,EUR,web`); bad.set(line, /occurred_at/); continue; }
      const amount = `${(i % 500) + 1}.${String(i % 100).padStart(2, '0')}`;
      const when = i % 2 === 0 ? `2024-${String((i % 12) + 1).padStart(2, '0')}-15` : `2024-05-01T10:${String(i % 60).padStart(2, '0')}:00+02:00`;
      lines.push(`${orderId},${customer},${when},${amount},${i % 3 === 0 ? 'USD' : 'EUR'},${i % 2 ? 'web' : 'store'}`);
      good.push({ orderId, amount });
    }
    // the same order twice in one file counts once
    lines.push(`${run}-1,c-${run}-1,2024-05-01T10:01:00+02:00,2.01,EUR,web`);

    const res = await importCsv(lines.join('\n') + '\n');
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ received: 2001, recorded: good.length, accepted: good.length, duplicates: 1, rejected: bad.size });
    expect(report.errors.map((e: { line: number }) => e.line).sort((a: number, b: number) => a - b)).toEqual([...bad.keys()]);
    for (const e of report.errors as { line: number; message: string }[]) expect(e.message).toMatch(bad.get(e.line)!);

    // no row lost: every good order is there, with its exact amount, attached to a real customer
    const rows = await svc.db.purchase.findMany({ where: { orderId: { startsWith: `${run}-` } } });
    expect(rows).toHaveLength(good.length);
    const byOrder = new Map(rows.map((r) => [r.orderId, r]));
    for (const g of good) expect(byOrder.get(g.orderId)?.amount.toFixed(2)).toBe(g.amount);
    const customerIds = new Set(rows.map((r) => r.customerId));
    expect(customerIds.size).toBe(300);
    const known = await svc.customers.db.externalId.findMany({ where: { source: 'import', externalId: { startsWith: `c-${run}-` } } });
    expect(new Set(known.map((k) => k.customerId))).toEqual(customerIds);
    expect(await svc.db.outboxEvent.count({ where: { type: 'crm.purchase.recorded.v1' } })).toBe(good.length);
    expect(rows.find((r) => r.orderId === `${run}-1`)!.occurredAt.toISOString()).toBe('2024-05-01T08:01:00.000Z');
    expect(rows.find((r) => r.orderId === `${run}-0`)!.occurredAt.toISOString()).toBe('2024-01-15T00:00:00.000Z');

    // the same file again: everything is a duplicate, nothing new is written
    const again = await importCsv(lines.join('\n') + '\n');
    expect(again.json()).toMatchObject({ received: 2001, recorded: 0, duplicates: good.length + 1, rejected: bad.size });
    expect(await svc.db.purchase.count({ where: { orderId: { startsWith: `${run}-` } } })).toBe(good.length);
    expect(await svc.db.outboxEvent.count({ where: { type: 'crm.purchase.recorded.v1' } })).toBe(good.length);
  }, 120_000);

  it('reads NDJSON with source systems and reports unreadable lines', async () => {
    const run = unique();
    const body = [
      JSON.stringify({ order_id: `${run}-a`, customer_external_id: `x-${run}`, occurred_at: '2025-01-02T03:04:05Z', amount: '1.5', currency: 'CNY', source_system: 'erp' }),
      '{not json',
      JSON.stringify({ orderId: `${run}-b`, customerExternalId: `x-${run}`, occurredAt: '2025-01-02', amount: '2', currency: 'CNY' }),
      JSON.stringify([1, 2]),
    ].join('\n');
    const res = await svc.app.inject({ method: 'POST', url: '/v1/purchases/import', headers: { ...integrator, 'content-type': 'application/x-ndjson' }, payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 4, recorded: 2, rejected: 2 });
    expect(res.json().errors.map((e: { line: number }) => e.line)).toEqual([2, 4]);
    const rows = await svc.db.purchase.findMany({ where: { orderId: { startsWith: run } }, orderBy: { orderId: 'asc' } });
    expect(rows.map((r) => [r.sourceSystem, r.amount.toFixed(2)])).toEqual([['erp', '1.50'], ['import', '2.00']]);
    // different source systems are different customers' namespaces
    expect(rows[0]!.customerId).not.toBe(rows[1]!.customerId);
  });

  it('refuses other content types with 415 and agents with 403', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/purchases/import', headers: { ...integrator, 'content-type': 'application/json' }, payload: {} });
    expect(res.statusCode).toBe(415);
    expect((await importCsv('order_id\n', bearer(svc.token('agent')))).statusCode).toBe(403);
  });
});
