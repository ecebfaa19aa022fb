// Every event the marketing-campaign service consumes, in one place. Handlers get (event, tx): the
// consumer runs a Kafka batch in one transaction with the inbox rows, so a redelivery changes nothing.
import {
  churnRiskCleared,
  churnRiskRaised,
  customerConsentChanged,
  customerErased,
  customerLifecycleStageChanged,
  customerMerged,
  customerProfile,
  customerRegistered,
  customerTagged,
  customerValueUpdated,
  interactionRecorded,
  purchaseRecorded,
  purchaseRefunded,
  ticketClosed,
  ticketReopened,
  ticketSatisfactionRated,
  type CloudEvent,
  type EventData,
} from '@crm/contracts';
import type { BatchHandlers, Handlers } from '@crm/event-bus';
import { Decimal } from 'decimal.js';
import type { JourneyEvent } from '../domain/index.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { applyFactsChanges, ensureFacts, patchFacts, refreshMembership, type FactsChange, type FactsColumn, type FactsRow, type StoredConsent } from '../application/facts.ts';
import { exitAllJourneys, feedJourneys } from '../application/journeys.ts';
import { accruePurchase, programmeRules, reverseRefund, signupBonus } from '../application/loyalty.ts';
import type { LoyaltyRules } from '../domain/index.ts';
import type { Tx } from '../db.ts';
import { publishers, type Trace } from './publish.ts';

type Data<T> = EventData<T>;
const trace = (e: CloudEvent): Trace => ({ requestId: e.correlationid, causationId: e.id });
const now = () => new Date();

/** Personal data this service holds: wiped on erasure, on a profile tombstone and for a merged customer. */
const noPersonalData = { givenName: null, email: null, phone: null, postalAddress: Prisma_DbNull(), birthday: null } as const;
function Prisma_DbNull() {
  return null as unknown as Prisma.NullableJsonNullValueInput;
}

async function live(tx: Tx, customerId: string): Promise<boolean> {
  const row = await tx.customerFacts.findUnique({ where: { customerId }, select: { erasedAt: true, mergedInto: true } });
  return !row || (row.erasedAt === null && row.mergedInto === null);
}

async function journeyEvent(tx: Tx, e: CloudEvent, type: JourneyEvent['type'], customerId: string, data: Record<string, unknown> = {}, facts?: FactsRow) {
  await feedJourneys(tx, { id: e.id, type, customerId, occurredAt: e.time, data }, now(), trace(e), facts);
}

const dead = (row: FactsRow) => row.erasedAt !== null || row.mergedInto !== null;
const pick = <T extends { primary: boolean }>(xs: T[]) => xs.find((x) => x.primary) ?? xs[0];

// The fact changes of the high-volume events, as functions of the row the events before left (the same
// checks as one event at a time). Used by the per-event handlers and by the batch handlers alike.
type Patch = ReturnType<FactsChange['patch']>;

function profilePatch(d: Data<typeof customerProfile>, row: FactsRow): Patch {
  if (dead(row) || row.profileVersion >= d.version) return null;
  const address = pick(d.postalAddresses);
  return {
    profileVersion: d.version,
    givenName: d.givenName ?? d.displayName,
    email: pick(d.emails)?.address ?? null,
    phone: pick(d.phones)?.number ?? null,
    postalAddress: address ? { lines: address.lines, postalCode: address.postalCode, city: address.city, region: address.region, country: address.country } : null,
    country: d.country ?? null,
    timeZone: d.timeZone ?? null,
    birthday: d.birthday ?? null,
    lifecycleStage: d.lifecycleStage,
    tags: d.tags,
  };
}
const profileColumns: FactsColumn[] = ['profileVersion', 'givenName', 'email', 'phone', 'postalAddress', 'country', 'timeZone', 'birthday', 'lifecycleStage', 'tags'];

function consentPatch(d: Data<typeof customerConsentChanged>, row: FactsRow): Patch {
  if (dead(row)) return null; // erased or merged: nothing more is recorded
  const list = (row.consent as StoredConsent[]).filter((c) => !(c.channel === d.channel && c.purpose === d.purpose));
  const prev = (row.consent as StoredConsent[]).find((c) => c.channel === d.channel && c.purpose === d.purpose);
  if (prev?.at && Date.parse(prev.at) > Date.parse(d.effectiveAt)) return null; // an older change arrived late
  list.push({ channel: d.channel, purpose: d.purpose, state: d.granted ? 'granted' : 'withdrawn', at: d.effectiveAt });
  return { consent: list };
}

function stagePatch(d: Data<typeof customerLifecycleStageChanged>, row: FactsRow): Patch {
  return dead(row) ? null : { lifecycleStage: d.to };
}

