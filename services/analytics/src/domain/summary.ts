/**
 * Customer-base summary (the "RFM summary" of the BG/NBD and Gamma-Gamma literature). Pure, no I/O.
 *
 * Conventions (those of Fader, Hardie & Lee 2005 and the CDNOW summary file they published):
 * - Purchases are aggregated to ONE purchase per customer per calendar day. The day of a timestamp is
 *   its calendar date at `utcOffsetMinutes` from UTC (default 0, i.e. the UTC date); an ISO date
 *   `YYYY-MM-DD` is that day. Every purchase row counts as a purchase day, whatever its amount
 *   (CDNOW has a few 0.00 rows; they count).
 * - `calibrationEnd` is the LAST day of the calibration period and is INCLUSIVE: purchases on that day
 *   belong to the calibration period. For CDNOW's 39-week calibration (1997-01-01 .. 1997-09-30,
 *   273 days) calibrationEnd = '1997-09-30'.
 * - Day differences are whole calendar days between the dates:
 *     x   = number of distinct purchase days in the calibration period minus one (repeat purchase days)
 *     t_x = (last purchase day - first purchase day) / unit
 *     T   = (calibrationEnd - first purchase day) / unit
 *   with unit = 7 days for 'week' and 1 for 'day'. So a customer whose first purchase is on
 *   1997-01-01 has T = 272 / 7 = 38.857 weeks (the summary file prints 38.86), and a purchase on
 *   calibrationEnd gives t_x = T.
 * - Customers whose first purchase is after calibrationEnd are excluded. Purchases after
 *   calibrationEnd are ignored.
 * - Monetary value (for Gamma-Gamma): the mean of the per-day totals of the REPEAT days, i.e. all
 *   purchase days except the first; 0 when x = 0. Amounts are summed exactly with decimal.js.
 */
import { Decimal } from 'decimal.js';

export type TimeUnit = 'week' | 'day';

export interface Transaction {
  customerId: string;
  /** A Date, an ISO timestamp, or an ISO date `YYYY-MM-DD`. */
  occurredAt: Date | string;
  /** Decimal string, e.g. "12.50". */
  amount: string;
}

export interface SummaryOptions {
  /** Last day of the calibration period, inclusive: `YYYY-MM-DD` or a Date (its day is used). */
  calibrationEnd: string | Date;
  timeUnit?: TimeUnit;
  /** Offset from UTC, in minutes, of the business calendar used to assign timestamps to days. */
  utcOffsetMinutes?: number;
}

export interface CustomerSummary {
  customerId: string;
  /** Frequency: number of repeat purchase days in the calibration period. */
  x: number;
  /** Recency: last purchase day minus first purchase day, in time units. */
  tx: number;
  /** Age: calibration end minus first purchase day, in time units. */
  T: number;
  /** Mean of the per-day totals of the repeat days (0 when x = 0), as a number for the models. */
  monetaryValue: number;
  /** Same as monetaryValue, exact, as a decimal string (empty repeat set gives "0"). */
  monetaryValueDecimal: string;
  /** Sum of all calibration-period amounts, as a decimal string. */
  totalAmount: string;
  firstPurchaseDate: string;
  lastPurchaseDate: string;
}

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Days since 1970-01-01 of the calendar day holding `value`, at the given UTC offset. */
export function dayNumber(value: Date | string, utcOffsetMinutes = 0): number {
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new RangeError(`invalid date ${value}`);
    return Math.round(ms / MS_PER_DAY);
  }
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`invalid timestamp ${String(value)}`);
  return Math.floor((ms + utcOffsetMinutes * 60_000) / MS_PER_DAY);
}

/** `YYYY-MM-DD` of a day number. */
export function dayToIsoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function unitDays(unit: TimeUnit): number {
  return unit === 'week' ? 7 : 1;
}

interface Accumulator {
  days: Map<number, Decimal>;
  total: Decimal;
}

/**
 * Per-customer (x, t_x, T, mean repeat value) as of `calibrationEnd`. Output sorted by customerId
 * (code-unit order) so it is deterministic whatever the input order.
 */
export function summarizeCustomers(transactions: Iterable<Transaction>, options: SummaryOptions): CustomerSummary[] {
  const unit = unitDays(options.timeUnit ?? 'week');
  const offset = options.utcOffsetMinutes ?? 0;
  const endDay = dayNumber(options.calibrationEnd, offset);
  const byCustomer = new Map<string, Accumulator>();
  for (const t of transactions) {
    const day = dayNumber(t.occurredAt, offset);
    const amount = new Decimal(t.amount); // validated even when the row is past the calibration end
    if (day > endDay) continue;
    let acc = byCustomer.get(t.customerId);
    if (!acc) {
      acc = { days: new Map(), total: new Decimal(0) };
      byCustomer.set(t.customerId, acc);
    }
    acc.days.set(day, (acc.days.get(day) ?? new Decimal(0)).plus(amount));
    acc.total = acc.total.plus(amount);
  }
  const ids = [...byCustomer.keys()].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  return ids.map((customerId) => {
    const acc = byCustomer.get(customerId)!;
    const days = [...acc.days.keys()].sort((p, q) => p - q);
    const first = days[0]!;
    const last = days[days.length - 1]!;
    const x = days.length - 1;
    let repeatTotal = new Decimal(0);
    for (const d of days.slice(1)) repeatTotal = repeatTotal.plus(acc.days.get(d)!);
    const mean = x > 0 ? repeatTotal.dividedBy(x) : new Decimal(0);
    return {
      customerId,
      x,
      tx: (last - first) / unit,
      T: (endDay - first) / unit,
      monetaryValue: mean.toNumber(),
      monetaryValueDecimal: mean.toString(),
      totalAmount: acc.total.toString(),
      firstPurchaseDate: dayToIsoDate(first),
      lastPurchaseDate: dayToIsoDate(last),
    };
  });
}
