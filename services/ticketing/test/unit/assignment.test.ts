import { describe, expect, it } from 'vitest';
import { chooseAgent, isEligible, rankAgents, type AgentCandidate } from '../../src/domain/assignment.ts';

const agent = (id: string, over: Partial<AgentCandidate> = {}): AgentCandidate => ({
  id,
  skills: ['billing', 'en'],
  capacity: 10,
  openCount: 0,
  available: true,
  lastAssignedAt: null,
  ...over,
});

describe('eligibility', () => {
  it('requires availability, every skill and free capacity', () => {
    expect(isEligible(agent('a'), ['billing'])).toBe(true);
    expect(isEligible(agent('a', { available: false }), [])).toBe(false);
    expect(isEligible(agent('a'), ['billing', 'de'])).toBe(false);
    expect(isEligible(agent('a', { openCount: 10 }), [])).toBe(false);
    expect(isEligible(agent('a', { capacity: 0 }), [])).toBe(false);
  });
});

describe('round robin', () => {
  it('chooses the least recently assigned', () => {
    const agents = [agent('a', { lastAssignedAt: 300 }), agent('b', { lastAssignedAt: 100 }), agent('c', { lastAssignedAt: 200 })];
    expect(chooseAgent(agents, { strategy: 'round_robin' })?.id).toBe('b');
  });
  it('never-assigned agents come first, ties broken by id', () => {
    const agents = [agent('c'), agent('b', { lastAssignedAt: 1 }), agent('a')];
    expect(rankAgents(agents, { strategy: 'round_robin' }).map((a) => a.id)).toEqual(['a', 'c', 'b']);
  });
  it('equal lastAssignedAt ties by id', () => {
    const agents = [agent('z', { lastAssignedAt: 5 }), agent('y', { lastAssignedAt: 5 })];
    expect(chooseAgent(agents, { strategy: 'round_robin' })?.id).toBe('y');
  });
  it('skips ineligible agents (skill, capacity, availability)', () => {
    const agents = [
      agent('a', { skills: ['en'] }),
      agent('b', { openCount: 10 }),
      agent('c', { available: false }),
      agent('d', { lastAssignedAt: 999 }),
    ];
    expect(chooseAgent(agents, { strategy: 'round_robin', requiredSkills: ['billing'] })?.id).toBe('d');
  });
  it('cycles through agents when assignments are recorded', () => {
    let agents = [agent('a'), agent('b'), agent('c')];
    const picked: string[] = [];
    for (let now = 1; now <= 6; now++) {
      const chosen = chooseAgent(agents, { strategy: 'round_robin' })!;
      picked.push(chosen.id);
      agents = agents.map((a) => (a.id === chosen.id ? { ...a, lastAssignedAt: now } : a));
    }
    expect(picked).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });
  it('excludes given agents', () => {
    expect(chooseAgent([agent('a'), agent('b')], { strategy: 'round_robin', excludeAgentIds: ['a'] })?.id).toBe('b');
  });
  it('returns null when nobody is eligible', () => {
    expect(chooseAgent([agent('a', { available: false })], { strategy: 'round_robin' })).toBeNull();
    expect(chooseAgent([], { strategy: 'least_loaded' })).toBeNull();
  });
});

describe('least loaded', () => {
  it('compares load as a ratio of capacity', () => {
    const agents = [agent('a', { openCount: 3, capacity: 5 }), agent('b', { openCount: 5, capacity: 10 })];
    expect(chooseAgent(agents, { strategy: 'least_loaded' })?.id).toBe('b'); // 0.5 < 0.6
  });
  it('equal ratios tie by least recently assigned', () => {
    const agents = [agent('a', { openCount: 1, capacity: 3, lastAssignedAt: 50 }), agent('b', { openCount: 2, capacity: 6, lastAssignedAt: 10 })];
    expect(chooseAgent(agents, { strategy: 'least_loaded' })?.id).toBe('b');
  });
  it('equal ratios and equal lastAssignedAt tie by id', () => {
    const agents = [agent('b', { openCount: 2, lastAssignedAt: 7 }), agent('a', { openCount: 2, lastAssignedAt: 7 })];
    expect(chooseAgent(agents, { strategy: 'least_loaded' })?.id).toBe('a');
  });
  it('is deterministic regardless of input order', () => {
    const agents = [agent('a', { openCount: 1 }), agent('b', { openCount: 1 }), agent('c', { openCount: 0, lastAssignedAt: 9 })];
    const reversed = [...agents].reverse();
    expect(rankAgents(agents, { strategy: 'least_loaded' }).map((a) => a.id)).toEqual(['c', 'a', 'b']);
    expect(rankAgents(reversed, { strategy: 'least_loaded' }).map((a) => a.id)).toEqual(['c', 'a', 'b']);
  });
});
