import { describe, expect, it } from 'vitest';
import { expectedPurchases } from '../../src/domain/bgnbd.ts';
import { abcClasses, historicalClv, predictedClv, toMoneyString } from '../../src/domain/clv.ts';
import { expectedAverageSpend } from '../../src/domain/gamma-gamma.ts';

const BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GG = { p: 6.25, q: 3.74, gamma: 15.44 };
const customer = { x: 2, tx: 30.43, T: 38.86, monetaryValue: 22.35 };
const month = 52 / 12;

describe('predictedClv', () => {
  it('without discounting is expected transactions x expected spend x margin', () => {
    const r = predictedClv(BG, GG, customer, { horizonPeriods: 12, periodLength: month, discountRate: 0, margin: 0.3 });
    const e = expectedPurchases(BG, customer, 52);
    const spend = expectedAverageSpend(GG, customer);
    expect(r.expectedTransactions).toBeCloseTo(e, 10);
    expect(r.expectedSpend).toBeCloseTo(spend, 12);
    expect(r.clv).toBeCloseTo(e * spend * 0.3, 8);
  });

  it('discounts each period at its end: sum_k dE_k * spend / (1+d)^k', () => {
    const d = 0.01;
    const r = predictedClv(BG, GG, customer, { horizonPeriods: 3, periodLength: month, discountRate: d });
    const e1 = expectedPurchases(BG, customer, month);
    const e2 = expectedPurchases(BG, customer, 2 * month);
    const e3 = expectedPurchases(BG, customer, 3 * month);
    const spend = expectedAverageSpend(GG, customer);
    expect(r.clv).toBeCloseTo(spend * (e1 / (1 + d) + (e2 - e1) / (1 + d) ** 2 + (e3 - e2) / (1 + d) ** 3), 10);
  });

  it('decreases with the discount rate and grows with the horizon and margin', () => {
    const at = (o: Partial<{ horizonPeriods: number; discountRate: number; margin: number }>) =>
      predictedClv(BG, GG, customer, { horizonPeriods: 12, periodLength: month, discountRate: 0.01, ...o }).clv;
    expect(at({ discountRate: 0.05 })).toBeLessThan(at({ discountRate: 0.01 }));
    expect(at({ discountRate: 0.01 })).toBeLessThan(at({ discountRate: 0 }));
    expect(at({ horizonPeriods: 24 })).toBeGreaterThan(at({ horizonPeriods: 12 }));
    expect(at({ margin: 0.5 })).toBeCloseTo(at({}) / 2, 10);
    expect(at({ horizonPeriods: 0 })).toBe(0);
  });

  it('values a customer who has not bought for a long time less', () => {
    const opts = { horizonPeriods: 12, periodLength: month, discountRate: 0.01 };
    const recent = predictedClv(BG, GG, { x: 4, tx: 38, T: 38.86, monetaryValue: 30 }, opts).clv;
    const lapsed = predictedClv(BG, GG, { x: 4, tx: 8, T: 38.86, monetaryValue: 30 }, opts).clv;
    expect(lapsed).toBeLessThan(recent / 2);
  });

  it('rejects invalid options', () => {
    const base = { horizonPeriods: 12, periodLength: month, discountRate: 0.01 };
    expect(() => predictedClv(BG, GG, customer, { ...base, horizonPeriods: 1.5 })).toThrow(RangeError);
    expect(() => predictedClv(BG, GG, customer, { ...base, periodLength: 0 })).toThrow(RangeError);
    expect(() => predictedClv(BG, GG, customer, { ...base, discountRate: -0.1 })).toThrow(RangeError);
    expect(() => predictedClv(BG, GG, customer, { ...base, margin: 1.5 })).toThrow(RangeError);
  });
});

