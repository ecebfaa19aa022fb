// Event-triggered journeys as data, and a pure step function. The runner persists the instance state
// and its wake time in the database, calls `advance` when an event for the customer arrives or when
// wakeAt is due, and performs the returned send actions (through the send policy).
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ChannelSchema, ConsentPurposeSchema, IsoDateTimeSchema, type CustomerFacts } from './facts.ts';
import { evaluate, SegmentRuleSchema } from './segment-rules.ts';

/** Domain event names the runner maps CloudEvents onto (e.g. crm.customer.registered.v1 -> customer.registered). */
export const journeyEventTypes = [
  'customer.registered',
  'customer.birthday',
  'purchase.completed',
  'purchase.refunded',
  'ticket.closed',
  'ticket.reopened',
  'survey.answered',
  'message.clicked',
  'churn_risk.raised',
  'churn_risk.cleared',
] as const;
export const JourneyEventTypeSchema = z.enum(journeyEventTypes);
export type JourneyEventType = z.infer<typeof JourneyEventTypeSchema>;

export const JourneyEventSchema = z.object({
  id: z.string().min(1),
  type: JourneyEventTypeSchema,
  customerId: z.string().min(1),
  occurredAt: IsoDateTimeSchema,
  data: z.record(z.string(), z.unknown()).default({}),
});
export type JourneyEvent = z.infer<typeof JourneyEventSchema>;

/** A condition on an event's data: { path: "csat", op: "lte", value: 2 }; all conditions must hold. */
export const DataConditionSchema = z
  .object({
    path: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/),
    op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'exists']),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
  })
  .strict();
export type DataCondition = z.infer<typeof DataConditionSchema>;

export const EventMatchSchema = z
  .object({ event: JourneyEventTypeSchema, where: z.array(DataConditionSchema).max(10).default([]) })
  .strict();
export type EventMatch = z.infer<typeof EventMatchSchema>;

export const DurationSchema = z
  .object({ amount: z.number().int().positive().max(100_000), unit: z.enum(['minute', 'hour', 'day', 'week']) })
  .strict();
export type Duration = z.infer<typeof DurationSchema>;

export const ExitConditionSchema = z.discriminatedUnion('kind', [
  /** An event of this type arrived since the customer entered the journey. */
  z.object({ kind: z.literal('event_seen'), event: JourneyEventTypeSchema }).strict(),
  /** A segment rule over the customer's current facts (the runner passes them to `advance`). */
  z.object({ kind: z.literal('facts'), rule: SegmentRuleSchema }).strict(),
]);
export type ExitCondition = z.infer<typeof ExitConditionSchema>;

export const StepSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('send'), template: z.string().min(1), channel: ChannelSchema, purpose: ConsentPurposeSchema.default('marketing') }).strict(),
  z.object({ type: z.literal('wait'), duration: DurationSchema }).strict(),
  z
    .object({
      type: z.literal('wait_until'),
      until: EventMatchSchema,
      timeout: DurationSchema,
      onTimeout: z.enum(['continue', 'exit']).default('continue'),
    })
    .strict(),
  z.object({ type: z.literal('exit_if'), condition: ExitConditionSchema }).strict(),
]);
export type Step = z.infer<typeof StepSchema>;

export const JourneyDefinitionSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9_]{1,64}$/),
    version: z.number().int().positive().default(1),
    name: z.string().min(1),
    trigger: EventMatchSchema,
    /** Any of these events ends an active instance at once. */
    exitOn: z.array(EventMatchSchema).max(10).default([]),
    /** after_exit: a customer can re-enter once the previous instance has finished; never: only once. */
    reentry: z.enum(['after_exit', 'never']).default('after_exit'),
    steps: z.array(StepSchema).min(1).max(50),
  })
  .strict();
export type JourneyDefinition = z.infer<typeof JourneyDefinitionSchema>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinitionSchema>;