function interactionPatch(d: Data<typeof interactionRecorded>, row: FactsRow): Patch {
  if (dead(row)) return null;
  const at = new Date(d.occurredAt);
  if (row.lastContactAt && row.lastContactAt >= at) return null;
  return { lastContactAt: at };
}

/** The facts of a purchase; `known` holds the purchase ids already recorded (it learns this one). */
function purchasePatch(d: Data<typeof purchaseRecorded>, row: FactsRow, known: Set<string>): Patch {
  if (dead(row) || known.has(d.purchaseId)) return null;
  known.add(d.purchaseId);
  const at = new Date(d.occurredAt);
  return {
    purchaseCount: row.purchaseCount + 1,
    revenue: new Prisma.Decimal(row.revenue.toString()).plus(d.amount),
    lastPurchaseAt: row.lastPurchaseAt && row.lastPurchaseAt > at ? row.lastPurchaseAt : at,
  };
}
const purchaseColumns: FactsColumn[] = ['purchaseCount', 'revenue', 'lastPurchaseAt'];

/** Loyalty accrual, conversion attribution and the journey feed of one purchase whose facts are recorded. */
async function afterPurchase(tx: Tx, d: Data<typeof purchaseRecorded>, e: CloudEvent, row: FactsRow, rules: LoyaltyRules, exposed: Set<string>) {
  await accruePurchase(tx, { purchaseId: d.purchaseId, customerId: d.customerId, amount: d.amount, currency: d.currency, occurredAt: d.occurredAt, campaignId: d.campaignId }, trace(e), rules);
  // Conversion attribution: the first purchase within each campaign's window after the exposure.
  if (exposed.has(d.customerId)) await tx.$executeRawUnsafe(
    `UPDATE campaign_send s SET converted_at = $2, revenue = $3::numeric
       FROM campaign c
      WHERE c.id = s.campaign_id AND s.customer_id = $1 AND s.converted_at IS NULL
        AND s.status IN ('sent','exported','delivered','opened','clicked','holdout')
        AND coalesce(s.sent_at, s.created_at) <= $2
        AND $2 - coalesce(s.sent_at, s.created_at) <= make_interval(days => c.attribution_window_days)`,
    d.customerId, new Date(d.occurredAt), d.amount,
  );
  await journeyEvent(tx, e, 'purchase.completed', d.customerId, { purchaseId: d.purchaseId, firstPurchase: row.purchaseCount === 1 }, row);
}

async function purchases(tx: Tx, events: CloudEvent[]) {
  const data = events.map((e) => e.data as Data<typeof purchaseRecorded>);
  const recorded = await tx.purchase.findMany({ where: { purchaseId: { in: data.map((d) => d.purchaseId) } }, select: { purchaseId: true } });
  const known = new Set(recorded.map((p) => p.purchaseId));
  const rows = await applyFactsChanges(
    tx,
    data.map((d, i) => ({ customerId: d.customerId, trace: trace(events[i]!), patch: (row) => purchasePatch(d, row, known) })),
    purchaseColumns,
    now(),
  );
  const buyers = [...new Set(data.filter((_, i) => rows[i]).map((d) => d.customerId))];
  if (buyers.length === 0) return;
  const rules = await programmeRules(tx);
  // Only customers with an unconverted campaign message can convert (a purchase never adds one).
  const exposed = new Set((await tx.$queryRawUnsafe<{ customer_id: string }[]>(
    `SELECT DISTINCT customer_id FROM campaign_send WHERE customer_id = ANY($1::text[]) AND converted_at IS NULL`, buyers,
  )).map((r) => r.customer_id));
  for (let i = 0; i < events.length; i++) {
    const row = rows[i];
    if (row) await afterPurchase(tx, data[i]!, events[i]!, row, rules, exposed);
  }
}

/** Registrations: the facts of a run at once, then each live one's sign-up bonus and journey feed in order. */
async function registrations(tx: Tx, events: CloudEvent[]) {
  const data = events.map((e) => e.data as Data<typeof customerRegistered>);
  const rows = await applyFactsChanges(
    tx,
    // erased or merged: nothing more is recorded
    data.map((d, i) => ({ customerId: d.customerId, trace: trace(events[i]!), patch: (row) => (dead(row) ? null : { lifecycleStage: d.lifecycleStage, registeredAt: new Date(events[i]!.time) }) })),
    ['lifecycleStage', 'registeredAt'],
    now(),
  );
  const rules = rows.some((r) => r) ? await programmeRules(tx) : null;
  for (let i = 0; i < events.length; i++) {
    const row = rows[i];
    if (!row) continue;
    await signupBonus(tx, data[i]!.customerId, events[i]!.time, trace(events[i]!), rules!);
    await journeyEvent(tx, events[i]!, 'customer.registered', data[i]!.customerId, {}, row);
  }
}

