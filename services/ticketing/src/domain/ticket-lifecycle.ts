/**
 * Ticket status state machine, as an explicit transition table.
 *
 *   new ──► open ◄──► pending_customer
 *    │       ▲ ▲          │
 *    │       │ └──► on_hold
 *    ▼       │            │
 *   (any active status) ──► resolved ──► closed (final)
 *                            │
 *                            └─► open  (reopen, only within the reopen window after resolution)
 *
 * - `new` is only an initial status; nothing transitions back to it.
 * - A ticket is closed only from `resolved` (closing = archiving a resolved ticket); `closed` is final.
 * - A same-status "transition" is illegal (the caller decides whether to treat it as a no-op).
 * Illegal transitions return `{ ok: false, error: 'illegal_transition', from, to, reason }` (HTTP 409).
 */
import { z } from 'zod';

export const ticketStatuses = ['new', 'open', 'pending_customer', 'on_hold', 'resolved', 'closed'] as const;
export const TicketStatusSchema = z.enum(ticketStatuses);
export type TicketStatus = z.infer<typeof TicketStatusSchema>;

/** Statuses in which the ticket is still being worked on (not resolved/closed). */
export const activeStatuses: readonly TicketStatus[] = ['new', 'open', 'pending_customer', 'on_hold'];

export const transitionTable: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ['open', 'pending_customer', 'on_hold', 'resolved'],
  open: ['pending_customer', 'on_hold', 'resolved'],
  pending_customer: ['open', 'on_hold', 'resolved'],
  on_hold: ['open', 'pending_customer', 'resolved'],
  resolved: ['open', 'closed'],
  closed: [],
};

export const LifecyclePolicySchema = z.object({
  /** How long after resolution a reopen (resolved -> open) is still allowed. Default 7 days. */
  reopenWindowMs: z.number().int().nonnegative().default(7 * 24 * 3_600_000),
});
export type LifecyclePolicy = z.infer<typeof LifecyclePolicySchema>;
export const defaultLifecyclePolicy: LifecyclePolicy = LifecyclePolicySchema.parse({});

/** The part of a ticket the lifecycle reads and writes. */
export interface LifecycleState {
  readonly status: TicketStatus;
  /** epoch ms of the last status change (creation time for a new ticket) */
  readonly statusChangedAt: number;
  /** epoch ms of the latest resolution, null when never resolved (kept after a reopen) */
  readonly resolvedAt: number | null;
  readonly closedAt: number | null;
  readonly reopenCount: number;
}

export type LifecycleEvent =
  | { type: 'status_changed'; from: TicketStatus; to: TicketStatus; at: number; by: string }
  | { type: 'resolved'; at: number; by: string }
  | { type: 'reopened'; at: number; by: string; reopenCount: number }
  | { type: 'closed'; at: number; by: string };

export type TransitionErrorReason = 'not_in_table' | 'same_status' | 'reopen_window_expired' | 'time_went_backwards';

export type TransitionResult<T extends LifecycleState> =
  | { ok: true; next: T; events: LifecycleEvent[] }
  | { ok: false; error: 'illegal_transition'; from: TicketStatus; to: TicketStatus; reason: TransitionErrorReason };

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return transitionTable[from].includes(to);
}

export function allowedTransitions(from: TicketStatus): readonly TicketStatus[] {
  return transitionTable[from];
}

/** Initial lifecycle fields of a ticket created at `at`. */
export function initialLifecycle(at: number): LifecycleState {
  return { status: 'new', statusChangedAt: at, resolvedAt: null, closedAt: null, reopenCount: 0 };
}

/**
 * Apply a status change. Pure: returns the next ticket (a copy with the lifecycle fields updated) and
 * the domain events the change emits: always `status_changed`, plus `resolved` (to resolved),
 * `reopened` (resolved -> open) or `closed` (to closed).
 */
export function transition<T extends LifecycleState>(
  ticket: T,
  to: TicketStatus,
  at: number,
  by: string,
  policy: LifecyclePolicy = defaultLifecyclePolicy,
): TransitionResult<T> {
  const from = ticket.status;
  const fail = (reason: TransitionErrorReason): TransitionResult<T> => ({
    ok: false,
    error: 'illegal_transition',
    from,
    to,
    reason,
  });
  if (from === to) return fail('same_status');
  if (!canTransition(from, to)) return fail('not_in_table');
  if (at < ticket.statusChangedAt) return fail('time_went_backwards');

  const events: LifecycleEvent[] = [{ type: 'status_changed', from, to, at, by }];
  let next: T = { ...ticket, status: to, statusChangedAt: at };

  if (to === 'resolved') {
    next = { ...next, resolvedAt: at };
    events.push({ type: 'resolved', at, by });
  } else if (to === 'closed') {
    next = { ...next, closedAt: at };
    events.push({ type: 'closed', at, by });
  } else if (from === 'resolved' && to === 'open') {
    const resolvedAt = ticket.resolvedAt ?? ticket.statusChangedAt;
    if (at - resolvedAt > policy.reopenWindowMs) return fail('reopen_window_expired');
    const reopenCount = ticket.reopenCount + 1;
    next = { ...next, reopenCount };
    events.push({ type: 'reopened', at, by, reopenCount });
  }
  return { ok: true, next, events };
}
