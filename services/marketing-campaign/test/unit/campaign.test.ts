import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  assignArm,
  campaignActions,
  campaignStates,
  ExperimentSchema,
  isTerminal,
  nextRunAt,
  ScheduleSchema,
  scheduleIssues,
  scheduleSchemaAt,
  sendKey,
  transition,
  uniformFromHash,
  type CampaignAction,
  type CampaignState,
} from '../../src/domain/campaign.ts';

describe('campaign state machine', () => {
  it.each([
    ['draft', 'schedule', 'scheduled'],
    ['scheduled', 'start', 'running'],
    ['scheduled', 'unschedule', 'draft'],
    ['running', 'pause', 'paused'],
    ['paused', 'resume', 'running'],
    ['running', 'complete', 'completed'],
    ['draft', 'cancel', 'cancelled'],
    ['scheduled', 'cancel', 'cancelled'],
    ['running', 'cancel', 'cancelled'],
    ['paused', 'cancel', 'cancelled'],
  ] as [CampaignState, CampaignAction, CampaignState][])('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toEqual({ ok: true, from, to, action });
  });

  it.each([
    ['draft', 'start'],
    ['draft', 'pause'],
    ['scheduled', 'pause'],
    ['paused', 'complete'],
    ['running', 'resume'],
    ['completed', 'cancel'],
    ['cancelled', 'resume'],
    ['completed', 'start'],
  ] as [CampaignState, CampaignAction][])('%s --%s--> is invalid', (from, action) => {
    const r = transition(from, action);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.allowed).toEqual(allowedActions(from));
  });

  it('has exactly two terminal states and every other state can be cancelled', () => {
    expect(campaignStates.filter(isTerminal)).toEqual(['completed', 'cancelled']);
    for (const s of campaignStates.filter((s) => !isTerminal(s))) expect(allowedActions(s)).toContain('cancel');
    // the table only ever names known actions
    for (const s of campaignStates) for (const a of allowedActions(s)) expect(campaignActions).toContain(a);
  });
});

describe('schedules', () => {
  const now = new Date('2025-03-10T12:00:00Z');

  it('accepts now and a future time, rejects a past time', () => {
    expect(scheduleIssues({ kind: 'now' }, now)).toEqual([]);
    expect(scheduleIssues({ kind: 'at', at: '2025-03-11T09:00:00Z' }, now)).toEqual([]);
    expect(scheduleIssues({ kind: 'at', at: '2025-03-10T11:59:59Z' }, now)[0]!.path).toEqual(['at']);
    expect(scheduleIssues({ kind: 'at', at: now.toISOString() }, now)).toHaveLength(1);
  });

  it('validates through a clocked schema with paths', () => {
    const schema = scheduleSchemaAt(() => now);
    const res = schema.safeParse({ kind: 'at', at: '2020-01-01T00:00:00Z' });
    expect(res.success).toBe(false);
    expect(res.error!.issues[0]!.path).toEqual(['at']);
    expect(schema.safeParse({ kind: 'recurring', frequency: 'daily', time: '09:00', timeZone: 'Europe/Berlin' }).success).toBe(true);
    expect(schema.safeParse({ kind: 'recurring', frequency: 'daily', time: '09:00', timeZone: 'Europe/Berlin', endsAt: '2025-01-01T00:00:00Z' }).success).toBe(false);
  });

  it('rejects malformed recurring schedules', () => {
    expect(ScheduleSchema.safeParse({ kind: 'recurring', frequency: 'weekly', time: '09:00', timeZone: 'UTC' }).success).toBe(false);
    expect(ScheduleSchema.safeParse({ kind: 'recurring', frequency: 'daily', time: '25:00', timeZone: 'UTC' }).success).toBe(false);
    expect(ScheduleSchema.safeParse({ kind: 'recurring', frequency: 'daily', time: '09:00', timeZone: 'Mars/Base' }).success).toBe(false);
    expect(ScheduleSchema.safeParse({ kind: 'recurring', frequency: 'daily', time: '09:00', timeZone: 'UTC', startsAt: '2025-05-01T00:00:00Z', endsAt: '2025-04-01T00:00:00Z' }).success).toBe(false);
    expect(ScheduleSchema.safeParse({ kind: 'sometime' }).success).toBe(false);
  });

  it('computes the next daily run in the schedule time zone', () => {
    const s = ScheduleSchema.parse({ kind: 'recurring', frequency: 'daily', time: '09:00', timeZone: 'Europe/Berlin' });
    // 12:00Z is 13:00 in Berlin (CET): today's 09:00 has passed
    expect(nextRunAt(s, now)!.toISOString()).toBe('2025-03-11T08:00:00.000Z');
    expect(nextRunAt(s, new Date('2025-03-10T07:00:00Z'))!.toISOString()).toBe('2025-03-10T08:00:00.000Z');
  });

  it('follows DST: 09:00 Berlin is 08:00Z before and 07:00Z after the change', () => {
    const s = ScheduleSchema.parse({ kind: 'recurring', frequency: 'daily', time: '09:00', timeZone: 'Europe/Berlin' });
    expect(nextRunAt(s, new Date('2025-03-29T12:00:00Z'))!.toISOString()).toBe('2025-03-30T07:00:00.000Z');
    const gap = ScheduleSchema.parse({ kind: 'recurring', frequency: 'daily', time: '02:30', timeZone: 'Europe/Berlin' });
    // 02:30 does not exist on 30 March 2025 in Berlin; runs at 03:30 CEST = 01:30Z
    expect(nextRunAt(gap, new Date('2025-03-29T12:00:00Z'))!.toISOString()).toBe('2025-03-30T01:30:00.000Z');
  });

  it('computes weekly runs on the chosen weekdays and honours startsAt/endsAt', () => {
    const s = ScheduleSchema.parse({ kind: 'recurring', frequency: 'weekly', daysOfWeek: [1, 4], time: '10:00', timeZone: 'America/New_York' });
    // Monday 10 March 2025 12:00Z = 08:00 EDT -> today 10:00 EDT = 14:00Z
    expect(nextRunAt(s, now)!.toISOString()).toBe('2025-03-10T14:00:00.000Z');
    expect(nextRunAt(s, new Date('2025-03-10T14:00:00Z'))!.toISOString()).toBe('2025-03-13T14:00:00.000Z');
    const bounded = { ...s, startsAt: '2025-03-12T00:00:00Z', endsAt: '2025-03-13T00:00:00Z' };
    expect(nextRunAt(bounded, now)).toBeNull();
    expect(scheduleIssues(bounded, now)).toHaveLength(1);
  });

  it('gives `at` once and `now` immediately', () => {
    expect(nextRunAt({ kind: 'now' }, now)).toBe(now);
    expect(nextRunAt({ kind: 'at', at: '2025-03-11T00:00:00Z' }, now)!.toISOString()).toBe('2025-03-11T00:00:00.000Z');
    expect(nextRunAt({ kind: 'at', at: '2025-03-11T00:00:00Z' }, new Date('2025-03-11T00:00:00Z'))).toBeNull();
  });
});

