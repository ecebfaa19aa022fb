import { baseConfig } from '@crm/service-kit';
import { z } from 'zod';

export const ticketingConfig = baseConfig.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3003),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/crm_ticketing'),
  SERVICE_NAME: z.string().default('ticketing'),
  /** how often the SLA scheduler looks for due tickets */
  SLA_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  SLA_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** how long after resolution a reopen is allowed */
  REOPEN_WINDOW_HOURS: z.coerce.number().int().min(0).max(24 * 365).default(168),
});

export type TicketingConfig = z.infer<typeof ticketingConfig>;
