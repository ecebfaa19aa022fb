// Loyalty use cases over the append-only, double-entry ledger. Every movement locks the member row
// (SELECT … FOR UPDATE) first, so concurrent redemptions serialise and the balance never goes negative
// (the CHECK constraint on loyalty_member.balance is the last line of defence).
import { newId } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import {
  accrualFor,
  bonusFor,
  expiresAt,
  isCredit,
  LoyaltyRulesSchema,
  redemptionFor,
  reversalFor,
  type LoyaltyRules,
  type Movement,
} from '../domain/index.ts';
import type { Db, Tx } from '../db.ts';
import { publishers, type Trace } from '../events/publish.ts';

export async function programmeRules(tx: Tx): Promise<LoyaltyRules> {
  const row = await tx.loyaltyProgramme.findUnique({ where: { id: 'default' } });
  return LoyaltyRulesSchema.parse(row?.rules ?? { currency: 'EUR', pointsPerUnit: '1' });
}

/** Lock (creating if needed) the member row; returns the current balance. */
export async function lockMember(tx: Tx, customerId: string): Promise<{ balance: number; tier: string | null }> {
  await tx.$executeRawUnsafe(`INSERT INTO loyalty_member (customer_id) VALUES ($1) ON CONFLICT DO NOTHING`, customerId);
  const [row] = await tx.$queryRawUnsafe<{ balance: number; tier: string | null }[]>(
    `SELECT balance, tier FROM loyalty_member WHERE customer_id = $1 FOR UPDATE`,
    customerId,
  );
  return row!;
}

/** Append a movement and its two entries; false when the movement id was already booked (idempotent). */
export async function book(tx: Tx, m: Movement, balanceBefore: number): Promise<{ booked: boolean; entryId: string; balanceAfter: number }> {
  const existing = await tx.ledgerMovement.findUnique({ where: { id: m.id }, select: { entryId: true } });
  if (existing) return { booked: false, entryId: existing.entryId, balanceAfter: balanceBefore };
  const entryId = newId('lpe');
  await tx.ledgerMovement.create({
    data: { id: m.id, entryId, kind: m.kind, customerId: m.customerId, points: m.points, ref: m.ref, lotRef: m.lotRef ?? null, at: new Date(m.at) },
  });
  await tx.ledgerEntry.createMany({ data: m.entries.map((e) => ({ movementId: m.id, account: e.account, points: e.points, at: new Date(e.at) })) });
  const delta = isCredit(m.kind) ? m.points : -m.points;
  const balanceAfter = balanceBefore + delta;
  await tx.$executeRawUnsafe(
    `UPDATE loyalty_member SET balance = $2, version = version + 1, updated_at = now() WHERE customer_id = $1`,
    m.customerId,
    balanceAfter,
  );
  return { booked: true, entryId, balanceAfter };
}

export interface PurchaseInput {
  purchaseId: string;
  customerId: string;
  amount: string;
  currency: string;
  occurredAt: string;
  campaignId?: string | undefined;
}

