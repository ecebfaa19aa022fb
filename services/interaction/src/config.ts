import { baseConfig } from '@crm/service-kit';
import { z } from 'zod';

export const interactionConfig = baseConfig.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3002),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/crm_interaction'),
  SERVICE_NAME: z.string().default('interaction'),
  /** The customer service: resolves external ids (creating unknown customers) and confirms customer ids. */
  CUSTOMER_SERVICE_URL: z.string().url().default('http://127.0.0.1:3001'),
  /** A bearer token for the customer service; without it one is signed with JWT_SECRET (role integrator). */
  SERVICE_TOKEN: z.string().min(1).optional(),
  /** Rows per batch of the purchase import: one resolve call and one transaction each. */
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(1000),
});

export type InteractionConfig = z.infer<typeof interactionConfig>;
