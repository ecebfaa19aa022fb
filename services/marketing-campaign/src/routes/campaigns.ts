import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import {
  campaignResultsFor,
  campaignView,
  createCampaign,
  deleteCampaign,
  directMailCsv,
  getCampaign,
  listCampaigns,
  moveCampaign,
  updateCampaign,
} from '../application/campaigns.ts';
import type { Db } from '../db.ts';
import {
  campaignStates,
  ChannelSchema,
  ExperimentSchema,
  FrequencyCapSchema,
  QuietHoursSchema,
  scheduleSchemaAt,
  TemplateSchema,
  TimeZoneSchema,
} from '../domain/index.ts';
import { etagOf, expectedVersion, ifMatchVersion } from '@crm/service-kit';

const view = z.object({
  id: z.string(),
  name: z.string(),
  segmentId: z.string(),
  channel: ChannelSchema,
  templates: z.array(z.unknown()),
  experiment: z.unknown(),
  schedule: z.unknown(),
  policy: z.unknown(),
  attributionWindowDays: z.number(),
  state: z.enum(campaignStates),
  nextRunAt: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const params = z.strictObject({ id: z.string().min(1).max(64) });
const policy = z.strictObject({ quietHours: QuietHoursSchema.optional(), frequencyCap: FrequencyCapSchema.optional(), defaultTimeZone: TimeZoneSchema.optional() });
const fields = {
  name: z.string().trim().min(1).max(200),
  segmentId: z.string().startsWith('seg_').max(64),
  channel: ChannelSchema,
  templates: z.array(TemplateSchema).min(1).max(10),
  experiment: ExperimentSchema,
  // a schedule in the past is refused (400) when the campaign is written and again when it is scheduled
  schedule: scheduleSchemaAt(() => new Date()),
  policy: policy.optional(),
  attributionWindowDays: z.number().int().min(1).max(90).optional(),
};
const READ = ['marketer', 'analyst'] as const;
const WRITE = ['marketer'] as const;
const trace = (req: { id: string }) => ({ requestId: req.id });

export const campaignRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post('/v1/campaigns', {
    config: { auth: { roles: [...WRITE] }, idempotent: true },
    schema: { tags: ['campaigns'], summary: 'Create a draft campaign', body: z.strictObject(fields), response: { 201: view } },
  }, async (req, reply) => {
    const c = await createCampaign(db, req.body, req.principal.sub, trace(req));
    return reply.code(201).header('location', `/v1/campaigns/${c.id}`).header('etag', etagOf(c.version)).send(c);
  });

  app.get('/v1/campaigns', {
    config: { auth: { roles: [...READ] } },
    schema: {
      tags: ['campaigns'],
      summary: 'List campaigns',
      querystring: z.strictObject({ state: z.enum(campaignStates).optional(), limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(64).optional() }),
      response: { 200: z.object({ items: z.array(view), nextCursor: z.string().nullable() }) },
    },
  }, async (req) => {
    const page = await listCampaigns(db, req.query.state, req.query.limit, req.query.cursor);
    return { items: page.items, nextCursor: page.next };
  });

  app.get('/v1/campaigns/:id', {
    config: { auth: { roles: [...READ] } },
    schema: { tags: ['campaigns'], summary: 'Read a campaign', params, response: { 200: view } },
  }, async (req, reply) => {
    const c = campaignView(await getCampaign(db, req.params.id));
    return reply.header('etag', etagOf(c.version)).send(c);
  });

  app.patch('/v1/campaigns/:id', {
    config: { auth: { roles: [...WRITE] } },
    schema: {
      tags: ['campaigns'],
      summary: 'Edit a draft campaign (If-Match required)',
      params,
      headers: z.object({ 'if-match': z.string().optional() }),
      body: z.strictObject(fields).partial(),
      response: { 200: view },
    },
  }, async (req, reply) => {
    const c = await updateCampaign(db, req.params.id, req.body, expectedVersion(req.headers['if-match']));
    return reply.header('etag', etagOf(c.version)).send(c);
  });

  app.delete('/v1/campaigns/:id', {
    config: { auth: { roles: [...WRITE] } },
    schema: { tags: ['campaigns'], summary: 'Delete a draft or cancelled campaign without sends', params, response: { 204: z.null() } },
  }, async (req, reply) => {
    await deleteCampaign(db, req.params.id);
    return reply.code(204).send(null);
  });

  for (const action of ['schedule', 'unschedule', 'start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/v1/campaigns/:id/${action}`, {
      config: { auth: { roles: [...WRITE] } },
      schema: {
        tags: ['campaigns'],
        summary: `Campaign state machine: ${action}`,
        params,
        headers: z.object({ 'if-match': z.string().optional() }),
        response: { 200: view },
      },
    }, async (req, reply) => {
      const c = await moveCampaign(db, req.params.id, action, new Date(), trace(req), ifMatchVersion(req.headers['if-match']));
      return reply.header('etag', etagOf(c.version)).send(c);
    });
  }

  app.get('/v1/campaigns/:id/results', {
    config: { auth: { roles: [...READ] } },
    schema: {
      tags: ['campaigns'],
      summary: 'Results per variant (sent, delivered, opened, clicked, converted, revenue) and uplift vs the holdout with 95% intervals',
      params,
      response: { 200: z.object({ campaignId: z.string(), state: z.string(), attributionWindowDays: z.number(), statuses: z.record(z.string(), z.number()), skipped: z.record(z.string(), z.number()), variants: z.array(z.unknown()), holdout: z.unknown().nullable() }) },
    },
  }, async (req) => campaignResultsFor(db, req.params.id));

  app.get('/v1/campaigns/:id/print-export.csv', {
    config: { auth: { roles: [...WRITE] } },
    schema: { tags: ['campaigns'], summary: 'Direct mail: the CSV for the print house (postal addresses of the exported messages)', params },
  }, async (req, reply) => reply.header('content-type', 'text/csv; charset=utf-8').send(await directMailCsv(db, req.params.id)));
};
