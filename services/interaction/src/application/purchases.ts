// Purchases and refunds. A purchase is unique per (source system, order id): recording it twice returns
// the first one. Amounts are NUMERIC(18,4) and decimal.js, never floats.
import { newId, type EventData, type purchaseRefunded } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import type { Db, Tx } from '../db.ts';
import { checkRefund, formatMoney } from '../domain/money.ts';
import { publishers, type PurchaseRecordedData } from '../events/publish.ts';
import type { Purchase, Refund } from '../generated/prisma/client.ts';
import type { PurchaseCreate, PurchaseView } from '../schemas.ts';
import type { Actor } from './context.ts';
import { requireCustomer, type CustomerDirectory } from './customer-directory.ts';

export function toPurchaseView(p: Purchase & { refunds?: Refund[] }): PurchaseView {
  return {
    id: p.id,
    orderId: p.orderId,
    sourceSystem: p.sourceSystem,
    customerId: p.customerId,
    amount: formatMoney(p.amount),
    refundedAmount: formatMoney(p.refundedAmount),
    currency: p.currency,
    occurredAt: p.occurredAt.toISOString(),
    channel: p.channel,
    source: p.source,
    campaignId: p.campaignId,
    lines: (p.lines ?? []) as Record<string, unknown>[],
    refunds: (p.refunds ?? []).map((r) => ({ id: r.id, amount: formatMoney(r.amount), reason: r.reason, occurredAt: r.occurredAt.toISOString() })),
    createdAt: p.createdAt.toISOString(),
  };
}

export interface NewPurchase {
  sourceSystem: string;
  orderId: string;
  customerId: string;
  amount: string;
  currency: string;
  occurredAt: Date;
  channel: string;
  lines: unknown[];
  campaignId?: string | undefined;
}

/**
 * Inserts purchases with one multi-row statement; existing (source system, order id) pairs are skipped.
 * Writes a purchase.recorded event for each inserted row, in the same transaction. Returns inserted rows.
 */
export async function insertPurchasesTx(tx: Tx, items: NewPurchase[], source: 'api' | 'import' | 'ingest', actor: Actor): Promise<{ id: string; orderId: string; sourceSystem: string }[]> {
  if (items.length === 0) return [];
  const json = JSON.stringify(items.map((p) => ({
    id: newId('pur'),
    source_system: p.sourceSystem,
    order_id: p.orderId,
    customer_id: p.customerId,
    lines: p.lines,
    amount: p.amount,
    currency: p.currency,
    occurred_at: p.occurredAt.toISOString(),
    channel: p.channel,
    source,
    campaign_id: p.campaignId ?? null,
  })));
  const inserted = await tx.$queryRawUnsafe<{ id: string; order_id: string; source_system: string }[]>(
    `INSERT INTO purchase (id, source_system, order_id, customer_id, lines, amount, currency, occurred_at, channel, source, campaign_id)
     SELECT r.id, r.source_system, r.order_id, r.customer_id, coalesce(r.lines, '[]'::jsonb), r.amount, r.currency, r.occurred_at, r.channel, r.source, r.campaign_id
     FROM jsonb_to_recordset($1::jsonb) AS r(id text, source_system text, order_id text, customer_id text, lines jsonb, amount numeric(18,4),
       currency text, occurred_at timestamptz, channel text, source text, campaign_id text)
     ON CONFLICT (source_system, order_id) DO NOTHING
     RETURNING id, order_id, source_system`,
    json,
  );
  const byKey = new Map(items.map((p) => [`${p.sourceSystem}\u0000${p.orderId}`, p]));
  const events: PurchaseRecordedData[] = inserted.map((row) => {
    const p = byKey.get(`${row.source_system}\u0000${row.order_id}`)!;
    return {
      purchaseId: row.id,
      orderId: p.orderId,
      customerId: p.customerId,
      amount: p.amount,
      currency: p.currency,
      occurredAt: p.occurredAt.toISOString(),
      channel: p.channel as PurchaseRecordedData['channel'],
      lineCount: p.lines.length,
      source,
      campaignId: p.campaignId,
    };
  });
  await publishers.purchasesRecorded(tx, events, actor);
  return inserted.map((r) => ({ id: r.id, orderId: r.order_id, sourceSystem: r.source_system }));
}

