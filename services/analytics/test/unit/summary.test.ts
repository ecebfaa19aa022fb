import { describe, expect, it } from 'vitest';
import { dayNumber, dayToIsoDate, summarizeCustomers, type Transaction } from '../../src/domain/summary.ts';

const tx = (customerId: string, occurredAt: string | Date, amount: string): Transaction => ({ customerId, occurredAt, amount });

describe('dayNumber', () => {
  it('maps ISO dates and timestamps to UTC calendar days', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('1997-09-30') - dayNumber('1997-01-01')).toBe(272);
    expect(dayNumber('1997-01-01T23:59:59Z')).toBe(dayNumber('1997-01-01'));
    expect(dayNumber(new Date('1997-01-02T00:00:00Z'))).toBe(dayNumber('1997-01-02'));
    expect(dayNumber('1997-01-01T23:30:00-02:00')).toBe(dayNumber('1997-01-02')); // 01:30 UTC next day
  });
  it('honours a business-calendar offset', () => {
    expect(dayNumber('1997-01-02T01:30:00Z', -120)).toBe(dayNumber('1997-01-01'));
    expect(dayNumber('1997-01-01T22:30:00Z', 120)).toBe(dayNumber('1997-01-02'));
    expect(dayNumber('1997-01-01', 600)).toBe(dayNumber('1997-01-01')); // a plain date is that day
  });
  it('handles leap days and round-trips', () => {
    expect(dayNumber('2024-03-01') - dayNumber('2024-02-28')).toBe(2);
    expect(dayToIsoDate(dayNumber('2024-02-29'))).toBe('2024-02-29');
  });
  it('rejects invalid input', () => {
    expect(() => dayNumber('not a date')).toThrow(RangeError);
    expect(() => dayNumber(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('summarizeCustomers', () => {
  const end = '1997-09-30';

  it('computes x, t_x, T in weeks for a simple history', () => {
    const [s] = summarizeCustomers(
      [tx('c1', '1997-01-01', '29.33'), tx('c1', '1997-01-18', '29.73'), tx('c1', '1997-08-02', '14.96'), tx('c1', '1997-12-12', '26.48')],
      { calibrationEnd: end },
    );
    expect(s).toMatchObject({ customerId: 'c1', x: 2, firstPurchaseDate: '1997-01-01', lastPurchaseDate: '1997-08-02' });
    expect(s!.tx).toBeCloseTo(213 / 7, 12);
    expect(s!.T).toBeCloseTo(272 / 7, 12);
    expect(s!.monetaryValueDecimal).toBe('22.345');
    expect(s!.monetaryValue).toBeCloseTo(22.345, 12);
    expect(s!.totalAmount).toBe('74.02');
  });

  it('aggregates purchases on the same day into one, summing their amounts', () => {
    const [s] = summarizeCustomers(
      [
        tx('c', '2024-01-01T09:00:00Z', '10.00'),
        tx('c', '2024-01-01T18:00:00Z', '5.00'),
        tx('c', '2024-01-08T10:00:00Z', '7.00'),
        tx('c', '2024-01-08T11:00:00Z', '3.00'),
        tx('c', '2024-01-15T11:00:00Z', '20.00'),
      ],
      { calibrationEnd: '2024-01-29' },
    );
    expect(s!.x).toBe(2);
    expect(s!.tx).toBe(2);
    expect(s!.T).toBe(4);
    expect(s!.monetaryValueDecimal).toBe('15'); // (10 + 20) / 2, the first day excluded
  });

  it('includes purchases on the calibration end day and ignores later ones', () => {
    const [s] = summarizeCustomers(
      [tx('c', '1997-01-04', '44.71'), tx('c', '1997-09-30', '6.49'), tx('c', '1997-10-01', '12.99')],
      { calibrationEnd: end },
    );
    expect(s!.x).toBe(1);
    expect(s!.tx).toBe(s!.T);
    expect(s!.T).toBeCloseTo(269 / 7, 12);
    expect(s!.monetaryValue).toBe(6.49);
  });

  it('excludes customers whose first purchase is after the calibration end', () => {
    const out = summarizeCustomers([tx('late', '1997-10-01', '1.00'), tx('early', '1997-09-30', '1.00')], { calibrationEnd: end });
    expect(out.map((s) => s.customerId)).toEqual(['early']);
    expect(out[0]).toMatchObject({ x: 0, tx: 0, T: 0, monetaryValue: 0, monetaryValueDecimal: '0' });
  });

  it('counts zero-amount purchase days as purchases', () => {
    const [s] = summarizeCustomers([tx('c', '1997-01-05', '0.00'), tx('c', '1997-01-12', '0.00')], { calibrationEnd: end });
    expect(s!.x).toBe(1);
    expect(s!.monetaryValue).toBe(0);
  });

  it('supports days as the time unit', () => {
    const [s] = summarizeCustomers([tx('c', '2024-01-01', '1'), tx('c', '2024-01-11', '1')], { calibrationEnd: '2024-01-31', timeUnit: 'day' });
    expect(s).toMatchObject({ x: 1, tx: 10, T: 30 });
  });

  it('accepts a Date as calibration end and assigns timestamps with the offset', () => {
    const rows = [tx('c', '2024-01-01T12:00:00Z', '1'), tx('c', '2024-01-31T23:30:00Z', '1')];
    expect(summarizeCustomers(rows, { calibrationEnd: new Date('2024-01-31T12:00:00Z'), timeUnit: 'day' })[0]).toMatchObject({ x: 1, tx: 30 });
    // At UTC+1 the second purchase falls on 1 February, after the calibration end.
    expect(summarizeCustomers(rows, { calibrationEnd: '2024-01-31', timeUnit: 'day', utcOffsetMinutes: 60 })[0]).toMatchObject({ x: 0, tx: 0, T: 30 });
  });

  it('sums amounts exactly (no floating-point drift)', () => {
    const rows = [tx('c', '2024-01-01', '1'), ...Array.from({ length: 10 }, (_, i) => tx('c', `2024-01-${String(i + 2).padStart(2, '0')}`, '0.10'))];
    const [s] = summarizeCustomers(rows, { calibrationEnd: '2024-02-01' });
    expect(s!.totalAmount).toBe('2');
    expect(s!.monetaryValueDecimal).toBe('0.1');
    const [t] = summarizeCustomers([tx('c', '2024-01-01', '1'), tx('c', '2024-01-02', '0.1'), tx('c', '2024-01-02', '0.2')], { calibrationEnd: '2024-02-01' });
    expect(t!.monetaryValueDecimal).toBe('0.3');
  });

  it('is independent of input order and sorts by customer id', () => {
    const rows = [tx('b', '2024-01-03', '3'), tx('a', '2024-01-05', '2'), tx('b', '2024-01-01', '1'), tx('a', '2024-01-02', '4'), tx('b', '2024-01-02', '5')];
    const one = summarizeCustomers(rows, { calibrationEnd: '2024-01-10' });
    const two = summarizeCustomers([...rows].reverse(), { calibrationEnd: '2024-01-10' });
    expect(one).toEqual(two);
    expect(one.map((s) => s.customerId)).toEqual(['a', 'b']);
    expect(one[1]).toMatchObject({ x: 2, firstPurchaseDate: '2024-01-01', lastPurchaseDate: '2024-01-03', monetaryValueDecimal: '4' });
  });

  it('returns nothing for no transactions and rejects bad amounts', () => {
    expect(summarizeCustomers([], { calibrationEnd: end })).toEqual([]);
    expect(() => summarizeCustomers([tx('c', '2024-01-01', 'abc')], { calibrationEnd: end })).toThrow();
  });
});
