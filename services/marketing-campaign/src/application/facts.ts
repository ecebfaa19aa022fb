// The customer-facts read model: load as domain facts, patch from events, and keep dynamic segment
// membership current after every change (membership changes are published).
import { CustomerFactsSchema, evaluate, ruleDependsOn, RuleSchema, type CustomerFacts, type Rule } from '../domain/index.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Tx } from '../db.ts';
import { publishers, type Trace } from '../events/publish.ts';

export type FactsRow = Prisma.CustomerFactsGetPayload<object>;
export type StoredConsent = { channel: string; purpose: string; state: 'granted' | 'withdrawn'; at?: string };

const domainChannels = new Set(['email', 'sms', 'direct_mail', 'push']);

/** Domain facts from a row (contact points become the channels the customer can be reached on). */
export function toFacts(row: FactsRow): CustomerFacts {
  const consent = (row.consent as StoredConsent[]).filter((c) => domainChannels.has(c.channel));
  const contactPoints: CustomerFacts['contactPoints'] = [];
  if (row.email) contactPoints.push('email');
  if (row.phone) contactPoints.push('sms');
  if (row.postalAddress) contactPoints.push('direct_mail');
  // No device registry here: an app that asked for push permission records push consent.
  if (consent.some((c) => c.channel === 'push' && c.state === 'granted')) contactPoints.push('push');
  const facts = {
    customerId: row.customerId,
    lifecycleStage: row.lifecycleStage ?? undefined,
    tags: row.tags,
    consent,
    contactPoints,
    country: row.country ?? undefined,
    timeZone: row.timeZone ?? undefined,
    purchaseCount: row.purchaseCount,
    revenue: row.revenue.toString(),
    lastPurchaseAt: row.lastPurchaseAt?.toISOString(),
    lastContactAt: row.lastContactAt?.toISOString(),
    registeredAt: row.registeredAt?.toISOString(),
    rfmSegment: row.rfmSegment ?? undefined,
    churnRisk: row.churnRisk ?? undefined,
    valueClass: row.valueClass ?? undefined,
    birthday: row.birthday ?? undefined,
    erased: row.erasedAt !== null || row.mergedInto !== null,
  };
  const parsed = CustomerFactsSchema.safeParse(facts);
  if (parsed.success) return parsed.data;
  // A value the domain does not know (e.g. an odd time zone) must not hide the customer: drop it.
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
  return CustomerFactsSchema.parse(Object.fromEntries(Object.entries(facts).filter(([k]) => !bad.has(k))));
}

/** Ensure a facts row exists (events may arrive in any order across topics). */
export async function ensureFacts(tx: Tx, customerId: string): Promise<void> {
  await tx.$executeRawUnsafe(`INSERT INTO customer_facts (customer_id) VALUES ($1) ON CONFLICT DO NOTHING`, customerId);
}

/** Patch the facts of a customer and re-evaluate the dynamic segments whose rules read a changed fact. */
export async function patchFacts(
  tx: Tx,
  customerId: string,
  patch: Prisma.CustomerFactsUpdateInput,
  now: Date,
  trace: Trace = {},
): Promise<FactsRow> {
  const row = await tx.customerFacts.upsert({
    where: { customerId },
    create: { ...(patch as Prisma.CustomerFactsCreateInput), customerId, updatedAt: now },
    update: { ...patch, updatedAt: now },
  });
  const segments = (await dynamicSegments(tx)).filter((s) => ruleDependsOn(s.rule, Object.keys(patch)));
  await refreshMembership(tx, [row], now, trace, segments);
  return row;
}

/** Columns a batched facts update may write, with their SQL types. */
const columnTypes = {
  lifecycleStage: 'text',
  tags: 'text[]',
  consent: 'jsonb',
  givenName: 'text',
  email: 'text',
  phone: 'text',
  postalAddress: 'jsonb',
  country: 'text',
  timeZone: 'text',
  birthday: 'text',
  purchaseCount: 'integer',
  revenue: 'numeric',
  lastPurchaseAt: 'timestamptz',
  lastContactAt: 'timestamptz',
  registeredAt: 'timestamptz',
  rfmSegment: 'text',
  churnRisk: 'text',
  valueClass: 'text',
  profileVersion: 'integer',
} as const;
export type FactsColumn = keyof typeof columnTypes;
const snake = (c: string) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

