// The local default of the SMS/push provider: records what it receives, so the stack runs without a
// real provider. Writing is open (the adapter has no token) but only enabled outside production;
// reading what was recorded is admin-only.
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import type { Db } from '../db.ts';

const channelParam = z.strictObject({ channel: z.enum(['sms', 'push']) });

export const devSinkRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post('/v1/dev/sink/:channel', {
    config: { auth: 'public' },
    schema: {
      tags: ['dev'],
      summary: 'Development provider sink: records a provider request (disabled in production)',
      params: channelParam,
      body: z.object({ messageId: z.string().max(64), to: z.string().max(64), body: z.string().max(10_000) }),
      response: { 202: z.object({ accepted: z.literal(true) }) },
    },
  }, async (req, reply) => {
    await db.sinkRequest.create({ data: { channel: req.params.channel, body: { ...req.body, customerId: req.body.to.startsWith('cus_') ? req.body.to : undefined } } });
    return reply.code(202).send({ accepted: true });
  });

  app.get('/v1/dev/sink/:channel', {
    config: { auth: { roles: ['admin'] } },
    schema: {
      tags: ['dev'],
      summary: 'What the development sink received (admin only)',
      params: channelParam,
      response: { 200: z.object({ items: z.array(z.object({ id: z.string(), body: z.unknown(), receivedAt: z.string() })) }) },
    },
  }, async (req) => {
    const rows = await db.sinkRequest.findMany({ where: { channel: req.params.channel }, orderBy: { id: 'desc' }, take: 200 });
    return { items: rows.map((r) => ({ id: r.id.toString(), body: r.body, receivedAt: r.receivedAt.toISOString() })) };
  });
};
