// Loyalty programme: rules as data, a double-entry points ledger, FIFO expiry lots, and tiers.
// All functions are pure; the service persists movements (two entries each) append-only.
import { Decimal } from 'decimal.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { IsoDateTimeSchema, NonNegativeDecimalSchema } from './facts.ts';

// ---------------------------------------------------------------------------------------------------
// Rules

/** A non-negative multiplier as a number or decimal string ("1.5"); negative values are rejected. */
export const MultiplierSchema = z.union([z.number().nonnegative().finite(), NonNegativeDecimalSchema]);

export const tiers = ['silver', 'gold', 'platinum'] as const;
export const TierSchema = z.enum(tiers);
export type Tier = z.infer<typeof TierSchema>;

export const bonusKinds = ['signup', 'birthday', 'review'] as const;
export const BonusKindSchema = z.enum(bonusKinds);
export type BonusKind = z.infer<typeof BonusKindSchema>;

export const TierRulesSchema = z
  .object({
    basis: z.enum(['points', 'spend']),
    /** Qualification looks back this many months from the period end. */
    windowMonths: z.number().int().min(1).max(36),
    /** Tiers are evaluated at the end of each period. */
    period: z.enum(['month', 'quarter', 'year']),
    levels: z.array(z.object({ tier: TierSchema, threshold: NonNegativeDecimalSchema }).strict()).min(1).max(3),
  })
  .strict()
  .superRefine((t, ctx) => {
    for (let i = 1; i < t.levels.length; i++) {
      const prev = t.levels[i - 1]!;
      const cur = t.levels[i]!;
      if (tiers.indexOf(cur.tier) <= tiers.indexOf(prev.tier))
        ctx.addIssue({ code: 'custom', message: 'levels must be listed silver, gold, platinum (each once)', path: ['levels', i, 'tier'] });
      if (!new Decimal(cur.threshold).gt(prev.threshold))
        ctx.addIssue({ code: 'custom', message: 'thresholds must increase', path: ['levels', i, 'threshold'] });
    }
  });
export type TierRules = z.infer<typeof TierRulesSchema>;

export const LoyaltyRulesSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** Points per currency unit spent, e.g. "1" or "0.5". */
    pointsPerUnit: NonNegativeDecimalSchema,
    categoryMultipliers: z.record(z.string().min(1), MultiplierSchema).default({}),
    campaignMultipliers: z.record(z.string().min(1), MultiplierSchema).default({}),
    bonuses: z
      .object({
        signup: z.number().int().nonnegative().default(0),
        birthday: z.number().int().nonnegative().default(0),
        review: z.number().int().nonnegative().default(0),
      })
      .strict()
      .default({ signup: 0, birthday: 0, review: 0 }),
    /** Points expire this many months after they were earned; null = never. */
    expiryMonths: z.number().int().min(1).max(120).nullable().default(null),
    tiers: TierRulesSchema.optional(),
  })
  .strict();
export type LoyaltyRules = z.infer<typeof LoyaltyRulesSchema>;
export type LoyaltyRulesInput = z.input<typeof LoyaltyRulesSchema>;

// ---------------------------------------------------------------------------------------------------
// Ledger model

export const programmeAccounts = {
  issued: 'programme:issued',
  redeemed: 'programme:redeemed',
  expired: 'programme:expired',
  reversed: 'programme:reversed',
} as const;

export const customerAccount = (customerId: string) => `customer:${customerId}:points`;

export const movementKinds = ['accrual', 'bonus', 'redemption', 'expiry', 'reversal'] as const;
export const MovementKindSchema = z.enum(movementKinds);
export type MovementKind = z.infer<typeof MovementKindSchema>;

export const EntrySchema = z.object({
  movementId: z.string().min(1),
  account: z.string().min(1),
  /** Signed whole points: + credits the account's balance, - debits it. */
  points: z.number().int(),
  at: IsoDateTimeSchema,
});
export type Entry = z.infer<typeof EntrySchema>;

export const MovementSchema = z.object({
  id: z.string().min(1),
  kind: MovementKindSchema,
  customerId: z.string().min(1),
  /** Always positive; the direction follows from the kind. */
  points: z.number().int().positive(),
  at: IsoDateTimeSchema,
  /** What caused it: purchase id, refund id, redemption id, bonus reference, lot id. */
  ref: z.string().min(1),
  /** For debits that belong to one lot (a reversal of an accrual, the expiry of a lot). */
  lotRef: z.string().optional(),
  entries: z.tuple([EntrySchema, EntrySchema]),
});
export type Movement = z.infer<typeof MovementSchema>;

