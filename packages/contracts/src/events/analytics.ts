// Events of the analytics service (topic crm.analytics): value and risk signals other services act on.
import { z } from 'zod';
import { defineEvent } from '../define.ts';
import {
  abcClass, churnRiskLevel, currency, customerId, money, probability, rfmScore, rfmSegment, timestamp,
} from '../vocabulary.ts';

const TOPIC = 'crm.analytics';
const risk = {
  customerId,
  level: churnRiskLevel,
  previousLevel: churnRiskLevel.nullable(),
  probabilityAlive: probability,
  recencyDays: z.number().int().nonnegative(),
};

export const customerValueUpdated = defineEvent({
  type: 'crm.analytics.customer_value_updated.v1',
  topic: TOPIC,
  description: 'The value of a customer changed meaningfully (not emitted on every event).',
  data: z.object({
    customerId,
    currency,
    historicalClv: money.describe('Net revenue to date.'),
    predictedClv: money.describe('Discounted expected revenue over horizonWeeks (BG/NBD + Gamma-Gamma).'),
    horizonWeeks: z.number().int().positive(),
    probabilityAlive: probability,
    expectedPurchases: z.number().nonnegative().describe('Expected purchases over horizonWeeks.'),
    abcClass,
    rfm: z.object({ recency: rfmScore, frequency: rfmScore, monetary: rfmScore, segment: rfmSegment }),
    modelFittedAt: timestamp.optional(),
  }),
});

export const churnRiskRaised = defineEvent({
  type: 'crm.analytics.churn_risk_raised.v1',
  topic: TOPIC,
  description: 'A customer crossed into a higher churn-risk level (high risk starts win-back).',
  data: z.object(risk),
});

export const churnRiskCleared = defineEvent({
  type: 'crm.analytics.churn_risk_cleared.v1',
  topic: TOPIC,
  description: 'A customer fell back below high churn risk (e.g. after a purchase).',
  data: z.object(risk),
});

export const analyticsErasureConfirmed = defineEvent({
  type: 'crm.analytics.erasure_confirmed.v1',
  topic: TOPIC,
  description: 'The analytics service removed the erased customer from its projections.',
  data: z.object({ customerId, erasedAt: timestamp, confirmedAt: timestamp }),
});
