import { describe, expect, it } from 'vitest';
import { CustomerFactsSchema, type CustomerFactsInput } from '../../src/domain/facts.ts';
import { evaluate, membershipDiff, RuleSchema, SegmentRuleSchema, segmentMembers, type Rule } from '../../src/domain/segment-rules.ts';

const now = new Date('2025-06-15T12:00:00Z');
const facts = (over: Partial<CustomerFactsInput> = {}) =>
  CustomerFactsSchema.parse({
    customerId: 'cus_1',
    lifecycleStage: 'active',
    tags: ['vip', 'newsletter'],
    consent: [
      { channel: 'email', purpose: 'marketing', state: 'granted', at: '2025-01-01T00:00:00Z' },
      { channel: 'sms', purpose: 'marketing', state: 'withdrawn', at: '2025-02-01T00:00:00Z' },
    ],
    contactPoints: ['email', 'sms'],
    country: 'DE',
    purchaseCount: 5,
    revenue: '249.90',
    lastPurchaseAt: '2025-06-05T12:00:00Z',
    lastContactAt: '2025-06-14T12:00:00Z',
    registeredAt: '2024-01-10T09:00:00Z',
    rfmSegment: 'champions',
    churnRisk: 'medium',
    valueClass: 'A',
    birthday: '1990-06-20',
    ...over,
  });

const ev = (rule: unknown, f = facts()) => evaluate(SegmentRuleSchema.parse(rule), f, now);

describe('segment rule validation', () => {
  it('accepts a nested rule', () => {
    const r = { and: [{ field: 'country', op: 'eq', value: 'DE' }, { or: [{ not: { field: 'tags', op: 'contains', value: 'x' } }] }] };
    expect(SegmentRuleSchema.safeParse(r).success).toBe(true);
  });
  it('rejects an unknown field with its path', () => {
    const res = SegmentRuleSchema.safeParse({ and: [{ field: 'country', op: 'eq', value: 'DE' }, { field: 'shoeSize', op: 'eq', value: 42 }] });
    expect(res.success).toBe(false);
    expect(res.error!.issues[0]!.path).toEqual(['and', 1, 'field']);
  });
  it('rejects an unknown op with its path', () => {
    const res = SegmentRuleSchema.safeParse({ or: [{ not: { field: 'country', op: 'like', value: 'D%' } }] });
    expect(res.success).toBe(false);
    expect(res.error!.issues[0]!.path).toEqual(['or', 0, 'not', 'op']);
  });
  it('rejects an op that does not fit the field', () => {
    const res = SegmentRuleSchema.safeParse({ field: 'country', op: 'gt', value: 'DE' });
    expect(res.error!.issues[0]!.path).toEqual(['op']);
  });
  it('rejects a value of the wrong type', () => {
    expect(SegmentRuleSchema.safeParse({ field: 'purchaseCount', op: 'gt', value: 'three' }).error!.issues[0]!.path).toEqual(['value']);
    expect(SegmentRuleSchema.safeParse({ field: 'lifecycleStage', op: 'eq', value: 'royalty' }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'consent.email.marketing', op: 'eq', value: 'yes' }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'revenue', op: 'gte', value: '100.5' }).success).toBe(true);
    expect(SegmentRuleSchema.safeParse({ field: 'revenue', op: 'gte', value: '1e5' }).success).toBe(false);
  });
  it('rejects unknown keys, unknown consent fields and mixed shapes', () => {
    expect(SegmentRuleSchema.safeParse({ field: 'country', op: 'eq', value: 'DE', extra: 1 }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'consent.fax.marketing', op: 'eq', value: true }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ and: [{ field: 'country', op: 'exists' }], field: 'country' }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({}).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ and: [] }).success).toBe(false);
  });
  it('requires list values for in/not_in', () => {
    expect(SegmentRuleSchema.safeParse({ field: 'country', op: 'in', value: 'DE' }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'country', op: 'in', value: [] }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'country', op: 'eq', value: ['DE'] }).success).toBe(false);
  });
  it('validates date windows', () => {
    expect(SegmentRuleSchema.safeParse({ field: 'lastPurchaseAt', within: { last: 30, unit: 'day' } }).success).toBe(true);
    expect(SegmentRuleSchema.safeParse({ field: 'country', within: { last: 30, unit: 'day' } }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'lastPurchaseAt', within: { last: 30, unit: 'year' } }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'lastPurchaseAt', within: { last: 3, next: 3, unit: 'day' } }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'registeredAt', after: '2025-02-01', before: '2025-01-01' }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'registeredAt', before: 'yesterday' }).success).toBe(false);
    expect(SegmentRuleSchema.safeParse({ field: 'birthday', before: '2025-01-01' }).success).toBe(false);
  });
  it('enforces depth and size limits', () => {
    let deep: Rule = { field: 'country', op: 'exists' };
    for (let i = 0; i < 9; i++) deep = { not: deep };
    expect(RuleSchema.safeParse(deep).success).toBe(true);
    expect(SegmentRuleSchema.safeParse(deep).success).toBe(false);
    const wide = { or: Array.from({ length: 250 }, () => ({ field: 'country', op: 'exists' })) };
    expect(SegmentRuleSchema.safeParse(wide).success).toBe(false);
  });
});

