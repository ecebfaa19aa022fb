// Loyalty events of the marketing-campaign service (topic crm.loyalty). The points ledger is
// append-only; each ledger event carries the balance after it so a consumer never has to recompute it.
import { z } from 'zod';
import { defineEvent } from '../define.ts';
import {
  campaignId, code, customerId, idOf, idPrefixes, pointsAccrualReason, purchaseId, tierChangeReason, timestamp,
} from '../vocabulary.ts';

const TOPIC = 'crm.loyalty';
const entryId = idOf(idPrefixes.ledgerEntry);
const redemptionId = idOf(idPrefixes.redemption);
const points = z.number().int().positive();
const balance = z.number().int().nonnegative();

export const pointsAccrued = defineEvent({
  type: 'crm.loyalty.points_accrued.v1',
  topic: TOPIC,
  description: 'Points were credited: for a purchase or a bonus (sign-up, birthday, review, campaign).',
  data: z.object({
    entryId,
    customerId,
    points,
    reason: pointsAccrualReason,
    purchaseId: purchaseId.optional(),
    campaignId: campaignId.optional(),
    balanceAfter: balance,
    expiresAt: timestamp.optional(),
  }),
});

export const pointsReversed = defineEvent({
  type: 'crm.loyalty.points_reversed.v1',
  topic: TOPIC,
  description: 'Points of a refunded purchase were taken back.',
  data: z.object({
    entryId,
    customerId,
    points,
    purchaseId,
    refundId: idOf(idPrefixes.refund),
    reversesEntryId: entryId,
    balanceAfter: balance,
  }),
});

export const pointsRedeemed = defineEvent({
  type: 'crm.loyalty.points_redeemed.v1',
  topic: TOPIC,
  description: 'Points were debited for a redemption (the ledger entry).',
  data: z.object({ entryId, customerId, points, redemptionId, balanceAfter: balance }),
});

export const pointsExpired = defineEvent({
  type: 'crm.loyalty.points_expired.v1',
  topic: TOPIC,
  description: 'Points expired (oldest first) after the configured period.',
  data: z.object({ entryId, customerId, points, balanceAfter: balance }),
});

export const tierChanged = defineEvent({
  type: 'crm.loyalty.tier_changed.v1',
  topic: TOPIC,
  description: 'A member moved to another tier (tier codes come from the programme rules).',
  data: z.object({ customerId, from: code.nullable(), to: code, reason: tierChangeReason }),
});

export const rewardRedeemed = defineEvent({
  type: 'crm.loyalty.reward_redeemed.v1',
  topic: TOPIC,
  description: 'A member redeemed points for a reward (the business fact; the debit is points_redeemed).',
  data: z.object({ redemptionId, customerId, rewardCode: code, points }),
});
