/**
 * Escalation rules as data, and which escalations are due for a ticket.
 *
 * A rule watches one SLA metric and fires either on breach or when elapsed business time reaches a
 * percentage of the target. It fires at most once per ticket: its idempotency key is
 * `${rule.id}:${metric}`; the caller stores applied keys (in the same transaction as the actions) and
 * passes them back as `alreadyApplied`.
 *
 * Decisions:
 * - Rules fire only while the metric is still active (not stopped by a reply/resolution): escalating a
 *   ticket that is already answered or resolved helps nobody. A breach that happened while the service
 *   was down still fires if the metric is still active when evaluated.
 * - Percentage triggers fire while the metric is running (not while paused) once elapsed >= percent of
 *   target. `percent >= 100` is allowed (e.g. 150 = half the target again after the breach).
 * - Rules may be scoped to priorities, categories and queues; an omitted scope matches all.
 * - Actions are returned in rule order, then action order, for the caller to apply.
 */
import { z } from 'zod';
import { PrioritySchema, raisePriority, type Priority } from './priority.ts';
import { SlaMetricSchema, type SlaMetric, type SlaStates } from './sla.ts';

export const EscalationTriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('breach') }),
  z.object({ type: z.literal('percent_of_target'), percent: z.number().positive().max(1000) }),
]);
export type EscalationTrigger = z.infer<typeof EscalationTriggerSchema>;

export const EscalationActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('raise_priority'), steps: z.number().int().min(1).max(3).default(1) }),
  z
    .object({
      type: z.literal('reassign'),
      queueId: z.string().min(1).optional(),
      agentId: z.string().min(1).optional(),
    })
    .refine((a) => a.queueId !== undefined || a.agentId !== undefined, {
      message: 'reassign needs a queueId or an agentId',
    }),
  z.object({
    type: z.literal('notify'),
    /** e.g. 'queue_lead', 'assignee', 'agent:agt_…', 'role:admin' */
    target: z.string().min(1),
  }),
]);
export type EscalationAction = z.infer<typeof EscalationActionSchema>;

export const EscalationRuleSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  metric: SlaMetricSchema,
  trigger: EscalationTriggerSchema,
  actions: z.array(EscalationActionSchema).min(1),
  priorities: z.array(PrioritySchema).optional(),
  categories: z.array(z.string().min(1)).optional(),
  queueIds: z.array(z.string().min(1)).optional(),
});
export type EscalationRule = z.infer<typeof EscalationRuleSchema>;

export const EscalationRulesSchema = z
  .array(EscalationRuleSchema)
  .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, { message: 'rule ids must be unique' });

export interface EscalationTicket {
  readonly priority: Priority;
  readonly category?: string | null;
  readonly queueId?: string | null;
}

export interface DueEscalation {
  /** idempotency key: `${ruleId}:${metric}` */
  readonly key: string;
  readonly ruleId: string;
  readonly metric: SlaMetric;
  readonly actions: readonly EscalationAction[];
}

export function escalationKey(ruleId: string, metric: SlaMetric): string {
  return `${ruleId}:${metric}`;
}

export function inScope(rule: EscalationRule, t: EscalationTicket): boolean {
  if (rule.priorities && !rule.priorities.includes(t.priority)) return false;
  if (rule.categories && (t.category == null || !rule.categories.includes(t.category))) return false;
  if (rule.queueIds && (t.queueId == null || !rule.queueIds.includes(t.queueId))) return false;
  return true;
}

/** Escalations whose trigger holds now and that were not applied yet. */
export function escalationsDue(
  ticket: EscalationTicket,
  slaStates: SlaStates,
  rules: readonly EscalationRule[],
  alreadyApplied: Iterable<string>,
): DueEscalation[] {
  const applied = new Set(alreadyApplied);
  const due: DueEscalation[] = [];
  for (const rule of rules) {
    const key = escalationKey(rule.id, rule.metric);
    if (applied.has(key) || !inScope(rule, ticket)) continue;
    const s = slaStates[rule.metric];
    if (s.stoppedAt !== null) continue;
    const fires =
      rule.trigger.type === 'breach'
        ? s.breached
        : s.state !== 'paused' && s.elapsedMs * 100 >= s.targetMs * rule.trigger.percent;
    if (fires) {
      applied.add(key);
      due.push({ key, ruleId: rule.id, metric: rule.metric, actions: rule.actions });
    }
  }
  return due;
}

/** The priority after applying every raise_priority action of the given escalations (never above P1). */
export function priorityAfter(priority: Priority, escalations: readonly DueEscalation[]): Priority {
  let p = priority;
  for (const e of escalations) for (const a of e.actions) if (a.type === 'raise_priority') p = raisePriority(p, a.steps);
  return p;
}
