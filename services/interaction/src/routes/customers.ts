import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import type { CustomerDirectory } from '../application/customer-directory.ts';
import { answerSurvey, getSurvey } from '../application/surveys.ts';
import { customerTimeline } from '../application/timeline.ts';
import type { Db } from '../db.ts';
import { idParams, surveyCreate, surveyView, timelineEntry, timelineQuery } from '../schemas.ts';

export const customerRoutes: FastifyPluginAsyncZod<{ db: Db; directory: CustomerDirectory }> = async (app, { db, directory }) => {
  const actor = (req: { principal: { sub: string }; id: string }) => ({ sub: req.principal.sub, requestId: req.id });

  app.get('/v1/customers/:id/timeline', {
    config: { auth: { roles: ['agent'] } },
    schema: {
      tags: ['timeline'],
      summary: "A customer's interactions, purchases, refunds and survey answers, newest first (cursor pagination)",
      description: 'Filters: type (interaction,purchase,refund,survey), channel, kind (interaction kinds; only interactions), from/to (ISO times, to exclusive).',
      params: idParams,
      querystring: timelineQuery,
      response: { 200: z.object({ customerId: z.string(), items: z.array(timelineEntry), nextCursor: z.string().nullable() }) },
    },
  }, async (req) => customerTimeline(db, req.params.id, req.query));

  app.post('/v1/surveys', {
    config: { auth: { roles: ['agent', 'integrator'] }, idempotent: true },
    schema: { tags: ['surveys'], summary: 'Record a survey answer (CSAT 1-5, NPS 0-10, SERVQUAL items)', body: surveyCreate, response: { 201: surveyView } },
  }, async (req, reply) => {
    const view = await answerSurvey(db, directory, req.body, actor(req));
    return reply.code(201).header('location', `/v1/surveys/${view.id}`).send(view);
  });

  app.get('/v1/surveys/:id', {
    config: { auth: { roles: ['agent'] } },
    schema: { tags: ['surveys'], summary: 'Read a survey answer (with its comment)', params: idParams, response: { 200: surveyView } },
  }, async (req) => getSurvey(db, req.params.id));
};
