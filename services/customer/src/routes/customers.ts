import { lifecycleStages, tag } from '@crm/contracts';
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  changeTags,
  consentHistory,
  createCustomer,
  getCustomer,
  listCustomers,
  recordConsent,
  setStage,
  stageHistory,
  updateCustomer,
} from '../application/customers.ts';
import type { Db } from '../db.ts';
import type { CustomerReadCache } from '../application/read-cache.ts';
import { consentInput, customerCreate, customerPatch, customerView, idParams, listQuery } from '../schemas.ts';
import { etagOf, expectedVersion } from '@crm/service-kit';

/**
 * Sends JSON that is already a string (the cached customer). fastify passes string payloads through
 * untouched, so the route's response schema still documents the shape without serialising it again.
 */
function sendSerialized(reply: FastifyReply, json: string) {
  return reply.type('application/json; charset=utf-8').send(json as never);
}

const readers = { roles: ['agent', 'marketer', 'integrator'] } as const;
const writers = { roles: ['agent'] } as const;

export const customerRoutes: FastifyPluginAsyncZod<{ db: Db; cache: CustomerReadCache }> = async (app, { db, cache }) => {
  const actor = (req: { principal: { sub: string }; id: string }) => ({ sub: req.principal.sub, requestId: req.id });

  app.post('/v1/customers', {
    config: { auth: { roles: ['agent', 'integrator'] }, idempotent: true },
    schema: { tags: ['customers'], summary: 'Create a customer', body: customerCreate, response: { 201: customerView } },
  }, async (req, reply) => {
    const view = await createCustomer(db, req.body, actor(req));
    return reply.code(201).header('location', `/v1/customers/${view.id}`).header('etag', etagOf(view.version)).send(view);
  });

  app.get('/v1/customers', {
    config: { auth: readers },
    schema: { tags: ['customers'], summary: 'List and search customers (cursor pagination)', querystring: listQuery, response: { 200: z.object({ items: z.array(customerView), nextCursor: z.string().nullable() }) } },
  }, async (req) => listCustomers(db, req.query));

  app.get('/v1/customers/:id', {
    config: { auth: readers },
    schema: { tags: ['customers'], summary: 'Read a customer (a merged id resolves to its survivor)', params: idParams, response: { 200: customerView } },
  }, async (req, reply) => {
    const cached = cache.get(req.params.id);
    if (cached) return sendSerialized(reply.header('etag', cached.etag), cached.body);
    const view = await getCustomer(db, req.params.id);
    const body = JSON.stringify(view);
    const etag = etagOf(view.version);
    cache.set(req.params.id, body, etag);
    return sendSerialized(reply.header('etag', etag), body);
  });

  app.patch('/v1/customers/:id', {
    config: { auth: writers },
    schema: {
      tags: ['customers'],
      summary: 'Update a customer (If-Match required; 409 on a stale version)',
      params: idParams,
      headers: z.object({ 'if-match': z.string().optional() }),
      body: customerPatch,
      response: { 200: customerView },
    },
  }, async (req, reply) => {
    const view = await updateCustomer(db, req.params.id, expectedVersion(req.headers['if-match']), req.body, actor(req));
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.post('/v1/customers/:id/tags', {
    config: { auth: writers },
    schema: { tags: ['customers'], summary: 'Add and remove tags', params: idParams, body: z.strictObject({ add: z.array(tag).max(100).default([]), remove: z.array(tag).max(100).default([]) }), response: { 200: customerView } },
  }, async (req) => changeTags(db, req.params.id, req.body.add, req.body.remove, actor(req)));

  app.post('/v1/customers/:id/stage', {
    config: { auth: writers },
    schema: { tags: ['customers'], summary: 'Move the lifecycle stage by hand (allowed moves only; 409 otherwise)', params: idParams, body: z.strictObject({ to: z.enum(lifecycleStages) }), response: { 200: customerView } },
  }, async (req) => setStage(db, req.params.id, req.body.to, actor(req)));

  app.get('/v1/customers/:id/stage-history', {
    config: { auth: readers },
    schema: { tags: ['customers'], summary: 'Every lifecycle stage change with its reason', params: idParams },
  }, async (req) => ({ items: await stageHistory(db, req.params.id) }));

  app.post('/v1/customers/:id/consents', {
    config: { auth: { roles: ['agent', 'integrator'] } },
    schema: { tags: ['consent'], summary: 'Record a consent decision for one channel and purpose', params: idParams, body: consentInput, response: { 200: customerView } },
  }, async (req) => recordConsent(db, req.params.id, req.body, actor(req)));

  app.get('/v1/customers/:id/consents', {
    config: { auth: readers },
    schema: { tags: ['consent'], summary: 'Current consent state and its history', params: idParams },
  }, async (req) => consentHistory(db, req.params.id));
};