describe('A/B variants and holdout', () => {
  const exp = ExperimentSchema.parse({
    variants: [
      { id: 'A', weight: 50, templateId: 't-a' },
      { id: 'B', weight: 30, templateId: 't-b' },
      { id: 'C', weight: 20, templateId: 't-c' },
    ],
    holdoutPercent: 10,
  });

  it('requires weights summing to 100, unique ids, holdout within bounds', () => {
    expect(ExperimentSchema.safeParse({ variants: [{ id: 'A', weight: 60, templateId: 't' }, { id: 'B', weight: 30, templateId: 't' }] }).success).toBe(false);
    expect(ExperimentSchema.safeParse({ variants: [{ id: 'A', weight: 50, templateId: 't' }, { id: 'A', weight: 50, templateId: 't' }] }).error!.issues[0]!.path).toEqual(['variants', 1, 'id']);
    expect(ExperimentSchema.safeParse({ variants: [{ id: 'A', weight: 100, templateId: 't' }], holdoutPercent: 60 }).success).toBe(false);
    expect(ExperimentSchema.safeParse({ variants: [{ id: 'A', weight: 100, templateId: 't' }], holdoutPercent: -1 }).success).toBe(false);
    expect(ExperimentSchema.parse({ variants: [{ id: 'A', weight: 100, templateId: 't' }] }).holdoutPercent).toBe(0);
  });

  it('maps hashes to [0, 1) deterministically', () => {
    const u = uniformFromHash('cmp_1', 'cus_1');
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    expect(uniformFromHash('cmp_1', 'cus_1')).toBe(u);
    expect(uniformFromHash('cmp_2', 'cus_1')).not.toBe(u);
    // no ambiguity from concatenation
    expect(uniformFromHash('ab', 'c')).not.toBe(uniformFromHash('a', 'bc'));
  });

  it('assigns the same arm on every call (restart-safe)', () => {
    for (let i = 0; i < 50; i++) expect(assignArm('cmp_1', `cus_${i}`, exp)).toEqual(assignArm('cmp_1', `cus_${i}`, exp));
  });

  it('splits 20,000 customers close to the configured proportions', () => {
    const counts: Record<string, number> = { holdout: 0, A: 0, B: 0, C: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const a = assignArm('cmp_split', `cus_${i}`, exp);
      counts[a.arm === 'holdout' ? 'holdout' : a.variantId]! += 1;
    }
    // expected 10% holdout, then 45/27/18 of the total; 4 standard deviations of slack
    const within = (k: string, p: number) => expect(Math.abs(counts[k]! - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    within('holdout', 0.1);
    within('A', 0.45);
    within('B', 0.27);
    within('C', 0.18);
  });

  it('puts nobody in the holdout at 0% and everyone in the single variant', () => {
    const single = ExperimentSchema.parse({ variants: [{ id: 'only', weight: 100, templateId: 't' }] });
    for (let i = 0; i < 200; i++) expect(assignArm('c', `x${i}`, single)).toEqual({ arm: 'variant', variantId: 'only' });
  });

  it('builds stable send keys', () => {
    expect(sendKey('c1', 'u1', 'A')).toBe('c1:u1:A');
    expect(sendKey('c1', 'u1', 'A', '2025-03-11T08:00:00.000Z')).toBe('c1:u1:A:2025-03-11T08:00:00.000Z');
  });
});
