// One row of a purchase import (CSV or NDJSON) → a validated purchase, or the reasons it is rejected.
import { code, externalRef, purchaseChannels, type EventData, type purchaseRecorded } from '@crm/contracts';
import { parseIsoTime } from './dates.ts';
import { isCurrency, parseAmount } from './money.ts';

export type PurchaseChannel = EventData<typeof purchaseRecorded>['channel'];

export interface ImportedPurchase {
  orderId: string;
  sourceSystem: string;
  customerExternalId: string;
  amount: string;
  currency: string;
  occurredAt: Date;
  channel: PurchaseChannel;
}

export type RowCheck = { ok: true; value: ImportedPurchase } | { ok: false; message: string };

const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  const s = (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '').trim();
  return s === '' ? undefined : s;
};

/**
 * Standard columns: order_id, customer_external_id, occurred_at, amount, currency; optional channel
 * (default 'other') and source_system (default 'import'). NDJSON rows may use the camelCase names too.
 */
export function parsePurchaseRow(record: Record<string, unknown>, defaults: { sourceSystem?: string } = {}): RowCheck {
  const pick = (snake: string, camel: string) => text(record[snake] ?? record[camel]);
  const problems: string[] = [];

  const orderId = pick('order_id', 'orderId');
  if (!orderId) problems.push('order_id is missing');
  else if (!externalRef.safeParse(orderId).success) problems.push(`order_id is not an id-like reference: ${orderId}`);

  const customerExternalId = pick('customer_external_id', 'customerExternalId');
  if (!customerExternalId) problems.push('customer_external_id is missing');
  else if (customerExternalId.length > 128) problems.push('customer_external_id is longer than 128 characters');

  const sourceSystem = pick('source_system', 'sourceSystem') ?? defaults.sourceSystem ?? 'import';
  if (!code.safeParse(sourceSystem).success) problems.push(`source_system is not a lowercase code: ${sourceSystem}`);

  const when = parseIsoTime(pick('occurred_at', 'occurredAt'));
  if (!when.ok) problems.push(when.message);

  const amount = parseAmount(pick('amount', 'amount'));
  if (!amount.ok) problems.push(amount.message);

  const currency = pick('currency', 'currency');
  if (!currency) problems.push('currency is missing');
  else if (!isCurrency(currency)) problems.push(`currency is not an ISO 4217 code: ${currency}`);

  const channel = pick('channel', 'channel') ?? 'other';
  if (!(purchaseChannels as readonly string[]).includes(channel)) problems.push(`channel is unknown: ${channel} (one of ${purchaseChannels.join(', ')})`);

  if (problems.length > 0 || !when.ok || !amount.ok) return { ok: false, message: problems.join('; ') };
  return {
    ok: true,
    value: {
      orderId: orderId!,
      sourceSystem,
      customerExternalId: customerExternalId!,
      amount: amount.value,
      currency: currency!,
      occurredAt: when.value,
      channel: channel as PurchaseChannel,
    },
  };
}
