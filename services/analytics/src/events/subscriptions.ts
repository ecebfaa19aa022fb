// Every event the analytics service consumes, in one place. Hot types have batch handlers (multi-row
// writes per Kafka batch); the rest are per-event handlers. All run in the batch's transaction.
import {
  analyticsErasureConfirmed,
  createEvent,
  customerConsentChanged,
  customerErased,
  customerLifecycleStageChanged,
  customerMerged,
  customerProfile,
  customerRegistered,
  interactionRecorded,
  purchaseRecorded,
  purchaseRefunded,
  surveyAnswered,
  ticketAssigned,
  ticketClosed,
  ticketEscalated,
  ticketOpened,
  ticketReopened,
  ticketReplied,
  ticketResolved,
  ticketSatisfactionRated,
  ticketSlaBreached,
  ticketStatusChanged,
  type CloudEvent,
  type EventData,
} from '@crm/contracts';
import { enqueue, type BatchHandlers, type Handlers, type TombstoneHandler } from '@crm/event-bus';
import type { Sql } from '@crm/db';
import { bufferInteractions, bufferPurchases, bufferRefunds, flushPending, forgetCustomer, param, upsert360 } from './projections.ts';

type D<T extends { data: unknown }> = EventData<T>;
const data = <T extends { data: unknown }>(_def: T, event: CloudEvent) => event.data as D<T>;

async function upsertTicket(tx: Sql, ticketId: string, customerId: string, set: Record<string, unknown>, onConflict: string) {
  const row: Record<string, unknown> = { status: 'new', ...set };
  const cols = Object.keys(row);
  await tx.$executeRawUnsafe(
    `INSERT INTO ticket_fact (ticket_id, customer_id${cols.map((c) => `, ${c}`).join('')})
     SELECT $1, $2${cols.map((c, i) => `, ${param(c, i + 3)}`).join('')}
     WHERE NOT EXISTS (SELECT 1 FROM erased_customer e WHERE e.customer_id = $2)
     ON CONFLICT (ticket_id) DO UPDATE SET ${onConflict}`,
    ticketId,
    customerId,
    ...Object.values(row),
  );
}

async function addCsat(tx: Sql, customerId: string, score: number) {
  await upsert360(tx, customerId, { csat_count: 1, csat_sum: score },
    'csat_count = customer_360.csat_count + 1, csat_sum = customer_360.csat_sum + EXCLUDED.csat_sum');
}

export const batchSubscriptions: BatchHandlers<Sql> = {
  [purchaseRecorded.type]: bufferPurchases,
  [purchaseRefunded.type]: bufferRefunds,
  [interactionRecorded.type]: bufferInteractions,
};

