// Customer facts the marketing service keeps from events (no raw personal data besides what
// templates need, which lives elsewhere). Pure data shapes shared by segments, send policy and journeys.
import { IANAZone } from 'luxon';
import { z } from 'zod';

export const channels = ['email', 'sms', 'direct_mail', 'push'] as const;
export const ChannelSchema = z.enum(channels);
export type Channel = z.infer<typeof ChannelSchema>;

export const consentPurposes = ['marketing', 'service', 'profiling'] as const;
export const ConsentPurposeSchema = z.enum(consentPurposes);
export type ConsentPurpose = z.infer<typeof ConsentPurposeSchema>;

export const lifecycleStages = ['lead', 'prospect', 'new', 'active', 'at_risk', 'churned', 'won_back'] as const;
export const LifecycleStageSchema = z.enum(lifecycleStages);
export type LifecycleStage = z.infer<typeof LifecycleStageSchema>;

/** Ordered: low < medium < high (comparisons lt/gt on churnRisk use this order). */
export const churnRiskLevels = ['low', 'medium', 'high'] as const;
export const ChurnRiskSchema = z.enum(churnRiskLevels);
export type ChurnRisk = z.infer<typeof ChurnRiskSchema>;

export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
export const IsoDateSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
/** A non-negative or signed decimal amount as a string, e.g. "12.50". */
export const DecimalStringSchema = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string like "12.50"');
export const NonNegativeDecimalSchema = z.string().regex(/^\d+(\.\d+)?$/, 'expected a non-negative decimal string');

export const TimeZoneSchema = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), { message: 'unknown IANA time zone' });

export const ConsentEntrySchema = z.object({
  channel: ChannelSchema,
  purpose: ConsentPurposeSchema,
  state: z.enum(['granted', 'withdrawn']),
  at: IsoDateTimeSchema.optional(),
});
export type ConsentEntry = z.infer<typeof ConsentEntrySchema>;

export const CustomerFactsSchema = z.object({
  customerId: z.string().min(1),
  lifecycleStage: LifecycleStageSchema.optional(),
  tags: z.array(z.string()).default([]),
  consent: z.array(ConsentEntrySchema).default([]),
  /** Channels for which the customer has a usable contact point (e-mail address, phone, ...). */
  contactPoints: z.array(ChannelSchema).default([]),
  country: z.string().length(2).optional(),
  timeZone: TimeZoneSchema.optional(),
  purchaseCount: z.number().int().nonnegative().default(0),
  revenue: DecimalStringSchema.default('0'),
  lastPurchaseAt: IsoDateTimeSchema.optional(),
  lastContactAt: IsoDateTimeSchema.optional(),
  registeredAt: IsoDateTimeSchema.optional(),
  rfmSegment: z.string().optional(),
  churnRisk: ChurnRiskSchema.optional(),
  valueClass: z.string().optional(),
  /** "MM-DD" or "YYYY-MM-DD". */
  birthday: z
    .string()
    .regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected MM-DD or YYYY-MM-DD')
    .optional(),
  erased: z.boolean().default(false),
});
export type CustomerFacts = z.infer<typeof CustomerFactsSchema>;
export type CustomerFactsInput = z.input<typeof CustomerFactsSchema>;

export type ConsentState = 'granted' | 'withdrawn' | 'unknown';

/** Latest consent state for a channel and purpose (entries with `at` are ordered by it; otherwise last wins). */
export function consentState(facts: Pick<CustomerFacts, 'consent'>, channel: Channel, purpose: ConsentPurpose): ConsentState {
  let best: ConsentEntry | undefined;
  for (const entry of facts.consent) {
    if (entry.channel !== channel || entry.purpose !== purpose) continue;
    if (!best || !best.at || !entry.at || Date.parse(entry.at) >= Date.parse(best.at)) best = entry;
  }
  return best ? best.state : 'unknown';
}

export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
