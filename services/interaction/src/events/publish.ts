// Every event the interaction service publishes is built here, from @crm/contracts, and written to the
// outbox in the caller's transaction. No free text (subjects, summaries, comments) goes into events.
import {
  createEvent,
  interactionCorrected,
  interactionErasureConfirmed,
  interactionRecorded,
  purchaseRecorded,
  purchaseRefunded,
  surveyAnswered,
  type CloudEvent,
  type EventData,
  type EventDefinition,
} from '@crm/contracts';
import { enqueue } from '@crm/event-bus';
import type { Tx } from '../db.ts';
import type { Actor } from '../application/context.ts';

const SOURCE = '/crm/interaction';

export const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;

export function build<D>(def: EventDefinition<D>, subject: string, data: D, actor: Actor): CloudEvent<D> {
  return createEvent(def, { source: SOURCE, subject, data: defined(data as object) as D, correlationId: actor.requestId, causationId: actor.causationId });
}

type Facts = EventData<typeof interactionRecorded>;
type Row = {
  id: string; customerId: string; channel: string; direction: string; kind: string; occurredAt: Date;
  durationSeconds: number | null; outcome: string | null; intent: string | null; ticketId: string | null; campaignId: string | null;
  agentId: string | null; queueId: string | null; queueWaitSeconds: number | null; handleSeconds: number | null; firstContactResolution: boolean | null;
};

/** The facts of an interaction as events carry them: ids, codes, numbers; never subject or summary. */
export function facts(r: Row): Facts {
  return defined({
    interactionId: r.id,
    customerId: r.customerId,
    channel: r.channel as Facts['channel'],
    direction: r.direction as Facts['direction'],
    kind: r.kind as Facts['kind'],
    occurredAt: r.occurredAt.toISOString(),
    durationSeconds: r.durationSeconds ?? undefined,
    outcome: (r.outcome ?? undefined) as Facts['outcome'],
    intent: (r.intent ?? undefined) as Facts['intent'],
    ticketId: r.ticketId ?? undefined,
    campaignId: r.campaignId ?? undefined,
    agentId: r.agentId ?? undefined,
    queueId: r.queueId ?? undefined,
    queueWaitSeconds: r.queueWaitSeconds ?? undefined,
    handleSeconds: r.handleSeconds ?? undefined,
    firstContactResolution: r.firstContactResolution ?? undefined,
  });
}

export type PurchaseRecordedData = EventData<typeof purchaseRecorded>;

export const publishers = {
  interactionRecorded: (tx: Tx, r: Row, actor: Actor) => enqueue(tx, build(interactionRecorded, r.customerId, facts(r), actor)),
  interactionCorrected: (tx: Tx, r: Row, revision: number, changedFields: string[], actor: Actor) =>
    enqueue(tx, build(interactionCorrected, r.customerId, { ...facts(r), revision, changedFields }, actor)),
  /** Many purchases in one multi-row outbox insert (the import). */
  purchasesRecorded: (tx: Tx, items: PurchaseRecordedData[], actor: Actor) =>
    items.length === 0 ? Promise.resolve() : enqueue(tx, items.map((d) => build(purchaseRecorded, d.customerId, d, actor))),
  purchaseRefunded: (tx: Tx, d: EventData<typeof purchaseRefunded>, actor: Actor) => enqueue(tx, build(purchaseRefunded, d.customerId, d, actor)),
  surveyAnswered: (tx: Tx, d: EventData<typeof surveyAnswered>, actor: Actor) => enqueue(tx, build(surveyAnswered, d.customerId, d, actor)),
  erasureConfirmed: (tx: Tx, customerId: string, erasedAt: string, actor: Actor) =>
    enqueue(tx, build(interactionErasureConfirmed, customerId, { customerId, erasedAt, confirmedAt: new Date().toISOString() }, actor)),
};
