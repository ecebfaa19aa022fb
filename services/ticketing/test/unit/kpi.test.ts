import { describe, expect, it } from 'vitest';
import { computeKpis, percentile, statusAt, type KpiTicket } from '../../src/domain/kpi.ts';

describe('nearest-rank percentile', () => {
  it('handles hand-computed cases', () => {
    const v = [15, 20, 35, 40, 50];
    expect(percentile(v, 5)).toBe(15); // ceil(0.25) = 1
    expect(percentile(v, 30)).toBe(20); // ceil(1.5) = 2
    expect(percentile(v, 40)).toBe(20); // ceil(2.0) = 2
    expect(percentile(v, 50)).toBe(35); // ceil(2.5) = 3
    expect(percentile(v, 100)).toBe(50);
  });
  it('p90 of 1..10 is 9 (no floating-point drift: 0.9*10 is exactly rank 9)', () => {
    expect(percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 90)).toBe(9);
  });
  it('p90 of 1..20 is 18 and of 11 values is the 10th', () => {
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 90)).toBe(18);
    expect(percentile(Array.from({ length: 11 }, (_, i) => (i + 1) * 10), 90)).toBe(100); // ceil(9.9) = 10
  });
  it('the median of an even count is the lower middle value', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
  });
  it('p0 is the minimum, a single value is every percentile, empty is null', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
  it('rejects p outside [0, 100]', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

const M = 60_000;
const base = (id: string, over: Partial<KpiTicket> = {}): KpiTicket => ({
  id,
  createdAt: 0,
  statusHistory: [],
  reopenCount: 0,
  publicRepliesBeforeFirstResolution: 0,
  ...over,
});

const tickets: KpiTicket[] = [
  // resolved on first contact, met both SLAs, rated 5
  base('t1', {
    firstResponseAt: 10 * M, firstResponseBusinessMs: 10 * M, resolvedAt: 60 * M, resolutionBusinessMs: 30 * M,
    statusHistory: [{ status: 'open', at: 10 * M }, { status: 'resolved', at: 60 * M }],
    publicRepliesBeforeFirstResolution: 1, sla: { first_response: 'met', resolution: 'met' }, csat: 5,
  }),
  // two replies, resolved, first response breached, rated 2
  base('t2', {
    firstResponseAt: 40 * M, firstResponseBusinessMs: 20 * M, resolvedAt: 200 * M, resolutionBusinessMs: 100 * M,
    statusHistory: [{ status: 'open', at: 40 * M }, { status: 'resolved', at: 200 * M }],
    publicRepliesBeforeFirstResolution: 2, sla: { first_response: 'breached', resolution: 'met' }, csat: 2,
  }),
  // reopened and still open, response met, resolution running
  base('t3', {
    firstResponseAt: 20 * M, firstResponseBusinessMs: 20 * M, resolvedAt: null,
    statusHistory: [{ status: 'open', at: 20 * M }, { status: 'resolved', at: 50 * M }, { status: 'open', at: 300 * M }],
    reopenCount: 1, publicRepliesBeforeFirstResolution: 1, sla: { first_response: 'met', resolution: 'running' }, csat: 4,
  }),
  // untouched, created later
  base('t4', { createdAt: 100 * M, sla: { first_response: 'running', resolution: 'running' } }),
];

describe('computeKpis', () => {
  const wall = computeKpis(tickets, { basis: 'wall', backlogAt: 250 * M });

  it('first response and resolution times (wall clock)', () => {
    expect(wall.firstResponse).toEqual({ count: 3, medianMs: 20 * M, p90Ms: 40 * M });
    expect(wall.resolution).toEqual({ count: 2, medianMs: 60 * M, p90Ms: 200 * M });
  });

  it('uses the business durations when asked', () => {
    const b = computeKpis(tickets, { basis: 'business', backlogAt: 0 });
    expect(b.firstResponse).toEqual({ count: 3, medianMs: 20 * M, p90Ms: 20 * M });
    expect(b.resolution).toEqual({ count: 2, medianMs: 30 * M, p90Ms: 100 * M });
  });

  it('SLA compliance per metric and overall, undecided metrics left out', () => {
    expect(wall.slaCompliance.first_response).toEqual({ met: 2, breached: 1, percent: 66.67 });
    expect(wall.slaCompliance.resolution).toEqual({ met: 2, breached: 0, percent: 100 });
    expect(wall.slaCompliance.overall).toEqual({ met: 1, breached: 1, percent: 50 });
  });

  it('first-contact resolution and reopen rate among tickets ever resolved', () => {
    expect(wall.firstContactResolution).toEqual({ resolved: 3, count: 1, rate: 33.33 });
    expect(wall.reopen).toEqual({ resolved: 3, reopened: 1, rate: 33.33 });
  });

  it('backlog at a time uses the status at that time', () => {
    expect(wall.backlog).toBe(1); // t4 only (t3 is resolved between 50 and 300)
    expect(computeKpis(tickets, { basis: 'wall', backlogAt: 30 * M }).backlog).toBe(3); // t1,t2,t3; t4 not created
    expect(computeKpis(tickets, { basis: 'wall', backlogAt: 400 * M }).backlog).toBe(2); // t3 reopened, t4
  });

  it('CSAT average and count', () => {
    expect(wall.csat).toEqual({ count: 3, average: 3.67 });
  });

  it('an empty set gives nulls, not NaN', () => {
    const k = computeKpis([], { basis: 'wall', backlogAt: 0 });
    expect(k.firstResponse).toEqual({ count: 0, medianMs: null, p90Ms: null });
    expect(k.slaCompliance.overall.percent).toBeNull();
    expect(k.csat.average).toBeNull();
    expect(k.reopen.rate).toBeNull();
  });

  it('statusAt before creation is null and at creation is new', () => {
    expect(statusAt(tickets[3]!, 99 * M)).toBeNull();
    expect(statusAt(tickets[3]!, 100 * M)).toBe('new');
  });
});
