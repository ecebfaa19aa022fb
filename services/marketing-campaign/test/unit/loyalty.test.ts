import { describe, expect, it } from 'vitest';
import {
  accrualFor,
  balanceOf,
  bonusFor,
  buildMovement,
  checkRedemption,
  customerAccount,
  customerBalance,
  evaluateTierAtPeriodEnd,
  expiryDue,
  isBalanced,
  LoyaltyRulesSchema,
  periodEndAfter,
  programmeAccounts,
  PurchaseSchema,
  redemptionFor,
  replayLots,
  reversalFor,
  tierAt,
  tierChange,
  type Movement,
} from '../../src/domain/loyalty.ts';

const rules = LoyaltyRulesSchema.parse({
  currency: 'EUR',
  pointsPerUnit: '1',
  categoryMultipliers: { books: 2, clearance: '0.5' },
  campaignMultipliers: { cmp_double: '2' },
  bonuses: { signup: 100, birthday: 50, review: 10 },
  expiryMonths: 12,
  tiers: {
    basis: 'points',
    windowMonths: 12,
    period: 'quarter',
    levels: [
      { tier: 'silver', threshold: '500' },
      { tier: 'gold', threshold: '2000' },
      { tier: 'platinum', threshold: '5000' },
    ],
  },
});

const purchase = (id: string, at: string, lines: { category?: string; amount: string }[], campaignId?: string) =>
  PurchaseSchema.parse({ purchaseId: id, customerId: 'cus_1', occurredAt: at, campaignId, lines: lines.map((l, i) => ({ lineId: `${id}-${i}`, ...l })) });

const credit = (id: string, points: number, at: string): Movement => buildMovement({ id, kind: 'accrual', customerId: 'cus_1', points, at, ref: id });
const debit = (id: string, kind: 'redemption' | 'expiry' | 'reversal', points: number, at: string, lotRef?: string): Movement =>
  buildMovement({ id, kind, customerId: 'cus_1', points, at, ref: id, lotRef });

describe('programme rules', () => {
  it('rejects a negative multiplier with its path', () => {
    const res = LoyaltyRulesSchema.safeParse({ currency: 'EUR', pointsPerUnit: '1', categoryMultipliers: { books: -2 } });
    expect(res.success).toBe(false);
    expect(res.error!.issues[0]!.path).toEqual(['categoryMultipliers', 'books']);
    expect(LoyaltyRulesSchema.safeParse({ currency: 'EUR', pointsPerUnit: '1', campaignMultipliers: { c: '-0.5' } }).success).toBe(false);
  });
  it('rejects negative points per unit and bonuses', () => {
    expect(LoyaltyRulesSchema.safeParse({ currency: 'EUR', pointsPerUnit: '-1' }).success).toBe(false);
    expect(LoyaltyRulesSchema.safeParse({ currency: 'EUR', pointsPerUnit: '1', bonuses: { signup: -5 } }).success).toBe(false);
  });
  it('requires tiers in order with increasing thresholds', () => {
    const base = { currency: 'EUR', pointsPerUnit: '1' };
    const tiersOf = (levels: unknown) => ({ ...base, tiers: { basis: 'spend', windowMonths: 12, period: 'year', levels } });
    expect(LoyaltyRulesSchema.safeParse(tiersOf([{ tier: 'gold', threshold: '100' }, { tier: 'silver', threshold: '200' }])).success).toBe(false);
    expect(LoyaltyRulesSchema.safeParse(tiersOf([{ tier: 'silver', threshold: '200' }, { tier: 'gold', threshold: '200' }])).success).toBe(false);
    expect(LoyaltyRulesSchema.safeParse(tiersOf([{ tier: 'silver', threshold: '200' }, { tier: 'platinum', threshold: '900' }])).success).toBe(true);
  });
  it('defaults: no multipliers, no bonuses, no expiry', () => {
    const r = LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '1' });
    expect(r).toMatchObject({ categoryMultipliers: {}, campaignMultipliers: {}, bonuses: { signup: 0, birthday: 0, review: 0 }, expiryMonths: null });
  });
});

