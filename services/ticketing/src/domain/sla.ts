/**
 * SLA policies and the SLA clock.
 *
 * The clock is a pure fold over the ticket's status history, evaluated at `now`. Decisions:
 * - Targets are business minutes on the policy's calendar (the caller resolves `calendarId`).
 * - Both metrics start at ticket creation.
 * - The clock pauses while the ticket is `pending_customer` (waiting on the customer). `on_hold`
 *   (waiting on a third party or another team) does NOT pause by default, because the delay is still the
 *   provider's; a policy may opt in with `pauseOnHold: true`. Paused time is reported as business ms.
 * - first_response stops (for good) at the first public agent reply, or at the first resolution/close
 *   if the ticket is resolved without any public reply.
 * - resolution stops when the ticket becomes resolved or closed; a reopen (resolved -> open) resumes it
 *   with the elapsed time kept (time spent resolved does not count).
 * - `dueAt` is the first instant at which the metric is breached: a metric is breached when its elapsed
 *   business time reaches the target (elapsed >= target) while it is still running. Meeting the SLA
 *   therefore means stopping strictly before `dueAt`; a reply exactly at `dueAt` is a breach. This is
 *   the same instant a scheduler fires at, so the scheduler and the fold never disagree.
 * - A breach is permanent: once breached, stopping the clock later does not make it met.
 * - Changing the priority (e.g. by escalation) means evaluating with another policy: the elapsed time
 *   is the same, only the target changes. The fold is recomputed from history; nothing is stored.
 */
import { z } from 'zod';
import { addBusinessDuration, businessDurationBetween, type BusinessCalendar, type Instant } from './calendar.ts';
import { PrioritySchema, type Priority } from './priority.ts';
import type { TicketStatus } from './ticket-lifecycle.ts';

export const slaMetrics = ['first_response', 'resolution'] as const;
export const SlaMetricSchema = z.enum(slaMetrics);
export type SlaMetric = z.infer<typeof SlaMetricSchema>;

export const SlaPolicySchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  priority: PrioritySchema,
  /** null = applies to every category of this priority (a category-specific policy wins) */
  category: z.string().min(1).nullable().default(null),
  calendarId: z.string().min(1),
  firstResponseMinutes: z.number().int().positive(),
  resolutionMinutes: z.number().int().positive(),
  /** also pause the clock while on_hold (pending_customer always pauses) */
  pauseOnHold: z.boolean().default(false),
});
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;

/** The policy for a ticket: exact priority+category first, then the priority's catch-all. */
export function selectPolicy(
  policies: readonly SlaPolicy[],
  priority: Priority,
  category: string | null | undefined,
): SlaPolicy | null {
  const forPriority = policies.filter((p) => p.priority === priority);
  if (category != null) {
    const exact = forPriority.find((p) => p.category === category);
    if (exact) return exact;
  }
  return forPriority.find((p) => p.category === null) ?? null;
}

export function targetMs(policy: SlaPolicy, metric: SlaMetric): number {
  return (metric === 'first_response' ? policy.firstResponseMinutes : policy.resolutionMinutes) * 60_000;
}

export interface StatusChange {
  readonly status: TicketStatus;
  readonly at: Instant;
}

export interface SlaClockInput {
  readonly createdAt: Instant;
  /** status changes after creation (the status at creation is `new`); any order, sorted stably by time */
  readonly statusHistory: readonly StatusChange[];
  /** first public reply by an agent, if any */
  readonly firstPublicReplyAt?: Instant | null;
  readonly now: Instant;
}

export type SlaMetricStateName = 'running' | 'paused' | 'met' | 'breached';

export interface SlaMetricState {
  readonly metric: SlaMetric;
  readonly targetMs: number;
  /** business ms counted so far */
  readonly elapsedMs: number;
  /** targetMs - elapsedMs; negative after a breach */
  readonly remainingMs: number;
  /** the clock is paused right now */
  readonly paused: boolean;
  /** business ms during which the clock was paused */
  readonly pausedMs: number;
  /**
   * Projected deadline given the pauses so far: the breach instant once breached; while running, the
   * instant the target is reached if nothing pauses it; when met, the deadline it had when it stopped;
   * null while paused (it depends on when the clock resumes).
   */
  readonly dueAt: number | null;
  readonly breached: boolean;
  readonly breachedAt: number | null;
  /** when the metric stopped (reply / resolution); null while it is active */
  readonly stoppedAt: number | null;
  readonly state: SlaMetricStateName;
}

export type SlaStates = Readonly<Record<SlaMetric, SlaMetricState>>;

function ms(t: Instant): number {
  return typeof t === 'number' ? t : t.getTime();
}

interface Segment {
  readonly start: number;
  readonly end: number;
  readonly status: TicketStatus;
}

/** Status segments from creation to now ([start, end) each). */
function segments(input: SlaClockInput): Segment[] {
  const created = ms(input.createdAt);
  const now = ms(input.now);
  const changes = input.statusHistory
    .map((c, i) => ({ status: c.status, at: Math.max(ms(c.at), created), i }))
    .filter((c) => c.at <= now)
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const out: Segment[] = [];
  let status: TicketStatus = 'new';
  let start = created;
  for (const c of changes) {
    if (c.at > start) out.push({ start, end: c.at, status });
    status = c.status;
    start = c.at;
  }
  out.push({ start, end: Math.max(start, now), status });
  return out;
}