/** Records one purchase; `created` is false when the order was already recorded (the existing one is returned). */
export async function recordPurchase(db: Db, directory: CustomerDirectory, input: PurchaseCreate, actor: Actor): Promise<{ created: boolean; purchase: PurchaseView }> {
  const existing = await db.purchase.findUnique({ where: { sourceSystem_orderId: { sourceSystem: input.sourceSystem, orderId: input.orderId } }, include: { refunds: true } });
  if (existing) return { created: false, purchase: toPurchaseView(existing) };
  let customerId: string;
  if (input.customerId) customerId = await db.$transaction((tx) => requireCustomer(directory, tx, input.customerId!));
  else {
    const mapping = await directory.resolve(input.sourceSystem, [input.customerExternalId!]);
    const resolved = mapping[input.customerExternalId!];
    if (!resolved) throw new HttpProblem(404, 'Customer not found', `external id ${input.customerExternalId} of ${input.sourceSystem} could not be resolved`);
    customerId = resolved;
  }
  return db.$transaction(async (tx) => {
    const [row] = await insertPurchasesTx(tx, [{
      sourceSystem: input.sourceSystem,
      orderId: input.orderId,
      customerId,
      amount: formatMoney(input.amount),
      currency: input.currency,
      occurredAt: new Date(input.occurredAt),
      channel: input.channel,
      lines: input.lines,
      campaignId: input.campaignId,
    }], 'api', actor);
    const purchase = await tx.purchase.findUniqueOrThrow({ where: { sourceSystem_orderId: { sourceSystem: input.sourceSystem, orderId: input.orderId } }, include: { refunds: true } });
    return { created: row !== undefined, purchase: toPurchaseView(purchase) };
  });
}

export async function getPurchase(db: Db, id: string): Promise<PurchaseView> {
  const p = await db.purchase.findUnique({ where: { id }, include: { refunds: { orderBy: { occurredAt: 'asc' } } } });
  if (!p) throw new HttpProblem(404, 'Not Found', `purchase ${id} not found`);
  return toPurchaseView(p);
}

type RefundData = EventData<typeof purchaseRefunded>;

export async function refundPurchase(db: Db, id: string, input: { amount: string; reason: RefundData['reason']; occurredAt?: string | undefined }, actor: Actor): Promise<PurchaseView> {
  return db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id FROM purchase WHERE id = $1 FOR UPDATE', id);
    if (!locked) throw new HttpProblem(404, 'Not Found', `purchase ${id} not found`);
    const p = await tx.purchase.findUniqueOrThrow({ where: { id } });
    const check = checkRefund(p.amount.toString(), p.refundedAmount.toString(), input.amount);
    if (!check.ok) throw new HttpProblem(422, 'Refund not possible', check.message, { type: 'urn:crm:problem:refund-exceeds-purchase' });
    const refundId = newId('rfd');
    const occurredAt = input.occurredAt ? new Date(input.occurredAt) : new Date();
    await tx.refund.create({ data: { id: refundId, purchaseId: id, customerId: p.customerId, amount: input.amount, currency: p.currency, reason: input.reason, occurredAt } });
    await tx.$executeRawUnsafe('UPDATE purchase SET refunded_amount = refunded_amount + $2::numeric WHERE id = $1', id, input.amount);
    await publishers.purchaseRefunded(tx, {
      refundId, purchaseId: id, orderId: p.orderId, customerId: p.customerId, amount: formatMoney(input.amount), currency: p.currency,
      occurredAt: occurredAt.toISOString(), reason: input.reason, full: check.full,
    }, actor);
    return toPurchaseView(await tx.purchase.findUniqueOrThrow({ where: { id }, include: { refunds: { orderBy: { occurredAt: 'asc' } } } }));
  });
}
