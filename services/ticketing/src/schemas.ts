// HTTP shapes of the ticketing API. Bodies are strict: an unknown field is a 400 that names it.
import { code, customerId, interactionChannels, interactionId, queueId, tag, ticketPriorities } from '@crm/contracts';
import { z } from 'zod';
import { ticketStatuses } from './domain/index.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const agentId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:\/#-]{0,127}$/, 'expected an id-like agent reference');

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });
export const ifMatchHeaders = z.object({ 'if-match': z.string().optional() });

export const ticketOpen = z.strictObject({
  customerId,
  subject: text(300),
  description: text(20_000).optional(),
  category: code.default('general'),
  priority: z.enum(ticketPriorities).default('P3'),
  channel: z.enum(interactionChannels).default('web'),
  tags: z.array(tag).max(50).default([]),
  queueId: queueId.optional(),
  originInteractionId: interactionId.optional(),
  autoAssign: z.boolean().default(false),
});

export const messageView = z.object({
  id: z.string(),
  visibility: z.enum(['public', 'internal']),
  authorType: z.string(),
  authorId: z.string(),
  body: z.string().nullable(),
  createdAt: z.string(),
});

const ts = z.string().nullable();
export const ticketView = z.object({
  id: z.string(),
  customerId: z.string(),
  channel: z.string(),
  originInteractionId: z.string().nullable(),
  subject: z.string().nullable(),
  description: z.string().nullable(),
  category: z.string(),
  priority: z.string(),
  tags: z.array(z.string()),
  status: z.enum(ticketStatuses),
  queueId: z.string().nullable(),
  assigneeId: z.string().nullable(),
  slaPolicyId: z.string().nullable(),
  firstResponseDueAt: ts,
  resolutionDueAt: ts,
  nextDueAt: ts,
  firstPublicReplyAt: ts,
  resolvedAt: ts,
  closedAt: ts,
  reopenedAt: ts,
  reopenCount: z.number().int(),
  escalationLevel: z.number().int(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  messages: z.array(messageView).optional(),
});

export const listQuery = z.strictObject({
  view: z.enum(['all', 'mine', 'unassigned', 'about_to_breach']).default('all'),
  queueId: z.string().max(64).optional(),
  status: z.enum(ticketStatuses).optional(),
  customerId: z.string().max(64).optional(),
  assigneeId: z.string().max(128).optional(),
  /** about_to_breach: deadlines within this many minutes (default 60) */
  withinMinutes: z.coerce.number().int().min(1).max(60 * 24 * 30).default(60),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const assignInput = z.strictObject({
  /** a named agent (manual assignment); omit to let the queue's rule choose */
  agentId: agentId.optional(),
  /** move to this queue (its rule chooses unless agentId is given) */
  queueId: queueId.optional(),
});

export const messageInput = z.strictObject({ body: text(20_000) });
export const statusInput = z.strictObject({ status: z.enum(ticketStatuses) });
export const resolveInput = z.strictObject({ resolutionCode: code.optional() });
export const ratingInput = z.strictObject({ rating: z.number().int().min(1).max(5), comment: text(2_000).optional() });

export const queueInput = z.strictObject({
  name: text(100),
  skills: z.array(code).max(20).default([]),
  strategy: z.enum(['round_robin', 'least_loaded']).default('round_robin'),
});
export const queuePatch = z.strictObject({
  name: text(100).optional(),
  skills: z.array(code).max(20).optional(),
  strategy: z.enum(['round_robin', 'least_loaded']).optional(),
});
export const queueView = z.object({ id: z.string(), name: z.string(), skills: z.array(z.string()), strategy: z.enum(['round_robin', 'least_loaded']), version: z.number().int(), createdAt: z.string() });

export const agentInput = z.strictObject({
  id: agentId,
  name: text(200),
  skills: z.array(code).max(50).default([]),
  capacity: z.number().int().min(0).max(1000).default(10),
  available: z.boolean().default(true),
});
export const agentPatch = z.strictObject({
  name: text(200).optional(),
  skills: z.array(code).max(50).optional(),
  capacity: z.number().int().min(0).max(1000).optional(),
  available: z.boolean().optional(),
});
export const agentView = z.object({ id: z.string(), name: z.string(), skills: z.array(z.string()), capacity: z.number().int(), available: z.boolean(), lastAssignedAt: z.string().nullable(), version: z.number().int() });

export const kpiQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  basis: z.enum(['wall', 'business']).default('wall'),
}).refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] });
