import { describe, expect, it } from 'vitest';
import {
  LifecyclePolicySchema,
  allowedTransitions,
  canTransition,
  initialLifecycle,
  ticketStatuses,
  transition,
  type LifecycleState,
} from '../../src/domain/ticket-lifecycle.ts';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2024-06-03T09:00:00Z');

function must<T extends LifecycleState>(r: ReturnType<typeof transition<T>>): T {
  if (!r.ok) throw new Error(`unexpected ${r.reason}`);
  return r.next;
}

describe('transition table', () => {
  it('new can go to open, pending_customer, on_hold, resolved', () => {
    expect([...allowedTransitions('new')].sort()).toEqual(['on_hold', 'open', 'pending_customer', 'resolved']);
  });
  it('closed is final', () => {
    for (const to of ticketStatuses) expect(canTransition('closed', to)).toBe(false);
  });
  it('nothing goes back to new', () => {
    for (const from of ticketStatuses) expect(canTransition(from, 'new')).toBe(false);
  });
  it('close only from resolved', () => {
    for (const from of ticketStatuses) expect(canTransition(from, 'closed')).toBe(from === 'resolved');
  });
});

describe('transition', () => {
  const fresh = { id: 'tkt_1', ...initialLifecycle(T0) };

  it('new -> open emits status_changed only and keeps other fields', () => {
    const r = transition(fresh, 'open', T0 + H, 'agt_1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.next).toMatchObject({ id: 'tkt_1', status: 'open', statusChangedAt: T0 + H });
    expect(r.events).toEqual([{ type: 'status_changed', from: 'new', to: 'open', at: T0 + H, by: 'agt_1' }]);
  });

  it('does not mutate the input', () => {
    transition(fresh, 'open', T0 + H, 'agt_1');
    expect(fresh.status).toBe('new');
  });

  it('resolve emits status_changed and resolved, and records resolvedAt', () => {
    const open = must(transition(fresh, 'open', T0 + H, 'a'));
    const r = transition(open, 'resolved', T0 + 2 * H, 'a');
    expect(r.ok && r.next.resolvedAt).toBe(T0 + 2 * H);
    expect(r.ok && r.events.map((e) => e.type)).toEqual(['status_changed', 'resolved']);
  });

  it('close from resolved emits closed', () => {
    const resolved = must(transition(fresh, 'resolved', T0 + H, 'a'));
    const r = transition(resolved, 'closed', T0 + 3 * D, 'system');
    expect(r.ok && r.events.map((e) => e.type)).toEqual(['status_changed', 'closed']);
    expect(r.ok && r.next.closedAt).toBe(T0 + 3 * D);
  });

  it('open -> closed is illegal (409)', () => {
    const open = must(transition(fresh, 'open', T0 + H, 'a'));
    expect(transition(open, 'closed', T0 + 2 * H, 'a')).toEqual({
      ok: false,
      error: 'illegal_transition',
      from: 'open',
      to: 'closed',
      reason: 'not_in_table',
    });
  });

  it('closed -> open is illegal', () => {
    const closed = must(transition(must(transition(fresh, 'resolved', T0 + H, 'a')), 'closed', T0 + 2 * H, 'a'));
    const r = transition(closed, 'open', T0 + 3 * H, 'a');
    expect(r.ok).toBe(false);
  });

  it('a same-status transition is illegal', () => {
    const r = transition(fresh, 'new', T0 + H, 'a');
    expect(!r.ok && r.reason).toBe('same_status');
  });

  it('a change dated before the last change is refused', () => {
    const open = must(transition(fresh, 'open', T0 + H, 'a'));
    const r = transition(open, 'on_hold', T0, 'a');
    expect(!r.ok && r.reason).toBe('time_went_backwards');
  });

  it('reopen within the window -> open, emits reopened and counts it', () => {
    const resolved = must(transition(fresh, 'resolved', T0 + H, 'a'));
    const r = transition(resolved, 'open', T0 + H + 7 * D, 'cus_1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.next.reopenCount).toBe(1);
    expect(r.next.resolvedAt).toBe(T0 + H); // history of the last resolution is kept
    expect(r.events.map((e) => e.type)).toEqual(['status_changed', 'reopened']);
  });

  it('reopen after the window is refused', () => {
    const resolved = must(transition(fresh, 'resolved', T0 + H, 'a'));
    const r = transition(resolved, 'open', T0 + H + 7 * D + 1, 'cus_1');
    expect(r).toEqual({ ok: false, error: 'illegal_transition', from: 'resolved', to: 'open', reason: 'reopen_window_expired' });
  });

  it('the reopen window is configurable', () => {
    const policy = LifecyclePolicySchema.parse({ reopenWindowMs: H });
    const resolved = must(transition(fresh, 'resolved', T0 + H, 'a'));
    expect(transition(resolved, 'open', T0 + 2 * H, 'c', policy).ok).toBe(true);
    expect(transition(resolved, 'open', T0 + 2 * H + 1, 'c', policy).ok).toBe(false);
  });

  it('a second reopen counts twice, and the window runs from the latest resolution', () => {
    const policy = LifecyclePolicySchema.parse({ reopenWindowMs: D });
    let s = must(transition(fresh, 'resolved', T0, 'a', policy));
    s = must(transition(s, 'open', T0 + 20 * H, 'c', policy));
    s = must(transition(s, 'resolved', T0 + 30 * H, 'a', policy));
    const r = transition(s, 'open', T0 + 50 * H, 'c', policy);
    expect(r.ok && r.next.reopenCount).toBe(2);
  });

  it('the full life: new, open, pending, open, on_hold, resolved, closed', () => {
    let s: LifecycleState = fresh;
    const path = ['open', 'pending_customer', 'open', 'on_hold', 'resolved', 'closed'] as const;
    path.forEach((to, i) => (s = must(transition(s, to, T0 + (i + 1) * H, 'a'))));
    expect(s.status).toBe('closed');
  });
});
