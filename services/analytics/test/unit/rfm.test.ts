import { describe, expect, it } from 'vitest';
import { quintileScores, RFM_SEGMENT_GRID, rfmScores, rfmSegment, type RfmSegment } from '../../src/domain/rfm.ts';

describe('quintileScores', () => {
  it('splits distinct values into five equal groups', () => {
    expect(quintileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(quintileScores([50, 40, 30, 20, 10])).toEqual([5, 4, 3, 2, 1]);
  });
  it('gives ties the score of their lowest rank', () => {
    // 6 of 10 share the lowest value: all score 1; the next starts at rank 6 -> 4.
    expect(quintileScores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    expect(quintileScores([7, 7, 7])).toEqual([1, 1, 1]);
  });
  it('does not depend on input order', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9];
    const scores = quintileScores(values);
    const perm = values.map((v, i) => ({ v, i })).reverse();
    const permScores = quintileScores(perm.map((p) => p.v));
    perm.forEach((p, k) => expect(permScores[k]).toBe(scores[p.i]));
    // Equal values, equal scores.
    values.forEach((v, i) => values.forEach((w, j) => v === w && expect(scores[i]).toBe(scores[j])));
  });
  it('handles edge cases', () => {
    expect(quintileScores([])).toEqual([]);
    expect(quintileScores([42])).toEqual([1]);
    expect(quintileScores([1, 2])).toEqual([1, 3]);
    expect(() => quintileScores([1, Number.NaN])).toThrow(RangeError);
  });
  it('is monotone: a larger value never scores lower', () => {
    const values = Array.from({ length: 137 }, (_, i) => (i * 7919) % 101);
    const scores = quintileScores(values);
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        if (values[i]! > values[j]!) expect(scores[i]!).toBeGreaterThanOrEqual(scores[j]!);
      }
    }
  });
});

describe('rfmSegment', () => {
  it.each([
    [5, 5, 'champions'],
    [5, 4, 'champions'],
    [4, 5, 'loyal'],
    [3, 4, 'loyal'],
    [5, 2, 'potential_loyalist'],
    [4, 3, 'potential_loyalist'],
    [5, 1, 'new_customer'],
    [4, 1, 'promising'],
    [3, 3, 'need_attention'],
    [3, 1, 'about_to_sleep'],
    [3, 2, 'about_to_sleep'],
    [2, 3, 'at_risk'],
    [1, 4, 'at_risk'],
    [1, 5, 'cannot_lose'],
    [2, 5, 'cannot_lose'],
    [2, 2, 'hibernating'],
    [1, 2, 'hibernating'],
    [2, 1, 'hibernating'],
    [1, 1, 'lost'],
  ] as const)('R=%i F=%i -> %s', (r, f, segment) => {
    expect(rfmSegment(r, f)).toBe(segment);
  });
  it('covers the whole grid with all eleven segments', () => {
    const seen = new Set<RfmSegment>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) seen.add(rfmSegment(r, f));
    expect(seen.size).toBe(11);
    expect(RFM_SEGMENT_GRID).toHaveLength(5);
  });
  it('rejects scores outside 1..5', () => {
    expect(() => rfmSegment(0, 3)).toThrow(RangeError);
    expect(() => rfmSegment(3, 6)).toThrow(RangeError);
    expect(() => rfmSegment(2.5, 3)).toThrow(RangeError);
  });
});

describe('rfmScores', () => {
  const base = Array.from({ length: 10 }, (_, i) => ({
    customerId: `c${i}`,
    recencyDays: i * 10, // c0 bought most recently
    frequency: 10 - i, // c0 buys most often
    monetary: String((i + 1) * 10), // c9 spent most
  }));

  it('scores recency inversely (more recent = higher) and F, M directly', () => {
    const s = rfmScores(base);
    expect(s[0]).toMatchObject({ customerId: 'c0', r: 5, f: 5, m: 1, code: '551', segment: 'champions' });
    expect(s[9]).toMatchObject({ customerId: 'c9', r: 1, f: 1, m: 5, code: '115', segment: 'lost' });
    expect(s[4]).toMatchObject({ r: 3, f: 3, segment: 'need_attention' });
  });

  it('reads monetary values from decimal strings and numbers alike', () => {
    const s = rfmScores([
      { customerId: 'a', recencyDays: 1, frequency: 1, monetary: '10.50' },
      { customerId: 'b', recencyDays: 1, frequency: 1, monetary: 10.5 },
      { customerId: 'c', recencyDays: 1, frequency: 1, monetary: '99.99' },
    ]);
    expect(s.map((x) => x.m)).toEqual([1, 1, 4]);
    expect(s.map((x) => x.r)).toEqual([1, 1, 1]);
  });

  it('a recent one-time buyer in a base of repeat buyers is a new customer', () => {
    const customers = [
      { customerId: 'new', recencyDays: 1, frequency: 1, monetary: 20 },
      ...Array.from({ length: 9 }, (_, i) => ({ customerId: `r${i}`, recencyDays: 30 + i * 20, frequency: 3 + i, monetary: 100 })),
    ];
    expect(rfmScores(customers)[0]).toMatchObject({ r: 5, f: 1, segment: 'new_customer' });
  });

  it('returns an empty list for an empty base', () => {
    expect(rfmScores([])).toEqual([]);
  });
});
