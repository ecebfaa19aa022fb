import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { customerInstances, listDefinitions } from '../application/journeys.ts';
import type { Db } from '../db.ts';

const READ = ['marketer', 'analyst'] as const;

export const journeyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/v1/journeys', {
    config: { auth: { roles: [...READ] } },
    schema: {
      tags: ['journeys'],
      summary: 'Journey definitions (the contact cycle: welcome, first purchase, birthday, low CSAT follow-up, win-back)',
      response: { 200: z.object({ items: z.array(z.object({ key: z.string(), journeyId: z.string(), version: z.number(), name: z.string(), active: z.boolean(), definition: z.unknown() })) }) },
    },
  }, async () => ({ items: await listDefinitions(db) }));

  app.get('/v1/journeys/instances/:customerId', {
    config: { auth: { roles: [...READ] } },
    schema: {
      tags: ['journeys'],
      summary: "A customer's journey instances with their state and wake time",
      params: z.strictObject({ customerId: z.string().min(1).max(64) }),
      response: { 200: z.object({ items: z.array(z.object({ enrollmentId: z.string(), journeyKey: z.string(), status: z.string(), wakeAt: z.string().nullable(), state: z.record(z.string(), z.unknown()), createdAt: z.string(), updatedAt: z.string() })) }) },
    },
  }, async (req) => ({ items: await customerInstances(db, req.params.customerId) }));
};
