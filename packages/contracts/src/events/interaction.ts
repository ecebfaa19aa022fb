// Events of the interaction service (topic crm.interaction) and the integrators' command topic
// (crm.interaction.ingest). Subjects, summaries and other free text stay in the service's database.
import { z } from 'zod';
import { defineEvent } from '../define.ts';
import {
  agentRef, campaignId, currency, customerId, direction, externalRef, code, idOf, idPrefixes, interactionChannel,
  interactionId, interactionIntent, interactionKind, interactionOutcome, money, purchaseChannel, purchaseId,
  purchaseSource, queueId, refundReason, seconds, servqualDimension, surveyKind, ticketId, timestamp,
} from '../vocabulary.ts';

const HISTORY = 'crm.interaction';

/** The facts of one interaction; shared by recorded and corrected. */
const interactionFacts = {
  interactionId,
  customerId,
  channel: interactionChannel,
  direction,
  kind: interactionKind,
  occurredAt: timestamp,
  durationSeconds: seconds.optional(),
  outcome: interactionOutcome.optional(),
  intent: interactionIntent.optional().describe('complaint and request open a ticket when inbound.'),
  ticketId: ticketId.optional(),
  campaignId: campaignId.optional(),
  agentId: agentRef.optional(),
  // Call-centre measures.
  queueId: queueId.optional(),
  queueWaitSeconds: seconds.optional(),
  handleSeconds: seconds.optional(),
  firstContactResolution: z.boolean().optional(),
};

export const interactionRecorded = defineEvent({
  type: 'crm.interaction.recorded.v1',
  topic: HISTORY,
  description: 'A touchpoint on any channel was recorded.',
  data: z.object(interactionFacts),
});

export const interactionCorrected = defineEvent({
  type: 'crm.interaction.corrected.v1',
  topic: HISTORY,
  description: 'An interaction was corrected; carries the full corrected facts. The previous revision is kept in history.',
  data: z.object({
    ...interactionFacts,
    revision: z.number().int().min(2),
    changedFields: z.array(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.]{0,63}$/)).min(1),
  }),
});

export const purchaseRecorded = defineEvent({
  type: 'crm.purchase.recorded.v1',
  topic: HISTORY,
  description: 'A purchase was recorded (once per order id).',
  data: z.object({
    purchaseId,
    orderId: externalRef,
    customerId,
    amount: money,
    currency,
    occurredAt: timestamp,
    channel: purchaseChannel,
    lineCount: z.number().int().nonnegative(),
    source: purchaseSource,
    campaignId: campaignId.optional(),
  }),
});

export const purchaseRefunded = defineEvent({
  type: 'crm.purchase.refunded.v1',
  topic: HISTORY,
  description: 'All or part of a purchase was refunded; amount is the refunded amount (positive).',
  data: z.object({
    refundId: idOf(idPrefixes.refund),
    purchaseId,
    orderId: externalRef,
    customerId,
    amount: money,
    currency,
    occurredAt: timestamp,
    reason: refundReason,
    full: z.boolean().describe('true when the whole purchase amount has now been refunded.'),
  }),
});

const servqualItem = z.object({
  dimension: servqualDimension,
  item: z.number().int().min(1).max(22),
  expectation: z.number().int().min(1).max(7),
  perception: z.number().int().min(1).max(7),
});

export const surveyAnswered = defineEvent({
  type: 'crm.survey.answered.v1',
  topic: HISTORY,
  description: 'A survey was answered: CSAT (score 1-5), NPS (score 0-10) or SERVQUAL (items on a 1-7 scale). No comments.',
  data: z
    .object({
      responseId: idOf(idPrefixes.surveyResponse),
      customerId,
      kind: surveyKind,
      answeredAt: timestamp,
      score: z.number().int().min(0).max(10).optional(),
      servqual: z.array(servqualItem).min(1).optional(),
      ticketId: ticketId.optional(),
      interactionId: interactionId.optional(),
      campaignId: campaignId.optional(),
    })
    .superRefine((d, ctx) => {
      // One object for three kinds keeps the schema flat; these rules keep each kind honest.
      if (d.kind === 'csat' && (d.score === undefined || d.score < 1 || d.score > 5))
        ctx.addIssue({ code: 'custom', path: ['score'], message: 'csat needs a score from 1 to 5' });
      if (d.kind === 'nps' && d.score === undefined)
        ctx.addIssue({ code: 'custom', path: ['score'], message: 'nps needs a score from 0 to 10' });
      if (d.kind === 'servqual' && d.servqual === undefined)
        ctx.addIssue({ code: 'custom', path: ['servqual'], message: 'servqual needs items' });
    }),
});

export const interactionErasureConfirmed = defineEvent({
  type: 'crm.interaction.erasure_confirmed.v1',
  topic: HISTORY,
  description: 'The interaction service deleted the free text and personal data of an erased customer.',
  data: z.object({ customerId, erasedAt: timestamp, confirmedAt: timestamp }),
});

// ---- commands from integrators on crm.interaction.ingest ----------------------------------------------
// Integrators name the customer by our id or by their own (system + id). Subject: the order id or the
// customer reference, so one customer's commands stay in order.
const customerRef = {
  customerId: customerId.optional(),
  customerExternalId: z.object({ system: code, id: externalRef }).optional(),
};
function requireCustomer(d: { customerId?: string | undefined; customerExternalId?: unknown }, ctx: z.RefinementCtx) {
  if (d.customerId === undefined && d.customerExternalId === undefined)
    ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'customerId or customerExternalId is required' });
}

export const recordPurchaseCommand = defineEvent({
  type: 'crm.interaction.command.record_purchase.v1',
  topic: 'crm.interaction.ingest',
  description: 'Integrator command: record a purchase. Idempotent on orderId.',
  data: z
    .object({
      orderId: externalRef,
      ...customerRef,
      amount: money,
      currency,
      occurredAt: timestamp,
      channel: purchaseChannel.optional(),
      lines: z
        .array(z.object({ sku: externalRef, quantity: z.number().int().positive(), unitPrice: money }))
        .optional(),
    })
    .superRefine(requireCustomer),
});

export const recordInteractionCommand = defineEvent({
  type: 'crm.interaction.command.record_interaction.v1',
  topic: 'crm.interaction.ingest',
  description:
    'Integrator command: record an interaction. Idempotent on externalId. Free text (subject, summary) ' +
    'is not accepted on a topic; send it over HTTP.',
  data: z
    .object({
      externalId: externalRef,
      ...customerRef,
      channel: interactionChannel,
      direction,
      kind: interactionKind,
      occurredAt: timestamp,
      durationSeconds: seconds.optional(),
      outcome: interactionOutcome.optional(),
      intent: interactionIntent.optional(),
      agentId: agentRef.optional(),
      queueWaitSeconds: seconds.optional(),
      handleSeconds: seconds.optional(),
      firstContactResolution: z.boolean().optional(),
    })
    .superRefine(requireCustomer),
});
