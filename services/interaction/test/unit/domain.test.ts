import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/domain/dates.ts';
import { changedFields } from '../../src/domain/interaction.ts';
import { checkRefund, formatMoney, isCurrency, parseAmount } from '../../src/domain/money.ts';
import { parsePurchaseRow } from '../../src/domain/purchase-row.ts';

describe('money', () => {
  it.each([
    ['12.5', '12.50'], ['12.5000', '12.50'], ['0', '0.00'], ['0.1234', '0.1234'], ['7.120', '7.12'], ['7.1230', '7.123'], ['99999999999999.9999', '99999999999999.9999'],
  ])('formatMoney(%s) = %s', (input, out) => expect(formatMoney(input)).toBe(out));

  it.each([
    ['10', true], ['10.00', true], ['0.0001', true], ['-1', false], ['-0.01', false], ['1.23456', false], ['1e3', false], ['', false], [' ', false],
    ['01.5', false], ['1,50', false], ['123456789012345', false], ['abc', false], ['.5', false],
  ])('parseAmount(%j) ok=%s', (input, ok) => expect(parseAmount(input).ok).toBe(ok));

  it('says why a negative amount is rejected', () => {
    expect(parseAmount('-3.00')).toEqual({ ok: false, message: 'amount must not be negative: -3.00' });
  });

  it.each([['EUR', true], ['USD', true], ['CNY', true], ['eur', false], ['EURO', false], ['XYZ', false], ['', false]])('isCurrency(%s) = %s', (c, ok) => expect(isCurrency(c)).toBe(ok));

  it('refunds exactly in decimals: 0.1 + 0.2 refunds 0.3 in full', () => {
    expect(checkRefund('0.30', '0.10', '0.20')).toEqual({ ok: true, remaining: '0.00', full: true });
    expect(checkRefund('0.30', '0', '0.10')).toEqual({ ok: true, remaining: '0.20', full: false });
    expect(checkRefund('0.30', '0.30', '0.01')).toMatchObject({ ok: false, message: expect.stringMatching(/exceeds the remaining amount 0.00/) });
    expect(checkRefund('10', '0', '0')).toMatchObject({ ok: false });
    expect(checkRefund('10', '0', '10.0001')).toMatchObject({ ok: false });
  });
});

describe('ISO times', () => {
  it.each([
    ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    ['2025-03-01T10:00:00Z', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01T10:00:00.123Z', '2025-03-01T10:00:00.123Z'],
    ['2025-03-01T10:00:00+02:00', '2025-03-01T08:00:00.000Z'],
    ['2025-03-01T10:00:00-0530', '2025-03-01T15:30:00.000Z'],
    ['2025-03-01T10:00', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01 10:00:00Z', '2025-03-01T10:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('parses %s', (input, iso) => {
    const r = parseIsoTime(input);
    expect(r.ok && r.value.toISOString()).toBe(iso);
  });
  it.each(['2025-02-30', '2023-02-29', '2025-13-01', '2025-03-01T25:00:00Z', '01/03/2025', 'yesterday', '', '2025-3-1', '1600-01-01', '20250301'])('rejects %j', (input) => {
    expect(parseIsoTime(input).ok).toBe(false);
  });
});

describe('purchase rows', () => {
  const row = { order_id: 'o-1', customer_external_id: 'c-1', occurred_at: '2025-01-01', amount: '10.5', currency: 'EUR' };
  it('accepts a standard row with defaults', () => {
    expect(parsePurchaseRow(row)).toEqual({ ok: true, value: { orderId: 'o-1', sourceSystem: 'import', customerExternalId: 'c-1', amount: '10.50', currency: 'EUR', occurredAt: new Date('2025-01-01T00:00:00Z'), channel: 'other' } });
  });
  it('accepts camelCase NDJSON fields and numbers', () => {
    const r = parsePurchaseRow({ orderId: 'o-2', customerExternalId: 'c-2', occurredAt: '2025-01-01T00:00:00Z', amount: 3, currency: 'USD', sourceSystem: 'erp', channel: 'store' });
    expect(r).toMatchObject({ ok: true, value: { sourceSystem: 'erp', amount: '3.00', channel: 'store' } });
  });
  it.each([
    [{ order_id: '' }, /order_id is missing/],
    [{ order_id: 'has space' }, /order_id/],
    [{ customer_external_id: '' }, /customer_external_id is missing/],
    [{ occurred_at: '2025-02-30' }, /occurred_at/],
    [{ amount: '-1' }, /negative/],
    [{ amount: '' }, /amount is missing/],
    [{ currency: 'eur' }, /currency/],
    [{ currency: '' }, /currency is missing/],
    [{ channel: 'fax' }, /channel is unknown/],
    [{ source_system: 'Not A Code' }, /source_system/],
  ])('rejects %j', (over, message) => {
    const r = parsePurchaseRow({ ...row, ...over });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });
  it('reports every problem of a row at once', () => {
    const r = parsePurchaseRow({ order_id: '', amount: '-1', currency: 'X' });
    expect(!r.ok && r.message.split('; ').length).toBeGreaterThanOrEqual(4);
  });
});

describe('corrections', () => {
  const current = { channel: 'phone', subject: 'a', occurredAt: new Date('2025-01-01T00:00:00Z'), durationSeconds: 10, outcome: null };
  it('lists only fields that really change', () => {
    expect(changedFields(current, { channel: 'phone', subject: 'b' })).toEqual(['subject']);
    expect(changedFields(current, { occurredAt: new Date('2025-01-01T00:00:00Z') })).toEqual([]);
    expect(changedFields(current, { occurredAt: new Date('2025-01-02T00:00:00Z'), outcome: 'resolved' })).toEqual(['occurredAt', 'outcome']);
    expect(changedFields(current, { durationSeconds: null })).toEqual(['durationSeconds']);
    expect(changedFields(current, { outcome: null })).toEqual([]);
    expect(changedFields(current, {})).toEqual([]);
  });
});
