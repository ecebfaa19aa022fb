import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { agentView as toAgent, createQueue, getQueue, queueView as toQueue, updateAgent, updateQueue, upsertAgent } from '../application/admin.ts';
import { kpisFor } from '../application/kpis.ts';
import type { Db } from '../db.ts';
import { agentInput, agentPatch, agentView, idParams, ifMatchHeaders, kpiQuery, queueInput, queuePatch, queueView } from '../schemas.ts';
import { etagOf, ifMatchVersion } from '@crm/service-kit';

const admin = { roles: ['admin'] } as const;
const analysts = { roles: ['analyst'] } as const;

export const queueRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/v1/queues', {
    config: { auth: { roles: ['agent', 'analyst'] } },
    schema: { tags: ['queues'], summary: 'List queues', response: { 200: z.object({ items: z.array(queueView) }) } },
  }, async () => ({ items: (await db.queue.findMany({ orderBy: { name: 'asc' } })).map(toQueue) }));

  app.post('/v1/queues', {
    config: { auth: admin, idempotent: true },
    schema: { tags: ['queues'], summary: 'Create a queue (admin)', body: queueInput, response: { 201: queueView } },
  }, async (req, reply) => {
    const q = await createQueue(db, req.body);
    return reply.code(201).header('location', `/v1/queues/${q.id}`).header('etag', etagOf(q.version)).send(q);
  });

  app.get('/v1/queues/:id', {
    config: { auth: { roles: ['agent', 'analyst'] } },
    schema: { tags: ['queues'], summary: 'Read a queue', params: idParams, response: { 200: queueView } },
  }, async (req, reply) => {
    const q = await getQueue(db, req.params.id);
    return reply.header('etag', etagOf(q.version)).send(q);
  });

  app.patch('/v1/queues/:id', {
    config: { auth: admin },
    schema: { tags: ['queues'], summary: 'Change a queue (admin; If-Match optional, stale = 409)', params: idParams, headers: ifMatchHeaders, body: queuePatch, response: { 200: queueView } },
  }, async (req, reply) => {
    const q = await updateQueue(db, req.params.id, ifMatchVersion(req.headers['if-match']), req.body);
    return reply.header('etag', etagOf(q.version)).send(q);
  });

  app.get('/v1/queues/:id/kpis', {
    config: { auth: analysts },
    schema: { tags: ['kpis'], summary: 'KPIs of the tickets opened in the queue in [from, to)', params: idParams, querystring: kpiQuery },
  }, async (req) => {
    await getQueue(db, req.params.id);
    return kpisFor(db, { queueId: req.params.id }, { from: new Date(req.query.from), to: new Date(req.query.to), basis: req.query.basis });
  });

  app.get('/v1/agents', {
    config: { auth: { roles: ['agent', 'analyst'] } },
    schema: { tags: ['agents'], summary: 'List agents', response: { 200: z.object({ items: z.array(agentView) }) } },
  }, async () => ({ items: (await db.agent.findMany({ orderBy: { id: 'asc' } })).map(toAgent) }));

  app.post('/v1/agents', {
    config: { auth: admin },
    schema: { tags: ['agents'], summary: 'Create or replace an agent (id = the agent\'s token sub; admin)', body: agentInput, response: { 200: agentView } },
  }, async (req) => upsertAgent(db, req.body));

  app.patch('/v1/agents/:id', {
    config: { auth: admin },
    schema: { tags: ['agents'], summary: 'Change skills, capacity or availability (admin)', params: idParams, body: agentPatch, response: { 200: agentView } },
  }, async (req) => updateAgent(db, req.params.id, req.body));

  app.get('/v1/agents/:id/kpis', {
    config: { auth: analysts },
    schema: { tags: ['kpis'], summary: 'KPIs of the tickets assigned to the agent, opened in [from, to)', params: idParams, querystring: kpiQuery },
  }, async (req) => kpisFor(db, { assigneeId: req.params.id }, { from: new Date(req.query.from), to: new Date(req.query.to), basis: req.query.basis }));
};
