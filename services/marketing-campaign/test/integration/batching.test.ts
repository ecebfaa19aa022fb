// The batch handlers must have exactly the effects of the per-event handlers: the same event stream is
// applied for two mirrored sets of customers, once in runs (batch handlers) and once one event at a time,
// and the facts, the segment memberships, the loyalty ledger and every published event are compared.
import {
  customerConsentChanged,
  customerErased,
  customerLifecycleStageChanged,
  customerProfile,
  customerRegistered,
  interactionRecorded,
  purchaseRecorded,
} from '@crm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, ev, newId, startMarketingService, type MarketingService } from './harness.ts';

let svc: MarketingService;
const N = 6;
const T0 = Date.parse('2026-01-10T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const segmentIds: string[] = [];

type Ev = ReturnType<typeof ev>;

/** The event stream of N customers, interleaved round by round so runs hold many customers (and repeats). */
function stream(customers: string[]): { events: Ev[]; ids: Map<string, string> } {
  const scripts = customers.map((c, i) => {
    const purchaseIds = [newId('pur'), newId('pur')];
    const profile = (version: number, tags: string[]) => ev(customerProfile, c, {
      customerId: c, kind: 'person', version, displayName: `C${i}`, givenName: `G${i}`,
      emails: [{ address: `c${i}.${version}@example.com`, primary: true, verified: true }], phones: [],
      postalAddresses: version === 3 ? [{ lines: ['Street 1'], postalCode: '10115', city: 'Berlin', country: 'DE', primary: true, verified: true }] : [],
      country: 'DE', lifecycleStage: 'new', tags, externalIds: [], updatedAt: at(0),
    });
    const consent = (granted: boolean, ms: number) => ev(customerConsentChanged, c, { customerId: c, channel: 'email', purpose: 'marketing', granted, source: 'web_form', effectiveAt: at(ms) });
    const interaction = (ms: number) => ev(interactionRecorded, c, { interactionId: newId('int'), customerId: c, channel: 'phone', direction: 'inbound', kind: 'call', occurredAt: at(ms) });
    const purchase = (p: number, amount: string, ms: number) => ev(purchaseRecorded, c, {
      purchaseId: purchaseIds[p]!, orderId: `o-${p}`, customerId: c, amount, currency: 'EUR', occurredAt: at(ms), channel: 'web', lineCount: 1, source: 'api',
    });
    const script: Ev[] = [
      ev(customerRegistered, c, { customerId: c, kind: 'person', lifecycleStage: 'new', source: 'api' }),
      profile(1, ['eqv']),
      profile(2, []), // leaves the tag segment
      profile(1, ['eqv']), // stale: ignored
      profile(3, ['eqv', 'x']), // enters again
      consent(true, 0),
      consent(false, 1000),
      consent(true, -1000), // older change arriving late: ignored
      consent(i % 2 === 0, 2000),
      i === 2 ? ev(customerErased, c, { customerId: c, erasedAt: at(3000) }) : ev(customerLifecycleStageChanged, c, { customerId: c, from: 'new', to: 'active', reason: 'first_purchase' }),
      i === 3 ? interaction(-5000) : ev(customerLifecycleStageChanged, c, { customerId: c, from: 'active', to: i % 2 ? 'active' : 'at_risk', reason: 'first_purchase' }),
      interaction(5000),
      interaction(1000), // older: ignored
      purchase(0, '10.00', 6000),
      purchase(1, '20.50', 4000),
      purchase(0, '10.00', 6000), // the same purchase again (another event id): recorded once
      interaction(9000),
      consent(false, 9000),
    ];
    return { script, purchaseIds };
  });
  const events: Ev[] = [];
  const ids = new Map<string, string>();
  scripts.forEach(({ script, purchaseIds }, i) => {
    ids.set(customers[i]!, `C${i}`);
    purchaseIds.forEach((p, k) => ids.set(p, `P${i}.${k}`));
    script.forEach((e, k) => ids.set(e.id, `E${i}.${k}`));
  });
  for (let k = 0; k < scripts[0]!.script.length; k++) for (const s of scripts) events.push(s.script[k]!);
  return { events, ids };
}

/** Everything this service recorded about these customers, with their ids replaced by placeholders. */
async function snapshot(customers: string[], ids: Map<string, string>) {
  const norm = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (['entryId', 'enrollmentId', 'messageId', 'reversesEntryId', 'confirmedAt', 'updatedAt', 'id', 'instanceId', 'createdAt', 'wakeAt', 'enteredAt', 'registeredAt'].includes(k) ? undefined : x)),
    (_k, x) => (typeof x === 'string' && ids.has(x) ? ids.get(x) : x));
  const facts = await svc.db.customerFacts.findMany({ where: { customerId: { in: customers } } });
  const members = await svc.db.segmentMember.findMany({ where: { customerId: { in: customers } } });
  const ledger = await svc.db.ledgerMovement.findMany({ where: { customerId: { in: customers } }, orderBy: { at: 'asc' } });
  const purchases = await svc.db.purchase.findMany({ where: { customerId: { in: customers } } });
  const journeys = await svc.db.journeyInstance.findMany({ where: { customerId: { in: customers } }, select: { journeyKey: true, customerId: true, status: true } });
  const outbox = await svc.db.$queryRawUnsafe<{ type: string; key: string; payload: { data: Record<string, unknown>; causationid?: string } }[]>(
    `SELECT type, key, payload FROM outbox_event WHERE key = ANY($1::text[]) ORDER BY seq`, customers,
  );
  // per customer and type, in publish order (a batch writes a run's membership changes before its accruals)
  const published: Record<string, unknown[]> = {};
  for (const o of outbox) (published[`${ids.get(o.key)} ${o.type}`] ??= []).push({ data: o.payload.data, causation: o.payload.causationid });
  const byCustomer = <T extends { customerId: string }>(xs: T[]) => [...xs].sort((a, b) => ids.get(a.customerId)!.localeCompare(ids.get(b.customerId)!) || JSON.stringify(norm(a)).localeCompare(JSON.stringify(norm(b))));
  return norm({
    facts: byCustomer(facts),
    members: byCustomer(members).map((m) => ({ customerId: m.customerId, segment: segmentIds.indexOf(m.segmentId) })),
    ledger: byCustomer(ledger).map((m) => ({ customerId: m.customerId, kind: m.kind, points: m.points, ref: m.ref })),
    purchases: byCustomer(purchases).map((p) => ({ purchaseId: p.purchaseId, customerId: p.customerId, amount: p.amount.toString(), points: p.points })),
    journeys: byCustomer(journeys),
    published,
  });
}