describe('accrual', () => {
  it('earns points per currency unit, floored', () => {
    const a = accrualFor(purchase('p1', '2025-01-10T10:00:00Z', [{ amount: '49.99' }]), rules);
    expect(a.points).toBe(49);
    expect(a.purchaseAmount).toBe('49.99');
    expect(a.movement!.entries).toEqual([
      { movementId: 'acc:p1', account: 'customer:cus_1:points', points: 49, at: '2025-01-10T10:00:00Z' },
      { movementId: 'acc:p1', account: 'programme:issued', points: -49, at: '2025-01-10T10:00:00Z' },
    ]);
  });
  it('applies category multipliers per line and floors the total, not each line', () => {
    // books 10.30 * 2 = 20.6; clearance 9.90 * 0.5 = 4.95; other 0.50 -> 26.05 -> 26
    const a = accrualFor(purchase('p2', '2025-01-10T10:00:00Z', [{ category: 'books', amount: '10.30' }, { category: 'clearance', amount: '9.90' }, { amount: '0.50' }]), rules);
    expect(a.points).toBe(26);
    expect(a.lines.map((l) => l.points)).toEqual(['20.6', '4.95', '0.5']);
  });
  it('stacks campaign and category multipliers', () => {
    expect(accrualFor(purchase('p3', '2025-01-10T10:00:00Z', [{ category: 'books', amount: '10' }], 'cmp_double'), rules).points).toBe(40);
    expect(accrualFor(purchase('p4', '2025-01-10T10:00:00Z', [{ amount: '10' }], 'cmp_unknown'), rules).points).toBe(10);
  });
  it('handles decimal points per unit exactly (0.1 * 3 = 0.3, no float drift)', () => {
    const r = LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '0.1' });
    expect(accrualFor(purchase('p5', '2025-01-10T10:00:00Z', [{ amount: '30' }]), r).points).toBe(3);
  });
  it('creates no movement for zero points', () => {
    const a = accrualFor(purchase('p6', '2025-01-10T10:00:00Z', [{ amount: '0.99' }]), rules);
    expect(a.points).toBe(0);
    expect(a.movement).toBeNull();
  });
  it('gives bonuses with unique ids, and none when configured 0', () => {
    const b = bonusFor('birthday', 'cus_1', '2025-06-20T00:00:00Z', 'cus_1:2025', rules)!;
    expect(b.id).toBe('bonus:birthday:cus_1:2025');
    expect(b.points).toBe(50);
    expect(bonusFor('signup', 'cus_1', '2025-06-20T00:00:00Z', 'cus_1', LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '1' }))).toBeNull();
  });
});

describe('double-entry ledger', () => {
  it('every movement kind is a balanced pair', () => {
    const ms = [credit('a', 100, '2025-01-01T00:00:00Z'), debit('r', 'redemption', 30, '2025-02-01T00:00:00Z'), debit('e', 'expiry', 10, '2025-03-01T00:00:00Z'), debit('v', 'reversal', 5, '2025-03-02T00:00:00Z')];
    const entries = ms.flatMap((m) => m.entries);
    expect(isBalanced(entries)).toBe(true);
    expect(entries.reduce((s, e) => s + e.points, 0)).toBe(0);
    expect(customerBalance(entries, 'cus_1')).toBe(55);
    expect(balanceOf(entries, programmeAccounts.issued)).toBe(-100);
    expect(balanceOf(entries, programmeAccounts.redeemed)).toBe(30);
    expect(balanceOf(entries, programmeAccounts.expired)).toBe(10);
    expect(balanceOf(entries, programmeAccounts.reversed)).toBe(5);
  });
  it('detects an unbalanced or one-sided movement', () => {
    const [a, b] = credit('a', 100, '2025-01-01T00:00:00Z').entries;
    expect(isBalanced([a])).toBe(false);
    expect(isBalanced([a, { ...b, points: -99 }])).toBe(false);
    expect(isBalanced([a, { ...b, account: a.account, points: -100 }])).toBe(false);
  });
  it('computes a balance as of an instant', () => {
    const entries = [credit('a', 100, '2025-01-01T00:00:00Z'), debit('r', 'redemption', 30, '2025-02-01T00:00:00Z')].flatMap((m) => m.entries);
    expect(customerBalance(entries, 'cus_1', new Date('2025-01-15T00:00:00Z'))).toBe(100);
    expect(customerBalance(entries, 'cus_1', new Date('2025-02-01T00:00:00Z'))).toBe(70);
    expect(balanceOf(entries, customerAccount('cus_2'))).toBe(0);
  });
  it('refuses non-positive or fractional movement points', () => {
    expect(() => credit('x', 0, '2025-01-01T00:00:00Z')).toThrow(RangeError);
    expect(() => credit('x', 1.5, '2025-01-01T00:00:00Z')).toThrow(RangeError);
  });
});

