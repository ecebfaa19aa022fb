import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import type { CustomerDirectory } from '../application/customer-directory.ts';
import { correctInteraction, getInteraction, interactionRevisions, recordInteraction, searchInteractions } from '../application/interactions.ts';
import type { Db } from '../db.ts';
import { idParams, interactionCreate, interactionPatch, interactionView, revisionView, searchQuery } from '../schemas.ts';
import { etagOf, expectedVersion } from '@crm/service-kit';

// Interactions carry free text about the customer: agents (and admins) only; integrators may record them.
const agents = { roles: ['agent'] } as const;

export const interactionRoutes: FastifyPluginAsyncZod<{ db: Db; directory: CustomerDirectory }> = async (app, { db, directory }) => {
  const actor = (req: { principal: { sub: string }; id: string }) => ({ sub: req.principal.sub, requestId: req.id });

  app.post('/v1/interactions', {
    config: { auth: { roles: ['agent', 'integrator'] }, idempotent: true },
    schema: { tags: ['interactions'], summary: 'Record an interaction (any channel)', body: interactionCreate, response: { 201: interactionView } },
  }, async (req, reply) => {
    const view = await recordInteraction(db, directory, req.body, actor(req));
    return reply.code(201).header('location', `/v1/interactions/${view.id}`).header('etag', etagOf(view.version)).send(view);
  });

  app.get('/v1/interactions', {
    config: { auth: agents },
    schema: {
      tags: ['interactions'],
      summary: 'Search interactions: full-text over subject and summary (q), by customer; newest first, cursor pagination',
      querystring: searchQuery,
      response: { 200: z.object({ items: z.array(interactionView), nextCursor: z.string().nullable() }) },
    },
  }, async (req) => searchInteractions(db, req.query));

  app.get('/v1/interactions/:id', {
    config: { auth: agents },
    schema: { tags: ['interactions'], summary: 'Read an interaction', params: idParams, response: { 200: interactionView } },
  }, async (req, reply) => {
    const view = await getInteraction(db, req.params.id);
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.patch('/v1/interactions/:id', {
    config: { auth: agents },
    schema: {
      tags: ['interactions'],
      summary: 'Correct an interaction (If-Match required; the previous version is kept as a revision)',
      params: idParams,
      headers: z.object({ 'if-match': z.string().optional() }),
      body: interactionPatch,
      response: { 200: interactionView },
    },
  }, async (req, reply) => {
    const view = await correctInteraction(db, req.params.id, expectedVersion(req.headers['if-match']), req.body, actor(req));
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.get('/v1/interactions/:id/revisions', {
    config: { auth: agents },
    schema: { tags: ['interactions'], summary: 'Every version of an interaction, newest first', params: idParams, response: { 200: z.object({ items: z.array(revisionView) }) } },
  }, async (req) => ({ items: await interactionRevisions(db, req.params.id) }));
};
