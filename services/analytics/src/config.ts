import { baseConfig } from '@crm/service-kit';
import { z } from 'zod';

export const analyticsConfig = baseConfig.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3005),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/crm_analytics'),
  SERVICE_NAME: z.string().default('analytics'),
  /** Prefix of the projection consumer group; a rebuild switches to `<prefix>.r<time>`. */
  PROJECTION_GROUP: z.string().default('crm-analytics'),
  /** Partitions projected at once, each in its own transaction. */
  PROJECTION_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(6),
  /** Scheduled value recompute (refit + CLV + RFM + churn); 0 turns the schedule off. */
  RECOMPUTE_INTERVAL_MS: z.coerce.number().int().min(0).default(15 * 60_000),
  /** Predicted CLV horizon in months and discount rate per month. */
  CLV_HORIZON_MONTHS: z.coerce.number().int().min(1).max(120).default(12),
  CLV_MONTHLY_DISCOUNT_RATE: z.coerce.number().min(0).max(1).default(0.01),
  /** Currency reported when a customer's purchases carried none we know of. */
  DEFAULT_CURRENCY: z.string().regex(/^[A-Z]{3}$/).default('EUR'),
});

export type AnalyticsConfig = z.infer<typeof analyticsConfig>;
