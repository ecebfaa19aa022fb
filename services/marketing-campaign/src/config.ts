import { baseConfig } from '@crm/service-kit';
import { z } from 'zod';

export const marketingConfig = baseConfig.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3004),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/crm_marketing'),
  SERVICE_NAME: z.string().default('marketing-campaign'),
  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  MAIL_FROM: z.string().default('CRM <marketing@crm.local>'),
  /** SMS/push provider base URL; the default is this service's own development sink. */
  PROVIDER_URL: z.string().url().optional(),
  /** How often the DB-driven scheduler looks for due campaigns and journey waits. */
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
});

export type MarketingConfig = z.infer<typeof marketingConfig>;
