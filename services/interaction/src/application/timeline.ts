// A customer's timeline: interactions, purchases, refunds and survey answers in one list, newest first,
// in a stable order by (occurred_at, id), with keyset (cursor) pagination and filters.
import { decodeCursor, encodeCursor } from '@crm/service-kit';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { formatMoney } from '../domain/money.ts';
import type { TimelineEntry, TimelineQuery } from '../schemas.ts';

const cursorSchema = z.object({ t: z.string(), id: z.string() });

type Row = {
  type: TimelineEntry['type']; id: string; occurred_at: Date; channel: string | null; kind: string | null; direction: string | null;
  subject: string | null; amount: string | null; currency: string | null; score: number | null; ref_id: string | null;
};

/** The live id of a customer id that was merged away, so the old id still finds the whole timeline. */
async function liveCustomerId(db: Db, id: string): Promise<string> {
  const ref = await db.customerRef.findUnique({ where: { id } });
  return ref?.liveId ?? id;
}

export async function customerTimeline(db: Db, rawCustomerId: string, q: TimelineQuery) {
  const customerId = await liveCustomerId(db, rawCustomerId);
  const args: unknown[] = [customerId];
  const arg = (v: unknown) => `$${args.push(v)}`;
  const types = new Set(q.type ?? ['interaction', 'purchase', 'refund', 'survey']);
  // Interaction kinds only exist on interactions; channels on interactions and purchases.
  if (q.kind) for (const t of ['purchase', 'refund', 'survey'] as const) types.delete(t);
  if (q.channel) for (const t of ['refund', 'survey'] as const) types.delete(t);

  const common: string[] = [];
  if (q.from) common.push(`occurred_at >= ${arg(q.from)}::timestamptz`);
  if (q.to) common.push(`occurred_at < ${arg(q.to)}::timestamptz`);
  if (q.cursor) {
    const c = decodeCursor(q.cursor, cursorSchema);
    common.push(`(occurred_at, id) < (${arg(c.t)}::timestamptz, ${arg(c.id)})`);
  }
  const channelIn = q.channel ? `channel = ANY(${arg(q.channel)}::text[])` : null;
  const kindIn = q.kind ? `kind = ANY(${arg(q.kind)}::text[])` : null;
  const where = (...extra: (string | null)[]) => ['customer_id = $1', ...extra.filter((e): e is string => e !== null), ...common].join(' AND ');

  // Every branch names and types its columns the same way.
  const cols = (type: string, channel: string, kind: string, direction: string, subject: string, amount: string, currency: string, score: string, ref: string) =>
    `${type}::text AS type, id, occurred_at, ${channel}::text AS channel, ${kind}::text AS kind, ${direction}::text AS direction, ` +
    `${subject}::text AS subject, ${amount}::text AS amount, ${currency}::text AS currency, ${score}::int AS score, ${ref}::text AS ref_id`;
  const parts: string[] = [];
  if (types.has('interaction')) {
    parts.push(`SELECT ${cols("'interaction'", 'channel', 'kind', 'direction', 'subject', 'NULL', 'NULL', 'NULL', 'ticket_id')}
      FROM interaction WHERE ${where(channelIn, kindIn)}`);
  }
  if (types.has('purchase')) {
    parts.push(`SELECT ${cols("'purchase'", 'channel', 'NULL', 'NULL', 'NULL', 'amount::text', 'currency', 'NULL', 'order_id')} FROM purchase WHERE ${where(channelIn)}`);
  }
  if (types.has('refund')) {
    parts.push(`SELECT ${cols("'refund'", 'NULL', 'reason', 'NULL', 'NULL', 'amount::text', 'currency', 'NULL', 'purchase_id')} FROM refund WHERE ${where()}`);
  }
  if (types.has('survey')) {
    parts.push(`SELECT ${cols("'survey'", 'NULL', 'kind', 'NULL', 'NULL', 'NULL', 'NULL', 'score', 'coalesce(ticket_id, interaction_id, campaign_id)')}
      FROM (SELECT *, answered_at AS occurred_at FROM survey_response) s WHERE ${where()}`);
  }
  if (parts.length === 0) return { customerId, items: [], nextCursor: null };
  const sql = `SELECT * FROM (${parts.map((p) => `(${p} ORDER BY occurred_at DESC, id DESC LIMIT ${q.limit + 1})`).join(' UNION ALL ')}) t
    ORDER BY occurred_at DESC, id DESC LIMIT ${q.limit + 1}`;
  const rows = await db.$queryRawUnsafe<Row[]>(sql, ...args);
  const page = rows.slice(0, q.limit);
  const items: TimelineEntry[] = page.map((r) => ({
    type: r.type,
    id: r.id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    channel: r.channel,
    kind: r.kind,
    direction: r.direction,
    subject: r.subject,
    amount: r.amount === null ? null : formatMoney(r.amount),
    currency: r.currency,
    score: r.score === null ? null : Number(r.score),
    refId: r.ref_id,
  }));
  const last = page.at(-1);
  return {
    customerId,
    items,
    nextCursor: rows.length > q.limit && last ? encodeCursor({ t: new Date(last.occurred_at).toISOString(), id: last.id }) : null,
  };
}
