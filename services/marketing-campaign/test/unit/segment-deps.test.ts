import { describe, expect, it } from 'vitest';
import { referencedFields, ruleDependsOn, type Rule } from '../../src/domain/segment-rules.ts';

describe('referencedFields', () => {
  it('collects fields through and/or/not', () => {
    const rule: Rule = { and: [{ field: 'tags', op: 'contains', value: 'x' }, { or: [{ not: { field: 'country', op: 'eq', value: 'DE' } }, { field: 'daysSinceLastPurchase', op: 'gt', value: 3 }] }] };
    expect([...referencedFields(rule)].sort()).toEqual(['country', 'daysSinceLastPurchase', 'tags']);
  });
  it('is empty for an empty rule', () => {
    expect(referencedFields({}).size).toBe(0);
  });
});

describe('ruleDependsOn', () => {
  const tags: Rule = { field: 'tags', op: 'contains', value: 'vip' };
  const cases: Array<[string, Rule, string[], boolean]> = [
    ['tag rule, tags changed', tags, ['tags'], true],
    ['tag rule, consent changed', tags, ['consent'], false],
    ['tag rule, only personal data changed', tags, ['givenName', 'email', 'phone', 'postalAddress', 'timeZone', 'profileVersion', 'updatedAt'], false],
    ['tag rule, erased', tags, ['erasedAt'], true],
    ['tag rule, merged', tags, ['mergedInto'], true],
    ['tag rule, unknown column', tags, ['somethingNew'], true],
    ['consent rule, consent changed', { field: 'consent.email.marketing', op: 'eq', value: true }, ['consent'], true],
    ['days since purchase, lastPurchaseAt changed', { field: 'daysSinceLastPurchase', op: 'gt', value: 30 }, ['lastPurchaseAt'], true],
    ['lastPurchaseAt rule, lastPurchaseAt changed', { field: 'lastPurchaseAt', within: { last: 3, unit: 'day' } }, ['lastPurchaseAt'], true],
    ['days since contact, lastContactAt changed', { field: 'daysSinceLastContact', op: 'gt', value: 30 }, ['lastContactAt'], true],
    ['days since contact, purchase changed', { field: 'daysSinceLastContact', op: 'gt', value: 30 }, ['purchaseCount', 'revenue', 'lastPurchaseAt'], false],
    ['revenue rule, revenue changed', { field: 'revenue', op: 'gte', value: '100' }, ['revenue'], true],
    ['stage rule, registration', { field: 'lifecycleStage', op: 'eq', value: 'new' }, ['lifecycleStage', 'registeredAt'], true],
    ['birthday rule, profile', { field: 'birthday', within: { next: 7, unit: 'day' } }, ['birthday', 'givenName'], true],
    ['nested not, churn changed', { not: { field: 'churnRisk', op: 'eq', value: 'high' } }, ['churnRisk'], true],
    ['rfm rule, value class changed', { field: 'rfmSegment', op: 'eq', value: 'champions' }, ['valueClass'], false],
    ['nothing changed', tags, [], false],
  ];
  for (const [name, rule, columns, expected] of cases) {
    it(name, () => expect(ruleDependsOn(rule, columns)).toBe(expected));
  }
});
