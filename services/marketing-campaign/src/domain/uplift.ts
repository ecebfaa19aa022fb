// Campaign results per variant and uplift against the holdout group.
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { NonNegativeDecimalSchema } from './facts.ts';

const Count = z.number().int().nonnegative();

export const ArmCountsSchema = z
  .object({
    /** Customers assigned to the arm and eligible at send time (the denominator of conversion). */
    recipients: Count,
    sent: Count.default(0),
    delivered: Count.default(0),
    opened: Count.default(0),
    clicked: Count.default(0),
    /** Recipients with a purchase within the attribution window. */
    converted: Count,
    revenue: NonNegativeDecimalSchema.default('0'),
  })
  .superRefine((a, ctx) => {
    const chain: [keyof typeof a, keyof typeof a][] = [
      ['sent', 'recipients'],
      ['delivered', 'sent'],
      ['opened', 'delivered'],
      ['clicked', 'delivered'],
      ['converted', 'recipients'],
    ];
    for (const [lower, upper] of chain) {
      if ((a[lower] as number) > (a[upper] as number))
        ctx.addIssue({ code: 'custom', message: `${lower} exceeds ${upper}`, path: [lower] });
    }
  });
export type ArmCounts = z.infer<typeof ArmCountsSchema>;

/** 97.5th percentile of the standard normal. */
export const Z95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/** Wilson score interval for one proportion. */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n === 0) return { lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = ((z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n)));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Wald interval for p1 - p0. */
export function waldDifference(x1: number, n1: number, x0: number, n0: number, z = Z95): Interval & { diff: number; se: number } {
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
  const diff = p1 - p0;
  return { diff, se, lower: diff - z * se, upper: diff + z * se };
}

/** Newcombe's hybrid score interval (method 10, no continuity correction) for p1 - p0. */
export function newcombeDifference(x1: number, n1: number, x0: number, n0: number, z = Z95): Interval & { diff: number } {
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const w1 = wilsonInterval(x1, n1, z);
  const w0 = wilsonInterval(x0, n0, z);
  const diff = p1 - p0;
  return {
    diff,
    lower: diff - Math.sqrt((p1 - w1.lower) ** 2 + (w0.upper - p0) ** 2),
    upper: diff + Math.sqrt((w1.upper - p1) ** 2 + (p0 - w0.lower) ** 2),
  };
}

export interface ArmRates {
  deliveryRate: number | null;
  openRate: number | null;
  clickRate: number | null;
  conversionRate: number | null;
  /** Decimal string, 2 places (half-up). */
  revenuePerRecipient: string | null;
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export function armRates(a: ArmCounts): ArmRates {
  return {
    deliveryRate: ratio(a.delivered, a.sent),
    openRate: ratio(a.opened, a.delivered),
    clickRate: ratio(a.clicked, a.delivered),
    conversionRate: ratio(a.converted, a.recipients),
    revenuePerRecipient: a.recipients === 0 ? null : new Decimal(a.revenue).div(a.recipients).toFixed(2, Decimal.ROUND_HALF_UP),
  };
}

export interface Uplift {
  /** Conversion-rate difference variant - holdout (absolute, as a proportion). */
  conversionDiff: number;
  wald: Interval;
  newcombe: Interval;
  /** (p1 - p0) / p0, null when the holdout converted nobody. */
  relativeUplift: number | null;
  /** Revenue per recipient, variant minus holdout, decimal string with 2 places. */
  revenuePerRecipientDiff: string;
  /** The 95% Newcombe interval excludes zero. */
  significant: boolean;
}

export function upliftVsHoldout(variant: ArmCounts, holdout: ArmCounts): Uplift | null {
  if (variant.recipients === 0 || holdout.recipients === 0) return null;
  const wald = waldDifference(variant.converted, variant.recipients, holdout.converted, holdout.recipients);
  const newcombe = newcombeDifference(variant.converted, variant.recipients, holdout.converted, holdout.recipients);
  const p0 = holdout.converted / holdout.recipients;
  const rpr = (a: ArmCounts) => new Decimal(a.revenue).div(a.recipients);
  return {
    conversionDiff: wald.diff,
    wald: { lower: wald.lower, upper: wald.upper },
    newcombe: { lower: newcombe.lower, upper: newcombe.upper },
    relativeUplift: p0 === 0 ? null : wald.diff / p0,
    revenuePerRecipientDiff: rpr(variant).minus(rpr(holdout)).toFixed(2, Decimal.ROUND_HALF_UP),
    significant: newcombe.lower > 0 || newcombe.upper < 0,
  };
}

export interface CampaignResults {
  variants: { variantId: string; counts: ArmCounts; rates: ArmRates; uplift: Uplift | null }[];
  holdout: { counts: ArmCounts; rates: ArmRates } | null;
}

export function campaignResults(variants: Record<string, ArmCounts>, holdout: ArmCounts | null): CampaignResults {
  return {
    variants: Object.entries(variants).map(([variantId, counts]) => ({
      variantId,
      counts,
      rates: armRates(counts),
      uplift: holdout ? upliftVsHoldout(counts, holdout) : null,
    })),
    holdout: holdout ? { counts: holdout, rates: armRates(holdout) } : null,
  };
}

/**
 * Attribution: a purchase converts a recipient when it happens after the send (or, for the holdout,
 * after the moment they would have been sent to) and within the window.
 */
export function isAttributed(exposedAt: Date | string, purchaseAt: Date | string, windowDays: number): boolean {
  const e = new Date(exposedAt).getTime();
  const p = new Date(purchaseAt).getTime();
  return p >= e && p - e <= windowDays * 86_400_000;
}
