// Events of the ticketing service (topic crm.ticket). Subjects, descriptions, replies and rating
// comments stay in the service; events carry ids, codes and the measures KPIs need.
import { z } from 'zod';
import { defineEvent } from '../define.ts';
import {
  agentRef, assignmentMethod, authorType, code, customerId, escalationReason, interactionChannel, interactionId,
  idOf, idPrefixes, queueId, replyVisibility, seconds, slaMetric, ticketId, ticketPriority, ticketStatus, timestamp,
} from '../vocabulary.ts';

const TOPIC = 'crm.ticket';
/** Every ticket event names the ticket and its customer (the subject). */
const ticketRef = { ticketId, customerId };

export const ticketOpened = defineEvent({
  type: 'crm.ticket.opened.v1',
  topic: TOPIC,
  description: 'A ticket was opened over HTTP or from an inbound complaint/request interaction.',
  data: z.object({
    ...ticketRef,
    priority: ticketPriority,
    category: code,
    channel: interactionChannel,
    originInteractionId: interactionId.optional(),
    queueId: queueId.optional(),
    tags: z.array(code),
    firstResponseDueAt: timestamp.optional(),
    resolutionDueAt: timestamp.optional(),
  }),
});

export const ticketAssigned = defineEvent({
  type: 'crm.ticket.assigned.v1',
  topic: TOPIC,
  description: 'A ticket was assigned to a queue and/or agent (agentId null = back to the queue).',
  data: z.object({
    ...ticketRef,
    queueId,
    agentId: agentRef.nullable(),
    previousAgentId: agentRef.nullable().optional(),
    method: assignmentMethod,
  }),
});

export const ticketReplied = defineEvent({
  type: 'crm.ticket.replied.v1',
  topic: TOPIC,
  description: 'A public reply or an internal note was added (no text in the event).',
  data: z.object({
    ...ticketRef,
    replyId: idOf(idPrefixes.reply),
    visibility: replyVisibility,
    authorType,
    agentId: agentRef.optional(),
    firstResponse: z.boolean().describe('true for the first public agent reply: stops the first-response clock.'),
  }),
});

export const ticketStatusChanged = defineEvent({
  type: 'crm.ticket.status_changed.v1',
  topic: TOPIC,
  description: 'The status moved along the ticket state machine.',
  data: z.object({ ...ticketRef, from: ticketStatus, to: ticketStatus }),
});

export const ticketSlaBreached = defineEvent({
  type: 'crm.ticket.sla_breached.v1',
  topic: TOPIC,
  description: 'A first-response or resolution target passed unmet (emitted once per ticket and metric).',
  data: z.object({
    ...ticketRef,
    metric: slaMetric,
    dueAt: timestamp,
    breachedAt: timestamp,
    priority: ticketPriority,
    queueId: queueId.optional(),
    agentId: agentRef.optional(),
  }),
});

export const ticketEscalated = defineEvent({
  type: 'crm.ticket.escalated.v1',
  topic: TOPIC,
  description: 'A ticket was escalated: priority raised and/or reassigned.',
  data: z.object({
    ...ticketRef,
    level: z.number().int().positive(),
    reason: escalationReason,
    fromPriority: ticketPriority,
    toPriority: ticketPriority,
    fromQueueId: queueId.optional(),
    toQueueId: queueId.optional(),
    toAgentId: agentRef.optional(),
  }),
});

export const ticketResolved = defineEvent({
  type: 'crm.ticket.resolved.v1',
  topic: TOPIC,
  description: 'A ticket was resolved; carries the measures service KPIs need (business seconds).',
  data: z.object({
    ...ticketRef,
    resolvedAt: timestamp,
    resolutionCode: code.optional(),
    queueId: queueId.optional(),
    agentId: agentRef.optional(),
    priority: ticketPriority,
    firstResponseSeconds: seconds.optional(),
    resolutionSeconds: seconds,
    firstContactResolution: z.boolean(),
    slaMet: z.boolean(),
  }),
});

export const ticketReopened = defineEvent({
  type: 'crm.ticket.reopened.v1',
  topic: TOPIC,
  description: 'A resolved ticket was reopened within the reopen window.',
  data: z.object({ ...ticketRef, reopenCount: z.number().int().positive() }),
});

export const ticketClosed = defineEvent({
  type: 'crm.ticket.closed.v1',
  topic: TOPIC,
  description: 'A ticket was closed (no reopen any more).',
  data: z.object({ ...ticketRef, closedAt: timestamp }),
});

export const ticketSatisfactionRated = defineEvent({
  type: 'crm.ticket.satisfaction_rated.v1',
  topic: TOPIC,
  description: 'The customer rated the service of a ticket (1 to 5, once per ticket). The comment stays in the service.',
  data: z.object({
    ...ticketRef,
    rating: z.number().int().min(1).max(5),
    ratedAt: timestamp,
    queueId: queueId.optional(),
    agentId: agentRef.optional(),
  }),
});

export const ticketSatisfactionRequested = defineEvent({
  type: 'crm.ticket.satisfaction_requested.v1',
  topic: TOPIC,
  description: 'On resolution the customer is asked to rate the service (CSAT survey request; a sender delivers it).',
  data: z.object({
    ...ticketRef,
    requestedAt: timestamp,
    queueId: queueId.optional(),
    agentId: agentRef.optional(),
  }),
});

export const ticketErasureConfirmed = defineEvent({
  type: 'crm.ticket.erasure_confirmed.v1',
  topic: TOPIC,
  description: 'The ticketing service deleted the texts and personal data of an erased customer.',
  data: z.object({ customerId, erasedAt: timestamp, confirmedAt: timestamp }),
});

