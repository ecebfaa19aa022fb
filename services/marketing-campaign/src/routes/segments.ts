import { HttpProblem, type FastifyPluginAsyncZod } from '@crm/service-kit';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { createSegment, deleteSegment, importMembers, listSegments, preview, readSegment, updateSegment } from '../application/segments.ts';
import type { Db } from '../db.ts';
import { SegmentRuleSchema } from '../domain/index.ts';
import { etagOf, expectedVersion, ifMatchVersion } from '@crm/service-kit';

const segmentView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  kind: z.enum(['dynamic', 'static']),
  rule: z.unknown().nullable(),
  size: z.number().int(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const params = z.strictObject({ id: z.string().min(1).max(64) });
const READ = { roles: ['marketer', 'analyst'] as const };
const WRITE = { roles: ['marketer'] as const };
const trace = (req: { id: string }) => ({ requestId: req.id });

export const segmentRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.addContentTypeParser('text/csv', (_req, payload, done) => done(null, payload));

  app.post('/v1/segments', {
    config: { auth: { roles: [...WRITE.roles] }, idempotent: true },
    schema: {
      tags: ['segments'],
      summary: 'Create a dynamic segment (a rule kept current from events) or a static one (snapshot of a rule, or empty for CSV import)',
      body: z.strictObject({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).optional(), kind: z.enum(['dynamic', 'static']).default('dynamic'), rule: SegmentRuleSchema.optional() }),
      response: { 201: segmentView },
    },
  }, async (req, reply) => {
    const view = await createSegment(db, req.body, req.principal.sub, trace(req));
    return reply.code(201).header('location', `/v1/segments/${view.id}`).header('etag', etagOf(view.version)).send(view);
  });

  app.post('/v1/segments/preview', {
    config: { auth: { roles: [...READ.roles] } },
    schema: {
      tags: ['segments'],
      summary: 'How many customers a rule selects right now (nothing is saved)',
      body: z.strictObject({ rule: SegmentRuleSchema }),
      response: { 200: z.object({ size: z.number().int(), sample: z.array(z.string()) }) },
    },
  }, async (req) => preview(db, req.body.rule));

  app.get('/v1/segments', {
    config: { auth: { roles: [...READ.roles] } },
    schema: {
      tags: ['segments'],
      summary: 'List segments',
      querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(64).optional() }),
      response: { 200: z.object({ items: z.array(segmentView), nextCursor: z.string().nullable() }) },
    },
  }, async (req) => {
    const page = await listSegments(db, req.query.limit, req.query.cursor);
    return { items: page.items, nextCursor: page.next };
  });

  app.get('/v1/segments/:id', {
    config: { auth: { roles: [...READ.roles] } },
    schema: { tags: ['segments'], summary: 'Read a segment with its current size', params, response: { 200: segmentView } },
  }, async (req, reply) => {
    const view = await readSegment(db, req.params.id);
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.patch('/v1/segments/:id', {
    config: { auth: { roles: [...WRITE.roles] } },
    schema: {
      tags: ['segments'],
      summary: 'Rename or change the rule of a segment (If-Match required); membership is recomputed',
      params,
      headers: z.object({ 'if-match': z.string().optional() }),
      body: z.strictObject({ name: z.string().trim().min(1).max(200).optional(), description: z.string().max(2000).optional(), rule: SegmentRuleSchema.optional() }),
      response: { 200: segmentView },
    },
  }, async (req, reply) => {
    const view = await updateSegment(db, req.params.id, req.body, expectedVersion(req.headers['if-match']), trace(req));
    return reply.header('etag', etagOf(view.version)).send(view);
  });

  app.delete('/v1/segments/:id', {
    config: { auth: { roles: [...WRITE.roles] } },
    schema: { tags: ['segments'], summary: 'Delete a segment that no live campaign uses', params, response: { 204: z.null() } },
  }, async (req, reply) => {
    await deleteSegment(db, req.params.id);
    return reply.code(204).send(null);
  });

  app.post('/v1/segments/:id/members/import', {
    config: { auth: { roles: [...WRITE.roles] } },
    schema: {
      tags: ['segments'],
      summary: 'Add customers to a static segment from CSV (header row with a customerId column)',
      params,
      response: { 200: z.object({ received: z.number(), added: z.number(), alreadyMember: z.number(), errors: z.array(z.object({ line: z.number(), message: z.string() })) }) },
    },
  }, async (req) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== 'text/csv') throw new HttpProblem(415, 'Unsupported Media Type', 'send text/csv');
    return importMembers(db, req.params.id, req.body as Readable, trace(req));
  });
};
