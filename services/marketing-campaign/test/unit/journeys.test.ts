import { describe, expect, it } from 'vitest';
import { CustomerFactsSchema } from '../../src/domain/facts.ts';
import {
  addDuration,
  advance,
  builtInJourney,
  builtInJourneys,
  canEnrol,
  conditionHolds,
  enrol,
  JourneyDefinitionSchema,
  JourneyInstanceSchema,
  matchesTrigger,
  start,
  type JourneyEvent,
} from '../../src/domain/journeys.ts';

const t0 = new Date('2025-05-01T10:00:00Z');
const days = (n: number) => new Date(t0.getTime() + n * 86_400_000);
let seq = 0;
const event = (type: JourneyEvent['type'], data: Record<string, unknown> = {}, customerId = 'cus_1'): JourneyEvent => ({
  id: `evt_${++seq}`,
  type,
  customerId,
  occurredAt: t0.toISOString(),
  data,
});

describe('definitions', () => {
  it('validates all built-in journeys', () => {
    expect(builtInJourneys.map((d) => d.key)).toEqual(['welcome', 'first_purchase_thanks', 'birthday', 'low_csat_followup', 'win_back']);
  });
  it('rejects unknown step types, trigger events and bad durations', () => {
    const base = { key: 'x', name: 'X', trigger: { event: 'customer.registered' }, steps: [{ type: 'send', template: 't', channel: 'email' }] };
    expect(JourneyDefinitionSchema.safeParse(base).success).toBe(true);
    expect(JourneyDefinitionSchema.safeParse({ ...base, steps: [{ type: 'teleport' }] }).success).toBe(false);
    expect(JourneyDefinitionSchema.safeParse({ ...base, trigger: { event: 'moon.landed' } }).success).toBe(false);
    expect(JourneyDefinitionSchema.safeParse({ ...base, steps: [{ type: 'wait', duration: { amount: -1, unit: 'day' } }] }).success).toBe(false);
    expect(JourneyDefinitionSchema.safeParse({ ...base, steps: [{ type: 'send', template: 't', channel: 'fax' }] }).success).toBe(false);
    expect(JourneyDefinitionSchema.safeParse({ ...base, steps: [] }).success).toBe(false);
  });
  it('evaluates data conditions', () => {
    expect(conditionHolds({ path: 'csat', op: 'lte', value: 2 }, { csat: 2 })).toBe(true);
    expect(conditionHolds({ path: 'csat', op: 'lte', value: 2 }, { csat: 3 })).toBe(false);
    expect(conditionHolds({ path: 'csat', op: 'lte', value: 2 }, {})).toBe(false);
    expect(conditionHolds({ path: 'csat', op: 'lte', value: 2 }, { csat: '1' })).toBe(false);
    expect(conditionHolds({ path: 'a.b', op: 'in', value: ['x', 'y'] }, { a: { b: 'y' } })).toBe(true);
    expect(conditionHolds({ path: 'a', op: 'exists' }, { a: 0 })).toBe(true);
    expect(conditionHolds({ path: 'a', op: 'exists', value: false }, {})).toBe(true);
  });
  it('adds durations in UTC', () => {
    expect(addDuration(t0, { amount: 2, unit: 'week' }).toISOString()).toBe('2025-05-15T10:00:00.000Z');
    expect(addDuration(t0, { amount: 90, unit: 'minute' }).toISOString()).toBe('2025-05-01T11:30:00.000Z');
  });
});

describe('triggers and enrolment', () => {
  it('low CSAT follow-up triggers only at CSAT <= 2', () => {
    const def = builtInJourney('low_csat_followup');
    expect(matchesTrigger(def, event('ticket.closed', { csat: 1 }))).toBe(true);
    expect(matchesTrigger(def, event('ticket.closed', { csat: 2 }))).toBe(true);
    expect(matchesTrigger(def, event('ticket.closed', { csat: 3 }))).toBe(false);
    expect(matchesTrigger(def, event('ticket.closed', {}))).toBe(false);
    expect(matchesTrigger(def, event('ticket.reopened', { csat: 1 }))).toBe(false);
  });
  it('first purchase thanks triggers on the first purchase only', () => {
    const def = builtInJourney('first_purchase_thanks');
    expect(matchesTrigger(def, event('purchase.completed', { firstPurchase: true }))).toBe(true);
    expect(matchesTrigger(def, event('purchase.completed', { firstPurchase: false }))).toBe(false);
  });
  it('honours re-entry rules', () => {
    expect(canEnrol(builtInJourney('win_back'), [{ status: 'exited' }])).toBe(true);
    expect(canEnrol(builtInJourney('win_back'), [{ status: 'waiting' }])).toBe(false);
    expect(canEnrol(builtInJourney('welcome'), [{ status: 'completed' }])).toBe(false);
    expect(canEnrol(builtInJourney('welcome'), [])).toBe(true);
    expect(start(builtInJourney('welcome'), event('customer.registered'), t0, 'j1', [{ status: 'completed' }])).toBeNull();
    expect(start(builtInJourney('welcome'), event('churn_risk.raised'), t0, 'j1')).toBeNull();
  });
  it('produces a valid, persistable instance state', () => {
    const s = enrol(builtInJourney('welcome'), event('customer.registered', { source: 'web' }), t0, 'j1');
    expect(JourneyInstanceSchema.parse(s)).toEqual(s);
    expect(s.context).toMatchObject({ source: 'web' });
  });
});

