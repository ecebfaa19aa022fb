/**
 * When must the SLA scheduler look at a ticket again? Pure: from the SLA states, the escalation rules and
 * what was already recorded (breach rows, applied escalation keys).
 *
 * - A breached metric without a recorded breach is due now (also when it stopped after the breach: a
 *   breach is a fact even if the reply came late).
 * - A running, unbreached metric is due at its deadline.
 * - An unapplied, in-scope rule on an active metric is due: now when its trigger already holds, else at
 *   the instant elapsed business time reaches its percentage (null while paused: a resume recomputes).
 * Returns the earliest of these, or null when nothing is pending.
 */
import type { BusinessCalendar } from './calendar.ts';
import { escalationKey, inScope, type EscalationRule, type EscalationTicket } from './escalation.ts';
import { instantAtElapsed, nextDeadline, slaMetrics, type SlaMetric, type SlaStates } from './sla.ts';

export interface NextCheckInput {
  readonly cal: BusinessCalendar;
  readonly states: SlaStates;
  readonly rules: readonly EscalationRule[];
  readonly ticket: EscalationTicket;
  readonly applied: Iterable<string>;
  readonly recordedBreaches: Iterable<SlaMetric>;
  readonly now: number;
}

export function nextSlaCheck(input: NextCheckInput): number | null {
  const { cal, states, now } = input;
  const applied = new Set(input.applied);
  const recorded = new Set(input.recordedBreaches);
  const candidates: number[] = [];
  for (const m of slaMetrics) {
    const s = states[m];
    if (s.breached && !recorded.has(m)) candidates.push(now);
  }
  const deadline = nextDeadline(states);
  if (deadline !== null) candidates.push(deadline);
  for (const rule of input.rules) {
    if (applied.has(escalationKey(rule.id, rule.metric)) || !inScope(rule, input.ticket)) continue;
    const s = states[rule.metric];
    if (s.stoppedAt !== null) continue;
    if (rule.trigger.type === 'breach') {
      if (s.breached) candidates.push(now);
      continue;
    }
    if (s.paused) continue;
    const t = instantAtElapsed(cal, s, now, Math.ceil((s.targetMs * rule.trigger.percent) / 100));
    if (t !== null) candidates.push(t);
  }
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/** The earliest running deadline, for queue views ("sorted by due time"). */
export { nextDeadline as nextDueAt } from './sla.ts';
