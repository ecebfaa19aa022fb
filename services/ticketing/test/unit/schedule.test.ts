import { describe, expect, it } from 'vitest';
import { alwaysOpenCalendar } from '../../src/domain/calendar.ts';
import { EscalationRulesSchema } from '../../src/domain/escalation.ts';
import { nextSlaCheck } from '../../src/domain/schedule.ts';
import { SlaPolicySchema, computeSla, type StatusChange } from '../../src/domain/sla.ts';
import { weekdayCalendar, at } from './helpers.ts';

const M = 60_000;
const cal = alwaysOpenCalendar('UTC');
const policy = SlaPolicySchema.parse({ id: 'p', priority: 'P3', calendarId: 'c', firstResponseMinutes: 100, resolutionMinutes: 1000 });
const T0 = Date.parse('2024-06-03T00:00:00Z');
const ticket = { priority: 'P3' as const, category: 'billing', queueId: null };

const states = (minutes: number, opts: { reply?: number; history?: StatusChange[] } = {}, c = cal) =>
  computeSla(c, policy, {
    createdAt: T0,
    now: T0 + minutes * M,
    statusHistory: opts.history ?? [],
    firstPublicReplyAt: opts.reply === undefined ? null : T0 + opts.reply * M,
  });

const rules = EscalationRulesSchema.parse([
  { id: 'warn80', metric: 'first_response', trigger: { type: 'percent_of_target', percent: 80 }, actions: [{ type: 'notify', target: 'assignee' }] },
  { id: 'breach', metric: 'resolution', trigger: { type: 'breach' }, actions: [{ type: 'raise_priority', steps: 1 }] },
  { id: 'vip', metric: 'first_response', trigger: { type: 'percent_of_target', percent: 10 }, categories: ['vip'], actions: [{ type: 'notify', target: 'role:admin' }] },
]);

const next = (minutes: number, o: { applied?: string[]; recorded?: ('first_response' | 'resolution')[]; reply?: number; history?: StatusChange[]; rules?: typeof rules } = {}) =>
  nextSlaCheck({
    cal,
    states: states(minutes, o),
    rules: o.rules ?? rules,
    ticket,
    applied: o.applied ?? [],
    recordedBreaches: o.recorded ?? [],
    now: T0 + minutes * M,
  });

describe('nextSlaCheck', () => {
  it('without rules: the first running deadline', () => {
    expect(next(0, { rules: [] })).toBe(T0 + 100 * M);
    expect(next(50, { rules: [] })).toBe(T0 + 100 * M);
  });

  it('a percentage rule comes first when it is earlier than the deadline', () => {
    expect(next(0)).toBe(T0 + 80 * M);
    expect(next(10)).toBe(T0 + 80 * M);
  });

  it('an applied percentage rule is skipped', () => {
    expect(next(85, { applied: ['warn80:first_response'] })).toBe(T0 + 100 * M);
  });

  it('a percentage rule whose trigger already holds is due now', () => {
    expect(next(90)).toBe(T0 + 90 * M);
  });

  it('out-of-scope rules are ignored (category vip)', () => {
    expect(next(0, { applied: ['warn80:first_response'] })).toBe(T0 + 100 * M);
  });

  it('an unrecorded breach is due now, also when the metric stopped later', () => {
    expect(next(150, { applied: ['warn80:first_response'] })).toBe(T0 + 150 * M);
    expect(next(150, { applied: ['warn80:first_response'], reply: 140 })).toBe(T0 + 150 * M);
  });

  it('a recorded breach with everything applied falls back to the next deadline', () => {
    expect(next(150, { applied: ['warn80:first_response'], recorded: ['first_response'] })).toBe(T0 + 1000 * M);
  });

  it('a breach rule on a breached, still active metric is due now until applied', () => {
    const all = ['warn80:first_response'];
    expect(next(1200, { applied: all, recorded: ['first_response', 'resolution'] })).toBe(T0 + 1200 * M);
    expect(next(1200, { applied: [...all, 'breach:resolution'], recorded: ['first_response', 'resolution'] })).toBeNull();
  });

  it('nothing while every metric is stopped or resolved', () => {
    const history: StatusChange[] = [{ status: 'resolved', at: T0 + 30 * M }];
    expect(next(60, { history, reply: 10 })).toBeNull();
  });

  it('paused (pending_customer): no deadline and no percentage instant', () => {
    const history: StatusChange[] = [{ status: 'pending_customer', at: T0 + 10 * M }];
    expect(next(20, { history })).toBeNull();
  });

  it('after a resume the deadline moves by the paused time', () => {
    const history: StatusChange[] = [{ status: 'pending_customer', at: T0 + 10 * M }, { status: 'open', at: T0 + 40 * M }];
    expect(next(40, { history, rules: [] })).toBe(T0 + 130 * M);
  });

  it('on a business calendar the percentage instant skips the night', () => {
    const zone = 'Europe/Berlin';
    const wk = weekdayCalendar(zone, [{ start: '09:00', end: '17:00' }]);
    const created = at(zone, '2024-06-03T16:00');
    const s = computeSla(wk, policy, { createdAt: created, now: created, statusHistory: [] });
    const t = nextSlaCheck({ cal: wk, states: s, rules, ticket, applied: [], recordedBreaches: [], now: created });
    // 80 business minutes: 60 on Monday, 20 on Tuesday morning
    expect(t).toBe(at(zone, '2024-06-04T09:20'));
  });
});
