import { describe, expect, it } from 'vitest';
import { alwaysOpenCalendar } from '../../src/domain/calendar.ts';
import {
  EscalationRuleSchema,
  EscalationRulesSchema,
  escalationsDue,
  priorityAfter,
  type DueEscalation,
} from '../../src/domain/escalation.ts';
import { raisePriority } from '../../src/domain/priority.ts';
import { SlaPolicySchema, computeSla, type StatusChange } from '../../src/domain/sla.ts';

const M = 60_000;
const cal = alwaysOpenCalendar('UTC');
const policy = SlaPolicySchema.parse({ id: 'p', priority: 'P3', calendarId: 'c', firstResponseMinutes: 100, resolutionMinutes: 1000 });
const T0 = Date.parse('2024-06-03T00:00:00Z');

const states = (minutes: number, opts: { reply?: number; history?: StatusChange[] } = {}) =>
  computeSla(cal, policy, {
    createdAt: T0,
    now: T0 + minutes * M,
    statusHistory: opts.history ?? [],
    firstPublicReplyAt: opts.reply === undefined ? null : T0 + opts.reply * M,
  });

const rules = EscalationRulesSchema.parse([
  { id: 'warn80', metric: 'first_response', trigger: { type: 'percent_of_target', percent: 80 }, actions: [{ type: 'notify', target: 'assignee' }] },
  {
    id: 'breach',
    metric: 'first_response',
    trigger: { type: 'breach' },
    actions: [{ type: 'raise_priority' }, { type: 'reassign', queueId: 'q_tier2' }, { type: 'notify', target: 'queue_lead' }],
  },
  { id: 'res-breach', metric: 'resolution', trigger: { type: 'breach' }, actions: [{ type: 'notify', target: 'role:admin' }] },
]);
const ticket = { priority: 'P3' as const, category: 'billing', queueId: 'q_tier1' };

describe('escalationsDue', () => {
  it('nothing is due early', () => {
    expect(escalationsDue(ticket, states(10), rules, [])).toEqual([]);
  });

  it('the percentage rule fires at exactly 80% of the target', () => {
    expect(escalationsDue(ticket, states(79), rules, []).map((e) => e.key)).toEqual([]);
    expect(escalationsDue(ticket, states(80), rules, []).map((e) => e.key)).toEqual(['warn80:first_response']);
  });

  it('on breach both first-response rules are due, in rule order, with their actions', () => {
    const due = escalationsDue(ticket, states(100), rules, []);
    expect(due.map((e) => e.key)).toEqual(['warn80:first_response', 'breach:first_response']);
    expect(due[1]!.actions.map((a) => a.type)).toEqual(['raise_priority', 'reassign', 'notify']);
  });

  it('fires once: applied keys are not returned again', () => {
    const applied = new Set<string>();
    const fired: string[] = [];
    for (const minute of [80, 90, 100, 120, 500]) {
      for (const e of escalationsDue(ticket, states(minute), rules, applied)) {
        fired.push(e.key);
        applied.add(e.key);
      }
    }
    expect(fired).toEqual(['warn80:first_response', 'breach:first_response']);
  });

  it('does not fire for a metric that was met (replied) even if evaluated late', () => {
    expect(escalationsDue(ticket, states(500, { reply: 50 }), rules, [])).toEqual([]);
  });

  it('does not fire a percentage rule while paused', () => {
    const s = states(200, { history: [{ status: 'pending_customer', at: T0 + 85 * M }] });
    expect(s.first_response.state).toBe('paused');
    expect(escalationsDue(ticket, s, rules.slice(0, 1), [])).toEqual([]);
  });

  it('respects priority, category and queue scopes', () => {
    const scoped = EscalationRulesSchema.parse([
      { id: 'p1only', metric: 'first_response', trigger: { type: 'breach' }, actions: [{ type: 'notify', target: 'x' }], priorities: ['P1'] },
      { id: 'billing', metric: 'first_response', trigger: { type: 'breach' }, actions: [{ type: 'notify', target: 'x' }], categories: ['billing'] },
      { id: 'tier2', metric: 'first_response', trigger: { type: 'breach' }, actions: [{ type: 'notify', target: 'x' }], queueIds: ['q_tier2'] },
    ]);
    expect(escalationsDue(ticket, states(150), scoped, []).map((e) => e.ruleId)).toEqual(['billing']);
  });

  it('the resolution breach rule fires on its own metric', () => {
    const due = escalationsDue(ticket, states(1000, { reply: 5 }), rules, []);
    expect(due.map((e) => e.key)).toEqual(['res-breach:resolution']);
  });
});

describe('priority raising', () => {
  it('raises one step and never above P1', () => {
    expect(raisePriority('P4')).toBe('P3');
    expect(raisePriority('P2')).toBe('P1');
    expect(raisePriority('P1')).toBe('P1');
    expect(raisePriority('P4', 5)).toBe('P1');
  });
  it('priorityAfter applies every raise_priority action of the due escalations', () => {
    const due: DueEscalation[] = [
      { key: 'a', ruleId: 'a', metric: 'first_response', actions: [{ type: 'raise_priority', steps: 1 }] },
      { key: 'b', ruleId: 'b', metric: 'resolution', actions: [{ type: 'raise_priority', steps: 2 }, { type: 'notify', target: 'x' }] },
    ];
    expect(priorityAfter('P4', due)).toBe('P1');
    expect(priorityAfter('P2', due)).toBe('P1');
  });
});

describe('rule schema', () => {
  it('rejects a reassign without a target', () => {
    expect(EscalationRuleSchema.safeParse({ id: 'r', metric: 'resolution', trigger: { type: 'breach' }, actions: [{ type: 'reassign' }] }).success).toBe(false);
  });
  it('rejects a rule without actions and an unknown trigger', () => {
    expect(EscalationRuleSchema.safeParse({ id: 'r', metric: 'resolution', trigger: { type: 'breach' }, actions: [] }).success).toBe(false);
    expect(EscalationRuleSchema.safeParse({ id: 'r', metric: 'resolution', trigger: { type: 'soon' }, actions: [{ type: 'notify', target: 'x' }] }).success).toBe(false);
  });
  it('defaults raise_priority steps to 1 and rejects duplicate rule ids', () => {
    const r = EscalationRuleSchema.parse({ id: 'r', metric: 'resolution', trigger: { type: 'breach' }, actions: [{ type: 'raise_priority' }] });
    expect(r.actions[0]).toEqual({ type: 'raise_priority', steps: 1 });
    expect(EscalationRulesSchema.safeParse([r, r]).success).toBe(false);
  });
});