const isDone = (s: TicketStatus) => s === 'resolved' || s === 'closed';

function foldMetric(
  cal: BusinessCalendar,
  metric: SlaMetric,
  target: number,
  segs: readonly Segment[],
  pauses: (s: TicketStatus) => boolean,
  firstReplyAt: number | null,
  now: number,
): SlaMetricState {
  let elapsed = 0;
  let pausedMs = 0;
  let breachedAt: number | null = null;
  let stoppedAt: number | null = null;
  let paused = false;

  const count = (start: number, end: number) => {
    if (end <= start) return;
    const d = businessDurationBetween(cal, start, end);
    if (breachedAt === null && elapsed + d >= target) {
      breachedAt = addBusinessDuration(cal, start, target - elapsed);
    }
    elapsed += d;
  };

  for (const seg of segs) {
    if (metric === 'first_response') {
      if (stoppedAt !== null) break;
      // stop at the first reply (if inside this segment) or when the ticket gets resolved/closed
      if (isDone(seg.status)) {
        stoppedAt = seg.start;
        break;
      }
      let end = seg.end;
      if (firstReplyAt !== null && firstReplyAt < seg.end) end = Math.max(firstReplyAt, seg.start);
      if (pauses(seg.status)) pausedMs += businessDurationBetween(cal, seg.start, end);
      else count(seg.start, end);
      if (firstReplyAt !== null && firstReplyAt < seg.end) {
        stoppedAt = end;
        break;
      }
      // a reply exactly at the end of the last segment (== now) stops the clock too
      if (firstReplyAt !== null && firstReplyAt === seg.end && seg.end === now) stoppedAt = now;
    } else {
      if (isDone(seg.status)) {
        stoppedAt ??= seg.start;
        continue;
      }
      stoppedAt = null; // reopened (or never stopped)
      if (pauses(seg.status)) pausedMs += businessDurationBetween(cal, seg.start, seg.end);
      else count(seg.start, seg.end);
    }
  }
  const last = segs[segs.length - 1];
  if (stoppedAt === null && last !== undefined && pauses(last.status)) paused = true;

  const breached = breachedAt !== null;
  let dueAt: number | null;
  if (breachedAt !== null) dueAt = breachedAt;
  else if (stoppedAt !== null) dueAt = addBusinessDuration(cal, stoppedAt, target - elapsed);
  else if (paused) dueAt = null;
  else dueAt = addBusinessDuration(cal, now, target - elapsed);

  const state: SlaMetricStateName = breached ? 'breached' : stoppedAt !== null ? 'met' : paused ? 'paused' : 'running';
  return {
    metric,
    targetMs: target,
    elapsedMs: elapsed,
    remainingMs: target - elapsed,
    paused,
    pausedMs,
    dueAt,
    breached,
    breachedAt,
    stoppedAt,
    state,
  };
}

/** The status set that pauses the clock under `policy`. */
export function pausingStatuses(policy: Pick<SlaPolicy, 'pauseOnHold'>): ReadonlySet<TicketStatus> {
  return new Set<TicketStatus>(policy.pauseOnHold ? ['pending_customer', 'on_hold'] : ['pending_customer']);
}

/** Evaluate both SLA metrics of a ticket at `input.now`. */
export function computeSla(cal: BusinessCalendar, policy: SlaPolicy, input: SlaClockInput): SlaStates {
  const segs = segments(input);
  const pausing = pausingStatuses(policy);
  const pauses = (s: TicketStatus) => pausing.has(s);
  const now = ms(input.now);
  const created = ms(input.createdAt);
  const reply = input.firstPublicReplyAt == null ? null : Math.max(ms(input.firstPublicReplyAt), created);
  const firstReplyAt = reply !== null && reply <= now ? reply : null;
  return {
    first_response: foldMetric(cal, 'first_response', targetMs(policy, 'first_response'), segs, pauses, firstReplyAt, now),
    resolution: foldMetric(cal, 'resolution', targetMs(policy, 'resolution'), segs, pauses, null, now),
  };
}

/**
 * True when the metric is running, not yet breached, and its due instant is within `warnWithinMs`
 * of wall-clock time from `now` (0 < dueAt - now <= warnWithinMs).
 */
export function aboutToBreach(state: SlaMetricState, now: Instant, warnWithinMs: number): boolean {
  if (state.state !== 'running' || state.dueAt === null) return false;
  const left = state.dueAt - ms(now);
  return left > 0 && left <= warnWithinMs;
}

/**
 * When will the elapsed business time of a running metric reach `elapsedMs`? `now` (the instant the
 * state was computed at) when it already has; null when the clock is paused or stopped. Used to
 * schedule "at N% of target" escalations.
 */
export function instantAtElapsed(
  cal: BusinessCalendar,
  state: SlaMetricState,
  now: Instant,
  elapsedMs: number,
): number | null {
  if (state.elapsedMs >= elapsedMs) return ms(now);
  if (state.stoppedAt !== null || state.paused) return null;
  return addBusinessDuration(cal, now, elapsedMs - state.elapsedMs);
}

/** The next instant a scheduler must re-evaluate this ticket (earliest unbreached running deadline). */
export function nextDeadline(states: SlaStates): number | null {
  let next: number | null = null;
  for (const s of Object.values(states)) {
    if (s.state === 'running' && s.dueAt !== null && (next === null || s.dueAt < next)) next = s.dueAt;
  }
  return next;
}