/** A run of events whose only effect is a facts change: one batched facts update. */
function factsOnly<T>(_def: T, columns: FactsColumn[], patch: (d: Data<T>, row: FactsRow) => Patch) {
  return async (events: CloudEvent[], tx: Tx) => {
    await applyFactsChanges(tx, events.map((e) => ({ customerId: (e.data as { customerId: string }).customerId, trace: trace(e), patch: (row) => patch(e.data as Data<T>, row) })), columns, now());
  };
}

/** Low-CSAT follow-up needs both the close and the rating (they may arrive in either order). */
async function maybeTicketJourney(tx: Tx, e: CloudEvent, ticketId: string) {
  const t = await tx.ticketFact.findUnique({ where: { ticketId } });
  if (!t || !t.closedAt || t.rating === null || t.triggered) return;
  await tx.ticketFact.update({ where: { ticketId }, data: { triggered: true } });
  await journeyEvent(tx, e, 'ticket.closed', t.customerId, { ticketId, csat: t.rating });
}

const sub = <T>(_def: T, h: (data: Data<T>, e: CloudEvent, tx: Tx) => Promise<void>) => (e: CloudEvent, tx: Tx) => h(e.data as Data<T>, e, tx);

export const subscriptions: Handlers<Tx> = {
  [customerRegistered.type]: (e, tx) => registrations(tx, [e]),

  [customerProfile.type]: (e, tx) => batchHandlers[customerProfile.type]!([{ event: e }], tx),
  [customerConsentChanged.type]: (e, tx) => batchHandlers[customerConsentChanged.type]!([{ event: e }], tx),
  [customerLifecycleStageChanged.type]: (e, tx) => batchHandlers[customerLifecycleStageChanged.type]!([{ event: e }], tx),

  [customerTagged.type]: sub(customerTagged, async (d, e, tx) => {
    if (!(await live(tx, d.customerId))) return; // erased or merged: nothing more is recorded
    await ensureFacts(tx, d.customerId);
    const row = await tx.customerFacts.findUniqueOrThrow({ where: { customerId: d.customerId }, select: { tags: true } });
    const tags = [...new Set([...row.tags.filter((t) => !d.removed.includes(t)), ...d.added])].sort();
    await patchFacts(tx, d.customerId, { tags }, now(), trace(e));
  }),

  [customerMerged.type]: sub(customerMerged, async (d, e, tx) => {
    await ensureFacts(tx, d.mergedId);
    await ensureFacts(tx, d.survivorId);
    const merged = await tx.customerFacts.findUniqueOrThrow({ where: { customerId: d.mergedId } });
    if (merged.mergedInto) return;
    const survivor = await tx.customerFacts.findUniqueOrThrow({ where: { customerId: d.survivorId } });
    const later = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));
    await patchFacts(tx, d.survivorId, {
      purchaseCount: survivor.purchaseCount + merged.purchaseCount,
      revenue: new Decimal(survivor.revenue.toString()).plus(merged.revenue.toString()).toString(),
      lastPurchaseAt: later(survivor.lastPurchaseAt, merged.lastPurchaseAt),
      lastContactAt: later(survivor.lastContactAt, merged.lastContactAt),
    }, now(), trace(e));
    await patchFacts(tx, d.mergedId, { ...noPersonalData, mergedInto: d.survivorId }, now(), trace(e));
    await exitAllJourneys(tx, d.mergedId, 'customer_merged', now(), trace(e));
  }),

  [customerErased.type]: sub(customerErased, async (d, e, tx) => {
    await ensureFacts(tx, d.customerId);
    const at = now();
    // Facts stay as an anonymous row (erased_at) so that late events cannot re-create a profile.
    await patchFacts(tx, d.customerId, { ...noPersonalData, tags: [], consent: [], country: null, timeZone: null, erasedAt: new Date(d.erasedAt) }, at, trace(e));
    await exitAllJourneys(tx, d.customerId, 'customer_erased', at, trace(e));
    // the development sink may hold the phone number a message went to
    await tx.$executeRawUnsafe(
      `DELETE FROM sink_request WHERE body->>'customerId' = $1 OR body->>'messageId' IN (
         SELECT id FROM campaign_send WHERE customer_id = $1 UNION ALL SELECT id FROM journey_send WHERE customer_id = $1)`,
      d.customerId,
    );
    await publishers.erasureConfirmed(tx, { customerId: d.customerId, erasedAt: d.erasedAt, confirmedAt: at.toISOString() }, trace(e));
  }),

  [purchaseRecorded.type]: (e, tx) => purchases(tx, [e]),

  [purchaseRefunded.type]: sub(purchaseRefunded, async (d, e, tx) => {
    if (!(await live(tx, d.customerId))) return;
    await ensureFacts(tx, d.customerId);
    const row = await tx.customerFacts.findUniqueOrThrow({ where: { customerId: d.customerId } });
    const revenue = Decimal.max(0, new Decimal(row.revenue.toString()).minus(d.amount)).toString();
    await patchFacts(tx, d.customerId, { revenue }, now(), trace(e));
    await reverseRefund(tx, { refundId: d.refundId, purchaseId: d.purchaseId, customerId: d.customerId, amount: d.amount, occurredAt: d.occurredAt }, trace(e));
    await journeyEvent(tx, e, 'purchase.refunded', d.customerId, { purchaseId: d.purchaseId });
  }),

  [interactionRecorded.type]: (e, tx) => batchHandlers[interactionRecorded.type]!([{ event: e }], tx),

  [customerValueUpdated.type]: sub(customerValueUpdated, async (d, e, tx) => {
    if (!(await live(tx, d.customerId))) return;
    await patchFacts(tx, d.customerId, { rfmSegment: d.rfm.segment, valueClass: d.abcClass }, now(), trace(e));
  }),

  [churnRiskRaised.type]: sub(churnRiskRaised, async (d, e, tx) => {
    if (!(await live(tx, d.customerId))) return;
    await patchFacts(tx, d.customerId, { churnRisk: d.level }, now(), trace(e));
    await journeyEvent(tx, e, 'churn_risk.raised', d.customerId, { level: d.level });
  }),

  [churnRiskCleared.type]: sub(churnRiskCleared, async (d, e, tx) => {
    if (!(await live(tx, d.customerId))) return;
    await patchFacts(tx, d.customerId, { churnRisk: d.level }, now(), trace(e));
    await journeyEvent(tx, e, 'churn_risk.cleared', d.customerId, { level: d.level });
  }),

  [ticketClosed.type]: sub(ticketClosed, async (d, e, tx) => {
    await tx.ticketFact.upsert({ where: { ticketId: d.ticketId }, create: { ticketId: d.ticketId, customerId: d.customerId, closedAt: new Date(d.closedAt) }, update: { closedAt: new Date(d.closedAt) } });
    await maybeTicketJourney(tx, e, d.ticketId);
  }),

  [ticketSatisfactionRated.type]: sub(ticketSatisfactionRated, async (d, e, tx) => {
    await tx.ticketFact.upsert({ where: { ticketId: d.ticketId }, create: { ticketId: d.ticketId, customerId: d.customerId, rating: d.rating }, update: { rating: d.rating } });
    await maybeTicketJourney(tx, e, d.ticketId);
  }),

  [ticketReopened.type]: sub(ticketReopened, async (d, e, tx) => {
    await tx.ticketFact.updateMany({ where: { ticketId: d.ticketId }, data: { closedAt: null, triggered: false } });
    await journeyEvent(tx, e, 'ticket.reopened', d.customerId, { ticketId: d.ticketId });
  }),
};