const handlers: Handlers<Sql> = {
  // ---- crm.customer ----
  [customerRegistered.type]: async (event, tx) => {
    const d = data(customerRegistered, event);
    await upsert360(tx, d.customerId, { kind: d.kind, registered_at: event.time },
      'kind = EXCLUDED.kind, registered_at = EXCLUDED.registered_at');
  },
  [customerLifecycleStageChanged.type]: async (event, tx) => {
    const d = data(customerLifecycleStageChanged, event);
    await upsert360(tx, d.customerId, { lifecycle_stage: d.to });
  },
  [customerConsentChanged.type]: async (event, tx) => {
    const d = data(customerConsentChanged, event);
    await tx.$executeRawUnsafe(
      `INSERT INTO customer_consent (customer_id, channel, purpose, granted, effective_at)
       SELECT $1, $2, $3, $4, $5::timestamptz WHERE NOT EXISTS (SELECT 1 FROM erased_customer e WHERE e.customer_id = $1)
       ON CONFLICT (customer_id, channel, purpose) DO UPDATE SET granted = EXCLUDED.granted, effective_at = EXCLUDED.effective_at
       WHERE EXCLUDED.effective_at >= customer_consent.effective_at`,
      d.customerId, d.channel, d.purpose, d.granted, d.effectiveAt,
    );
  },
  [customerMerged.type]: async (event, tx) => {
    const d = data(customerMerged, event);
    await upsert360(tx, d.mergedId, { merged_into_id: d.survivorId });
  },
  [customerErased.type]: async (event, tx) => {
    const d = data(customerErased, event);
    await forgetCustomer(tx, d.customerId, d.erasedAt);
    await enqueue(tx, createEvent(analyticsErasureConfirmed, {
      source: '/crm/analytics',
      subject: d.customerId,
      data: { customerId: d.customerId, erasedAt: d.erasedAt, confirmedAt: new Date().toISOString() },
      causationId: event.id,
      ...(event.correlationid ? { correlationId: event.correlationid } : {}),
    }));
  },
  // ---- crm.customer.profile (compacted; personal data: keep only what an agent needs) ----
  [customerProfile.type]: async (event, tx) => {
    const d = data(customerProfile, event);
    const email = d.emails.find((e) => e.primary) ?? d.emails[0];
    const phone = d.phones.find((p) => p.primary) ?? d.phones[0];
    await upsert360(tx, d.customerId, {
      kind: d.kind,
      display_name: d.displayName,
      primary_email: email?.address ?? null,
      primary_phone: phone?.number ?? null,
      country: d.country ?? null,
      time_zone: d.timeZone ?? null,
      locale: d.locale ?? null,
      owner_agent_id: d.ownerAgentId ?? null,
      profile_version: d.version,
      lifecycle_stage: d.lifecycleStage,
    }, `kind = EXCLUDED.kind, display_name = EXCLUDED.display_name, primary_email = EXCLUDED.primary_email,
        primary_phone = EXCLUDED.primary_phone, country = EXCLUDED.country, time_zone = EXCLUDED.time_zone,
        locale = EXCLUDED.locale, owner_agent_id = EXCLUDED.owner_agent_id, profile_version = EXCLUDED.profile_version,
        lifecycle_stage = COALESCE(customer_360.lifecycle_stage, EXCLUDED.lifecycle_stage)
      WHERE customer_360.profile_version IS NULL OR EXCLUDED.profile_version >= customer_360.profile_version`);
    await tx.$executeRawUnsafe(`UPDATE customer_360 SET tags = $2::text[] WHERE customer_id = $1`, d.customerId, d.tags);
  },
  // ---- crm.interaction (purchases, refunds and interactions are batch handlers above) ----
  [surveyAnswered.type]: async (event, tx) => {
    const d = data(surveyAnswered, event);
    // A CSAT about a ticket also arrives as crm.ticket.satisfaction_rated: count it once, from there.
    if (d.kind === 'csat' && d.score !== undefined && !d.ticketId) await addCsat(tx, d.customerId, d.score);
    if (d.kind === 'nps' && d.score !== undefined) {
      await upsert360(tx, d.customerId, { nps_count: 1, nps_last: d.score },
        'nps_count = customer_360.nps_count + 1, nps_last = EXCLUDED.nps_last');
    }
  },
  // ---- crm.ticket ----
  [ticketOpened.type]: async (event, tx) => {
    const d = data(ticketOpened, event);
    await upsertTicket(tx, d.ticketId, d.customerId,
      { status: 'open', priority: d.priority, queue_id: d.queueId ?? null, opened_at: event.time },
      'priority = EXCLUDED.priority, queue_id = COALESCE(EXCLUDED.queue_id, ticket_fact.queue_id), opened_at = EXCLUDED.opened_at');
  },
  [ticketAssigned.type]: async (event, tx) => {
    const d = data(ticketAssigned, event);
    await upsertTicket(tx, d.ticketId, d.customerId, { agent_id: d.agentId }, 'agent_id = EXCLUDED.agent_id');
  },
  [ticketReplied.type]: async (event, tx) => {
    const d = data(ticketReplied, event);
    if (!d.firstResponse) return;
    await tx.$executeRawUnsafe(
      `UPDATE ticket_fact SET first_response_seconds = GREATEST(0, EXTRACT(EPOCH FROM ($2::timestamptz - opened_at)))::int
       WHERE ticket_id = $1 AND first_response_seconds IS NULL AND opened_at IS NOT NULL`,
      d.ticketId, event.time,
    );
  },
  [ticketStatusChanged.type]: async (event, tx) => {
    const d = data(ticketStatusChanged, event);
    await upsertTicket(tx, d.ticketId, d.customerId, { status: d.to }, 'status = EXCLUDED.status');
  },
  [ticketSlaBreached.type]: async (event, tx) => {
    const d = data(ticketSlaBreached, event);
    await upsertTicket(tx, d.ticketId, d.customerId, { breaches: 1 }, 'breaches = ticket_fact.breaches + 1');
    await upsert360(tx, d.customerId, { sla_breaches: 1 }, 'sla_breaches = customer_360.sla_breaches + 1');
  },
  [ticketEscalated.type]: async (event, tx) => {
    const d = data(ticketEscalated, event);
    await upsertTicket(tx, d.ticketId, d.customerId,
      { priority: d.toPriority, queue_id: d.toQueueId ?? null, agent_id: d.toAgentId ?? null },
      `priority = EXCLUDED.priority, queue_id = COALESCE(EXCLUDED.queue_id, ticket_fact.queue_id),
       agent_id = COALESCE(EXCLUDED.agent_id, ticket_fact.agent_id)`);
  },
  [ticketResolved.type]: async (event, tx) => {
    const d = data(ticketResolved, event);
    await upsertTicket(tx, d.ticketId, d.customerId, {
      status: 'resolved', resolved_at: d.resolvedAt, resolution_seconds: d.resolutionSeconds,
      first_response_seconds: d.firstResponseSeconds ?? null, first_contact_resolved: d.firstContactResolution,
      sla_met: d.slaMet, queue_id: d.queueId ?? null, agent_id: d.agentId ?? null, priority: d.priority,
    }, `status = 'resolved', resolved_at = EXCLUDED.resolved_at, resolution_seconds = EXCLUDED.resolution_seconds,
        first_response_seconds = COALESCE(EXCLUDED.first_response_seconds, ticket_fact.first_response_seconds),
        first_contact_resolved = EXCLUDED.first_contact_resolved, sla_met = EXCLUDED.sla_met,
        queue_id = COALESCE(EXCLUDED.queue_id, ticket_fact.queue_id), agent_id = COALESCE(EXCLUDED.agent_id, ticket_fact.agent_id),
        priority = EXCLUDED.priority`);
  },
  [ticketReopened.type]: async (event, tx) => {
    const d = data(ticketReopened, event);
    await upsertTicket(tx, d.ticketId, d.customerId, { status: 'open', reopen_count: d.reopenCount },
      `status = 'open', reopen_count = EXCLUDED.reopen_count`);
  },
  [ticketClosed.type]: async (event, tx) => {
    const d = data(ticketClosed, event);
    await upsertTicket(tx, d.ticketId, d.customerId, { status: 'closed' }, `status = 'closed'`);
  },
  [ticketSatisfactionRated.type]: async (event, tx) => {
    const d = data(ticketSatisfactionRated, event);
    await upsertTicket(tx, d.ticketId, d.customerId, { csat: d.rating }, 'csat = EXCLUDED.csat');
    await addCsat(tx, d.customerId, d.rating);
  },
};

/** Per-event handlers run after the buffered hot writes that preceded them in the log. */
export const subscriptions: Handlers<Sql> = Object.fromEntries(
  Object.entries(handlers).map(([type, handler]) => [type, async (event: CloudEvent, tx: Sql, ctx: Parameters<NonNullable<typeof handler>>[2]) => {
    await flushPending(tx);
    await handler!(event, tx, ctx);
  }]),
);

/** Tombstone on crm.customer.profile (erasure or merge): the personal fields go, the facts stay. */
export const onProfileTombstone: TombstoneHandler<Sql> = async (key, tx) => {
  await flushPending(tx);
  if (!key) return;
  await tx.$executeRawUnsafe(
    `UPDATE customer_360 SET display_name = NULL, primary_email = NULL, primary_phone = NULL, time_zone = NULL,
       locale = NULL, tags = '{}', profile_version = NULL WHERE customer_id = $1`,
    key,
  );
};
