import { describe, expect, it } from 'vitest';
import { planMerge, type MergeSide } from '../../src/domain/merge.ts';
import { editDistance, scoreDuplicate } from '../../src/domain/duplicates.ts';

const side = (over: Partial<MergeSide>): MergeSide => ({
  id: 'cus_a',
  stage: 'active',
  profile: { firstName: 'Ann', lastName: 'Lee', country: null },
  tags: [],
  contactPoints: [],
  consents: [],
  attributes: {},
  ...over,
});

describe('planMerge', () => {
  it('keeps the survivor values and fills gaps from the merged customer', () => {
    const plan = planMerge(
      side({ profile: { firstName: 'Ann', lastName: null, country: 'CN' } }),
      side({ id: 'cus_b', profile: { firstName: 'Anne', lastName: 'Lee', country: 'DE' } }),
    );
    expect(plan.profile).toEqual({ firstName: 'Ann', lastName: 'Lee', country: 'CN' });
    expect(plan.changedFields).toContain('lastName');
    expect(plan.changedFields).not.toContain('firstName');
  });

  it('unions tags and moves only contact points the survivor lacks', () => {
    const plan = planMerge(
      side({ tags: ['vip'], contactPoints: [{ type: 'email', normalized: 'a@x.io', primary: true }] }),
      side({
        id: 'cus_b',
        tags: ['vip', 'b2b'],
        contactPoints: [
          { type: 'email', normalized: 'a@x.io', primary: true },
          { type: 'phone', normalized: '+8613800138000', primary: true },
        ],
      }),
    );
    expect(plan.tags).toEqual(['b2b', 'vip']);
    expect(plan.contactPointsToMove).toEqual(['+8613800138000']);
  });

  it('takes the most recent consent decision per channel and purpose', () => {
    const old = new Date('2026-01-01T00:00:00Z');
    const recent = new Date('2026-06-01T00:00:00Z');
    const plan = planMerge(
      side({ consents: [{ channel: 'email', purpose: 'marketing', granted: true, recordedAt: old }] }),
      side({
        id: 'cus_b',
        consents: [
          { channel: 'email', purpose: 'marketing', granted: false, recordedAt: recent },
          { channel: 'sms', purpose: 'marketing', granted: true, recordedAt: old },
        ],
      }),
    );
    expect(plan.consents).toHaveLength(2);
    expect(plan.consents.find((c) => c.channel === 'email')?.granted).toBe(false);
  });

  it('keeps the survivor consent when it is the more recent one', () => {
    const plan = planMerge(
      side({ consents: [{ channel: 'email', purpose: 'marketing', granted: true, recordedAt: new Date(2026, 5, 1) }] }),
      side({ id: 'cus_b', consents: [{ channel: 'email', purpose: 'marketing', granted: false, recordedAt: new Date(2025, 0, 1) }] }),
    );
    expect(plan.consents).toEqual([]);
  });

  it('a prospect survivor takes the paying stage of its twin, a paying survivor keeps its own', () => {
    expect(planMerge(side({ stage: 'prospect' }), side({ id: 'cus_b', stage: 'active' })).stage).toBe('active');
    expect(planMerge(side({ stage: 'at_risk' }), side({ id: 'cus_b', stage: 'active' })).stage).toBe('at_risk');
    expect(planMerge(side({ stage: 'lead' }), side({ id: 'cus_b', stage: 'prospect' })).stage).toBe('lead');
  });

  it('refuses to merge a customer into itself', () => {
    expect(() => planMerge(side({}), side({}))).toThrow(/itself/);
  });
});

describe('duplicates', () => {
  const person = (over: Partial<Parameters<typeof scoreDuplicate>[0]>) => ({
    id: 'cus_1',
    firstName: 'Ann',
    lastName: 'Lee',
    organisationName: null,
    birthday: null,
    country: 'CN',
    emails: [],
    phones: [],
    ...over,
  });

  it('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('a', 'abcdefgh', 3)).toBe(4);
  });

  it('a shared phone and name make a strong candidate', () => {
    const s = scoreDuplicate(person({ phones: ['+8613800138000'] }), person({ id: 'cus_2', phones: ['+8613800138000'] }));
    expect(s.score).toBeGreaterThanOrEqual(0.9);
    expect(s.reasons).toEqual(['same phone', 'same name']);
  });

  it('gmail-style variants of one mailbox count as the same mailbox', () => {
    const s = scoreDuplicate(person({ emails: ['ann.lee+shop@gmail.com'] }), person({ id: 'cus_2', firstName: 'X', emails: ['annlee@gmail.com'] }));
    expect(s.reasons).toContain('same mailbox');
  });

  it('a similar name alone is weak evidence; different people score zero', () => {
    expect(scoreDuplicate(person({ firstName: 'Jonathan' }), person({ id: 'cus_2', firstName: 'Jonathon' })).score).toBeLessThan(0.5);
    expect(scoreDuplicate(person({}), person({ id: 'cus_2', firstName: 'Bob', lastName: 'Wu', country: 'DE' })).score).toBe(0);
  });
});
