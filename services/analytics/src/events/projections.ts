// Projection writes. Hot event types (purchases, refunds, interactions) come in runs and are written
// with a few multi-row statements per run (unnest of arrays, aggregated per key first so that one
// statement never touches a row twice); the rest are per-event statements. All run inside the
// consumer's batch transaction together with the inbox rows.
import type { CloudEvent } from '@crm/contracts';
import type { Sql } from '@crm/db';
import { Decimal } from 'decimal.js';

type Item = { event: CloudEvent };

const NOT_ERASED = 'NOT EXISTS (SELECT 1 FROM erased_customer e WHERE e.customer_id = u.c)';

/** UTC calendar day of a timestamp (the purchase_day convention, see domain/summary.ts). */
export function utcDay(timestamp: string): string {
  return new Date(timestamp).toISOString().slice(0, 10);
}

interface DayAgg { c: string; d: string; n: number; a: Decimal }
interface CustAgg { c: string; n: number; a: Decimal; first: string; last: string; cur: string | null }

function aggregate(items: Item[]) {
  const days = new Map<string, DayAgg>();
  const customers = new Map<string, CustAgg>();
  for (const { event } of items) {
    const d = event.data as { customerId: string; amount: string; occurredAt: string; currency?: string };
    const day = utcDay(d.occurredAt);
    const amount = new Decimal(d.amount);
    const dk = `${d.customerId}\u0000${day}`;
    const da = days.get(dk);
    if (da) { da.n += 1; da.a = da.a.plus(amount); } else days.set(dk, { c: d.customerId, d: day, n: 1, a: amount });
    const ca = customers.get(d.customerId);
    if (ca) {
      ca.n += 1;
      ca.a = ca.a.plus(amount);
      if (d.occurredAt < ca.first) ca.first = d.occurredAt;
      if (d.occurredAt > ca.last) ca.last = d.occurredAt;
      ca.cur = d.currency ?? ca.cur;
    } else customers.set(d.customerId, { c: d.customerId, n: 1, a: amount, first: d.occurredAt, last: d.occurredAt, cur: d.currency ?? null });
  }
  return { days: [...days.values()], customers: [...customers.values()] };
}

export async function projectPurchases(items: Item[], tx: Sql): Promise<void> {
  const { days, customers } = aggregate(items);
  await tx.$executeRawUnsafe(
    `INSERT INTO purchase_day (customer_id, day, purchases, amount)
     SELECT u.c, u.d::date, u.n, u.a::numeric FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(c, d, n, a)
     WHERE ${NOT_ERASED}
     ON CONFLICT (customer_id, day) DO UPDATE SET purchases = purchase_day.purchases + EXCLUDED.purchases,
       amount = purchase_day.amount + EXCLUDED.amount`,
    days.map((x) => x.c), days.map((x) => x.d), days.map((x) => x.n), days.map((x) => x.a.toString()),
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_360 (customer_id, tags, purchase_count, revenue, currency, first_purchase_at, last_purchase_at)
     SELECT u.c, '{}', u.n, u.a::numeric, u.cur, u.f::timestamptz, u.l::timestamptz
     FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(c, n, a, cur, f, l)
     WHERE ${NOT_ERASED}
     ON CONFLICT (customer_id) DO UPDATE SET purchase_count = customer_360.purchase_count + EXCLUDED.purchase_count,
       revenue = customer_360.revenue + EXCLUDED.revenue,
       currency = COALESCE(EXCLUDED.currency, customer_360.currency),
       first_purchase_at = LEAST(customer_360.first_purchase_at, EXCLUDED.first_purchase_at),
       last_purchase_at = GREATEST(customer_360.last_purchase_at, EXCLUDED.last_purchase_at)`,
    customers.map((x) => x.c), customers.map((x) => x.n), customers.map((x) => x.a.toString()),
    customers.map((x) => x.cur), customers.map((x) => x.first), customers.map((x) => x.last),
  );
}

/** Refunds reduce net revenue: refunds of the day on purchase_day, refunded on the 360. */
export async function projectRefunds(items: Item[], tx: Sql): Promise<void> {
  const { days, customers } = aggregate(items);
  await tx.$executeRawUnsafe(
    `INSERT INTO purchase_day (customer_id, day, purchases, amount, refunds)
     SELECT u.c, u.d::date, 0, 0, u.a::numeric FROM unnest($1::text[], $2::text[], $3::text[]) AS u(c, d, a)
     WHERE ${NOT_ERASED}
     ON CONFLICT (customer_id, day) DO UPDATE SET refunds = purchase_day.refunds + EXCLUDED.refunds`,
    days.map((x) => x.c), days.map((x) => x.d), days.map((x) => x.a.toString()),
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_360 (customer_id, tags, refunded)
     SELECT u.c, '{}', u.a::numeric FROM unnest($1::text[], $2::text[]) AS u(c, a)
     WHERE ${NOT_ERASED}
     ON CONFLICT (customer_id) DO UPDATE SET refunded = customer_360.refunded + EXCLUDED.refunded`,
    customers.map((x) => x.c), customers.map((x) => x.a.toString()),
  );
}