const counterAccount: Record<MovementKind, string> = {
  accrual: programmeAccounts.issued,
  bonus: programmeAccounts.issued,
  redemption: programmeAccounts.redeemed,
  expiry: programmeAccounts.expired,
  reversal: programmeAccounts.reversed,
};

export const isCredit = (kind: MovementKind) => kind === 'accrual' || kind === 'bonus';

/** Build a movement with its balanced pair of entries. */
export function buildMovement(m: Omit<Movement, 'entries'>): Movement {
  if (!Number.isInteger(m.points) || m.points <= 0) throw new RangeError(`movement points must be a positive integer, got ${m.points}`);
  const sign = isCredit(m.kind) ? 1 : -1;
  return {
    ...m,
    entries: [
      { movementId: m.id, account: customerAccount(m.customerId), points: sign * m.points, at: m.at },
      { movementId: m.id, account: counterAccount[m.kind], points: -sign * m.points, at: m.at },
    ],
  };
}

/** Every movement sums to zero over exactly two entries on two different accounts. */
export function isBalanced(entries: readonly Entry[]): boolean {
  const byMovement = new Map<string, Entry[]>();
  for (const e of entries) byMovement.set(e.movementId, [...(byMovement.get(e.movementId) ?? []), e]);
  for (const list of byMovement.values()) {
    if (list.length !== 2 || list[0]!.account === list[1]!.account) return false;
    if (list[0]!.points + list[1]!.points !== 0) return false;
  }
  return true;
}

/** Balance of an account from its entries, optionally as of an instant (inclusive). */
export function balanceOf(entries: readonly Entry[], account: string, asOf?: Date): number {
  let sum = 0;
  for (const e of entries) {
    if (e.account !== account) continue;
    if (asOf && Date.parse(e.at) > asOf.getTime()) continue;
    sum += e.points;
  }
  return sum;
}

export const customerBalance = (entries: readonly Entry[], customerId: string, asOf?: Date) =>
  balanceOf(entries, customerAccount(customerId), asOf);

// ---------------------------------------------------------------------------------------------------
// Accrual, bonus, reversal, redemption

export const PurchaseSchema = z.object({
  purchaseId: z.string().min(1),
  customerId: z.string().min(1),
  occurredAt: IsoDateTimeSchema,
  campaignId: z.string().optional(),
  lines: z
    .array(z.object({ lineId: z.string().min(1), category: z.string().default('default'), amount: NonNegativeDecimalSchema }))
    .min(1),
});
export type Purchase = z.infer<typeof PurchaseSchema>;

export interface Accrual {
  movement: Movement | null;
  purchaseId: string;
  purchaseAmount: string;
  /** Whole points credited (floor of the exact sum). */
  points: number;
  lines: { lineId: string; amount: string; multiplier: string; points: string }[];
}

const mult = (v: number | string | undefined) => new Decimal(v ?? 1);

/** Points for a purchase: per line amount × pointsPerUnit × category × campaign multiplier, floored in total. */
export function accrualFor(purchase: Purchase, rules: LoyaltyRules): Accrual {
  const campaign = purchase.campaignId ? mult(rules.campaignMultipliers[purchase.campaignId]) : new Decimal(1);
  let exact = new Decimal(0);
  let amount = new Decimal(0);
  const lines = purchase.lines.map((l) => {
    const m = mult(rules.categoryMultipliers[l.category]).times(campaign);
    const pts = new Decimal(l.amount).times(rules.pointsPerUnit).times(m);
    exact = exact.plus(pts);
    amount = amount.plus(l.amount);
    return { lineId: l.lineId, amount: l.amount, multiplier: m.toString(), points: pts.toString() };
  });
  const points = exact.floor().toNumber();
  return {
    movement:
      points > 0
        ? buildMovement({ id: `acc:${purchase.purchaseId}`, kind: 'accrual', customerId: purchase.customerId, points, at: purchase.occurredAt, ref: purchase.purchaseId })
        : null,
    purchaseId: purchase.purchaseId,
    purchaseAmount: amount.toString(),
    points,
    lines,
  };
}

