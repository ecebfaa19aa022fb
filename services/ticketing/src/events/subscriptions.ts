// Every event the ticketing service consumes, in one place.
import { customerErased, customerMerged, interactionRecorded, type CloudEvent, type EventData } from '@crm/contracts';
import type { Handlers } from '@crm/event-bus';
import { openTicketTx } from '../application/tickets.ts';
import type { Tx } from '../db.ts';
import { publishers } from './publish.ts';

const system = (event: CloudEvent) => ({ sub: 'system', requestId: event.correlationid, kind: 'system' as const });

/** Intents that make an inbound interaction a ticket. */
const TICKET_INTENTS = new Set(['complaint', 'request']);

export const subscriptions: Handlers<Tx> = {
  /** An inbound complaint or request opens a ticket, once per interaction id (unique origin_interaction_id). */
  [interactionRecorded.type]: async (event, tx) => {
    const d = event.data as EventData<typeof interactionRecorded>;
    if (d.direction !== 'inbound' || !d.intent || !TICKET_INTENTS.has(d.intent) || d.ticketId) return;
    const existing = await tx.ticket.findUnique({ where: { originInteractionId: d.interactionId }, select: { id: true } });
    if (existing) return;
    // Serialise concurrent deliveries of the same interaction (e.g. two consumers during a rebalance).
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`interaction:${d.interactionId}`}))`;
    if (await tx.ticket.findUnique({ where: { originInteractionId: d.interactionId }, select: { id: true } })) return;
    await openTicketTx(tx, {
      customerId: d.customerId,
      // codes only: the interaction's text stays in the interaction service
      subject: `${d.intent} via ${d.channel}`,
      category: d.intent,
      priority: d.intent === 'complaint' ? 'P2' : 'P3',
      channel: d.channel,
      tags: [d.intent],
      originInteractionId: d.interactionId,
      autoAssign: false,
    }, system(event), new Date());
  },

  /** Merged customers: every ticket and rating of the merged id now belongs to the survivor. */
  [customerMerged.type]: async (event, tx) => {
    const { survivorId, mergedId } = event.data as EventData<typeof customerMerged>;
    await tx.$executeRaw`
      INSERT INTO ticket_history (ticket_id, field, from_value, to_value, by, at)
      SELECT id, 'customer', customer_id, ${survivorId}, 'system', now() FROM ticket WHERE customer_id = ${mergedId}`;
    await tx.ticket.updateMany({ where: { customerId: mergedId }, data: { customerId: survivorId, version: { increment: 1 } } });
    await tx.satisfactionRating.updateMany({ where: { customerId: mergedId }, data: { customerId: survivorId } });
  },

  /** Erasure: delete the texts of the customer's tickets (subject, description, messages, rating comments); keep the numbers. */
  [customerErased.type]: async (event, tx) => {
    const { customerId, erasedAt } = event.data as EventData<typeof customerErased>;
    const now = new Date();
    const tickets = await tx.ticket.findMany({ where: { customerId }, select: { id: true } });
    const ids = tickets.map((t) => t.id);
    if (ids.length > 0) {
      const messageIds = (await tx.ticketMessage.findMany({ where: { ticketId: { in: ids } }, select: { id: true } })).map((m) => m.id);
      await tx.ticketMessage.updateMany({ where: { ticketId: { in: ids } }, data: { body: null } });
      // stored Idempotency-Key responses of opens and replies hold the same texts
      // (the response body is stored as text; ticket and message ids are unique, so a match is exact)
      await tx.$executeRaw`
        DELETE FROM idempotency_key k
        WHERE EXISTS (SELECT 1 FROM unnest(${[...ids, ...messageIds]}::text[]) AS i(id) WHERE position(i.id in k.response->>'body') > 0)`;
      await tx.ticket.updateMany({ where: { id: { in: ids } }, data: { subject: null, description: null, erasedAt: now, version: { increment: 1 } } });
    }
    await tx.satisfactionRating.updateMany({ where: { customerId }, data: { comment: null } });
    await publishers.erasureConfirmed(tx, { customerId, erasedAt, confirmedAt: now.toISOString() }, system(event), event.id);
  },
};

/** The topics those events arrive on. */
export const subscribedTopics = ['crm.customer', 'crm.interaction'];