export async function projectInteractions(items: Item[], tx: Sql): Promise<void> {
  const channels = new Map<string, { c: string; ch: string; n: number; last: string }>();
  const customers = new Map<string, { c: string; n: number; last: string; ch: string }>();
  for (const { event } of items) {
    const d = event.data as { customerId: string; channel: string; occurredAt: string };
    const k = `${d.customerId}\u0000${d.channel}`;
    const ca = channels.get(k);
    if (ca) { ca.n += 1; if (d.occurredAt > ca.last) ca.last = d.occurredAt; } else channels.set(k, { c: d.customerId, ch: d.channel, n: 1, last: d.occurredAt });
    const cu = customers.get(d.customerId);
    if (cu) {
      cu.n += 1;
      if (d.occurredAt >= cu.last) { cu.last = d.occurredAt; cu.ch = d.channel; }
    } else customers.set(d.customerId, { c: d.customerId, n: 1, last: d.occurredAt, ch: d.channel });
  }
  const ch = [...channels.values()];
  const cu = [...customers.values()];
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_channel (customer_id, channel, interactions, last_at)
     SELECT u.c, u.ch, u.n, u.l::timestamptz FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(c, ch, n, l)
     WHERE ${NOT_ERASED}
     ON CONFLICT (customer_id, channel) DO UPDATE SET interactions = customer_channel.interactions + EXCLUDED.interactions,
       last_at = GREATEST(customer_channel.last_at, EXCLUDED.last_at)`,
    ch.map((x) => x.c), ch.map((x) => x.ch), ch.map((x) => x.n), ch.map((x) => x.last),
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_360 (customer_id, tags, interaction_count, last_contact_at, last_contact_channel)
     SELECT u.c, '{}', u.n, u.l::timestamptz, u.ch FROM unnest($1::text[], $2::int[], $3::text[], $4::text[]) AS u(c, n, l, ch)
     WHERE ${NOT_ERASED}
     ON CONFLICT (customer_id) DO UPDATE SET interaction_count = customer_360.interaction_count + EXCLUDED.interaction_count,
       last_contact_channel = CASE WHEN customer_360.last_contact_at IS NULL OR EXCLUDED.last_contact_at >= customer_360.last_contact_at
         THEN EXCLUDED.last_contact_channel ELSE customer_360.last_contact_channel END,
       last_contact_at = GREATEST(customer_360.last_contact_at, EXCLUDED.last_contact_at)`,
    cu.map((x) => x.c), cu.map((x) => x.n), cu.map((x) => x.last), cu.map((x) => x.ch),
  );
}

/**
 * Buffers of the hot types per transaction. The consumer hands a batch handler each RUN of consecutive
 * events of one type; a real stream interleaves purchases and interactions, so runs are short. Their
 * writes are additive (sums, counts, least/greatest, last-by-time), so the runs of one Kafka batch are
 * buffered and written together just before the commit (flushPending, called by the projector's
 * transaction wrapper) — and before any per-event handler, so that e.g. an erasure still comes after the
 * purchases that preceded it.
 */