/** A bonus movement (null when the programme gives no points for it). `ref` makes it unique, e.g. "cus_1:2025". */
export function bonusFor(kind: BonusKind, customerId: string, at: string, ref: string, rules: LoyaltyRules): Movement | null {
  const points = rules.bonuses[kind];
  if (points <= 0) return null;
  return buildMovement({ id: `bonus:${kind}:${ref}`, kind: 'bonus', customerId, points, at, ref: `${kind}:${ref}` });
}

export const RefundSchema = z.object({
  refundId: z.string().min(1),
  purchaseId: z.string().min(1),
  customerId: z.string().min(1),
  occurredAt: IsoDateTimeSchema,
  amount: NonNegativeDecimalSchema,
});
export type Refund = z.infer<typeof RefundSchema>;

export type ReversalResult =
  | { ok: true; movement: Movement | null; points: number; refundedTotal: string; reversedTotal: number }
  | { ok: false; error: 'refund_exceeds_purchase'; refundable: string };

/**
 * Points to take back for a refund. Cumulative pro rata: after all refunds so far the reversed total is
 * floor(original × refundedTotal / purchaseAmount), so a full refund (in one or many parts) reverses
 * exactly the original points and never more.
 */
export function reversalFor(
  refund: Refund,
  original: Pick<Accrual, 'purchaseId' | 'purchaseAmount' | 'points'>,
  prior: { refundedAmount: string; reversedPoints: number } = { refundedAmount: '0', reversedPoints: 0 },
): ReversalResult {
  const total = new Decimal(original.purchaseAmount);
  const refundedTotal = new Decimal(prior.refundedAmount).plus(refund.amount);
  if (refundedTotal.gt(total)) return { ok: false, error: 'refund_exceeds_purchase', refundable: total.minus(prior.refundedAmount).toString() };
  const target = total.isZero() ? original.points : new Decimal(original.points).times(refundedTotal).div(total).floor().toNumber();
  const points = Math.max(0, target - prior.reversedPoints);
  return {
    ok: true,
    movement:
      points > 0
        ? buildMovement({ id: `rev:${refund.refundId}`, kind: 'reversal', customerId: refund.customerId, points, at: refund.occurredAt, ref: refund.refundId, lotRef: `acc:${original.purchaseId}` })
        : null,
    points,
    refundedTotal: refundedTotal.toString(),
    reversedTotal: prior.reversedPoints + points,
  };
}

export type RedemptionCheck = { ok: true; balanceAfter: number } | { ok: false; reason: 'insufficient_points' | 'invalid_points'; balance: number };

/** A redemption may never take the balance below zero. */
export function checkRedemption(balance: number, points: number): RedemptionCheck {
  if (!Number.isInteger(points) || points <= 0) return { ok: false, reason: 'invalid_points', balance };
  if (points > balance) return { ok: false, reason: 'insufficient_points', balance };
  return { ok: true, balanceAfter: balance - points };
}

export function redemptionFor(
  r: { redemptionId: string; customerId: string; points: number; at: string; rewardId: string },
  balance: number,
): { ok: true; movement: Movement; balanceAfter: number } | Extract<RedemptionCheck, { ok: false }> {
  const check = checkRedemption(balance, r.points);
  if (!check.ok) return check;
  return {
    ok: true,
    balanceAfter: check.balanceAfter,
    movement: buildMovement({ id: `red:${r.redemptionId}`, kind: 'redemption', customerId: r.customerId, points: r.points, at: r.at, ref: r.rewardId }),
  };
}

// ---------------------------------------------------------------------------------------------------
// FIFO lots and expiry

export interface Lot {
  lotId: string;
  acquiredAt: string;
  points: number;
  remaining: number;
}

const byTime = (a: Movement, b: Movement) => Date.parse(a.at) - Date.parse(b.at) || (isCredit(a.kind) === isCredit(b.kind) ? 0 : isCredit(a.kind) ? -1 : 1);

/**
 * Replay one customer's movements (up to `until`, inclusive) into lots. Every credit opens a lot;
 * every debit consumes its own lot first (lotRef) and then the oldest lots. Debits beyond all lots
 * (a reversal of points already spent) are returned as `deficit`.
 */
export function replayLots(movements: readonly Movement[], until?: Date): { lots: Lot[]; deficit: number } {
  const lots: Lot[] = [];
  let deficit = 0;
  const sorted = [...movements].filter((m) => !until || Date.parse(m.at) <= until.getTime()).sort(byTime);
  for (const m of sorted) {
    if (isCredit(m.kind)) {
      lots.push({ lotId: m.id, acquiredAt: m.at, points: m.points, remaining: m.points });
      continue;
    }
    let left = m.points;
    const own = m.lotRef ? lots.find((l) => l.lotId === m.lotRef) : undefined;
    for (const lot of own ? [own, ...lots.filter((l) => l !== own)] : lots) {
      if (left === 0) break;
      const take = Math.min(lot.remaining, left);
      lot.remaining -= take;
      left -= take;
    }
    deficit += left;
  }
  return { lots, deficit };
}