describe('welcome journey', () => {
  const def = builtInJourney('welcome');
  it('sends the welcome at once and waits 3 days', () => {
    const r = start(def, event('customer.registered'), t0, 'j1')!;
    expect(r.actions.map((a) => [a.template, a.channel, a.purpose, a.idempotencyKey])).toEqual([['welcome', 'email', 'marketing', 'journey:j1:0']]);
    expect(r.wakeAt!.toISOString()).toBe(days(3).toISOString());
    expect(r.nextState.status).toBe('waiting');
  });
  it('does nothing when woken early, and is idempotent', () => {
    const r1 = start(def, event('customer.registered'), t0, 'j1')!;
    const early = advance(r1.nextState, def, days(1));
    expect(early.actions).toEqual([]);
    expect(early.nextState.stepIndex).toBe(r1.nextState.stepIndex);
    expect(early.wakeAt).toEqual(r1.wakeAt);
  });
  it('sends the nudge after 3 days without a purchase and completes', () => {
    const r1 = start(def, event('customer.registered'), t0, 'j1')!;
    const r2 = advance(r1.nextState, def, days(3));
    expect(r2.actions.map((a) => a.template)).toEqual(['welcome_first_order_nudge']);
    expect(r2.completed).toBe(true);
    expect(r2.wakeAt).toBeNull();
    // a completed instance ignores further calls
    expect(advance(r2.nextState, def, days(10), event('purchase.completed')).actions).toEqual([]);
  });
  it('exits via exit_if when the customer purchased during the wait', () => {
    const r1 = start(def, event('customer.registered'), t0, 'j1')!;
    const r2 = advance(r1.nextState, def, days(1), event('purchase.completed'));
    expect(r2.nextState.status).toBe('waiting');
    const r3 = advance(r2.nextState, def, days(3));
    expect(r3.exited).toBe(true);
    expect(r3.nextState.exitReason).toBe('exit_if:event_seen:purchase.completed');
    expect(r3.actions).toEqual([]);
  });
  it('ignores events of another customer', () => {
    const r1 = start(def, event('customer.registered'), t0, 'j1')!;
    const r2 = advance(r1.nextState, def, days(1), event('purchase.completed', {}, 'cus_2'));
    expect(r2.nextState.seenEvents).toEqual([]);
  });
});

describe('win-back journey', () => {
  const def = builtInJourney('win_back');
  const begin = () => start(def, event('churn_risk.raised', { level: 'high' }), t0, 'wb1')!;

  it('enrols on churn risk raised and sends the offer', () => {
    const r = begin();
    expect(r.actions.map((a) => a.template)).toEqual(['win_back_offer']);
    expect(r.wakeAt!.toISOString()).toBe(days(7).toISOString());
  });
  it('runs the whole sequence without exits', () => {
    const r1 = begin();
    const r2 = advance(r1.nextState, def, days(7));
    expect(r2.actions.map((a) => a.template)).toEqual(['win_back_reminder']);
    expect(r2.wakeAt!.toISOString()).toBe(days(21).toISOString());
    const r3 = advance(r2.nextState, def, days(21));
    expect(r3.actions.map((a) => a.template)).toEqual(['win_back_last_chance']);
    expect(r3.completed).toBe(true);
  });
  it('exits when churn risk is cleared', () => {
    const r2 = advance(begin().nextState, def, days(2), event('churn_risk.cleared'));
    expect(r2).toMatchObject({ exited: true, actions: [], wakeAt: null });
    expect(r2.nextState.exitReason).toBe('exit_on:churn_risk.cleared');
  });
  it('exits on a purchase, even after the wake time has passed', () => {
    const r2 = advance(begin().nextState, def, days(8), event('purchase.completed', { purchaseId: 'p1' }));
    expect(r2.exited).toBe(true);
    expect(r2.actions).toEqual([]);
  });
  it('keeps going on unrelated events', () => {
    const r2 = advance(begin().nextState, def, days(3), event('ticket.closed', { csat: 5 }));
    expect(r2.exited).toBe(false);
    expect(r2.nextState.seenEvents).toEqual(['ticket.closed']);
  });
  it('survives a restart: the persisted state round-trips through JSON and zod', () => {
    const persisted = JSON.parse(JSON.stringify(begin().nextState));
    const restored = JourneyInstanceSchema.parse(persisted);
    expect(advance(restored, def, days(7)).actions.map((a) => a.idempotencyKey)).toEqual(['journey:wb1:2']);
  });
});

