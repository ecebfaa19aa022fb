import { consentChannels, consentPurposes, consentSources, leadDisqualificationReasons, leadSources } from '@crm/contracts';
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { captureLead, convertLead, getLead, listLeads, moveLead } from '../application/leads.ts';
import type { Db } from '../db.ts';

const leadView = z.object({
  id: z.string(),
  status: z.enum(['captured', 'qualified', 'disqualified', 'converted']),
  source: z.string(),
  campaignId: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  company: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  reason: z.string().nullable(),
  customerId: z.string().nullable(),
  history: z.array(z.object({ status: z.string(), at: z.string(), by: z.string(), reason: z.string().optional() })),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const params = z.strictObject({ id: z.string().min(1).max(64) });
const text = (max: number) => z.string().trim().min(1).max(max);

export const leadRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const actor = (req: { principal: { sub: string }; id: string }) => ({ sub: req.principal.sub, requestId: req.id });

  app.post('/v1/leads', {
    config: { auth: { roles: ['agent', 'marketer', 'integrator'] }, idempotent: true },
    schema: {
      tags: ['leads'],
      summary: 'Capture a lead from a form, a campaign or an import',
      body: z.strictObject({
        source: z.enum(leadSources),
        campaignId: z.string().startsWith('cmp_').optional(),
        firstName: text(100).optional(),
        lastName: text(100).optional(),
        company: text(200).optional(),
        email: z.string().max(320).optional(),
        phone: z.string().max(40).optional(),
      }),
      response: { 201: leadView },
    },
  }, async (req, reply) => reply.code(201).send(await captureLead(db, req.body, actor(req))));

  app.get('/v1/leads', {
    config: { auth: { roles: ['agent', 'marketer'] } },
    schema: {
      tags: ['leads'],
      summary: 'List leads',
      querystring: z.strictObject({ status: z.enum(['captured', 'qualified', 'disqualified', 'converted']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(64).optional() }),
      response: { 200: z.object({ items: z.array(leadView), nextCursor: z.string().nullable() }) },
    },
  }, async (req) => listLeads(db, req.query.status, req.query.limit, req.query.cursor));

  app.get('/v1/leads/:id', {
    config: { auth: { roles: ['agent', 'marketer'] } },
    schema: { tags: ['leads'], summary: 'Read a lead', params, response: { 200: leadView } },
  }, async (req) => getLead(db, req.params.id));

  app.post('/v1/leads/:id/qualify', {
    config: { auth: { roles: ['agent'] } },
    schema: { tags: ['leads'], summary: 'Qualify a lead', params, response: { 200: leadView } },
  }, async (req) => moveLead(db, req.params.id, 'qualified', undefined, actor(req)));

  app.post('/v1/leads/:id/disqualify', {
    config: { auth: { roles: ['agent'] } },
    schema: { tags: ['leads'], summary: 'Disqualify a lead with a reason', params, body: z.strictObject({ reason: z.enum(leadDisqualificationReasons) }), response: { 200: leadView } },
  }, async (req) => moveLead(db, req.params.id, 'disqualified', req.body.reason, actor(req)));

  app.post('/v1/leads/:id/convert', {
    config: { auth: { roles: ['agent'] }, idempotent: true },
    schema: {
      tags: ['leads'],
      summary: 'Convert a lead into a prospect customer; the lead keeps its history',
      params,
      body: z.strictObject({
        ownerId: z.string().max(100).optional(),
        consents: z.array(z.strictObject({ channel: z.enum(consentChannels), purpose: z.enum(consentPurposes), granted: z.boolean(), source: z.enum(consentSources) })).max(20).default([]),
      }),
    },
  }, async (req, reply) => reply.code(201).send(await convertLead(db, req.params.id, req.body, actor(req))));
};
