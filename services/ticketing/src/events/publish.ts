// Every event the ticketing service publishes is built here, from @crm/contracts, and written to the
// outbox in the caller's transaction. Events carry ids, codes and measures only: subjects, descriptions,
// message bodies and rating comments stay in this service.
import {
  createEvent,
  ticketAssigned,
  ticketClosed,
  ticketErasureConfirmed,
  ticketEscalated,
  ticketOpened,
  ticketReopened,
  ticketReplied,
  ticketResolved,
  ticketSatisfactionRated,
  ticketSatisfactionRequested,
  ticketSlaBreached,
  ticketStatusChanged,
  type EventData,
  type EventDefinition,
} from '@crm/contracts';
import { enqueue } from '@crm/event-bus';
import type { Tx } from '../db.ts';
import type { Actor } from '../application/context.ts';

const SOURCE = '/crm/ticketing';

/** Drops undefined fields (optional ones); null stays, for fields the contract declares nullable. */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

async function publish<D extends object>(tx: Tx, def: EventDefinition<D>, subject: string, data: D, actor: Actor, causationId?: string): Promise<void> {
  await enqueue(tx, createEvent(def, { source: SOURCE, subject, data: defined(data), correlationId: actor.requestId, causationId }));
}

type Data<E> = E extends EventDefinition<infer D> ? D : never;
/** Publishers keyed by event; the subject (Kafka key) is the customer id, so a customer's events stay in order. */
const on = <E extends EventDefinition<object>>(def: E) =>
  (tx: Tx, data: Data<E> & { customerId: string }, actor: Actor, causationId?: string) => publish(tx, def as EventDefinition<object>, data.customerId, data, actor, causationId);

export const publishers = {
  opened: on(ticketOpened),
  assigned: on(ticketAssigned),
  replied: on(ticketReplied),
  statusChanged: on(ticketStatusChanged),
  slaBreached: on(ticketSlaBreached),
  escalated: on(ticketEscalated),
  resolved: on(ticketResolved),
  satisfactionRequested: on(ticketSatisfactionRequested),
  reopened: on(ticketReopened),
  closed: on(ticketClosed),
  satisfactionRated: on(ticketSatisfactionRated),
  erasureConfirmed: on(ticketErasureConfirmed),
};

export type OpenedData = EventData<typeof ticketOpened>;
