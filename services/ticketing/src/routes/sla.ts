import type { FastifyPluginAsyncZod } from '@crm/service-kit';
import { z } from 'zod';
import { createCalendar, createPolicy, createRule, listCalendars, listPolicies, listRules } from '../application/admin.ts';
import type { Db } from '../db.ts';
import { BusinessCalendarSchema, EscalationRuleSchema, SlaPolicySchema } from '../domain/index.ts';

const admin = { roles: ['admin'] } as const;
const readers = { roles: ['agent', 'analyst'] } as const;

export const slaRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/v1/sla-policies', { config: { auth: readers }, schema: { tags: ['sla'], summary: 'SLA policies (targets in business minutes)' } }, async () => ({ items: await listPolicies(db) }));
  app.post('/v1/sla-policies', {
    config: { auth: admin },
    schema: { tags: ['sla'], summary: 'Create an SLA policy for a priority (and optionally a category; admin)', body: SlaPolicySchema },
  }, async (req, reply) => reply.code(201).send(await createPolicy(db, req.body)));

  app.get('/v1/calendars', { config: { auth: readers }, schema: { tags: ['sla'], summary: 'Business calendars' } }, async () => ({ items: await listCalendars(db) }));
  app.post('/v1/calendars', {
    config: { auth: admin },
    schema: { tags: ['sla'], summary: 'Create a business calendar: time zone, working hours, holidays (admin)', body: BusinessCalendarSchema.extend({ id: z.string().regex(/^[a-z0-9_-]{1,64}$/).optional() }) },
  }, async (req, reply) => reply.code(201).send(await createCalendar(db, req.body)));

  app.get('/v1/escalation-rules', { config: { auth: readers }, schema: { tags: ['sla'], summary: 'Escalation rules in evaluation order' } }, async () => ({ items: await listRules(db) }));
  app.post('/v1/escalation-rules', {
    config: { auth: admin },
    schema: { tags: ['sla'], summary: 'Create an escalation rule (breach or % of target; raise priority, reassign, notify; admin)', body: EscalationRuleSchema.extend({ position: z.number().int().min(0).max(10_000).default(0) }) },
  }, async (req, reply) => {
    const { position, ...rule } = req.body;
    return reply.code(201).send(await createRule(db, rule, position));
  });
};