describe('historicalClv', () => {
  it('is purchases minus refunds, exact', () => {
    expect(historicalClv([])).toBe('0.00');
    expect(historicalClv([{ kind: 'purchase', amount: '0.10' }, { kind: 'purchase', amount: '0.20' }])).toBe('0.30');
    expect(historicalClv([{ kind: 'purchase', amount: '100.00' }, { kind: 'refund', amount: '25.50' }, { kind: 'purchase', amount: '9.99' }])).toBe('84.49');
    expect(historicalClv([{ kind: 'purchase', amount: '10' }, { kind: 'refund', amount: '12.5' }])).toBe('-2.50');
  });
  it('honours the currency scale (half-even)', () => {
    expect(historicalClv([{ kind: 'purchase', amount: '1000' }], 0)).toBe('1000');
    expect(historicalClv([{ kind: 'purchase', amount: '1.2345' }], 3)).toBe('1.234');
    expect(historicalClv([{ kind: 'purchase', amount: '1.2355' }], 3)).toBe('1.236');
  });
  it('rejects negative or malformed amounts', () => {
    expect(() => historicalClv([{ kind: 'refund', amount: '-1' }])).toThrow(RangeError);
    expect(() => historicalClv([{ kind: 'purchase', amount: 'x' }])).toThrow();
  });
  it('toMoneyString formats model figures', () => {
    expect(toMoneyString(12.345678)).toBe('12.35');
    expect(toMoneyString(0)).toBe('0.00');
    expect(toMoneyString(2.5, 0)).toBe('2');
    expect(() => toMoneyString(Number.NaN)).toThrow(RangeError);
  });
});

describe('abcClasses', () => {
  it('A makes the top 80% of value, B the next 15%, C the rest', () => {
    // Shares: 50, 25, 10, 6, 4, 3, 2 (%).
    const values = [['a', 50], ['b', 25], ['c', 10], ['d', 6], ['e', 4], ['f', 3], ['g', 2]] as const;
    const r = abcClasses(values.map(([customerId, value]) => ({ customerId, value })));
    // Above a: 0 (A); b: 50 (A); c: 75 (A, crosses 80); d: 85 (B); e: 91 (B); f: 95 (C); g: 98 (C).
    expect(Object.fromEntries(r)).toEqual({ a: 'A', b: 'A', c: 'A', d: 'B', e: 'B', f: 'C', g: 'C' });
  });

  it('gives equal values the same class whatever the input order', () => {
    const values = [
      { customerId: 'x', value: '40' },
      { customerId: 'y', value: '40' },
      { customerId: 'z', value: '10' },
      { customerId: 'w', value: '10' },
    ];
    const one = abcClasses(values);
    const two = abcClasses([...values].reverse());
    expect(Object.fromEntries(one)).toEqual(Object.fromEntries(two));
    // Above x and y: 0 -> A. Above z and w: 80% -> not < 80% -> B.
    expect(Object.fromEntries(one)).toEqual({ x: 'A', y: 'A', z: 'B', w: 'B' });
  });

  it('puts zero and negative values in C, and everybody in C without positive value', () => {
    const r = abcClasses([{ customerId: 'p', value: 10 }, { customerId: 'zero', value: 0 }, { customerId: 'neg', value: '-5.00' }]);
    expect(Object.fromEntries(r)).toEqual({ p: 'A', zero: 'C', neg: 'C' });
    expect(Object.fromEntries(abcClasses([{ customerId: 'a', value: 0 }]))).toEqual({ a: 'C' });
    expect(abcClasses([]).size).toBe(0);
  });

  it('follows a Pareto-like base: few A customers hold most value', () => {
    const values = Array.from({ length: 1000 }, (_, i) => ({ customerId: `c${String(i).padStart(4, '0')}`, value: 1000 / (i + 1) ** 1.2 }));
    const r = abcClasses(values);
    const count = (k: string) => [...r.values()].filter((v) => v === k).length;
    expect(count('A') + count('B') + count('C')).toBe(1000);
    expect(count('A')).toBeLessThan(count('C'));
    expect(r.get('c0000')).toBe('A');
    expect(r.get('c0999')).toBe('C');
  });

  it('accepts custom shares and validates them', () => {
    const values = [{ customerId: 'a', value: 60 }, { customerId: 'b', value: 30 }, { customerId: 'c', value: 10 }];
    expect(Object.fromEntries(abcClasses(values, { aShare: 0.5, bShare: 0.7 }))).toEqual({ a: 'A', b: 'B', c: 'C' });
    expect(() => abcClasses(values, { aShare: 0.9, bShare: 0.8 })).toThrow(RangeError);
  });
});