describe('refund reversal', () => {
  const p = purchase('p10', '2025-01-10T10:00:00Z', [{ amount: '100.00' }, { amount: '33.00' }]);
  const acc = accrualFor(p, rules); // 133 points
  const refund = (id: string, amount: string) => ({ refundId: id, purchaseId: 'p10', customerId: 'cus_1', occurredAt: '2025-01-20T10:00:00Z', amount });

  it('reverses exactly the original points on a full refund', () => {
    const r = reversalFor(refund('r1', '133.00'), acc);
    expect(r).toMatchObject({ ok: true, points: 133, reversedTotal: 133 });
    if (r.ok) expect(r.movement!.lotRef).toBe('acc:p10');
  });
  it('reverses pro rata on a partial refund (floored)', () => {
    // 133 * 50 / 133 = 50
    expect(reversalFor(refund('r2', '50.00'), acc)).toMatchObject({ ok: true, points: 50 });
    // 133 * 10 / 133 = 10; 133 * 0.99/133 = 0.99 -> 0
    expect(reversalFor(refund('r3', '0.99'), acc)).toMatchObject({ ok: true, points: 0, movement: null });
  });
  it('partial refunds that add up to the whole reverse exactly the original points', () => {
    const parts = ['33.33', '33.33', '33.34', '33.00'];
    let prior = { refundedAmount: '0', reversedPoints: 0 };
    const got: number[] = [];
    parts.forEach((amount, i) => {
      const r = reversalFor(refund(`rp${i}`, amount), acc, prior);
      if (!r.ok) throw new Error('unexpected');
      got.push(r.points);
      prior = { refundedAmount: r.refundedTotal, reversedPoints: r.reversedTotal };
    });
    expect(got.reduce((a, b) => a + b, 0)).toBe(133);
    expect(got).toEqual([33, 33, 34, 33]);
  });
  it('rejects a refund above what is left to refund', () => {
    expect(reversalFor(refund('r4', '40.00'), acc, { refundedAmount: '100.00', reversedPoints: 100 })).toEqual({ ok: false, error: 'refund_exceeds_purchase', refundable: '33' });
  });
});

describe('redemption', () => {
  it('never lets the balance go negative', () => {
    expect(checkRedemption(100, 100)).toEqual({ ok: true, balanceAfter: 0 });
    expect(checkRedemption(100, 101)).toEqual({ ok: false, reason: 'insufficient_points', balance: 100 });
    expect(checkRedemption(100, 0)).toMatchObject({ ok: false, reason: 'invalid_points' });
    expect(checkRedemption(100, 2.5)).toMatchObject({ ok: false, reason: 'invalid_points' });
  });
  it('builds a redemption movement when allowed', () => {
    const r = redemptionFor({ redemptionId: 'x1', customerId: 'cus_1', points: 40, at: '2025-03-01T00:00:00Z', rewardId: 'mug' }, 50);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.movement.entries.map((e) => [e.account, e.points])).toEqual([['customer:cus_1:points', -40], ['programme:redeemed', 40]]);
    expect(redemptionFor({ redemptionId: 'x2', customerId: 'cus_1', points: 60, at: '2025-03-01T00:00:00Z', rewardId: 'mug' }, 50).ok).toBe(false);
  });
});

describe('FIFO lots and expiry', () => {
  const ms = [credit('l1', 100, '2024-01-15T00:00:00Z'), credit('l2', 50, '2024-03-01T00:00:00Z'), credit('l3', 70, '2024-09-01T00:00:00Z')];

  it('consumes the oldest lot first', () => {
    const { lots } = replayLots([...ms, debit('r1', 'redemption', 120, '2024-10-01T00:00:00Z')]);
    expect(lots.map((l) => l.remaining)).toEqual([0, 30, 70]);
  });
  it('expires nothing before 12 months', () => {
    expect(expiryDue(ms, new Date('2025-01-14T23:59:59Z'), rules)).toEqual([]);
  });
  it('expires the unspent rest of a lot at 12 months, oldest first', () => {
    const withRedemption = [...ms, debit('r1', 'redemption', 60, '2024-06-01T00:00:00Z')];
    const due = expiryDue(withRedemption, new Date('2025-03-01T00:00:00Z'), rules);
    expect(due.map((d) => [d.lotId, d.points, d.expiresAt.toISOString()])).toEqual([
      ['l1', 40, '2025-01-15T00:00:00.000Z'],
      ['l2', 50, '2025-03-01T00:00:00.000Z'],
    ]);
    expect(due[0]!.movement).toMatchObject({ id: 'exp:l1', kind: 'expiry', lotRef: 'l1', points: 40 });
  });
  it('does not expire a lot twice once its expiry is booked', () => {
    const t = new Date('2025-01-20T00:00:00Z');
    const first = expiryDue(ms, t, rules);
    expect(first.map((d) => d.lotId)).toEqual(['l1']);
    const booked = [...ms, ...first.map((d) => d.movement)];
    expect(expiryDue(booked, t, rules)).toEqual([]);
    expect(customerBalance(booked.flatMap((m) => m.entries), 'cus_1')).toBe(120);
  });
  it('a reversal consumes its own lot, not the oldest', () => {
    const { lots } = replayLots([...ms, debit('v1', 'reversal', 50, '2024-09-05T00:00:00Z', 'l3')]);
    expect(lots.map((l) => l.remaining)).toEqual([100, 50, 20]);
  });
  it('reports a deficit when points were already spent before a reversal', () => {
    const r = replayLots([credit('l1', 100, '2024-01-15T00:00:00Z'), debit('r', 'redemption', 90, '2024-02-01T00:00:00Z'), debit('v', 'reversal', 100, '2024-02-02T00:00:00Z', 'l1')]);
    expect(r.deficit).toBe(90);
  });
  it('month arithmetic clamps to the month end (31 Jan + 1 month = 28 Feb)', () => {
    const one = LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '1', expiryMonths: 1 });
    const due = expiryDue([credit('j', 10, '2025-01-31T12:00:00Z')], new Date('2025-02-28T12:00:00Z'), one);
    expect(due.map((d) => d.expiresAt.toISOString())).toEqual(['2025-02-28T12:00:00.000Z']);
  });
  it('never expires without an expiry rule', () => {
    expect(expiryDue(ms, new Date('2030-01-01T00:00:00Z'), LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '1' }))).toEqual([]);
  });
});

