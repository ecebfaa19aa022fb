import { customerId } from '@crm/contracts';
import { z } from 'zod';

export const idParams = z.object({ id: customerId });
export const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
export const kpiQuery = z.object({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()),
});
export const fitBody = z.strictObject({
  calibrationEnd: z.iso.date(),
  timeUnit: z.enum(['week', 'day']).default('week'),
});
const fitMeta = {
  logLikelihood: z.number(),
  customers: z.number().int(),
  converged: z.boolean(),
  calibrationEnd: z.string(),
  timeUnit: z.enum(['week', 'day']),
  fittedAt: z.string(),
};
export const bgNbdFitView = z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number(), ...fitMeta });
export const gammaGammaFitView = z.object({ p: z.number(), q: z.number(), gamma: z.number(), ...fitMeta });
export const recomputeBody = z.strictObject({ asOf: z.iso.date().optional() });
export const rebuildStatusView = z.object({
  state: z.enum(['idle', 'running', 'done', 'failed']),
  groupId: z.string().nullable(),
  replayed: z.number().int(),
  total: z.number().int().nullable(),
  eventsPerSecond: z.number().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().optional(),
});
