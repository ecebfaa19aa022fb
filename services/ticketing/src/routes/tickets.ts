import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import type { Actor } from '../application/context.ts';
import { slaReport } from '../application/sla.ts';
import { addMessage, assignTicket, changeStatus, getTicket, listTickets, openTicket, rateTicket, ticketHistory } from '../application/tickets.ts';
import type { Db } from '../db.ts';
import type { LifecyclePolicy } from '../domain/index.ts';
import { assignInput, idParams, ifMatchHeaders, listQuery, messageInput, messageView, ratingInput, resolveInput, statusInput, ticketOpen, ticketView } from '../schemas.ts';
import { etagOf, ifMatchVersion } from '@crm/service-kit';

const agents = { roles: ['agent'] } as const;
type Req = { principal: { sub: string; roles: readonly string[] }; id: string };

/** Agents (and admins) work tickets; an integrator speaks for the customer and sees the customer-facing view. */
const isAgent = (req: Req) => req.principal.roles.includes('agent') || req.principal.roles.includes('admin');
const actor = (req: Req): Actor => ({ sub: req.principal.sub, requestId: req.id, kind: isAgent(req) ? 'agent' : 'customer' });

export const ticketRoutes: FastifyPluginAsyncZod<{ db: Db; lifecycle: LifecyclePolicy }> = async (app, { db, lifecycle }) => {
  const t = ['tickets'];

  app.post('/v1/tickets', {
    config: { auth: { roles: ['agent', 'integrator'] }, idempotent: true },
    schema: { tags: t, summary: 'Open a ticket (Idempotency-Key supported)', body: ticketOpen, response: { 201: ticketView } },
  }, async (req, reply) => {
    const view = await openTicket(db, req.body, actor(req));
    return reply.code(201).header('location', `/v1/tickets/${view.id}`).header('etag', etagOf(view.version)).send(view);
  });

  app.get('/v1/tickets', {
    config: { auth: agents },
    schema: { tags: t, summary: 'Queue views: all | mine | unassigned | about_to_breach, sorted by due time (cursor pagination)', querystring: listQuery, response: { 200: z.object({ items: z.array(ticketView), nextCursor: z.string().nullable() }) } },
  }, async (req) => listTickets(db, req.query, req.principal.sub));

  app.get('/v1/tickets/:id', {
    config: { auth: { roles: ['agent', 'integrator'] } },
    schema: { tags: t, summary: 'Read a ticket with its messages (internal notes only for agents)', params: idParams, response: { 200: ticketView } },
  }, async (req, reply) => {
    const view = await getTicket(db, req.params.id, isAgent(req) ? 'agent' : 'customer');
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.get('/v1/tickets/:id/history', {
    config: { auth: agents },
    schema: { tags: t, summary: 'Every change of the ticket: field, from, to, by, at', params: idParams },
  }, async (req) => ({ items: await ticketHistory(db, req.params.id) }));

  app.post('/v1/tickets/:id/assign', {
    config: { auth: agents },
    schema: { tags: t, summary: 'Assign or reassign: a named agent, or the queue rule (round_robin | least_loaded)', params: idParams, headers: ifMatchHeaders, body: assignInput, response: { 200: ticketView } },
  }, async (req, reply) => {
    const view = await assignTicket(db, req.params.id, req.body, actor(req), ifMatchVersion(req.headers['if-match']));
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.post('/v1/tickets/:id/replies', {
    config: { auth: { roles: ['agent', 'integrator'] }, idempotent: true },
    schema: { tags: t, summary: 'Add a public reply (by an agent, or by the customer through an integrator)', params: idParams, body: messageInput, response: { 201: messageView } },
  }, async (req, reply) => reply.code(201).send(await addMessage(db, req.params.id, req.body.body, 'public', actor(req))));

  app.post('/v1/tickets/:id/notes', {
    config: { auth: agents, idempotent: true },
    schema: { tags: t, summary: 'Add an internal note (agents only; never shown to the customer)', params: idParams, body: messageInput, response: { 201: messageView } },
  }, async (req, reply) => reply.code(201).send(await addMessage(db, req.params.id, req.body.body, 'internal', actor(req))));

  const move = (to: 'resolved' | 'closed' | 'open', summary: string, body: z.ZodType = z.strictObject({})) =>
    app.post(`/v1/tickets/:id/${to === 'resolved' ? 'resolve' : to === 'closed' ? 'close' : 'reopen'}`, {
      config: { auth: agents },
      schema: { tags: t, summary, params: idParams, headers: ifMatchHeaders, body: body.optional(), response: { 200: ticketView } },
    }, async (req, reply) => {
      const resolutionCode = (req.body as { resolutionCode?: string } | undefined)?.resolutionCode;
      const view = await changeStatus(db, req.params.id, to, actor(req), { expectedVersion: ifMatchVersion(req.headers['if-match']), resolutionCode, lifecycle, ...(to === 'open' ? { onlyFrom: ['resolved' as const] } : {}) });
      return reply.header('etag', etagOf(view.version)).send(view);
    });

  app.post('/v1/tickets/:id/status', {
    config: { auth: agents },
    schema: { tags: t, summary: 'Change the status along the state machine (illegal transitions: 409)', params: idParams, headers: ifMatchHeaders, body: statusInput, response: { 200: ticketView } },
  }, async (req, reply) => {
    const view = await changeStatus(db, req.params.id, req.body.status, actor(req), { expectedVersion: ifMatchVersion(req.headers['if-match']), lifecycle });
    return reply.header('etag', etagOf(view.version)).send(view);
  });
  move('resolved', 'Resolve (asks the customer for a CSAT rating)', resolveInput);
  move('closed', 'Close a resolved ticket (final)');
  move('open', 'Reopen a resolved ticket within the reopen window');

  app.get('/v1/tickets/:id/sla', {
    config: { auth: { roles: ['agent', 'analyst'] } },
    schema: { tags: t, summary: 'SLA state per metric: target, elapsed, remaining, paused, due, breached; breaches and escalations', params: idParams },
  }, async (req) => slaReport(db, req.params.id));

  app.post('/v1/tickets/:id/satisfaction', {
    config: { auth: { roles: ['integrator'] } },
    schema: { tags: t, summary: 'Record the customer\'s rating (1-5, once per ticket; a second one is 409)', params: idParams, body: ratingInput },
  }, async (req, reply) => reply.code(201).send(await rateTicket(db, req.params.id, req.body.rating, req.body.comment, actor(req))));
};