describe('tiers', () => {
  const periodEnd = new Date('2025-04-01T00:00:00Z'); // end of Q1 2025, window 2024-04-01 .. 2025-04-01
  it('computes the quarter end', () => {
    expect(periodEndAfter(new Date('2025-02-10T00:00:00Z'), 'quarter').toISOString()).toBe('2025-04-01T00:00:00.000Z');
    expect(periodEndAfter(new Date('2025-12-31T23:00:00Z'), 'year').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(periodEndAfter(new Date('2025-02-10T00:00:00Z'), 'month').toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });
  it('qualifies on points earned in the rolling window only', () => {
    const ms = [credit('old', 5000, '2024-03-31T23:59:59Z'), credit('a', 1500, '2024-04-01T00:00:00Z'), credit('b', 600, '2025-03-31T00:00:00Z'), credit('late', 9000, '2025-04-01T00:00:00Z')];
    expect(tierAt({ movements: ms }, periodEnd, rules)).toEqual({ tier: 'gold', value: '2100' });
  });
  it('reversals reduce qualifying points, redemptions and expiry do not', () => {
    const ms = [credit('a', 2100, '2024-06-01T00:00:00Z'), debit('r', 'redemption', 2000, '2024-07-01T00:00:00Z'), debit('e', 'expiry', 50, '2024-08-01T00:00:00Z'), debit('v', 'reversal', 200, '2024-09-01T00:00:00Z', 'a')];
    expect(tierAt({ movements: ms }, periodEnd, rules)).toEqual({ tier: 'silver', value: '1900' });
  });
  it('qualifies on spend (purchases minus refunds)', () => {
    const spendRules = LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '1', tiers: { basis: 'spend', windowMonths: 6, period: 'month', levels: [{ tier: 'silver', threshold: '100' }, { tier: 'gold', threshold: '1000.00' }] } });
    const spend = [{ at: '2025-01-05T00:00:00Z', amount: '999.99' }, { at: '2025-02-05T00:00:00Z', amount: '0.01' }];
    expect(tierAt({ spend }, periodEnd, spendRules).tier).toBe('gold');
    expect(tierAt({ spend: [...spend, { at: '2025-03-01T00:00:00Z', amount: '-500' }] }, periodEnd, spendRules).tier).toBe('silver');
    expect(tierAt({ spend: [{ at: '2025-03-01T00:00:00Z', amount: '99.99' }] }, periodEnd, spendRules).tier).toBeNull();
  });
  it('upgrades and downgrades at period end', () => {
    expect(tierChange(null, 'silver')).toEqual({ from: null, to: 'silver', change: 'upgrade' });
    expect(tierChange('gold', 'platinum').change).toBe('upgrade');
    expect(tierChange('platinum', 'silver').change).toBe('downgrade');
    expect(tierChange('silver', null).change).toBe('downgrade');
    expect(tierChange('gold', 'gold').change).toBe('none');
  });
  it('evaluates a downgrade when the window no longer holds enough points', () => {
    const ms = [credit('a', 2500, '2024-02-01T00:00:00Z'), credit('b', 600, '2024-12-01T00:00:00Z')];
    // at the end of Q4 2024 the window 2024-01-01..2025-01-01 holds 3100 -> gold; at the end of Q1 2025 only 600 -> silver
    expect(evaluateTierAtPeriodEnd(null, { movements: ms }, new Date('2025-01-01T00:00:00Z'), rules)).toMatchObject({ to: 'gold', change: 'upgrade', value: '3100' });
    expect(evaluateTierAtPeriodEnd('gold', { movements: ms }, periodEnd, rules)).toMatchObject({ from: 'gold', to: 'silver', change: 'downgrade', value: '600' });
  });
  it('has no tier without tier rules', () => {
    expect(tierAt({ movements: [] }, periodEnd, LoyaltyRulesSchema.parse({ currency: 'EUR', pointsPerUnit: '1' }))).toEqual({ tier: null, value: '0' });
  });
});
