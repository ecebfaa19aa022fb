import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { HttpProblem } from '@crm/service-kit';
import type { Readable } from 'node:stream';
import type { CustomerDirectory } from '../application/customer-directory.ts';
import { importPurchases } from '../application/import.ts';
import { getPurchase, recordPurchase, refundPurchase } from '../application/purchases.ts';
import type { Db } from '../db.ts';
import { idParams, importReport, purchaseCreate, purchaseView, refundCreate } from '../schemas.ts';

const writers = { roles: ['integrator', 'agent'] } as const;

export const purchaseRoutes: FastifyPluginAsyncZod<{ db: Db; directory: CustomerDirectory; importBatchSize?: number }> = async (app, { db, directory, importBatchSize }) => {
  const actor = (req: { principal: { sub: string }; id: string }) => ({ sub: req.principal.sub, requestId: req.id });

  // Import bodies are streamed to the importer as they arrive, so their size is not bounded by bodyLimit.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson'], (_req, payload, done) => done(null, payload));

  app.post('/v1/purchases', {
    config: { auth: writers, idempotent: true },
    schema: {
      tags: ['purchases'],
      summary: 'Record a purchase; the same (sourceSystem, orderId) again answers 200 with the existing purchase',
      body: purchaseCreate,
      response: { 200: purchaseView, 201: purchaseView },
    },
  }, async (req, reply) => {
    const { created, purchase } = await recordPurchase(db, directory, req.body, actor(req));
    return reply.code(created ? 201 : 200).header('location', `/v1/purchases/${purchase.id}`).send(purchase);
  });

  app.get('/v1/purchases/:id', {
    config: { auth: writers },
    schema: { tags: ['purchases'], summary: 'Read a purchase with its refunds', params: idParams, response: { 200: purchaseView } },
  }, async (req) => getPurchase(db, req.params.id));

  app.post('/v1/purchases/:id/refunds', {
    config: { auth: writers, idempotent: true },
    schema: {
      tags: ['purchases'],
      summary: 'Refund all or part of a purchase (at most the amount not yet refunded; 422 otherwise)',
      params: idParams,
      body: refundCreate,
      response: { 201: purchaseView },
    },
  }, async (req, reply) => reply.code(201).send(await refundPurchase(db, req.params.id, req.body, actor(req))));

  app.post('/v1/purchases/import', {
    config: { auth: { roles: ['integrator'] } },
    schema: {
      tags: ['purchases'],
      summary: 'Bulk import purchases from CSV (header row) or NDJSON, streamed; per-row errors with line numbers',
      description:
        'CSV columns: order_id, customer_external_id, occurred_at (ISO 8601 time or date), amount (decimal), currency (ISO 4217), ' +
        'optional channel (default other) and source_system (default import; the system of the order and customer ids). ' +
        'NDJSON rows use the same names (or orderId, customerExternalId, occurredAt, sourceSystem). Customers unknown to the ' +
        'customer service are created there. The same order twice counts once (duplicates).',
      response: { 200: importReport },
    },
  }, async (req) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const format = type === 'text/csv' ? 'csv' : type === 'application/x-ndjson' ? 'ndjson' : null;
    if (!format) throw new HttpProblem(415, 'Unsupported Media Type', 'send text/csv or application/x-ndjson');
    const started = Date.now();
    const report = await importPurchases(db, directory, req.body as Readable, format, actor(req), {
      ...(importBatchSize ? { batchSize: importBatchSize } : {}),
      onProgress: (r) => req.log.info({ received: r.received, recorded: r.recorded, duplicates: r.duplicates, rejected: r.rejected, rowsPerSecond: Math.round(r.received / ((Date.now() - started) / 1000 || 1)) }, 'purchase import progress'),
    });
    req.log.info({ received: report.received, recorded: report.recorded, duplicates: report.duplicates, rejected: report.rejected, ms: Date.now() - started }, 'purchase import done');
    return report;
  });
};
