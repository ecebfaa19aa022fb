/**
 * Service KPIs over a set of tickets (the caller picks the set: a queue, an agent, a time range).
 *
 * Definitions:
 * - Percentile (nearest-rank): sort the N values ascending; the p-th percentile (0 < p <= 100) is the
 *   value at 1-based rank ceil(p/100 * N) (p = 0 gives the smallest). It is always an observed value.
 *   The median is the 50th percentile by this rule (for even N: the lower of the two middle values).
 * - First response time: createdAt -> first public agent reply; tickets without a reply are left out.
 * - Resolution time: createdAt -> resolvedAt for tickets resolved now (resolved or closed); a reopened
 *   and not re-resolved ticket is left out.
 * - basis 'wall' uses the timestamps; basis 'business' uses the business durations the caller computed
 *   on the ticket's calendar (tickets without one are left out).
 * - SLA compliance per metric = met / (met + breached) * 100; running and paused metrics are undecided
 *   and left out. Overall: a ticket is compliant when it has a decided metric, none breached and no
 *   undecided one; non-compliant when any metric breached; otherwise left out.
 * - First-contact resolution: among tickets ever resolved, those with at most one public agent reply
 *   before the first resolution and never reopened.
 * - Reopen rate: among tickets ever resolved, those reopened at least once.
 * - Backlog at t: tickets created at or before t whose status at t is not resolved or closed.
 * - CSAT: average and count of ratings (1..5).
 * Rates and averages are rounded half-up to 2 decimals (decimal.js), null when there is nothing to rate.
 */
import { Decimal } from 'decimal.js';
import type { SlaMetricStateName } from './sla.ts';
import type { TicketStatus } from './ticket-lifecycle.ts';

export interface KpiTicket {
  readonly id: string;
  readonly createdAt: number;
  readonly firstResponseAt?: number | null;
  readonly firstResponseBusinessMs?: number | null;
  /** the resolution that currently holds (null when not resolved now) */
  readonly resolvedAt?: number | null;
  readonly resolutionBusinessMs?: number | null;
  readonly statusHistory: ReadonlyArray<{ readonly status: TicketStatus; readonly at: number }>;
  readonly reopenCount: number;
  /** public agent replies before the first resolution */
  readonly publicRepliesBeforeFirstResolution: number;
  readonly sla?: { readonly first_response?: SlaMetricStateName | null; readonly resolution?: SlaMetricStateName | null };
  readonly csat?: number | null;
}

export interface KpiOptions {
  readonly basis: 'wall' | 'business';
  readonly backlogAt: number;
}

export interface DurationStats {
  readonly count: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
}

export interface Compliance {
  readonly met: number;
  readonly breached: number;
  readonly percent: number | null;
}

export interface Kpis {
  readonly ticketCount: number;
  readonly firstResponse: DurationStats;
  readonly resolution: DurationStats;
  readonly slaCompliance: { readonly first_response: Compliance; readonly resolution: Compliance; readonly overall: Compliance };
  readonly firstContactResolution: { readonly resolved: number; readonly count: number; readonly rate: number | null };
  readonly reopen: { readonly resolved: number; readonly reopened: number; readonly rate: number | null };
  readonly backlog: number;
  readonly csat: { readonly count: number; readonly average: number | null };
}

/** Nearest-rank percentile of `values` (any order); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError('percentile must be within [0, 100]');
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, new Decimal(p).mul(sorted.length).div(100).ceil().toNumber());
  return sorted[rank - 1] ?? null;
}

export function durationStats(values: readonly number[]): DurationStats {
  return { count: values.length, medianMs: percentile(values, 50), p90Ms: percentile(values, 90) };
}

function pct(part: number, whole: number): number | null {
  if (whole === 0) return null;
  return new Decimal(part).mul(100).div(whole).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();
}

function compliance(met: number, breached: number): Compliance {
  return { met, breached, percent: pct(met, met + breached) };
}

export function statusAt(t: KpiTicket, at: number): TicketStatus | null {
  if (t.createdAt > at) return null;
  let status: TicketStatus = 'new';
  let last = Number.NEGATIVE_INFINITY;
  for (const c of t.statusHistory) if (c.at <= at && c.at >= last) ((status = c.status), (last = c.at));
  return status;
}

function everResolved(t: KpiTicket): boolean {
  return t.resolvedAt != null || t.statusHistory.some((c) => c.status === 'resolved');
}

export function computeKpis(tickets: readonly KpiTicket[], opts: KpiOptions): Kpis {
  const fr: number[] = [];
  const res: number[] = [];
  const sla = { first_response: [0, 0], resolution: [0, 0], overall: [0, 0] };
  let resolved = 0;
  let fcr = 0;
  let reopened = 0;
  let backlog = 0;
  const ratings: number[] = [];

  for (const t of tickets) {
    if (opts.basis === 'wall') {
      if (t.firstResponseAt != null) fr.push(t.firstResponseAt - t.createdAt);
      if (t.resolvedAt != null) res.push(t.resolvedAt - t.createdAt);
    } else {
      if (t.firstResponseAt != null && t.firstResponseBusinessMs != null) fr.push(t.firstResponseBusinessMs);
      if (t.resolvedAt != null && t.resolutionBusinessMs != null) res.push(t.resolutionBusinessMs);
    }

    const states = [t.sla?.first_response ?? null, t.sla?.resolution ?? null];
    (['first_response', 'resolution'] as const).forEach((m, i) => {
      const s = states[i];
      if (s === 'met') sla[m][0]! += 1;
      else if (s === 'breached') sla[m][1]! += 1;
    });
    const present = states.filter((s): s is SlaMetricStateName => s !== null);
    if (present.includes('breached')) sla.overall[1]! += 1;
    else if (present.length > 0 && present.every((s) => s === 'met')) sla.overall[0]! += 1;

    if (everResolved(t)) {
      resolved += 1;
      if (t.reopenCount > 0) reopened += 1;
      else if (t.publicRepliesBeforeFirstResolution <= 1) fcr += 1;
    }

    const s = statusAt(t, opts.backlogAt);
    if (s !== null && s !== 'resolved' && s !== 'closed') backlog += 1;

    if (t.csat != null) ratings.push(t.csat);
  }

  const csatSum = ratings.reduce((a, b) => a.add(b), new Decimal(0));
  return {
    ticketCount: tickets.length,
    firstResponse: durationStats(fr),
    resolution: durationStats(res),
    slaCompliance: {
      first_response: compliance(sla.first_response[0]!, sla.first_response[1]!),
      resolution: compliance(sla.resolution[0]!, sla.resolution[1]!),
      overall: compliance(sla.overall[0]!, sla.overall[1]!),
    },
    firstContactResolution: { resolved, count: fcr, rate: pct(fcr, resolved) },
    reopen: { resolved, reopened, rate: pct(reopened, resolved) },
    backlog,
    csat: {
      count: ratings.length,
      average:
        ratings.length === 0
          ? null
          : csatSum.div(ratings.length).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber(),
    },
  };
}