/** One event's change of a customer's facts: `patch` sees the row as the events before it left it (null: no change). */
export type FactsChange = { customerId: string; trace: Trace; patch: (row: FactsRow) => Partial<Pick<FactsRow, FactsColumn>> | null };

/**
 * Apply a run of events' fact changes in log order with a handful of statements: rows are created and read
 * once, each change is applied in memory in order (so every check sees exactly what the per-event path
 * would), dynamic segments whose rules read one of `columns` are evaluated after every change (so the same
 * membership events, with each event's trace, are published as one event at a time would), and then the
 * final rows, the net memberships and the outbox rows are written with one statement each.
 * Returns each change's resulting row (null when it made no change).
 */
export async function applyFactsChanges(tx: Tx, changes: FactsChange[], columns: readonly FactsColumn[], now: Date): Promise<(FactsRow | null)[]> {
  if (changes.length === 0) return [];
  const ids = [...new Set(changes.map((c) => c.customerId))];
  await tx.$executeRawUnsafe(`INSERT INTO customer_facts (customer_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, ids);
  const rows = new Map((await tx.customerFacts.findMany({ where: { customerId: { in: ids } } })).map((r) => [r.customerId, r]));
  const segs = (await dynamicSegments(tx)).filter((s) => ruleDependsOn(s.rule, columns));
  const before = new Set<string>();
  if (segs.length > 0) {
    const current = await tx.segmentMember.findMany({
      where: { customerId: { in: ids }, segmentId: { in: segs.map((s) => s.id) } },
      select: { segmentId: true, customerId: true },
    });
    for (const m of current) before.add(`${m.segmentId}|${m.customerId}`);
  }
  const members = new Set(before);
  const published: MembershipChange[] = [];
  const dirty = new Set<string>();
  const results: (FactsRow | null)[] = [];
  for (const c of changes) {
    const row = rows.get(c.customerId)!;
    const patch = c.patch(row);
    if (!patch) {
      results.push(null);
      continue;
    }
    const next: FactsRow = { ...row, ...patch, updatedAt: now };
    rows.set(c.customerId, next);
    dirty.add(c.customerId);
    results.push(next);
    if (segs.length === 0) continue;
    const facts = toFacts(next);
    const enter: MembershipChange[] = [];
    const leave: MembershipChange[] = [];
    for (const s of segs) {
      const key = `${s.id}|${c.customerId}`;
      const inside = !facts.erased && evaluate(s.rule, facts, now);
      const was = members.has(key);
      if (inside && !was) {
        members.add(key);
        enter.push({ segmentId: s.id, customerId: c.customerId, change: 'entered', trace: c.trace });
      }
      if (!inside && was) {
        members.delete(key);
        leave.push({ segmentId: s.id, customerId: c.customerId, change: 'left', trace: c.trace });
      }
    }
    published.push(...enter, ...leave);
  }
  if (dirty.size > 0) {
    const cols = columns.map((c) => `${snake(c)} = v.${snake(c)}`).join(', ');
    const defs = columns.map((c) => `${snake(c)} ${columnTypes[c]}`).join(', ');
    const values = [...dirty].map((id) => {
      const r = rows.get(id)!;
      return Object.fromEntries([['customer_id', id], ...columns.map((c) => [snake(c), r[c] ?? null])]);
    });
    await tx.$executeRawUnsafe(
      `UPDATE customer_facts f SET ${cols}, updated_at = $2 FROM jsonb_to_recordset($1::jsonb) AS v(customer_id text, ${defs}) WHERE f.customer_id = v.customer_id`,
      JSON.stringify(values), now,
    );
  }
  const split = (key: string) => ({ segmentId: key.slice(0, key.indexOf('|')), customerId: key.slice(key.indexOf('|') + 1) });
  const entered = [...members].filter((k) => !before.has(k)).map(split);
  const left = [...before].filter((k) => !members.has(k)).map(split);
  if (entered.length > 0) await tx.segmentMember.createMany({ data: entered.map((e) => ({ ...e, enteredAt: now })), skipDuplicates: true });
  if (left.length > 0) {
    await tx.$executeRawUnsafe(
      `DELETE FROM segment_member m USING unnest($1::text[], $2::text[]) AS l(segment_id, customer_id)
        WHERE m.segment_id = l.segment_id AND m.customer_id = l.customer_id`,
      left.map((l) => l.segmentId), left.map((l) => l.customerId),
    );
  }
  await publishers.segmentMembershipChangedMany(tx, published);
  return results;
}

type MembershipChange = { segmentId: string; customerId: string; change: 'entered' | 'left'; trace: Trace };

type DynamicSegment = { id: string; rule: Rule };

// Read once per transaction: a consumer batch applies many events in one transaction, and no segment is
// created or changed inside a consumer transaction (HTTP changes recompute their own segment directly).
const segmentsOfTx = new WeakMap<object, Promise<DynamicSegment[]>>();

export function dynamicSegments(tx: Tx): Promise<DynamicSegment[]> {
  let cached = segmentsOfTx.get(tx);
  if (!cached) {
    cached = tx.segment
      .findMany({ where: { kind: 'dynamic', deletedAt: null }, select: { id: true, rule: true } })
      .then((rows) => rows.map((r) => ({ id: r.id, rule: RuleSchema.parse(r.rule) })));
    segmentsOfTx.set(tx, cached);
  }
  return cached;
}

/** Re-evaluate every dynamic segment for these customers; insert/delete memberships and publish changes. */
export async function refreshMembership(tx: Tx, rows: FactsRow[], now: Date, trace: Trace = {}, segments?: DynamicSegment[]): Promise<number> {
  const segs = segments ?? (await dynamicSegments(tx));
  if (segs.length === 0 || rows.length === 0) return 0;
  const ids = rows.map((r) => r.customerId);
  const current = await tx.segmentMember.findMany({
    where: { customerId: { in: ids }, segmentId: { in: segs.map((s) => s.id) } },
    select: { segmentId: true, customerId: true },
  });
  const has = new Set(current.map((m) => `${m.segmentId}|${m.customerId}`));
  const enter: { segmentId: string; customerId: string }[] = [];
  const leave: { segmentId: string; customerId: string }[] = [];
  for (const row of rows) {
    const facts = toFacts(row);
    for (const s of segs) {
      const inside = !facts.erased && evaluate(s.rule, facts, now);
      const was = has.has(`${s.id}|${row.customerId}`);
      if (inside && !was) enter.push({ segmentId: s.id, customerId: row.customerId });
      if (!inside && was) leave.push({ segmentId: s.id, customerId: row.customerId });
    }
  }
  await applyMembership(tx, enter, leave, now, trace);
  return enter.length + leave.length;
}

export async function applyMembership(
  tx: Tx,
  enter: { segmentId: string; customerId: string }[],
  leave: { segmentId: string; customerId: string }[],
  now: Date,
  trace: Trace = {},
): Promise<void> {
  if (enter.length > 0) await tx.segmentMember.createMany({ data: enter.map((e) => ({ ...e, enteredAt: now })), skipDuplicates: true });
  for (const l of leave) await tx.segmentMember.deleteMany({ where: l });
  for (const e of enter) await publishers.segmentMembershipChanged(tx, { ...e, change: 'entered' }, trace);
  for (const l of leave) await publishers.segmentMembershipChanged(tx, { ...l, change: 'left' }, trace);
}

/** Recompute one dynamic segment over the whole customer base (on create, rule change and campaign run). */
export async function recomputeSegment(tx: Tx, segment: DynamicSegment, now: Date, trace: Trace = {}): Promise<number> {
  let cursor: string | undefined;
  let changes = 0;
  for (;;) {
    const rows = await tx.customerFacts.findMany({
      where: cursor ? { customerId: { gt: cursor } } : {},
      orderBy: { customerId: 'asc' },
      take: 2000,
    });
    if (rows.length === 0) break;
    changes += await refreshMembership(tx, rows, now, trace, [segment]);
    cursor = rows[rows.length - 1]!.customerId;
  }
  return changes;
}

/** Count customers a rule selects right now, without saving anything. */
export async function previewRule(tx: Tx, rule: Rule, now: Date, sampleSize = 10): Promise<{ size: number; sample: string[] }> {
  let cursor: string | undefined;
  let size = 0;
  const sample: string[] = [];
  for (;;) {
    const rows = await tx.customerFacts.findMany({
      where: { erasedAt: null, mergedInto: null, ...(cursor ? { customerId: { gt: cursor } } : {}) },
      orderBy: { customerId: 'asc' },
      take: 2000,
    });
    if (rows.length === 0) break;
    for (const r of rows) {
      if (evaluate(rule, toFacts(r), now)) {
        size++;
        if (sample.length < sampleSize) sample.push(r.customerId);
      }
    }
    cursor = rows[rows.length - 1]!.customerId;
  }
  return { size, sample };
}
