// HTTP shapes of the interaction API. Bodies are strict: an unknown field is a 400 that names it.
import {
  agentRef, campaignId, code, customerId, direction, externalRef, interactionChannel, interactionId, interactionIntent, interactionKind,
  interactionOutcome, money, purchaseChannel, refundReason, servqualDimension, surveyKind, ticketId, queueId, seconds,
} from '@crm/contracts';
import { z } from 'zod';
import { isCurrency } from './domain/money.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
/** ISO 8601 date-time with Z or an offset. */
const isoTime = z.iso.datetime({ offset: true });
export const currencyInput = z.string().refine(isCurrency, 'expected an ISO 4217 currency code like "EUR"');
export const moneyInput = money;

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });

const interactionFields = {
  channel: interactionChannel,
  direction,
  kind: interactionKind,
  intent: interactionIntent.optional(),
  subject: text(500).optional(),
  summary: text(20_000).optional(),
  agentId: agentRef.optional(),
  occurredAt: isoTime,
  durationSeconds: seconds.optional(),
  outcome: interactionOutcome.optional(),
  ticketId: ticketId.optional(),
  campaignId: campaignId.optional(),
  queueId: queueId.optional(),
  queueWaitSeconds: seconds.optional(),
  handleSeconds: seconds.optional(),
  firstContactResolution: z.boolean().optional(),
};

export const interactionCreate = z.strictObject({ customerId, ...interactionFields });
export type InteractionCreate = z.infer<typeof interactionCreate>;

