// Every event the interaction service consumes, in one place: the customer service's merges and erasures
// (crm.customer) and the integrators' commands (crm.interaction.ingest, a separate consumer group so that
// a slow command never holds up privacy events).
import {
  customerErased,
  customerMerged,
  recordInteractionCommand,
  recordPurchaseCommand,
  type CloudEvent,
  type EventData,
} from '@crm/contracts';
import type { Handlers } from '@crm/event-bus';
import type { CustomerDirectory } from '../application/customer-directory.ts';
import { ingestInteraction, ingestPurchase } from '../application/ingest.ts';
import { eraseCustomer, rekeyCustomer } from '../application/privacy.ts';
import type { Tx } from '../db.ts';

const actorOf = (event: CloudEvent) => ({ sub: `event:${event.source}`, requestId: event.correlationid, causationId: event.id });

export const customerEventHandlers: Handlers<Tx> = {
  [customerMerged.type]: async (event, tx) => {
    const { survivorId, mergedId } = event.data as EventData<typeof customerMerged>;
    await rekeyCustomer(tx, mergedId, survivorId);
  },
  [customerErased.type]: async (event, tx) => {
    const { customerId, erasedAt } = event.data as EventData<typeof customerErased>;
    await eraseCustomer(tx, customerId, erasedAt, actorOf(event));
  },
};
export const customerTopics = ['crm.customer'];

export function ingestHandlers(directory: CustomerDirectory): Handlers<Tx> {
  return {
    [recordPurchaseCommand.type]: (event, tx) => ingestPurchase(tx, directory, event.data as EventData<typeof recordPurchaseCommand>, actorOf(event)),
    [recordInteractionCommand.type]: (event, tx) => ingestInteraction(tx, directory, event.data as EventData<typeof recordInteractionCommand>, actorOf(event)),
  };
}
export const ingestTopics = ['crm.interaction.ingest'];
/** Commands that break a business rule never succeed: a few retries, then the dead-letter topic. */
export const INGEST_MAX_ATTEMPTS = 2;