beforeAll(async () => {
  svc = await startMarketingService({ relay: false });
  const marketer = bearer(svc.token('marketer'));
  for (const rule of [
    { field: 'tags', op: 'contains', value: 'eqv' },
    { field: 'consent.email.marketing', op: 'eq', value: true },
    { field: 'purchaseCount', op: 'gte', value: 2 },
    { and: [{ field: 'lifecycleStage', op: 'eq', value: 'active' }, { field: 'revenue', op: 'gte', value: '30' }] },
    { field: 'daysSinceLastContact', op: 'lt', value: 100000 },
  ]) {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/segments', headers: marketer, payload: { name: JSON.stringify(rule), rule } });
    expect(res.statusCode).toBe(201);
    segmentIds.push(res.json().id);
  }
}, 60_000);

afterAll(async () => {
  await svc?.close();
});

describe('batch handlers', () => {
  it('have exactly the effects of one event at a time (facts, memberships, ledger, journeys, published events)', async () => {
    const a = Array.from({ length: N }, () => newId('cus'));
    const b = Array.from({ length: N }, () => newId('cus'));
    const sa = stream(a);
    const sb = stream(b);
    await svc.handle(sa.events, { batched: true });
    await svc.handle(sb.events, { batched: false });
    const batched = await snapshot(a, sa.ids);
    const single = await snapshot(b, sb.ids);
    expect(batched).toEqual(single);
    // and the comparison is not vacuous
    const s = single as { members: unknown[]; ledger: unknown[]; published: Record<string, unknown[]> };
    expect(s.members.length).toBeGreaterThan(0);
    expect(s.ledger.length).toBe(2 * (N - 1)); // two purchases each, none for the erased customer
    expect(s.published['C0 crm.marketing.segment_membership_changed.v1']?.length).toBeGreaterThanOrEqual(5);
    // the welcome journey's first message was skipped (no address yet): the step and the skip are both published
    const skips = (s.published['C0 crm.marketing.message_skipped.v1'] ?? []) as { data: { reason: string; journeyId?: string } }[];
    expect(skips.some((x) => x.data.reason === 'no_contact_point' && x.data.journeyId)).toBe(true);
    expect(s.published['C0 crm.marketing.journey_step_completed.v1']?.length).toBeGreaterThanOrEqual(skips.length);
    expect(s.published['C0 crm.marketing.journey_enrolled.v1']?.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('a redelivered run changes nothing', async () => {
    const a = Array.from({ length: 3 }, () => newId('cus'));
    const sa = stream(a);
    await svc.handle(sa.events);
    type Snap = { facts: unknown; published: Record<string, unknown[]> };
    const first = (await snapshot(a, sa.ids)) as Snap;
    // the consumer's inbox would drop these; the handlers themselves are idempotent for facts and purchases too
    await svc.handle(sa.events.filter((e) => e.type === purchaseRecorded.type || e.type === customerProfile.type));
    const again = (await snapshot(a, sa.ids)) as Snap;
    expect(again.facts).toEqual(first.facts);
    const points = (s: Snap) => Object.entries(s.published).filter(([k]) => k.includes('points')).map(([k, v]) => [k, v.length]);
    expect(points(again)).toEqual(points(first));
    expect(points(first).length).toBeGreaterThan(0);
  }, 120_000);
});
