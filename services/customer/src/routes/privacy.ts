// Data-subject rights (GDPR / PIPL): access (export), erasure, and the audit trail.
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { auditLog } from '../application/customers.ts';
import { eraseCustomer, erasureStatus, exportCustomer } from '../application/merge-and-privacy.ts';
import type { Db } from '../db.ts';
import { idParams } from '../schemas.ts';

const admin = { roles: ['admin'] } as const;

export const privacyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/v1/customers/:id/export', {
    config: { auth: admin },
    schema: { tags: ['privacy'], summary: 'Everything this service holds about a customer', params: idParams },
  }, async (req) => exportCustomer(db, req.params.id));

  app.post('/v1/customers/:id/erasure', {
    config: { auth: admin, idempotent: true },
    schema: {
      tags: ['privacy'],
      summary: 'Erase a customer: personal data removed here, an erasure event for every other service, a profile tombstone',
      params: idParams,
      body: z.strictObject({ reason: z.string().max(200).optional() }).optional(),
      response: { 202: z.object({ customerId: z.string(), erasedAt: z.string(), erasedIds: z.array(z.string()) }) },
    },
  }, async (req, reply) => reply.code(202).send(await eraseCustomer(db, req.params.id, { sub: req.principal.sub, requestId: req.id })));

  app.get('/v1/customers/:id/erasure', {
    config: { auth: admin },
    schema: { tags: ['privacy'], summary: 'Erasure state and the confirmations of the other services', params: idParams },
  }, async (req) => erasureStatus(db, req.params.id));

  app.get('/v1/customers/:id/audit', {
    config: { auth: admin },
    schema: {
      tags: ['privacy'],
      summary: 'Append-only audit log: who changed which fields, when',
      params: idParams,
      response: { 200: z.object({ items: z.array(z.object({ id: z.number(), actor: z.string(), action: z.string(), fields: z.array(z.string()), requestId: z.string().nullable(), at: z.string() })) }) },
    },
  }, async (req) => ({ items: await auditLog(db, req.params.id) }));
};