/** Record the purchase and credit its points (once per purchase id). */
export async function accruePurchase(tx: Tx, p: PurchaseInput, trace: Trace = {}, programme?: LoyaltyRules): Promise<number> {
  const rules = programme ?? (await programmeRules(tx));
  const accrual = p.currency === rules.currency
    ? accrualFor({ purchaseId: p.purchaseId, customerId: p.customerId, occurredAt: p.occurredAt, campaignId: p.campaignId, lines: [{ lineId: 'total', category: 'default', amount: p.amount }] }, rules)
    : null; // a purchase in another currency earns nothing (no FX rates here)
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO purchase (purchase_id, customer_id, amount, currency, occurred_at, campaign_id, points)
     VALUES ($1, $2, $3::numeric, $4, $5::timestamptz, $6, $7) ON CONFLICT DO NOTHING`,
    p.purchaseId, p.customerId, p.amount, p.currency, p.occurredAt, p.campaignId ?? null, accrual?.points ?? 0,
  );
  if (inserted === 0 || !accrual?.movement) return 0;
  const member = await lockMember(tx, p.customerId);
  const r = await book(tx, accrual.movement, member.balance);
  if (r.booked) {
    await publishers.pointsAccrued(tx, {
      entryId: r.entryId,
      customerId: p.customerId,
      points: accrual.points,
      reason: 'purchase',
      purchaseId: p.purchaseId,
      campaignId: p.campaignId,
      balanceAfter: r.balanceAfter,
      expiresAt: rules.expiryMonths ? expiresAt(p.occurredAt, rules.expiryMonths).toISOString() : undefined,
    }, trace);
  }
  return accrual.points;
}

export interface RefundInput {
  refundId: string;
  purchaseId: string;
  customerId: string;
  amount: string;
  occurredAt: string;
}

/** Take back the points of a refunded (part of a) purchase: exactly its share, never more. */
export async function reverseRefund(tx: Tx, r: RefundInput, trace: Trace = {}): Promise<number> {
  const [purchase] = await tx.$queryRawUnsafe<{ amount: string; points: number; refunded_amount: string; reversed_points: number }[]>(
    `SELECT amount::text, points, refunded_amount::text, reversed_points FROM purchase WHERE purchase_id = $1 FOR UPDATE`,
    r.purchaseId,
  );
  if (!purchase) return 0; // a refund of a purchase we never saw: nothing was credited
  if (await tx.ledgerMovement.findUnique({ where: { id: `rev:${r.refundId}` }, select: { id: true } })) return 0;
  const result = reversalFor(
    { refundId: r.refundId, purchaseId: r.purchaseId, customerId: r.customerId, occurredAt: r.occurredAt, amount: r.amount },
    { purchaseId: r.purchaseId, purchaseAmount: purchase.amount, points: purchase.points },
    { refundedAmount: purchase.refunded_amount, reversedPoints: purchase.reversed_points },
  );
  if (!result.ok) return 0;
  await tx.$executeRawUnsafe(
    `UPDATE purchase SET refunded_amount = $2::numeric, reversed_points = $3 WHERE purchase_id = $1`,
    r.purchaseId, result.refundedTotal, result.reversedTotal,
  );
  if (!result.movement) return 0;
  const member = await lockMember(tx, r.customerId);
  // Points already spent cannot be taken back below zero: the reversal is capped at the balance.
  const points = Math.min(result.movement.points, member.balance);
  if (points <= 0) return 0;
  const movement = points === result.movement.points ? result.movement : capMovement(result.movement, points);
  const booked = await book(tx, movement, member.balance);
  const accrual = await tx.ledgerMovement.findUnique({ where: { id: `acc:${r.purchaseId}` }, select: { entryId: true } });
  if (booked.booked && accrual) {
    await publishers.pointsReversed(tx, {
      entryId: booked.entryId,
      customerId: r.customerId,
      points,
      purchaseId: r.purchaseId,
      refundId: r.refundId,
      reversesEntryId: accrual.entryId,
      balanceAfter: booked.balanceAfter,
    }, trace);
  }
  return points;
}

function capMovement(m: Movement, points: number): Movement {
  return { ...m, points, entries: [{ ...m.entries[0], points: Math.sign(m.entries[0].points) * points }, { ...m.entries[1], points: Math.sign(m.entries[1].points) * points }] };
}

export interface RedemptionInput {
  redemptionId: string;
  customerId: string;
  points: number;
  rewardCode: string;
}

export async function redeem(db: Db, input: RedemptionInput, trace: Trace = {}) {
  return db.$transaction(async (tx) => {
    const member = await lockMember(tx, input.customerId);
    const existing = await tx.ledgerMovement.findUnique({ where: { id: `red:${input.redemptionId}` } });
    if (existing) {
      if (existing.customerId !== input.customerId || existing.points !== input.points)
        throw HttpProblem.conflict(`redemption ${input.redemptionId} was already booked with other values`);
      return { redemptionId: input.redemptionId, entryId: existing.entryId, customerId: input.customerId, points: existing.points, balanceAfter: member.balance, replayed: true };
    }
    const result = redemptionFor({ ...input, at: new Date().toISOString(), rewardId: input.rewardCode }, member.balance);
    if (!result.ok) {
      throw new HttpProblem(422, 'Insufficient points', `balance ${result.balance} does not cover ${input.points} points`, { reason: result.reason, balance: result.balance });
    }
    const booked = await book(tx, result.movement, member.balance);
    await publishers.pointsRedeemed(tx, { entryId: booked.entryId, customerId: input.customerId, points: input.points, redemptionId: input.redemptionId, balanceAfter: booked.balanceAfter }, trace);
    await publishers.rewardRedeemed(tx, { redemptionId: input.redemptionId, customerId: input.customerId, rewardCode: input.rewardCode, points: input.points }, trace);
    return { redemptionId: input.redemptionId, entryId: booked.entryId, customerId: input.customerId, points: input.points, balanceAfter: booked.balanceAfter, replayed: false };
  }, { maxWait: 30_000, timeout: 30_000 }); // requests for one member queue on its row lock
}

export async function memberView(db: Db, customerId: string, limit = 50) {
  const member = await db.loyaltyMember.findUnique({ where: { customerId } });
  const history = await db.ledgerMovement.findMany({ where: { customerId }, orderBy: [{ at: 'desc' }, { createdAt: 'desc' }], take: limit });
  if (!member && history.length === 0) throw HttpProblem.notFound(`no loyalty member ${customerId}`);
  return {
    customerId,
    balance: member?.balance ?? 0,
    tier: member?.tier ?? null,
    history: history.map((m) => ({
      entryId: m.entryId,
      movementId: m.id,
      kind: m.kind,
      points: isCredit(m.kind as Movement['kind']) ? m.points : -m.points,
      ref: m.ref,
      at: m.at.toISOString(),
    })),
  };
}

/** Erasure: the ledger stays (it is bookkeeping, with ids only); nothing personal lives here. */

/** The programme's sign-up bonus (once per customer: the movement id is bonus:signup:<customer>). */
export async function signupBonus(tx: Tx, customerId: string, at: string, trace: Trace = {}, programme?: LoyaltyRules): Promise<number> {
  const rules = programme ?? (await programmeRules(tx));
  const bonus = bonusFor('signup', customerId, at, customerId, rules);
  if (!bonus) return 0;
  const member = await lockMember(tx, customerId);
  const r = await book(tx, bonus, member.balance);
  if (!r.booked) return 0;
  await publishers.pointsAccrued(tx, {
    entryId: r.entryId, customerId, points: bonus.points, reason: 'sign_up', balanceAfter: r.balanceAfter,
    expiresAt: rules.expiryMonths ? expiresAt(at, rules.expiryMonths).toISOString() : undefined,
  }, trace);
  return bonus.points;
}
