import { describe, expect, it } from 'vitest';
import {
  churnRisk,
  DEFAULT_CHURN_THRESHOLDS,
  meaningfulValueChange,
  meanInterPurchaseDays,
  riskTransition,
  type RiskLevel,
  type ValueSnapshot,
} from '../../src/domain/churn.ts';

describe('churnRisk', () => {
  it.each([
    // pAlive, days since last purchase, mean inter-purchase days, level
    [0.95, 10, 30, 'low'],
    [0.95, 59, 30, 'low'], // ratio 1.97
    [0.95, 60, 30, 'medium'], // ratio 2
    [0.95, 90, 30, 'high'], // ratio 3
    [0.59, 10, 30, 'medium'],
    [0.6, 10, 30, 'low'],
    [0.29, 10, 30, 'high'],
    [0.3, 10, 30, 'medium'],
    [0, 0, 30, 'high'],
    [1, 0, null, 'low'], // one-time buyer, just bought
    [1, 179, null, 'low'], // fallback 90 days: ratio 1.99
    [1, 180, null, 'medium'],
    [1, 270, null, 'high'],
  ] as const)('pAlive %d, %d days, ipt %s -> %s', (pAlive, days, ipt, level) => {
    expect(churnRisk({ pAlive, daysSinceLastPurchase: days, meanInterPurchaseDays: ipt }).level).toBe(level);
  });

  it('reports the recency ratio and bounds tiny inter-purchase times at one day', () => {
    expect(churnRisk({ pAlive: 0.9, daysSinceLastPurchase: 15, meanInterPurchaseDays: 10 }).recencyRatio).toBe(1.5);
    expect(churnRisk({ pAlive: 0.9, daysSinceLastPurchase: 2, meanInterPurchaseDays: 0.25 }).recencyRatio).toBe(2);
    expect(churnRisk({ pAlive: 0.9, daysSinceLastPurchase: 45, meanInterPurchaseDays: 0 }).recencyRatio).toBe(0.5);
  });

  it('accepts configured thresholds', () => {
    const input = { pAlive: 0.5, daysSinceLastPurchase: 40, meanInterPurchaseDays: 20 };
    expect(churnRisk(input).level).toBe('medium');
    expect(churnRisk(input, { mediumPAlive: 0.4, mediumRecencyRatio: 2.5 }).level).toBe('low');
    expect(churnRisk(input, { highPAlive: 0.55, mediumPAlive: 0.7 }).level).toBe('high');
    expect(churnRisk({ ...input, meanInterPurchaseDays: null }, { fallbackInterPurchaseDays: 10, mediumPAlive: 0.4 }).level).toBe('high');
  });

  it('validates input and thresholds', () => {
    const ok = { pAlive: 0.5, daysSinceLastPurchase: 1, meanInterPurchaseDays: 10 };
    expect(() => churnRisk({ ...ok, pAlive: 1.2 })).toThrow(RangeError);
    expect(() => churnRisk({ ...ok, daysSinceLastPurchase: -1 })).toThrow(RangeError);
    expect(() => churnRisk(ok, { highPAlive: 0.8, mediumPAlive: 0.5 })).toThrow(RangeError);
    expect(() => churnRisk(ok, { highRecencyRatio: 1 })).toThrow(RangeError);
    expect(() => churnRisk(ok, { fallbackInterPurchaseDays: 0 })).toThrow(RangeError);
    expect(DEFAULT_CHURN_THRESHOLDS.highPAlive).toBe(0.3);
  });

  it('meanInterPurchaseDays is t_x / x', () => {
    expect(meanInterPurchaseDays(4, 100)).toBe(25);
    expect(meanInterPurchaseDays(0, 0)).toBeNull();
    expect(() => meanInterPurchaseDays(-1, 3)).toThrow(RangeError);
  });
});

describe('riskTransition', () => {
  it.each([
    [null, 'high', 'raised'],
    [undefined, 'high', 'raised'],
    ['low', 'high', 'raised'],
    ['medium', 'high', 'raised'],
    ['high', 'medium', 'cleared'],
    ['high', 'low', 'cleared'],
    ['high', 'high', null],
    ['low', 'medium', null],
    ['medium', 'low', null],
    ['low', 'low', null],
    [null, 'low', null],
    [null, 'medium', null],
  ] as const)('%s -> %s emits %s', (prev, next, expected) => {
    expect(riskTransition(prev as RiskLevel | null | undefined, next)).toBe(expected);
  });
});

describe('meaningfulValueChange', () => {
  const prev: ValueSnapshot = { predictedClv: 100, historicalClv: '250.00', abcClass: 'B', segment: 'loyal', riskLevel: 'low' };

  it('the first snapshot is always meaningful', () => {
    expect(meaningfulValueChange(null, prev)).toEqual({ changed: true, reasons: ['first'] });
  });
  it('ignores small CLV moves and identical snapshots', () => {
    expect(meaningfulValueChange(prev, { ...prev })).toEqual({ changed: false, reasons: [] });
    expect(meaningfulValueChange(prev, { ...prev, predictedClv: 104.9 }).changed).toBe(false);
    expect(meaningfulValueChange(prev, { ...prev, predictedClv: 95.1 }).changed).toBe(false);
    expect(meaningfulValueChange(prev, { ...prev, historicalClv: '262.00' }).changed).toBe(false);
  });
  it('reports CLV moves above 5%', () => {
    expect(meaningfulValueChange(prev, { ...prev, predictedClv: 105.5 }).reasons).toEqual(['predicted_clv']);
    expect(meaningfulValueChange(prev, { ...prev, predictedClv: 94 }).reasons).toEqual(['predicted_clv']);
    expect(meaningfulValueChange(prev, { ...prev, historicalClv: '263.00' }).reasons).toEqual(['historical_clv']);
  });
  it('needs a minimum absolute change so tiny values do not flap', () => {
    const tiny = { ...prev, predictedClv: 0.1 };
    expect(meaningfulValueChange(tiny, { ...tiny, predictedClv: 0.5 }).changed).toBe(false);
    expect(meaningfulValueChange(tiny, { ...tiny, predictedClv: 0.5 }, { minAbsoluteChange: 0.01 }).reasons).toEqual(['predicted_clv']);
    const zero = { ...prev, predictedClv: 0 };
    expect(meaningfulValueChange(zero, { ...zero, predictedClv: 2 }).reasons).toEqual(['predicted_clv']);
  });
  it('reports class, segment and risk changes', () => {
    expect(meaningfulValueChange(prev, { ...prev, abcClass: 'A' }).reasons).toEqual(['abc_class']);
    expect(meaningfulValueChange(prev, { ...prev, segment: 'at_risk' }).reasons).toEqual(['segment']);
    expect(meaningfulValueChange(prev, { ...prev, riskLevel: 'medium' }).reasons).toEqual(['risk_level']);
    expect(meaningfulValueChange(prev, { ...prev, abcClass: 'C', predictedClv: 10 }).reasons).toEqual(['predicted_clv', 'abc_class']);
  });
  it('accepts a custom relative threshold', () => {
    expect(meaningfulValueChange(prev, { ...prev, predictedClv: 103 }, { relativeChange: 0.02 }).changed).toBe(true);
  });
});
