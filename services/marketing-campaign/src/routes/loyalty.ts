import { newId } from '@crm/contracts';
import { code } from '@crm/contracts';
import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { memberView, programmeRules, redeem } from '../application/loyalty.ts';
import type { Db } from '../db.ts';
import { LoyaltyRulesSchema } from '../domain/index.ts';
import { etagOf, expectedVersion, ifMatchVersion } from '@crm/service-kit';
import { HttpProblem } from '@crm/service-kit';

const member = z.object({
  customerId: z.string(),
  balance: z.number().int(),
  tier: z.string().nullable(),
  history: z.array(z.object({ entryId: z.string(), movementId: z.string(), kind: z.string(), points: z.number().int(), ref: z.string(), at: z.string() })),
});

export const loyaltyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/v1/loyalty/members/:customerId', {
    config: { auth: { roles: ['marketer', 'analyst', 'agent'] } },
    schema: {
      tags: ['loyalty'],
      summary: 'Balance, tier and latest ledger movements of a member',
      params: z.strictObject({ customerId: z.string().min(1).max(64) }),
      querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: member },
    },
  }, async (req) => memberView(db, req.params.customerId, req.query.limit));

  app.post('/v1/loyalty/redemptions', {
    config: { auth: { roles: ['marketer', 'integrator'] }, idempotent: true },
    schema: {
      tags: ['loyalty'],
      summary: 'Redeem points for a reward; never takes the balance below zero (422), idempotent by redemptionId and Idempotency-Key',
      body: z.strictObject({
        redemptionId: z.string().regex(/^rdm_[0-9A-HJKMNP-TV-Z]{26}$/).optional(),
        customerId: z.string().startsWith('cus_').max(64),
        points: z.number().int().positive().max(10_000_000),
        rewardCode: code,
      }),
      response: { 201: z.object({ redemptionId: z.string(), entryId: z.string(), customerId: z.string(), points: z.number(), balanceAfter: z.number(), replayed: z.boolean() }) },
    },
  }, async (req, reply) => {
    const result = await redeem(db, { ...req.body, redemptionId: req.body.redemptionId ?? newId('rdm') }, { requestId: req.id });
    return reply.code(201).send(result);
  });

  app.get('/v1/loyalty/programme', {
    config: { auth: { roles: ['marketer', 'analyst'] } },
    schema: { tags: ['loyalty'], summary: 'The programme rules (points per unit, multipliers, bonuses, expiry, tiers)', response: { 200: z.unknown() } },
  }, async (_req, reply) => {
    const row = await db.loyaltyProgramme.findUnique({ where: { id: 'default' } });
    return reply.header('etag', etagOf(row?.version ?? 0)).send(await db.$transaction((tx) => programmeRules(tx)));
  });

  app.put('/v1/loyalty/programme', {
    config: { auth: { roles: ['marketer'] } },
    schema: {
      tags: ['loyalty'],
      summary: 'Replace the programme rules (If-Match required); negative multipliers and unordered tiers are refused',
      headers: z.object({ 'if-match': z.string().optional() }),
      body: LoyaltyRulesSchema,
      response: { 200: z.unknown() },
    },
  }, async (req, reply) => {
    const expected = expectedVersion(req.headers['if-match']);
    const n = await db.loyaltyProgramme.updateMany({ where: { id: 'default', version: expected }, data: { rules: req.body, version: { increment: 1 }, updatedAt: new Date() } });
    if (n.count === 0) throw HttpProblem.preconditionFailed('the programme rules changed since you read them');
    return reply.header('etag', etagOf(expected! + 1)).send(req.body);
  });
};
