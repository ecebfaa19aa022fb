import { describe, expect, it } from 'vitest';
import { idPattern, idTime, newId, ulid } from '../src/ids.ts';

describe('newId', () => {
  it('is prefix + _ + 26 Crockford base32 characters', () => {
    const id = newId('cus');
    expect(id).toMatch(/^cus_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(idPattern('cus').test(id)).toBe(true);
    expect(idPattern('tkt').test(id)).toBe(false);
  });

  it('is unique and strictly increasing over 100k calls (monotonic within a millisecond)', () => {
    const ids = Array.from({ length: 100_000 }, () => newId('evt'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) {
      if (!(ids[i - 1]! < ids[i]!)) throw new Error(`not sorted at ${i}: ${ids[i - 1]} >= ${ids[i]}`);
    }
  });

  it('encodes the creation time', () => {
    const before = Date.now();
    const id = newId('int');
    expect(idTime(id)).toBeGreaterThanOrEqual(before);
    expect(idTime(id)).toBeLessThanOrEqual(Date.now());
  });

  it('sorts by time across milliseconds and stays ordered when the clock steps back', () => {
    // The generator is process-wide state: use times after everything minted so far.
    const base = Date.now() + 60_000;
    const a = ulid(base);
    const b = ulid(base + 1);
    const c = ulid(base - 5_000); // the clock went backwards
    expect(a < b).toBe(true);
    expect(b < c).toBe(true);
    expect(idTime(`x_${a}`)).toBe(base);
    expect(idTime(`x_${c}`)).toBe(base + 1);
  });

  it('rejects bad prefixes', () => {
    expect(() => newId('Cus')).toThrow();
    expect(() => newId('')).toThrow();
    expect(() => newId('a_b')).toThrow();
  });
});