export function expiresAt(acquiredAt: string, months: number): Date {
  return DateTime.fromISO(acquiredAt, { zone: 'utc' }).plus({ months }).toJSDate();
}

/**
 * Lots (oldest first) whose unspent points have expired at `at`, with the expiry movements to record.
 * The movements are dated `at` (when the expiry is booked), so replaying the ledger later gives the same lots.
 */
export function expiryDue(movements: readonly Movement[], at: Date, rules: Pick<LoyaltyRules, 'expiryMonths'>): { lotId: string; points: number; expiresAt: Date; movement: Movement }[] {
  if (rules.expiryMonths === null) return [];
  const months = rules.expiryMonths;
  const customerId = movements[0]?.customerId;
  if (!customerId) return [];
  return replayLots(movements, at)
    .lots.filter((l) => l.remaining > 0 && expiresAt(l.acquiredAt, months).getTime() <= at.getTime())
    .map((l) => {
      const exp = expiresAt(l.acquiredAt, months);
      return {
        lotId: l.lotId,
        points: l.remaining,
        expiresAt: exp,
        movement: buildMovement({ id: `exp:${l.lotId}`, kind: 'expiry', customerId, points: l.remaining, at: at.toISOString(), ref: l.lotId, lotRef: l.lotId }),
      };
    });
}

// ---------------------------------------------------------------------------------------------------
// Tiers

/** The instant a tier period ends (exclusive): the start of the next month, quarter or year in UTC. */
export function periodEndAfter(at: Date, period: TierRules['period']): Date {
  return DateTime.fromJSDate(at, { zone: 'utc' }).startOf(period).plus({ [`${period}s`]: 1 }).toJSDate();
}

export interface TierActivity {
  movements?: readonly Movement[];
  /** Purchases (positive) and refunds (negative) amounts for spend-based tiers. */
  spend?: readonly { at: string; amount: string }[];
}

/**
 * The tier a customer qualifies for at `periodEnd`, from activity in [periodEnd - windowMonths, periodEnd).
 * Points basis counts earned points (accruals and bonuses minus reversals; redemptions and expiry do not
 * reduce qualification). Spend basis counts purchases minus refunds.
 */
export function tierAt(activity: TierActivity, periodEnd: Date, rules: LoyaltyRules): { tier: Tier | null; value: string } {
  const t = rules.tiers;
  if (!t) return { tier: null, value: '0' };
  const end = periodEnd.getTime();
  const start = DateTime.fromJSDate(periodEnd, { zone: 'utc' }).minus({ months: t.windowMonths }).toMillis();
  const inWindow = (iso: string) => {
    const ms = Date.parse(iso);
    return ms >= start && ms < end;
  };
  let value = new Decimal(0);
  if (t.basis === 'points') {
    for (const m of activity.movements ?? []) {
      if (!inWindow(m.at)) continue;
      if (isCredit(m.kind)) value = value.plus(m.points);
      else if (m.kind === 'reversal') value = value.minus(m.points);
    }
  } else {
    for (const s of activity.spend ?? []) if (inWindow(s.at)) value = value.plus(s.amount);
  }
  let tier: Tier | null = null;
  for (const level of t.levels) if (value.gte(level.threshold)) tier = level.tier;
  return { tier, value: value.toString() };
}

export function tierChange(current: Tier | null, qualified: Tier | null): { from: Tier | null; to: Tier | null; change: 'upgrade' | 'downgrade' | 'none' } {
  const rank = (x: Tier | null) => (x === null ? -1 : tiers.indexOf(x));
  const d = rank(qualified) - rank(current);
  return { from: current, to: qualified, change: d > 0 ? 'upgrade' : d < 0 ? 'downgrade' : 'none' };
}

/** Evaluate at a period end: the qualified tier and how it differs from the current one. */
export function evaluateTierAtPeriodEnd(current: Tier | null, activity: TierActivity, periodEnd: Date, rules: LoyaltyRules) {
  const q = tierAt(activity, periodEnd, rules);
  return { ...tierChange(current, q.tier), value: q.value, periodEnd };
}
