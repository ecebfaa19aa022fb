// Money is exact: decimal strings in, decimal.js to compute, NUMERIC(18,4) in the database. Never a float.
import { Decimal } from 'decimal.js';

type DecimalValue = string | number | Decimal;

/** At most 14 integer digits and 4 decimals: what NUMERIC(18,4) holds. */
const MONEY = /^(0|[1-9]\d{0,13})(\.\d{1,4})?$/;

const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** ISO 4217 code known to the runtime (EUR, USD, CNY …); `XYZ` or `eur` are not. */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN_CURRENCIES.has(code);
}

export type AmountCheck = { ok: true; value: string } | { ok: false; message: string };

/** Validates an amount given as text: non-negative, at most 4 decimals, fits NUMERIC(18,4). */
export function parseAmount(raw: string | undefined | null): AmountCheck {
  const text = (raw ?? '').trim();
  if (text === '') return { ok: false, message: 'amount is missing' };
  if (/^-/.test(text)) return { ok: false, message: `amount must not be negative: ${text}` };
  if (!MONEY.test(text)) return { ok: false, message: `amount is not a decimal like 12.50: ${text}` };
  return { ok: true, value: formatMoney(text) };
}

/** Canonical text of an amount: at least 2 decimals, at most 4, no trailing zeros beyond 2 ("12.5000" → "12.50"). */
export function formatMoney(value: DecimalValue | { toString(): string }): string {
  const fixed = new Decimal(typeof value === 'object' && !(value instanceof Decimal) ? value.toString() : value).toFixed(4);
  let out = fixed;
  while (out.endsWith('0') && out.length - out.indexOf('.') > 3) out = out.slice(0, -1);
  return out;
}

export type RefundCheck = { ok: true; remaining: string; full: boolean } | { ok: false; message: string };

/** A refund must be positive and at most what is left of the purchase after earlier refunds. */
export function checkRefund(purchaseAmount: DecimalValue, refundedSoFar: DecimalValue, refund: DecimalValue): RefundCheck {
  const amount = new Decimal(purchaseAmount);
  const already = new Decimal(refundedSoFar);
  const wanted = new Decimal(refund);
  if (wanted.lte(0)) return { ok: false, message: 'a refund must be greater than zero' };
  const left = amount.minus(already);
  if (wanted.gt(left)) return { ok: false, message: `refund ${formatMoney(wanted)} exceeds the remaining amount ${formatMoney(left)}` };
  const remaining = left.minus(wanted);
  return { ok: true, remaining: formatMoney(remaining), full: remaining.isZero() };
}