export const instanceStatuses = ['active', 'waiting', 'completed', 'exited'] as const;
export const JourneyInstanceSchema = z.object({
  instanceId: z.string().min(1),
  journeyKey: z.string(),
  version: z.number().int(),
  customerId: z.string().min(1),
  status: z.enum(instanceStatuses),
  stepIndex: z.number().int().nonnegative(),
  enteredAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  wakeAt: IsoDateTimeSchema.nullable(),
  /** Set while a wait_until step waits for its event. */
  waitingFor: JourneyEventTypeSchema.nullable(),
  seenEvents: z.array(JourneyEventTypeSchema),
  /** The trigger event's data (e.g. purchase id, ticket id) for templates and actions. */
  context: z.record(z.string(), z.unknown()),
  exitReason: z.string().nullable(),
});
export type JourneyInstance = z.infer<typeof JourneyInstanceSchema>;

export interface SendAction {
  type: 'send';
  instanceId: string;
  journeyKey: string;
  customerId: string;
  stepIndex: number;
  template: string;
  channel: z.infer<typeof ChannelSchema>;
  purpose: z.infer<typeof ConsentPurposeSchema>;
  /** Stable per instance and step: a replayed advance produces the same key, so the send is done once. */
  idempotencyKey: string;
  context: Record<string, unknown>;
}

export interface AdvanceResult {
  nextState: JourneyInstance;
  actions: SendAction[];
  /** When the runner must call advance again (null: only an event can move it, or it has ended). */
  wakeAt: Date | null;
  exited: boolean;
  completed: boolean;
}

// ---------------------------------------------------------------------------------------------------

