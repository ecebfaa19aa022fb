import { code } from '@crm/contracts';
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { recordDeliveryReport } from '../application/deliveries.ts';
import type { Db } from '../db.ts';

export const deliveryRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post('/v1/deliveries/reports', {
    config: { auth: { roles: ['integrator'] } },
    schema: {
      tags: ['deliveries'],
      summary: 'A channel reports what became of a message (delivered, opened, clicked, bounced); recorded once and published',
      body: z.strictObject({
        messageId: z.string().regex(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/),
        outcome: z.enum(['delivered', 'opened', 'clicked', 'bounced']),
        at: z.iso.datetime().optional(),
        linkCode: code.optional(),
        bounceType: z.enum(['hard', 'soft']).optional(),
      }),
      response: { 200: z.object({ recorded: z.boolean() }) },
    },
  }, async (req) => recordDeliveryReport(db, req.body, { requestId: req.id }));
};