describe('segment rule evaluation', () => {
  it.each([
    [{ field: 'lifecycleStage', op: 'eq', value: 'active' }, true],
    [{ field: 'lifecycleStage', op: 'ne', value: 'active' }, false],
    [{ field: 'lifecycleStage', op: 'in', value: ['new', 'active'] }, true],
    [{ field: 'lifecycleStage', op: 'not_in', value: ['new', 'active'] }, false],
    [{ field: 'tags', op: 'contains', value: 'vip' }, true],
    [{ field: 'tags', op: 'contains', value: 'gold' }, false],
    [{ field: 'tags', op: 'in', value: ['gold', 'newsletter'] }, true],
    [{ field: 'tags', op: 'not_in', value: ['gold', 'newsletter'] }, false],
    [{ field: 'tags', op: 'exists' }, true],
    [{ field: 'consent.email.marketing', op: 'eq', value: true }, true],
    [{ field: 'consent.sms.marketing', op: 'eq', value: true }, false],
    [{ field: 'consent.push.marketing', op: 'eq', value: false }, true],
    [{ field: 'country', op: 'in', value: ['AT', 'DE', 'CH'] }, true],
    [{ field: 'purchaseCount', op: 'gte', value: 5 }, true],
    [{ field: 'purchaseCount', op: 'gt', value: 5 }, false],
    [{ field: 'purchaseCount', op: 'lt', value: 6 }, true],
    [{ field: 'purchaseCount', op: 'in', value: [1, 5] }, true],
    [{ field: 'revenue', op: 'gt', value: '249.89' }, true],
    [{ field: 'revenue', op: 'eq', value: 249.9 }, true],
    [{ field: 'revenue', op: 'lte', value: '249.899' }, false],
    [{ field: 'daysSinceLastPurchase', op: 'eq', value: 10 }, true],
    [{ field: 'daysSinceLastContact', op: 'lte', value: 1 }, true],
    [{ field: 'churnRisk', op: 'gte', value: 'medium' }, true],
    [{ field: 'churnRisk', op: 'gt', value: 'medium' }, false],
    [{ field: 'rfmSegment', op: 'eq', value: 'champions' }, true],
    [{ field: 'valueClass', op: 'in', value: ['A', 'B'] }, true],
    [{ field: 'birthday', op: 'eq', value: '06-20' }, true],
    [{ field: 'registeredAt', op: 'lt', value: '2024-06-01' }, true],
  ])('%j -> %s', (rule, expected) => {
    expect(ev(rule)).toBe(expected);
  });

  it('treats missing facts as not matching except ne / not_in / exists:false', () => {
    const f = facts({ churnRisk: undefined, lastPurchaseAt: undefined, tags: [] });
    expect(ev({ field: 'churnRisk', op: 'eq', value: 'high' }, f)).toBe(false);
    expect(ev({ field: 'churnRisk', op: 'ne', value: 'high' }, f)).toBe(true);
    expect(ev({ field: 'churnRisk', op: 'not_in', value: ['high'] }, f)).toBe(true);
    expect(ev({ field: 'churnRisk', op: 'exists', value: false }, f)).toBe(true);
    expect(ev({ field: 'daysSinceLastPurchase', op: 'gt', value: 90 }, f)).toBe(false);
    expect(ev({ field: 'lastPurchaseAt', within: { last: 10, unit: 'month' } }, f)).toBe(false);
  });

  it('keeps not(eq) equal to ne on missing values', () => {
    const f = facts({ country: undefined });
    expect(ev({ not: { field: 'country', op: 'eq', value: 'DE' } }, f)).toBe(ev({ field: 'country', op: 'ne', value: 'DE' }, f));
  });

  it('evaluates nested and/or/not', () => {
    const rule = {
      and: [
        { field: 'consent.email.marketing', op: 'eq', value: true },
        { or: [{ field: 'churnRisk', op: 'eq', value: 'high' }, { and: [{ field: 'tags', op: 'contains', value: 'vip' }, { not: { field: 'country', op: 'eq', value: 'FR' } }] }] },
      ],
    };
    expect(ev(rule)).toBe(true);
    expect(ev(rule, facts({ country: 'FR' }))).toBe(false);
    expect(ev(rule, facts({ country: 'FR', churnRisk: 'high' }))).toBe(true);
    expect(ev(rule, facts({ consent: [] }))).toBe(false);
  });

  it('evaluates relative date windows (day, week, month)', () => {
    expect(ev({ field: 'lastPurchaseAt', within: { last: 10, unit: 'day' } })).toBe(true);
    expect(ev({ field: 'lastPurchaseAt', within: { last: 9, unit: 'day' } })).toBe(false);
    expect(ev({ field: 'lastPurchaseAt', within: { last: 2, unit: 'week' } })).toBe(true);
    expect(ev({ field: 'lastPurchaseAt', within: { last: 1, unit: 'week' } })).toBe(false);
    expect(ev({ field: 'registeredAt', within: { last: 18, unit: 'month' } })).toBe(true);
    expect(ev({ field: 'registeredAt', within: { last: 17, unit: 'month' } })).toBe(false);
    // future timestamps are not "in the last N days"
    expect(ev({ field: 'lastPurchaseAt', within: { last: 10, unit: 'day' } }, facts({ lastPurchaseAt: '2025-06-16T00:00:00Z' }))).toBe(false);
  });

  it('month windows follow the calendar (31 March minus 1 month = 28/29 February)', () => {
    const f = facts({ lastPurchaseAt: '2025-02-28T12:00:00Z' });
    expect(evaluate(SegmentRuleSchema.parse({ field: 'lastPurchaseAt', within: { last: 1, unit: 'month' } }), f, new Date('2025-03-31T12:00:00Z'))).toBe(true);
    expect(evaluate(SegmentRuleSchema.parse({ field: 'lastPurchaseAt', within: { last: 1, unit: 'month' } }), f, new Date('2025-03-31T12:00:01Z'))).toBe(false);
  });

  it('evaluates absolute before/after windows', () => {
    expect(ev({ field: 'registeredAt', after: '2024-01-01', before: '2024-02-01' })).toBe(true);
    expect(ev({ field: 'registeredAt', after: '2024-01-11' })).toBe(false);
    expect(ev({ field: 'registeredAt', before: '2024-01-10T09:00:00Z' })).toBe(false);
  });

  it('evaluates birthday windows across the year end and leap days', () => {
    expect(ev({ field: 'birthday', within: { next: 7, unit: 'day' } })).toBe(true);
    expect(ev({ field: 'birthday', within: { next: 5, unit: 'day' } })).toBe(false);
    expect(ev({ field: 'birthday', within: { last: 7, unit: 'day' } })).toBe(false);
    const dec = facts({ birthday: '12-30' });
    expect(evaluate(SegmentRuleSchema.parse({ field: 'birthday', within: { last: 1, unit: 'week' } }), dec, new Date('2026-01-02T08:00:00Z'))).toBe(true);
    expect(evaluate(SegmentRuleSchema.parse({ field: 'birthday', within: { next: 1, unit: 'week' } }), dec, new Date('2025-12-27T08:00:00Z'))).toBe(true);
    const leap = facts({ birthday: '2000-02-29' });
    expect(evaluate(SegmentRuleSchema.parse({ field: 'birthday', within: { next: 1, unit: 'day' } }), leap, new Date('2025-02-28T08:00:00Z'))).toBe(true);
  });
});

describe('membershipDiff', () => {
  it('finds joined and left members', () => {
    expect(membershipDiff(['a', 'b', 'c'], ['b', 'c', 'd', 'e'])).toEqual({ joined: ['d', 'e'], left: ['a'], unchanged: 2 });
  });
  it('handles empty sets and duplicates', () => {
    expect(membershipDiff([], [])).toEqual({ joined: [], left: [], unchanged: 0 });
    expect(membershipDiff(['a', 'a'], ['a'])).toEqual({ joined: [], left: [], unchanged: 1 });
    expect(membershipDiff(['x'], [])).toEqual({ joined: [], left: ['x'], unchanged: 0 });
  });
});

describe('segmentMembers', () => {
  it('previews the members of a segment', () => {
    const all = [facts({ customerId: 'c3' }), facts({ customerId: 'c1', country: 'FR' }), facts({ customerId: 'c2' })];
    expect(segmentMembers(SegmentRuleSchema.parse({ field: 'country', op: 'eq', value: 'DE' }), all, now)).toEqual(['c2', 'c3']);
  });
});