interface Pending { purchases: Item[]; refunds: Item[]; interactions: Item[] }
const pending = new WeakMap<object, Pending>();

function buffer(tx: Sql): Pending {
  let p = pending.get(tx);
  if (!p) {
    p = { purchases: [], refunds: [], interactions: [] };
    pending.set(tx, p);
  }
  return p;
}

export const bufferPurchases = async (items: Item[], tx: Sql) => void buffer(tx).purchases.push(...items);
export const bufferRefunds = async (items: Item[], tx: Sql) => void buffer(tx).refunds.push(...items);
export const bufferInteractions = async (items: Item[], tx: Sql) => void buffer(tx).interactions.push(...items);

/** Writes what the batch handlers buffered in this transaction (a few multi-row statements). */
export async function flushPending(tx: Sql): Promise<void> {
  const p = pending.get(tx);
  if (!p) return;
  pending.delete(tx);
  if (p.purchases.length > 0) await projectPurchases(p.purchases, tx);
  if (p.refunds.length > 0) await projectRefunds(p.refunds, tx);
  if (p.interactions.length > 0) await projectInteractions(p.interactions, tx);
}

/** Postgres types of the columns the per-event upserts write (parameters of INSERT ... SELECT need casts). */
const CASTS: Record<string, string> = {
  registered_at: 'timestamptz', opened_at: 'timestamptz', resolved_at: 'timestamptz',
  profile_version: 'int', interaction_count: 'int', sla_breaches: 'int', csat_count: 'int', csat_sum: 'int',
  nps_count: 'int', nps_last: 'int', breaches: 'int', reopen_count: 'int', csat: 'int',
  resolution_seconds: 'int', first_response_seconds: 'int', first_contact_resolved: 'boolean', sla_met: 'boolean',
};
export const param = (column: string, index: number) => `$${index}::${CASTS[column] ?? 'text'}`;

/** Upserts one customer_360 row with the given columns (per-event, low-volume types). */
export async function upsert360(tx: Sql, customerId: string, set: Record<string, unknown>, onConflict?: string): Promise<void> {
  const cols = Object.keys(set);
  const values = Object.values(set);
  const placeholders = cols.map((c, i) => param(c, i + 2));
  await tx.$executeRawUnsafe(
    `INSERT INTO customer_360 (customer_id, tags${cols.map((c) => `, ${c}`).join('')})
     SELECT $1, '{}'${placeholders.map((p) => `, ${p}`).join('')}
     WHERE NOT EXISTS (SELECT 1 FROM erased_customer e WHERE e.customer_id = $1)
     ON CONFLICT (customer_id) DO UPDATE SET ${onConflict ?? cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
    customerId,
    ...values,
  );
}

/** Tables built from events (truncated by a rebuild). */
export const PROJECTION_TABLES = [
  'customer_360', 'customer_channel', 'customer_consent', 'purchase_day', 'ticket_fact', 'erased_customer',
] as const;
/** Tables the recompute job writes from the projections (also cleared by a rebuild). */
export const VALUE_TABLES = ['customer_value', 'customer_rfm', 'churn_risk'] as const;

/** Removes every trace of a customer from the projections (erasure). */
export async function forgetCustomer(tx: Sql, customerId: string, erasedAt: string): Promise<void> {
  // Other topics' batches run concurrently: without this lock a purchase committed in parallel could slip
  // past both the erased_customer check and the deletes. SHARE ROW EXCLUSIVE waits for the writers in
  // flight and holds new ones until this commits (their statements then see erased_customer). Erasures
  // are rare; a deadlock with a writer is resolved by Postgres and the consumer's retry.
  await tx.$executeRawUnsafe(`LOCK TABLE ${PROJECTION_TABLES.join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
  for (const table of [...PROJECTION_TABLES.filter((t) => t !== 'erased_customer'), ...VALUE_TABLES, 'value_emitted']) {
    await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE customer_id = $1`, customerId);
  }
  await tx.$executeRawUnsafe(
    `INSERT INTO erased_customer (customer_id, erased_at) VALUES ($1, $2::timestamptz) ON CONFLICT DO NOTHING`,
    customerId,
    erasedAt,
  );
}
