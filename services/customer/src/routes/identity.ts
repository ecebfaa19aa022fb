// Who a customer is: duplicate candidates, merges, external-id resolution, bulk import.
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { HttpProblem } from '@crm/service-kit';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { importCustomers } from '../application/import.ts';
import { duplicateCandidates, mergeCustomers } from '../application/merge-and-privacy.ts';
import { resolveExternalIds } from '../application/resolve.ts';
import type { Db } from '../db.ts';
import { customerView } from '../schemas.ts';

const importReport = z.object({
  received: z.number(),
  created: z.number(),
  duplicates: z.number(),
  rejected: z.number(),
  errors: z.array(z.object({ line: z.number(), message: z.string(), existingId: z.string().optional() })),
});

export const identityRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const actor = (req: { principal: { sub: string }; id: string }) => ({ sub: req.principal.sub, requestId: req.id });

  // Import bodies are streamed to the importer as they arrive, so their size is not bounded by bodyLimit.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson'], (_req, payload, done) => done(null, payload));

  app.get('/v1/customers/duplicates', {
    config: { auth: { roles: ['agent'] } },
    schema: {
      tags: ['identity'],
      summary: 'Likely duplicate pairs, best first, with the reasons',
      querystring: z.strictObject({ minScore: z.coerce.number().min(0).max(1).default(0.5), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ items: z.array(z.object({ customerIds: z.tuple([z.string(), z.string()]), score: z.number(), reasons: z.array(z.string()) })) }) },
    },
  }, async (req) => ({ items: await duplicateCandidates(db, req.query.minScore, req.query.limit) }));

  app.post('/v1/customers/:id/merge', {
    config: { auth: { roles: ['agent'] }, idempotent: true },
    schema: {
      tags: ['identity'],
      summary: 'Merge another customer into this one (the survivor); the merged id keeps resolving',
      params: z.strictObject({ id: z.string().min(1).max(64) }),
      body: z.strictObject({ mergeId: z.string().min(1).max(64) }),
      response: { 200: z.object({ survivor: customerView, mergedId: z.string() }) },
    },
  }, async (req) => mergeCustomers(db, req.params.id, req.body.mergeId, actor(req)));

  app.post('/v1/customers/resolve', {
    config: { auth: { roles: ['integrator'] } },
    schema: {
      tags: ['identity'],
      summary: 'Map external ids of one source system to customer ids, creating prospects for unknown ones',
      body: z.strictObject({ source: z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/), externalIds: z.array(z.string().min(1).max(128)).min(1).max(1000) }),
      response: { 200: z.object({ source: z.string(), mapping: z.record(z.string(), z.string()), created: z.number() }) },
    },
  }, async (req) => resolveExternalIds(db, req.body.source, req.body.externalIds, actor(req)));

  app.post('/v1/customers/import', {
    config: { auth: { roles: ['integrator'] } },
    schema: {
      tags: ['identity'],
      summary: 'Bulk import customers from CSV (header row) or NDJSON; each row is written whole or reported',
      description: 'CSV columns: kind, firstName, lastName, organisationName, email, phone, country, timeZone, birthday, stage, ownerId, externalSource, externalId, tags (separated by ;), consentEmailMarketing. NDJSON rows use the POST /v1/customers body.',
      response: { 200: importReport },
    },
  }, async (req) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const format = type === 'text/csv' ? 'csv' : type === 'application/x-ndjson' ? 'ndjson' : null;
    if (!format) throw new HttpProblem(415, 'Unsupported Media Type', 'send text/csv or application/x-ndjson');
    return importCustomers(db, req.body as Readable, format, actor(req), (r) => req.log.info({ progress: r.received }, 'import progress'));
  });
};