describe('other built-ins', () => {
  it('first purchase thanks waits an hour then sends', () => {
    const def = builtInJourney('first_purchase_thanks');
    const r1 = start(def, event('purchase.completed', { firstPurchase: true, purchaseId: 'p9', points: 42 }), t0, 'fp1')!;
    expect(r1.actions).toEqual([]);
    const r2 = advance(r1.nextState, def, new Date(t0.getTime() + 3_600_000));
    expect(r2.actions[0]).toMatchObject({ template: 'first_purchase_thanks', context: { purchaseId: 'p9', points: 42 } });
  });
  it('birthday sends once and completes', () => {
    const r = start(builtInJourney('birthday'), event('customer.birthday'), t0, 'b1')!;
    expect(r.actions.map((a) => a.template)).toEqual(['birthday_greeting']);
    expect(r.completed).toBe(true);
  });
  it('low CSAT follow-up uses the service purpose and exits when the ticket reopens', () => {
    const def = builtInJourney('low_csat_followup');
    const r1 = start(def, event('ticket.closed', { csat: 1, ticketId: 't1' }), t0, 'c1')!;
    expect(advance(r1.nextState, def, days(1)).actions[0]).toMatchObject({ template: 'csat_followup', purpose: 'service' });
    expect(advance(r1.nextState, def, new Date(t0.getTime() + 1000), event('ticket.reopened')).exited).toBe(true);
  });
});

describe('wait_until and exit_if on facts', () => {
  const def = JourneyDefinitionSchema.parse({
    key: 'click_chase',
    name: 'Chase a click',
    trigger: { event: 'customer.registered' },
    steps: [
      { type: 'send', template: 'hello', channel: 'email' },
      { type: 'wait_until', until: { event: 'message.clicked', where: [{ path: 'template', op: 'eq', value: 'hello' }] }, timeout: { amount: 2, unit: 'day' } },
      { type: 'exit_if', condition: { kind: 'facts', rule: { field: 'consent.sms.marketing', op: 'eq', value: false } } },
      { type: 'send', template: 'sms_follow', channel: 'sms' },
    ],
  });
  const granted = CustomerFactsSchema.parse({ customerId: 'cus_1', consent: [{ channel: 'sms', purpose: 'marketing', state: 'granted' }] });
  const none = CustomerFactsSchema.parse({ customerId: 'cus_1' });

  it('waits for the awaited event and continues at once when it arrives', () => {
    const r1 = start(def, event('customer.registered'), t0, 'w1')!;
    expect(r1.nextState.waitingFor).toBe('message.clicked');
    expect(r1.wakeAt!.toISOString()).toBe(days(2).toISOString());
    const r2 = advance(r1.nextState, def, days(1), event('message.clicked', { template: 'hello' }), { facts: granted });
    expect(r2.actions.map((a) => a.template)).toEqual(['sms_follow']);
    expect(r2.completed).toBe(true);
  });
  it('ignores a non-matching event while waiting', () => {
    const r1 = start(def, event('customer.registered'), t0, 'w1')!;
    const r2 = advance(r1.nextState, def, days(1), event('message.clicked', { template: 'other' }));
    expect(r2.nextState.waitingFor).toBe('message.clicked');
    expect(r2.actions).toEqual([]);
  });
  it('continues after the timeout', () => {
    const r1 = start(def, event('customer.registered'), t0, 'w1')!;
    expect(advance(r1.nextState, def, days(2), undefined, { facts: granted }).actions.map((a) => a.template)).toEqual(['sms_follow']);
  });
  it('exits when the facts condition holds', () => {
    const r1 = start(def, event('customer.registered'), t0, 'w1')!;
    const r2 = advance(r1.nextState, def, days(2), undefined, { facts: none });
    expect(r2.exited).toBe(true);
    expect(r2.nextState.exitReason).toBe('exit_if:facts');
  });
  it('exits on timeout when configured', () => {
    const strict = JourneyDefinitionSchema.parse({ ...def, steps: def.steps.map((s) => (s.type === 'wait_until' ? { ...s, onTimeout: 'exit' } : s)) });
    const r1 = start(strict, event('customer.registered'), t0, 'w2')!;
    expect(advance(r1.nextState, strict, days(3))).toMatchObject({ exited: true, actions: [] });
  });
});
