/**
 * Churn risk levels and the change rules that decide which events analytics emits. Pure, no I/O.
 *
 * Risk combines two signals:
 * - P(alive) from BG/NBD;
 * - the recency ratio: days since the last purchase divided by the customer's own mean inter-purchase
 *   time (t_x / x, in days). A customer without repeat purchases has no inter-purchase time; BG/NBD also
 *   gives them P(alive) = 1 by construction, so their ratio uses `fallbackInterPurchaseDays` instead.
 *
 * level = high   if pAlive < highPAlive   or ratio >= highRecencyRatio
 *         medium if pAlive < mediumPAlive or ratio >= mediumRecencyRatio
 *         low    otherwise
 */

export type RiskLevel = 'low' | 'medium' | 'high';

export interface ChurnThresholds {
  /** P(alive) below this is high risk (default 0.3). */
  highPAlive: number;
  /** P(alive) below this is at least medium risk (default 0.6). */
  mediumPAlive: number;
  /** Recency ratio at or above this is high risk (default 3). */
  highRecencyRatio: number;
  /** Recency ratio at or above this is at least medium risk (default 2). */
  mediumRecencyRatio: number;
  /** Inter-purchase time (days) used for customers with no repeat purchase (default 90). */
  fallbackInterPurchaseDays: number;
}

export const DEFAULT_CHURN_THRESHOLDS: Readonly<ChurnThresholds> = Object.freeze({
  highPAlive: 0.3,
  mediumPAlive: 0.6,
  highRecencyRatio: 3,
  mediumRecencyRatio: 2,
  fallbackInterPurchaseDays: 90,
});

export interface ChurnInput {
  /** BG/NBD probability alive, 0..1. */
  pAlive: number;
  /** Days from the last purchase to now (>= 0). */
  daysSinceLastPurchase: number;
  /** Mean days between purchases (t_x / x in days), or null when there is no repeat purchase. */
  meanInterPurchaseDays: number | null;
}

export interface ChurnAssessment {
  level: RiskLevel;
  recencyRatio: number;
}

/** Mean inter-purchase time in days from x repeat purchases spread over t_x days; null when x = 0. */
export function meanInterPurchaseDays(x: number, txDays: number): number | null {
  if (!(Number.isInteger(x) && x >= 0) || !(txDays >= 0)) throw new RangeError(`invalid x=${x} t_x=${txDays}`);
  return x > 0 ? txDays / x : null;
}

export function churnRisk(input: ChurnInput, overrides: Partial<ChurnThresholds> = {}): ChurnAssessment {
  const th = { ...DEFAULT_CHURN_THRESHOLDS, ...overrides };
  if (!(th.highPAlive <= th.mediumPAlive)) throw new RangeError('highPAlive must be <= mediumPAlive');
  if (!(th.mediumRecencyRatio <= th.highRecencyRatio)) throw new RangeError('mediumRecencyRatio must be <= highRecencyRatio');
  if (!(th.fallbackInterPurchaseDays > 0)) throw new RangeError('fallbackInterPurchaseDays must be > 0');
  const { pAlive, daysSinceLastPurchase } = input;
  if (!(pAlive >= 0 && pAlive <= 1)) throw new RangeError(`pAlive must be in [0, 1], got ${pAlive}`);
  if (!(daysSinceLastPurchase >= 0)) throw new RangeError(`daysSinceLastPurchase must be >= 0, got ${daysSinceLastPurchase}`);
  // Missing (no repeat purchase) or zero inter-purchase time falls back to the configured one; with
  // one purchase per day the real minimum is one day, which also bounds the ratio.
  const ipt = input.meanInterPurchaseDays && input.meanInterPurchaseDays > 0
    ? Math.max(1, input.meanInterPurchaseDays)
    : th.fallbackInterPurchaseDays;
  const recencyRatio = daysSinceLastPurchase / ipt;
  const level: RiskLevel =
    pAlive < th.highPAlive || recencyRatio >= th.highRecencyRatio
      ? 'high'
      : pAlive < th.mediumPAlive || recencyRatio >= th.mediumRecencyRatio
        ? 'medium'
        : 'low';
  return { level, recencyRatio };
}

export type RiskTransition = 'raised' | 'cleared' | null;

/**
 * Which churn-risk event a level change must emit: 'raised' when entering high (from anything else,
 * including no previous assessment), 'cleared' when leaving high, null otherwise (low <-> medium
 * moves and unchanged levels emit nothing).
 */
export function riskTransition(prev: RiskLevel | null | undefined, next: RiskLevel): RiskTransition {
  const wasHigh = prev === 'high';
  const isHigh = next === 'high';
  if (!wasHigh && isHigh) return 'raised';
  if (wasHigh && !isHigh) return 'cleared';
  return null;
}

export interface ValueSnapshot {
  /** Predicted CLV (model currency units). */
  predictedClv: number;
  /** Historical CLV, decimal string. */
  historicalClv: string;
  abcClass: 'A' | 'B' | 'C';
  segment: string;
  riskLevel: RiskLevel;
}

export interface ValueChangeOptions {
  /** Relative change of predicted or historical CLV that counts (default 0.05 = 5%). */
  relativeChange: number;
  /** ... but only if the absolute change is at least this (default 1 currency unit). */
  minAbsoluteChange: number;
}

export const DEFAULT_VALUE_CHANGE: Readonly<ValueChangeOptions> = Object.freeze({ relativeChange: 0.05, minAbsoluteChange: 1 });

export interface ValueChange {
  changed: boolean;
  reasons: ('first' | 'predicted_clv' | 'historical_clv' | 'abc_class' | 'segment' | 'risk_level')[];
}

function materially(prev: number, next: number, o: ValueChangeOptions): boolean {
  const delta = Math.abs(next - prev);
  if (delta < o.minAbsoluteChange) return false;
  if (prev === 0) return true;
  return delta > o.relativeChange * Math.abs(prev);
}

/**
 * Whether a "customer value updated" event is warranted: the first snapshot, a change of predicted or
 * historical CLV by more than relativeChange (and at least minAbsoluteChange), or any change of ABC
 * class, RFM segment or risk level.
 */
export function meaningfulValueChange(
  prev: ValueSnapshot | null | undefined,
  next: ValueSnapshot,
  overrides: Partial<ValueChangeOptions> = {},
): ValueChange {
  const o = { ...DEFAULT_VALUE_CHANGE, ...overrides };
  if (!prev) return { changed: true, reasons: ['first'] };
  const reasons: ValueChange['reasons'] = [];
  if (materially(prev.predictedClv, next.predictedClv, o)) reasons.push('predicted_clv');
  if (materially(Number(prev.historicalClv), Number(next.historicalClv), o)) reasons.push('historical_clv');
  if (prev.abcClass !== next.abcClass) reasons.push('abc_class');
  if (prev.segment !== next.segment) reasons.push('segment');
  if (prev.riskLevel !== next.riskLevel) reasons.push('risk_level');
  return { changed: reasons.length > 0, reasons };
}
