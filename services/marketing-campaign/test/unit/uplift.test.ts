import { describe, expect, it } from 'vitest';
import { armRates, ArmCountsSchema, campaignResults, isAttributed, newcombeDifference, upliftVsHoldout, waldDifference, wilsonInterval } from '../../src/domain/uplift.ts';

const arm = (recipients: number, converted: number, revenue = '0', extra = {}) => ArmCountsSchema.parse({ recipients, converted, revenue, sent: recipients, delivered: recipients, ...extra });

describe('Wilson interval (Newcombe 1998, single proportion examples)', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i -> [%f, %f]', (x, n, lo, hi) => {
    const w = wilsonInterval(x, n);
    expect(w.lower).toBeCloseTo(lo, 4);
    expect(w.upper).toBeCloseTo(hi, 4);
  });
  it('is [0, 1] without data', () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});

describe('difference of proportions', () => {
  it('Wald: 120/1000 vs 100/1000 by hand', () => {
    // se = sqrt(.12*.88/1000 + .10*.90/1000) = sqrt(.0001956) = .0139857; half-width = 1.959964 * .0139857 = .0274114
    const w = waldDifference(120, 1000, 100, 1000);
    expect(w.diff).toBeCloseTo(0.02, 12);
    expect(w.se).toBeCloseTo(0.0139857, 6);
    expect(w.lower).toBeCloseTo(-0.0074114, 6);
    expect(w.upper).toBeCloseTo(0.0474114, 6);
  });
  it('Wald: 56/70 vs 48/80 (Newcombe 1998 example a) -> 0.0575 to 0.3425', () => {
    const w = waldDifference(56, 70, 48, 80);
    expect(w.lower).toBeCloseTo(0.0575, 4);
    expect(w.upper).toBeCloseTo(0.3425, 4);
  });
  it('Newcombe hybrid score: 56/70 vs 48/80 -> 0.0524 to 0.3339', () => {
    const n = newcombeDifference(56, 70, 48, 80);
    expect(n.lower).toBeCloseTo(0.0524, 4);
    expect(n.upper).toBeCloseTo(0.3339, 4);
  });
  it('Newcombe stays inside [-1, 1] at the boundary where Wald degenerates', () => {
    // 10/10 vs 0/10: Wald has se 0 -> a zero-width interval; Newcombe does not
    const w = waldDifference(10, 10, 0, 10);
    expect(w.upper - w.lower).toBe(0);
    const n = newcombeDifference(10, 10, 0, 10);
    expect(n.lower).toBeGreaterThan(0.5);
    expect(n.upper).toBeLessThanOrEqual(1);
    expect(n.lower).toBeLessThan(1);
  });
});

describe('rates and uplift', () => {
  it('computes per-arm rates', () => {
    const a = ArmCountsSchema.parse({ recipients: 200, sent: 180, delivered: 170, opened: 85, clicked: 17, converted: 20, revenue: '1000.00' });
    expect(armRates(a)).toEqual({ deliveryRate: 170 / 180, openRate: 0.5, clickRate: 0.1, conversionRate: 0.1, revenuePerRecipient: '5.00' });
  });
  it('gives null rates for empty denominators', () => {
    expect(armRates(ArmCountsSchema.parse({ recipients: 0, converted: 0 }))).toEqual({ deliveryRate: null, openRate: null, clickRate: null, conversionRate: null, revenuePerRecipient: null });
  });
  it('rejects impossible counts', () => {
    expect(ArmCountsSchema.safeParse({ recipients: 10, sent: 11, converted: 0 }).error!.issues[0]!.path).toEqual(['sent']);
    expect(ArmCountsSchema.safeParse({ recipients: 10, converted: 11 }).success).toBe(false);
    expect(ArmCountsSchema.safeParse({ recipients: 10, sent: 10, delivered: 5, clicked: 6, converted: 0 }).success).toBe(false);
    expect(ArmCountsSchema.safeParse({ recipients: 10, converted: 1, revenue: '-5' }).success).toBe(false);
  });
  it('computes uplift against the holdout by hand: 120/1000 vs 100/1000', () => {
    const u = upliftVsHoldout(arm(1000, 120, '6000.00'), arm(1000, 100, '4500.00'))!;
    expect(u.conversionDiff).toBeCloseTo(0.02, 12);
    expect(u.relativeUplift).toBeCloseTo(0.2, 12); // .02 / .10
    expect(u.revenuePerRecipientDiff).toBe('1.50'); // 6.00 - 4.50
    expect(u.significant).toBe(false); // interval includes 0
  });
  it('flags a significant uplift', () => {
    const u = upliftVsHoldout(arm(5000, 600), arm(5000, 400))!;
    // diff .04, Wald se = sqrt(.12*.88/5000 + .08*.92/5000) = .0059867 -> [.02827, .05173]
    expect(u.wald.lower).toBeCloseTo(0.028266, 5);
    expect(u.wald.upper).toBeCloseTo(0.051734, 5);
    expect(u.significant).toBe(true);
  });
  it('handles a negative uplift and a holdout with no conversions', () => {
    expect(upliftVsHoldout(arm(1000, 50), arm(1000, 100))!.conversionDiff).toBeCloseTo(-0.05, 12);
    expect(upliftVsHoldout(arm(100, 5), arm(100, 0))!.relativeUplift).toBeNull();
    expect(upliftVsHoldout(arm(0, 0), arm(100, 0))).toBeNull();
  });
  it('rounds revenue per recipient half-up in decimal (no float drift)', () => {
    // 0.10 + 0.20 style drift must not appear: 1/3 -> 0.33, 2/3 -> 0.67
    expect(upliftVsHoldout(arm(3, 0, '2.00'), arm(3, 0, '1.00'))!.revenuePerRecipientDiff).toBe('0.33');
    expect(armRates(arm(3, 0, '2.00')).revenuePerRecipient).toBe('0.67');
  });
  it('assembles results per variant', () => {
    const r = campaignResults({ A: arm(1000, 120), B: arm(1000, 90) }, arm(1000, 100));
    expect(r.variants.map((v) => v.variantId)).toEqual(['A', 'B']);
    expect(r.variants[1]!.uplift!.conversionDiff).toBeCloseTo(-0.01, 12);
    expect(campaignResults({ A: arm(10, 1) }, null).variants[0]!.uplift).toBeNull();
  });
});

describe('attribution window', () => {
  it('counts purchases after the send within the window only', () => {
    expect(isAttributed('2025-01-01T10:00:00Z', '2025-01-01T10:00:00Z', 7)).toBe(true);
    expect(isAttributed('2025-01-01T10:00:00Z', '2025-01-08T10:00:00Z', 7)).toBe(true);
    expect(isAttributed('2025-01-01T10:00:00Z', '2025-01-08T10:00:01Z', 7)).toBe(false);
    expect(isAttributed('2025-01-01T10:00:00Z', '2025-01-01T09:59:59Z', 7)).toBe(false);
  });
});
