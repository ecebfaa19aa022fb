/**
 * Customer lifetime value: predicted (BG/NBD x Gamma-Gamma), historical (net revenue to date) and the
 * ABC classes of a customer base. Pure, no I/O.
 *
 * Predicted CLV uses DISCOUNTED EXPECTED TRANSACTIONS over discrete periods (the formulation of the
 * lifetimes library's customer_lifetime_value), not DERT (discounted expected residual transactions of
 * Fader, Hardie & Lee 2005, which discounts continuously over an infinite horizon):
 *
 *   CLV = sum_{k=1..H} ( E[Y(kL) | x, t_x, T] - E[Y((k-1)L) | x, t_x, T] ) * E[Z | x, m_x] * margin / (1 + d)^k
 *
 * with L the period length in model time units (e.g. 52/12 weeks for months), H the number of periods,
 * d the discount rate per period, E[Y] from BG/NBD (eq. 10) and E[Z] from Gamma-Gamma. Each period's
 * transactions are discounted at the END of the period.
 */
import { Decimal } from 'decimal.js';
import { expectedPurchasesIncrements, type BgNbdParams, type RfCustomer } from './bgnbd.ts';
import { expectedAverageSpend, type GammaGammaParams } from './gamma-gamma.ts';

export interface PredictedClvOptions {
  /** Number of periods H (e.g. 12 monthly periods). Integer >= 0. */
  horizonPeriods: number;
  /** Length of one period in the models' time unit (e.g. 52 / 12 weeks = one month). */
  periodLength: number;
  /** Discount rate per period d (e.g. 0.01 a month). >= 0. */
  discountRate: number;
  /** Profit margin applied to revenue, 0..1 (default 1 = revenue). */
  margin?: number;
}

export interface PredictedClv {
  /** Discounted expected value over the horizon. */
  clv: number;
  /** Undiscounted expected number of transactions over the horizon. */
  expectedTransactions: number;
  /** Conditional expected value of one transaction (Gamma-Gamma). */
  expectedSpend: number;
}

export interface ClvCustomer extends RfCustomer {
  /** Mean repeat-transaction value m_x (0 when x = 0). */
  monetaryValue: number;
}

export function predictedClv(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customer: ClvCustomer,
  options: PredictedClvOptions,
): PredictedClv {
  const { horizonPeriods: h, periodLength, discountRate: d } = options;
  const margin = options.margin ?? 1;
  if (!(Number.isInteger(h) && h >= 0)) throw new RangeError(`horizonPeriods must be a non-negative integer, got ${h}`);
  if (!(periodLength > 0)) throw new RangeError(`periodLength must be > 0, got ${periodLength}`);
  if (!(d >= 0)) throw new RangeError(`discountRate must be >= 0, got ${d}`);
  if (!(margin >= 0 && margin <= 1)) throw new RangeError(`margin must be in [0, 1], got ${margin}`);
  const expectedSpend = expectedAverageSpend(gammaGamma, { x: customer.x, monetaryValue: customer.monetaryValue });
  const increments = expectedPurchasesIncrements(bgnbd, customer, periodLength, h);
  let clv = 0;
  let expectedTransactions = 0;
  increments.forEach((inc, i) => {
    expectedTransactions += inc;
    clv += (inc * expectedSpend * margin) / Math.pow(1 + d, i + 1);
  });
  return { clv, expectedTransactions, expectedSpend };
}

export interface RevenueEntry {
  kind: 'purchase' | 'refund';
  /** Decimal string, positive for both kinds (a refund of "5.00" subtracts 5). */
  amount: string;
}

/**
 * Historical CLV: net revenue to date = sum(purchases) - sum(refunds), exact, as a decimal string with
 * `scale` decimals (default 2, half-even rounding of the exact sum). May be negative.
 */
export function historicalClv(entries: Iterable<RevenueEntry>, scale = 2): string {
  let total = new Decimal(0);
  for (const e of entries) {
    const amount = new Decimal(e.amount);
    if (amount.isNegative()) throw new RangeError(`amounts must be non-negative, got ${e.amount}`);
    total = e.kind === 'purchase' ? total.plus(amount) : total.minus(amount);
  }
  return total.toDecimalPlaces(scale, Decimal.ROUND_HALF_EVEN).toFixed(scale);
}

/** A model figure (float) as a money string with `scale` decimals. */
export function toMoneyString(value: number, scale = 2): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  return new Decimal(value).toDecimalPlaces(scale, Decimal.ROUND_HALF_EVEN).toFixed(scale);
}

export type AbcClass = 'A' | 'B' | 'C';

export interface AbcOptions {
  /** Cumulative share of value held by class A (default 0.8). */
  aShare?: number;
  /** Cumulative share of value held by classes A and B together (default 0.95). */
  bShare?: number;
}

/**
 * ABC classes by Pareto share of value. Customers are ranked by value, highest first; walking down the
 * ranking, a customer is A while the share of total value held by the customers ranked ABOVE it is below
 * aShare (so A = the customers who make up the top 80%, including the one crossing 80%), B while that
 * share is below bShare, C afterwards.
 * Ties: customers with equal value always get the same class (decided by the share held above the whole
 * tie group), so the result does not depend on input order. Customers with value <= 0 are C, and if the
 * total positive value is 0 everybody is C. Values are compared and summed exactly (decimal.js).
 */
export function abcClasses(
  customers: readonly { customerId: string; value: number | string }[],
  options: AbcOptions = {},
): Map<string, AbcClass> {
  const aShare = options.aShare ?? 0.8;
  const bShare = options.bShare ?? 0.95;
  if (!(aShare > 0 && aShare <= bShare && bShare <= 1)) throw new RangeError('need 0 < aShare <= bShare <= 1');
  const out = new Map<string, AbcClass>();
  const positive: { customerId: string; value: Decimal }[] = [];
  let total = new Decimal(0);
  for (const c of customers) {
    const value = new Decimal(c.value);
    if (value.isPositive() && !value.isZero()) {
      positive.push({ customerId: c.customerId, value });
      total = total.plus(value);
    } else {
      out.set(c.customerId, 'C');
    }
  }
  positive.sort((u, v) => v.value.comparedTo(u.value) || (u.customerId < v.customerId ? -1 : u.customerId > v.customerId ? 1 : 0));
  let above = new Decimal(0);
  let i = 0;
  while (i < positive.length) {
    let j = i;
    let group = new Decimal(0);
    while (j < positive.length && positive[j]!.value.equals(positive[i]!.value)) {
      group = group.plus(positive[j]!.value);
      j++;
    }
    const share = above.dividedBy(total);
    const cls: AbcClass = share.lessThan(aShare) ? 'A' : share.lessThan(bShare) ? 'B' : 'C';
    for (let k = i; k < j; k++) out.set(positive[k]!.customerId, cls);
    above = above.plus(group);
    i = j;
  }
  return out;
}
