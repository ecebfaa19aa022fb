// Every event the customer service publishes is built here, from @crm/contracts, and written to the outbox
// in the caller's transaction. History events carry ids and codes only; contact data goes to the compacted
// profile topic, which a merge or an erasure tombstones.
import {
  createEvent,
  customerConsentChanged,
  customerErased,
  customerLifecycleStageChanged,
  customerMerged,
  customerProfile,
  customerProfileUpdated,
  customerRegistered,
  customerTagged,
  leadCaptured,
  leadConverted,
  leadDisqualified,
  leadQualified,
  type CloudEvent,
  type EventData,
  type EventDefinition,
} from '@crm/contracts';
import { enqueue, enqueueTombstone } from '@crm/event-bus';
import type { Tx } from '../db.ts';
import type { Actor } from '../application/context.ts';
import type { CustomerView } from '../schemas.ts';

const SOURCE = '/crm/customer';

function profileData(c: CustomerView): EventData<typeof customerProfile> {
  return defined({
    customerId: c.id,
    kind: c.kind as Registered['kind'],
    version: c.version,
    displayName: [c.firstName, c.lastName].filter(Boolean).join(' ') || c.organisationName || c.emails[0]?.address || c.id,
    givenName: c.firstName ?? undefined,
    familyName: c.lastName ?? undefined,
    organisationName: c.organisationName ?? undefined,
    organisationId: c.organisationId ?? undefined,
    emails: c.emails.map((e) => ({ address: e.address.toLowerCase(), primary: e.primary, verified: e.verified })),
    phones: c.phones,
    postalAddresses: c.addresses.map((a) => defined({
      lines: [a.line1, a.line2].filter((l): l is string => typeof l === 'string'),
      postalCode: a.postalCode as string | undefined,
      city: a.city as string,
      region: a.region as string | undefined,
      country: a.country as string,
      primary: Boolean(a.primary),
      verified: false,
    })),
    country: c.country ?? undefined,
    timeZone: c.timeZone ?? undefined,
    locale: c.locale ?? undefined,
    birthday: c.birthday ?? undefined,
    lifecycleStage: c.stage,
    tags: c.tags,
    ownerAgentId: c.ownerId ?? undefined,
    externalIds: c.externalIds.map((e) => ({ system: e.source, id: e.id })),
    updatedAt: c.updatedAt,
  });
}

function build<D>(def: EventDefinition<D>, subject: string, data: D, actor: Actor, causationId?: string): CloudEvent<D> {
  return createEvent(def, { source: SOURCE, subject, data, correlationId: actor.requestId, causationId });
}

async function publish<D>(tx: Tx, def: EventDefinition<D>, subject: string, data: D, actor: Actor, causationId?: string): Promise<void> {
  await enqueue(tx, build(def, subject, data, actor, causationId));
}

type Registered = EventData<typeof customerRegistered>;
type StageChanged = EventData<typeof customerLifecycleStageChanged>;
type ConsentChanged = EventData<typeof customerConsentChanged>;

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;

/** Events built without being written, for callers that enqueue many in one statement. */
export const builders = {
  registered: (c: CustomerView, actor: Actor, source: Registered['source'], leadId?: string) =>
    build(customerRegistered, c.id, defined({
      customerId: c.id,
      kind: c.kind as Registered['kind'],
      lifecycleStage: c.stage,
      source,
      organisationId: c.organisationId ?? undefined,
      ownerAgentId: c.ownerId ?? undefined,
      leadId,
    }), actor),
  profile: (c: CustomerView, actor: Actor) =>
    build(customerProfile, c.id, profileData(c), actor),
};

export const publishers = {
  registered: (tx: Tx, c: CustomerView, actor: Actor, source: Registered['source'], leadId?: string) =>
    enqueue(tx, builders.registered(c, actor, source, leadId)),
  profileUpdated: (tx: Tx, id: string, changedFields: string[], version: number, actor: Actor) =>
    publish(tx, customerProfileUpdated, id, { customerId: id, changedFields, version }, actor),
  stageChanged: (tx: Tx, id: string, from: StageChanged['from'], to: StageChanged['to'], reason: StageChanged['reason'], actor: Actor, causationId?: string) =>
    publish(tx, customerLifecycleStageChanged, id, defined({ customerId: id, from, to, reason, causedBy: causationId }), actor, causationId),
  consentChanged: (tx: Tx, id: string, c: Omit<ConsentChanged, 'customerId'>, actor: Actor) =>
    publish(tx, customerConsentChanged, id, { customerId: id, ...c }, actor),
  tagged: (tx: Tx, id: string, added: string[], removed: string[], actor: Actor) =>
    publish(tx, customerTagged, id, { customerId: id, added, removed }, actor),
  merged: (tx: Tx, survivorId: string, mergedId: string, actor: Actor) =>
    publish(tx, customerMerged, mergedId, { survivorId, mergedId }, actor),
  erased: (tx: Tx, id: string, erasedAt: Date, actor: Actor) =>
    publish(tx, customerErased, id, { customerId: id, erasedAt: erasedAt.toISOString() }, actor),
  leadCaptured: (tx: Tx, leadId: string, source: EventData<typeof leadCaptured>['source'], campaignId: string | null, actor: Actor) =>
    publish(tx, leadCaptured, leadId, defined({ leadId, source, campaignId: campaignId ?? undefined }), actor),
  leadQualified: (tx: Tx, leadId: string, actor: Actor) => publish(tx, leadQualified, leadId, { leadId }, actor),
  leadDisqualified: (tx: Tx, leadId: string, reason: EventData<typeof leadDisqualified>['reason'], actor: Actor) =>
    publish(tx, leadDisqualified, leadId, { leadId, reason }, actor),
  leadConverted: (tx: Tx, leadId: string, customerId: string, actor: Actor) =>
    publish(tx, leadConverted, customerId, { leadId, customerId }, actor),

  /** The whole current profile on the compacted topic: the only event stream that carries contact data. */
  profile: (tx: Tx, c: CustomerView, actor: Actor) => enqueue(tx, builders.profile(c, actor)),
  profileTombstone: (tx: Tx, id: string) => enqueueTombstone(tx, customerProfile.topic, id),
};