function dataAt(data: Record<string, unknown>, path: string): unknown {
  let cur: unknown = data;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function conditionHolds(c: DataCondition, data: Record<string, unknown>): boolean {
  const v = dataAt(data, c.path);
  if (c.op === 'exists') return (v !== undefined && v !== null) === (c.value !== false);
  if (v === undefined || v === null) return c.op === 'ne';
  switch (c.op) {
    case 'eq':
      return v === c.value;
    case 'ne':
      return v !== c.value;
    case 'in':
      return Array.isArray(c.value) && (c.value as unknown[]).includes(v);
    default: {
      if (typeof v !== typeof c.value || (typeof v !== 'number' && typeof v !== 'string')) return false;
      const a = v as number | string;
      const b = c.value as number | string;
      return c.op === 'lt' ? a < b : c.op === 'lte' ? a <= b : c.op === 'gt' ? a > b : a >= b;
    }
  }
}

export function eventMatches(match: EventMatch, event: Pick<JourneyEvent, 'type' | 'data'>): boolean {
  return match.event === event.type && match.where.every((c) => conditionHolds(c, event.data));
}

export function matchesTrigger(def: JourneyDefinition, event: JourneyEvent): boolean {
  return eventMatches(def.trigger, event);
}

/** May the customer enter this journey given their previous instances of it? */
export function canEnrol(def: JourneyDefinition, previous: readonly Pick<JourneyInstance, 'status'>[]): boolean {
  if (previous.some((p) => p.status === 'active' || p.status === 'waiting')) return false;
  return def.reentry === 'after_exit' || previous.length === 0;
}

export function addDuration(at: Date, d: Duration): Date {
  return DateTime.fromJSDate(at, { zone: 'utc' }).plus({ [`${d.unit}s`]: d.amount }).toJSDate();
}

/** A fresh instance for a trigger event (does not run any step: call `advance` next, or use `start`). */
export function enrol(def: JourneyDefinition, event: JourneyEvent, now: Date, instanceId: string): JourneyInstance {
  const iso = now.toISOString();
  return {
    instanceId,
    journeyKey: def.key,
    version: def.version,
    customerId: event.customerId,
    status: 'active',
    stepIndex: 0,
    enteredAt: iso,
    updatedAt: iso,
    wakeAt: null,
    waitingFor: null,
    seenEvents: [],
    context: { ...event.data, triggerEventId: event.id },
    exitReason: null,
  };
}

/** Enrol and run the first steps; null when the event does not trigger the journey or re-entry is not allowed. */
export function start(
  def: JourneyDefinition,
  event: JourneyEvent,
  now: Date,
  instanceId: string,
  previous: readonly Pick<JourneyInstance, 'status'>[] = [],
  opts: { facts?: CustomerFacts } = {},
): AdvanceResult | null {
  if (!matchesTrigger(def, event) || !canEnrol(def, previous)) return null;
  return advance(enrol(def, event, now, instanceId), def, now, undefined, opts);
}

/**
 * One step of the journey machine. Applies an incoming event (exit events, the awaited event of a
 * wait_until, remembered for exit_if), then runs steps until it must wait or ends. Pure and
 * idempotent: calling it again with the returned state and the same inputs changes nothing.
 */
export function advance(
  state: JourneyInstance,
  def: JourneyDefinition,
  now: Date,
  incomingEvent?: JourneyEvent,
  opts: { facts?: CustomerFacts } = {},
): AdvanceResult {
  let s: JourneyInstance = { ...state, seenEvents: [...state.seenEvents] };
  const actions: SendAction[] = [];
  const done = (): AdvanceResult => ({
    nextState: s,
    actions,
    wakeAt: s.wakeAt ? new Date(s.wakeAt) : null,
    exited: s.status === 'exited',
    completed: s.status === 'completed',
  });
  if (s.status === 'completed' || s.status === 'exited') return done();
  const iso = now.toISOString();
  const exit = (reason: string) => {
    s = { ...s, status: 'exited', exitReason: reason, wakeAt: null, waitingFor: null, updatedAt: iso };
  };

  if (incomingEvent && incomingEvent.customerId === s.customerId) {
    if (!s.seenEvents.includes(incomingEvent.type)) s.seenEvents.push(incomingEvent.type);
    const exitMatch = def.exitOn.find((m) => eventMatches(m, incomingEvent));
    if (exitMatch) {
      exit(`exit_on:${exitMatch.event}`);
      return done();
    }
    const step = def.steps[s.stepIndex];
    if (step?.type === 'wait_until' && s.waitingFor && eventMatches(step.until, incomingEvent)) {
      s = { ...s, stepIndex: s.stepIndex + 1, wakeAt: null, waitingFor: null, status: 'active', updatedAt: iso };
    }
  }

  // Run steps until a wait holds us or the journey ends. Each step index runs at most once per call.
  for (let guard = 0; guard <= def.steps.length; guard++) {
    const step = def.steps[s.stepIndex];
    if (!step) {
      s = { ...s, status: 'completed', wakeAt: null, waitingFor: null, updatedAt: iso };
      return done();
    }
    switch (step.type) {
      case 'send':
        actions.push({
          type: 'send',
          instanceId: s.instanceId,
          journeyKey: s.journeyKey,
          customerId: s.customerId,
          stepIndex: s.stepIndex,
          template: step.template,
          channel: step.channel,
          purpose: step.purpose,
          idempotencyKey: `journey:${s.instanceId}:${s.stepIndex}`,
          context: s.context,
        });
        s = { ...s, stepIndex: s.stepIndex + 1, status: 'active', updatedAt: iso };
        break;
      case 'wait':
        if (s.wakeAt === null) {
          s = { ...s, status: 'waiting', wakeAt: addDuration(now, step.duration).toISOString(), updatedAt: iso };
          return done();
        }
        if (Date.parse(s.wakeAt) > now.getTime()) return done();
        s = { ...s, stepIndex: s.stepIndex + 1, status: 'active', wakeAt: null, updatedAt: iso };
        break;
      case 'wait_until':
        if (s.waitingFor === null) {
          // An awaited event seen during an earlier step does not count: the wait starts now.
          s = { ...s, status: 'waiting', waitingFor: step.until.event, wakeAt: addDuration(now, step.timeout).toISOString(), updatedAt: iso };
          return done();
        }
        if (s.wakeAt !== null && Date.parse(s.wakeAt) > now.getTime()) return done();
        if (step.onTimeout === 'exit') {
          exit('timeout');
          return done();
        }
        s = { ...s, stepIndex: s.stepIndex + 1, status: 'active', wakeAt: null, waitingFor: null, updatedAt: iso };
        break;
      case 'exit_if': {
        const c = step.condition;
        const hit = c.kind === 'event_seen' ? s.seenEvents.includes(c.event) : opts.facts !== undefined && evaluate(c.rule, opts.facts, now);
        if (hit) {
          exit(c.kind === 'event_seen' ? `exit_if:event_seen:${c.event}` : 'exit_if:facts');
          return done();
        }
        s = { ...s, stepIndex: s.stepIndex + 1, updatedAt: iso };
        break;
      }
    }
  }
  return done();
}

// ---------------------------------------------------------------------------------------------------
// Built-in journeys of the contact cycle

const builtIns: JourneyDefinitionInput[] = [
  {
    key: 'welcome',
    name: 'Welcome after registration',
    trigger: { event: 'customer.registered' },
    reentry: 'never',
    steps: [
      { type: 'send', template: 'welcome', channel: 'email' },
      { type: 'wait', duration: { amount: 3, unit: 'day' } },
      { type: 'exit_if', condition: { kind: 'event_seen', event: 'purchase.completed' } },
      { type: 'send', template: 'welcome_first_order_nudge', channel: 'email' },
    ],
  },
  {
    key: 'first_purchase_thanks',
    name: 'Thank-you and points summary after the first purchase',
    // The runner sets data.firstPurchase from its purchase count.
    trigger: { event: 'purchase.completed', where: [{ path: 'firstPurchase', op: 'eq', value: true }] },
    reentry: 'never',
    exitOn: [{ event: 'purchase.refunded' }],
    steps: [
      { type: 'wait', duration: { amount: 1, unit: 'hour' } },
      { type: 'send', template: 'first_purchase_thanks', channel: 'email' },
    ],
  },
  {
    key: 'birthday',
    name: 'Birthday greeting',
    trigger: { event: 'customer.birthday' },
    steps: [{ type: 'send', template: 'birthday_greeting', channel: 'email' }],
  },
  {
    key: 'low_csat_followup',
    name: 'Follow-up after a ticket closed with low satisfaction',
    trigger: { event: 'ticket.closed', where: [{ path: 'csat', op: 'lte', value: 2 }] },
    exitOn: [{ event: 'ticket.reopened' }],
    steps: [
      { type: 'wait', duration: { amount: 1, unit: 'day' } },
      { type: 'send', template: 'csat_followup', channel: 'email', purpose: 'service' },
    ],
  },
  {
    key: 'win_back',
    name: 'Win back a customer at risk of churning',
    trigger: { event: 'churn_risk.raised' },
    exitOn: [{ event: 'churn_risk.cleared' }, { event: 'purchase.completed' }],
    steps: [
      { type: 'send', template: 'win_back_offer', channel: 'email' },
      { type: 'wait', duration: { amount: 7, unit: 'day' } },
      { type: 'send', template: 'win_back_reminder', channel: 'email' },
      { type: 'wait', duration: { amount: 14, unit: 'day' } },
      { type: 'send', template: 'win_back_last_chance', channel: 'email' },
    ],
  },
];

export const builtInJourneys: readonly JourneyDefinition[] = builtIns.map((d) => JourneyDefinitionSchema.parse(d));

export function builtInJourney(key: string): JourneyDefinition {
  const def = builtInJourneys.find((d) => d.key === key);
  if (!def) throw new Error(`unknown built-in journey ${key}`);
  return def;
}
