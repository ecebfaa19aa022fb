// The customer-facts read model: load as domain facts, patch from events, and keep dynamic segment
// membership current after every change (membership changes are published).
import { CustomerFactsSchema, evaluate, RuleSchema, type CustomerFacts, type Rule } from '../domain/index.ts';
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

/** Patch the facts of a customer and re-evaluate dynamic segments for them. */
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
  await refreshMembership(tx, [row], now, trace);
  return row;
}

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
