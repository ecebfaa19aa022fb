import { baseConfig } from '@crm/service-kit';
import { z } from 'zod';

export const customerConfig = baseConfig.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3001),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/crm_customer'),
  SERVICE_NAME: z.string().default('customer'),
  /** Reads of one customer may be served from memory this long; writes through the same instance invalidate at once. */
  CUSTOMER_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
});

export type CustomerConfig = z.infer<typeof customerConfig>;