type Run = Array<{ event: CloudEvent }>;
const run = (h: (events: CloudEvent[], tx: Tx) => Promise<void>) => (items: Run, tx: Tx) => h(items.map((i) => i.event), tx);

/**
 * The high-volume types, a run of consecutive events at a time (the consumer hands each run of one type in
 * log order): a Kafka batch becomes a few statements, with the same effects as one event at a time.
 */
export const batchHandlers: BatchHandlers<Tx> & Record<string, (items: Run, tx: Tx) => Promise<void>> = {
  [customerProfile.type]: run(factsOnly(customerProfile, profileColumns, profilePatch)),
  [customerConsentChanged.type]: run(factsOnly(customerConsentChanged, ['consent'], consentPatch)),
  [customerLifecycleStageChanged.type]: run(factsOnly(customerLifecycleStageChanged, ['lifecycleStage'], stagePatch)),
  [interactionRecorded.type]: run(factsOnly(interactionRecorded, ['lastContactAt'], interactionPatch)),
  [purchaseRecorded.type]: run((events, tx) => purchases(tx, events)),
  [customerRegistered.type]: run((events, tx) => registrations(tx, events)),
};

/** A tombstone on the compacted profile topic: the customer's contact data is gone. */
export async function onProfileTombstone(key: string | null, tx: Tx): Promise<void> {
  if (!key) return;
  const row = await tx.customerFacts.findUnique({ where: { customerId: key } });
  if (!row) return;
  const updated = await tx.customerFacts.update({ where: { customerId: key }, data: { ...noPersonalData, updatedAt: now() } });
  await refreshMembership(tx, [updated], now());
}

/** The topics those events arrive on. */
export const subscribedTopics = ['crm.customer', 'crm.customer.profile', 'crm.interaction', 'crm.analytics', 'crm.ticket'];
