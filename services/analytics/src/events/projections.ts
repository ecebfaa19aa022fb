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

interface DayAgg { c: string; d: string; n: number; a: Decimal; r: Decimal }
interface CustAgg {
  c: string; n: number; a: Decimal; r: Decimal; first: string | null; last: string | null; cur: string | null;
  ic: number; ilast: string | null; ich: string | null;
}
interface ChannelAgg { c: string; ch: string; n: number; last: string }

/**
 * Writes purchases, refunds and interactions (given in log order per kind) with three multi-row upserts:
 * purchase_day (purchases and refunds per customer and day), customer_channel, customer_360. Rows are
 * aggregated per key first, so no statement touches a row twice. All writes are additive (sums, counts,
 * least/greatest, last by time), hence independent of how a batch is cut.
 */
export async function projectHot(purchases: readonly Item[], refunds: readonly Item[], interactions: readonly Item[], tx: Sql): Promise<void> {
  const zero = new Decimal(0);
  const days = new Map<string, DayAgg>();
  const customers = new Map<string, CustAgg>();
  const channels = new Map<string, ChannelAgg>();
  const cust = (c: string) => {
    let x = customers.get(c);
    if (!x) {
      x = { c, n: 0, a: zero, r: zero, first: null, last: null, cur: null, ic: 0, ilast: null, ich: null };
      customers.set(c, x);
    }
    return x;
  };
  const day = (c: string, d: string) => {
    const k = `${c}\u0000${d}`;
    let x = days.get(k);
    if (!x) {
      x = { c, d, n: 0, a: zero, r: zero };
      days.set(k, x);
    }
    return x;
  };
  for (const { event } of purchases) {
    const d = event.data as { customerId: string; amount: string; occurredAt: string; currency?: string };
    const amount = new Decimal(d.amount);
    const da = day(d.customerId, utcDay(d.occurredAt));
    da.n += 1;
    da.a = da.a.plus(amount);
    const ca = cust(d.customerId);
    ca.n += 1;
    ca.a = ca.a.plus(amount);
    if (ca.first === null || d.occurredAt < ca.first) ca.first = d.occurredAt;
    if (ca.last === null || d.occurredAt > ca.last) ca.last = d.occurredAt;
    ca.cur = d.currency ?? ca.cur;
  }
  for (const { event } of refunds) {
    const d = event.data as { customerId: string; amount: string; occurredAt: string };
    const amount = new Decimal(d.amount);
    const da = day(d.customerId, utcDay(d.occurredAt));
    da.r = da.r.plus(amount);
    const ca = cust(d.customerId);
    ca.r = ca.r.plus(amount);
  }
  for (const { event } of interactions) {
    const d = event.data as { customerId: string; channel: string; occurredAt: string };
    const k = `${d.customerId}\u0000${d.channel}`;
    const ch = channels.get(k);
    if (ch) {
      ch.n += 1;
      if (d.occurredAt > ch.last) ch.last = d.occurredAt;
    } else channels.set(k, { c: d.customerId, ch: d.channel, n: 1, last: d.occurredAt });
    const ca = cust(d.customerId);
    ca.ic += 1;
    if (ca.ilast === null || d.occurredAt >= ca.ilast) {
      ca.ilast = d.occurredAt;
      ca.ich = d.channel;
    }
  }
  if (days.size > 0) {
    const rows = [...days.values()];
    await tx.$executeRawUnsafe(
      `INSERT INTO purchase_day (customer_id, day, purchases, amount, refunds)
       SELECT u.c, u.d::date, u.n, u.a::numeric, u.r::numeric FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS u(c, d, n, a, r)
       WHERE ${NOT_ERASED}
       ON CONFLICT (customer_id, day) DO UPDATE SET purchases = purchase_day.purchases + EXCLUDED.purchases,
         amount = purchase_day.amount + EXCLUDED.amount, refunds = purchase_day.refunds + EXCLUDED.refunds`,
      rows.map((x) => x.c), rows.map((x) => x.d), rows.map((x) => x.n), rows.map((x) => x.a.toString()), rows.map((x) => x.r.toString()),
    );
  }
  if (channels.size > 0) {
    const rows = [...channels.values()];
    await tx.$executeRawUnsafe(
      `INSERT INTO customer_channel (customer_id, channel, interactions, last_at)
       SELECT u.c, u.ch, u.n, u.l::timestamptz FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(c, ch, n, l)
       WHERE ${NOT_ERASED}
       ON CONFLICT (customer_id, channel) DO UPDATE SET interactions = customer_channel.interactions + EXCLUDED.interactions,
         last_at = GREATEST(customer_channel.last_at, EXCLUDED.last_at)`,
      rows.map((x) => x.c), rows.map((x) => x.ch), rows.map((x) => x.n), rows.map((x) => x.last),
    );
  }
  if (customers.size > 0) {
    const rows = [...customers.values()];
    await tx.$executeRawUnsafe(
      `INSERT INTO customer_360 (customer_id, tags, purchase_count, revenue, refunded, currency, first_purchase_at, last_purchase_at,
         interaction_count, last_contact_at, last_contact_channel)
       SELECT u.c, '{}', u.n, u.a::numeric, u.r::numeric, u.cur, u.f::timestamptz, u.l::timestamptz, u.ic, u.il::timestamptz, u.ich
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[])
         AS u(c, n, a, r, cur, f, l, ic, il, ich)
       WHERE ${NOT_ERASED}
       ON CONFLICT (customer_id) DO UPDATE SET purchase_count = customer_360.purchase_count + EXCLUDED.purchase_count,
         revenue = customer_360.revenue + EXCLUDED.revenue,
         refunded = customer_360.refunded + EXCLUDED.refunded,
         currency = COALESCE(EXCLUDED.currency, customer_360.currency),
         first_purchase_at = LEAST(customer_360.first_purchase_at, EXCLUDED.first_purchase_at),
         last_purchase_at = GREATEST(customer_360.last_purchase_at, EXCLUDED.last_purchase_at),
         interaction_count = customer_360.interaction_count + EXCLUDED.interaction_count,
         last_contact_channel = CASE WHEN EXCLUDED.last_contact_at IS NOT NULL
             AND (customer_360.last_contact_at IS NULL OR EXCLUDED.last_contact_at >= customer_360.last_contact_at)
           THEN EXCLUDED.last_contact_channel ELSE customer_360.last_contact_channel END,
         last_contact_at = GREATEST(customer_360.last_contact_at, EXCLUDED.last_contact_at)`,
      rows.map((x) => x.c), rows.map((x) => x.n), rows.map((x) => x.a.toString()), rows.map((x) => x.r.toString()),
      rows.map((x) => x.cur), rows.map((x) => x.first), rows.map((x) => x.last), rows.map((x) => x.ic), rows.map((x) => x.ilast),
      rows.map((x) => x.ich),
    );
  }
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
  await projectHot(p.purchases, p.refunds, p.interactions, tx);
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