/** A correction: any subset of the facts; null clears an optional one. */
export const interactionPatch = z
  .strictObject({
    channel: interactionChannel.optional(),
    direction: direction.optional(),
    kind: interactionKind.optional(),
    occurredAt: isoTime.optional(),
    intent: interactionIntent.nullable().optional(),
    subject: text(500).nullable().optional(),
    summary: text(20_000).nullable().optional(),
    agentId: agentRef.nullable().optional(),
    durationSeconds: seconds.nullable().optional(),
    outcome: interactionOutcome.nullable().optional(),
    ticketId: ticketId.nullable().optional(),
    campaignId: campaignId.nullable().optional(),
    queueId: queueId.nullable().optional(),
    queueWaitSeconds: seconds.nullable().optional(),
    handleSeconds: seconds.nullable().optional(),
    firstContactResolution: z.boolean().nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to correct');
export type InteractionPatch = z.infer<typeof interactionPatch>;

export const interactionView = z.object({
  id: z.string(),
  customerId: z.string(),
  externalId: z.string().nullable(),
  channel: z.string(),
  direction: z.string(),
  kind: z.string(),
  intent: z.string().nullable(),
  subject: z.string().nullable(),
  summary: z.string().nullable(),
  agentId: z.string().nullable(),
  occurredAt: z.string(),
  durationSeconds: z.number().nullable(),
  outcome: z.string().nullable(),
  ticketId: z.string().nullable(),
  campaignId: z.string().nullable(),
  queueId: z.string().nullable(),
  queueWaitSeconds: z.number().nullable(),
  handleSeconds: z.number().nullable(),
  firstContactResolution: z.boolean().nullable(),
  source: z.string(),
  version: z.number(),
  corrected: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type InteractionView = z.infer<typeof interactionView>;

export const revisionView = z.object({
  version: z.number(),
  current: z.boolean(),
  changedFields: z.array(z.string()),
  changedBy: z.string().nullable(),
  changedAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const searchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional(),
  customerId: customerId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});

const purchaseLine = z.strictObject({ sku: externalRef, quantity: z.number().int().positive(), unitPrice: money, description: text(200).optional() });

export const purchaseCreate = z
  .strictObject({
    orderId: externalRef,
    /** The system that issued orderId (and customerExternalId); orders are unique per source system. */
    sourceSystem: code.default('api'),
    customerId: customerId.optional(),
    customerExternalId: externalRef.optional(),
    amount: money,
    currency: currencyInput,
    occurredAt: isoTime,
    channel: purchaseChannel.default('other'),
    campaignId: campaignId.optional(),
    lines: z.array(purchaseLine).max(1000).default([]),
  })
  .refine((p) => p.customerId !== undefined || p.customerExternalId !== undefined, { message: 'customerId or customerExternalId is required', path: ['customerId'] });
export type PurchaseCreate = z.infer<typeof purchaseCreate>;

export const purchaseView = z.object({
  id: z.string(),
  orderId: z.string(),
  sourceSystem: z.string(),
  customerId: z.string(),
  amount: z.string(),
  refundedAmount: z.string(),
  currency: z.string(),
  occurredAt: z.string(),
  channel: z.string(),
  source: z.string(),
  campaignId: z.string().nullable(),
  lines: z.array(z.record(z.string(), z.unknown())),
  refunds: z.array(z.object({ id: z.string(), amount: z.string(), reason: z.string(), occurredAt: z.string() })),
  createdAt: z.string(),
});
export type PurchaseView = z.infer<typeof purchaseView>;

export const refundCreate = z.strictObject({
  amount: money,
  reason: refundReason,
  occurredAt: isoTime.optional(),
});

export const surveyCreate = z
  .strictObject({
    customerId,
    kind: surveyKind,
    score: z.number().int().min(0).max(10).optional(),
    servqual: z
      .array(z.strictObject({ dimension: servqualDimension, item: z.number().int().min(1).max(22), expectation: z.number().int().min(1).max(7), perception: z.number().int().min(1).max(7) }))
      .min(1)
      .max(22)
      .optional(),
    comment: text(5000).optional(),
    answeredAt: isoTime.optional(),
    ticketId: ticketId.optional(),
    interactionId: interactionId.optional(),
    campaignId: campaignId.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.kind === 'csat' && (d.score === undefined || d.score < 1 || d.score > 5)) ctx.addIssue({ code: 'custom', path: ['score'], message: 'csat needs a score from 1 to 5' });
    if (d.kind === 'nps' && d.score === undefined) ctx.addIssue({ code: 'custom', path: ['score'], message: 'nps needs a score from 0 to 10' });
    if (d.kind === 'servqual' && d.servqual === undefined) ctx.addIssue({ code: 'custom', path: ['servqual'], message: 'servqual needs items' });
    if (d.kind === 'servqual' && d.score !== undefined) ctx.addIssue({ code: 'custom', path: ['score'], message: 'servqual has items, not a score' });
    if (d.kind !== 'servqual' && d.servqual !== undefined) ctx.addIssue({ code: 'custom', path: ['servqual'], message: `${d.kind} has a score, not servqual items` });
  });
export type SurveyCreate = z.infer<typeof surveyCreate>;

export const surveyView = z.object({
  id: z.string(),
  customerId: z.string(),
  kind: z.string(),
  score: z.number().nullable(),
  servqual: z.array(z.object({ dimension: z.string(), item: z.number(), expectation: z.number(), perception: z.number() })).nullable(),
  comment: z.string().nullable(),
  answeredAt: z.string(),
  ticketId: z.string().nullable(),
  interactionId: z.string().nullable(),
  campaignId: z.string().nullable(),
});

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item).min(1)).optional();

export const timelineQuery = z.strictObject({
  /** Entry types: interaction, purchase, refund, survey (comma separated). */
  type: csv(z.enum(['interaction', 'purchase', 'refund', 'survey'])),
  /** Channels (interactions and purchases have one). */
  channel: csv(z.string().regex(/^[a-z_]+$/)),
  /** Interaction kinds (call, message …): restricts the timeline to interactions. */
  kind: csv(interactionKind),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export type TimelineQuery = z.infer<typeof timelineQuery>;

export const timelineEntry = z.object({
  type: z.enum(['interaction', 'purchase', 'refund', 'survey']),
  id: z.string(),
  occurredAt: z.string(),
  channel: z.string().nullable(),
  kind: z.string().nullable(),
  direction: z.string().nullable(),
  subject: z.string().nullable(),
  amount: z.string().nullable(),
  currency: z.string().nullable(),
  score: z.number().nullable(),
  refId: z.string().nullable(),
});
export type TimelineEntry = z.infer<typeof timelineEntry>;

export const importReport = z.object({
  received: z.number(),
  recorded: z.number(),
  /** Same as recorded: the name the CLI's summary reads. */
  accepted: z.number(),
  duplicates: z.number(),
  rejected: z.number(),
  errors: z.array(z.object({ line: z.number(), message: z.string() })),
});
