// Campaign state machine, schedules, A/B variants with a holdout, and deterministic assignment.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ChannelSchema, IsoDateTimeSchema, TimeZoneSchema } from './facts.ts';

export const campaignStates = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export const CampaignStateSchema = z.enum(campaignStates);
export type CampaignState = z.infer<typeof CampaignStateSchema>;

export const campaignActions = ['schedule', 'unschedule', 'start', 'pause', 'resume', 'complete', 'cancel'] as const;
export const CampaignActionSchema = z.enum(campaignActions);
export type CampaignAction = z.infer<typeof CampaignActionSchema>;

/** The whole state machine: from state, action -> next state. Anything not listed is invalid. */
export const campaignTransitions: Readonly<Record<CampaignState, Readonly<Partial<Record<CampaignAction, CampaignState>>>>> = {
  draft: { schedule: 'scheduled', cancel: 'cancelled' },
  scheduled: { start: 'running', unschedule: 'draft', cancel: 'cancelled' },
  running: { pause: 'paused', complete: 'completed', cancel: 'cancelled' },
  paused: { resume: 'running', cancel: 'cancelled' },
  completed: {},
  cancelled: {},
};

export type TransitionResult =
  | { ok: true; from: CampaignState; to: CampaignState; action: CampaignAction }
  | { ok: false; from: CampaignState; action: CampaignAction; error: 'invalid_transition'; allowed: CampaignAction[] };

export function transition(from: CampaignState, action: CampaignAction): TransitionResult {
  const to = campaignTransitions[from][action];
  if (to) return { ok: true, from, to, action };
  return { ok: false, from, action, error: 'invalid_transition', allowed: allowedActions(from) };
}

export function allowedActions(state: CampaignState): CampaignAction[] {
  return Object.keys(campaignTransitions[state]) as CampaignAction[];
}

export function isTerminal(state: CampaignState): boolean {
  return allowedActions(state).length === 0;
}

// ---------------------------------------------------------------------------------------------------
// Schedules

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm');

export const ScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('now') }).strict(),
  z.object({ kind: z.literal('at'), at: IsoDateTimeSchema }).strict(),
  z
    .object({
      kind: z.literal('recurring'),
      frequency: z.enum(['daily', 'weekly']),
      /** Local time of day in `timeZone`. */
      time: HhMm,
      /** ISO weekdays 1 (Monday) .. 7 (Sunday); required for weekly. */
      daysOfWeek: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
      timeZone: TimeZoneSchema,
      startsAt: IsoDateTimeSchema.optional(),
      endsAt: IsoDateTimeSchema.optional(),
    })
    .strict()
    .superRefine((s, ctx) => {
      if (s.frequency === 'weekly' && !s.daysOfWeek)
        ctx.addIssue({ code: 'custom', message: 'weekly schedules need daysOfWeek', path: ['daysOfWeek'] });
      if (s.frequency === 'daily' && s.daysOfWeek)
        ctx.addIssue({ code: 'custom', message: 'daily schedules take no daysOfWeek', path: ['daysOfWeek'] });
      if (s.startsAt && s.endsAt && Date.parse(s.endsAt) <= Date.parse(s.startsAt))
        ctx.addIssue({ code: 'custom', message: 'endsAt must be after startsAt', path: ['endsAt'] });
    }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

/** Problems with a schedule as of `now` (a schedule in the past is invalid). Empty when valid. */
export function scheduleIssues(schedule: Schedule, now: Date): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  if (schedule.kind === 'at' && Date.parse(schedule.at) <= now.getTime()) {
    issues.push({ path: ['at'], message: 'schedule time is in the past' });
  }
  if (schedule.kind === 'recurring') {
    if (schedule.endsAt && Date.parse(schedule.endsAt) <= now.getTime())
      issues.push({ path: ['endsAt'], message: 'recurring schedule ends in the past' });
    else if (nextRunAt(schedule, now) === null)
      issues.push({ path: [], message: 'recurring schedule has no future run' });
  }
  return issues;
}

/** The schedule schema with the "not in the past" check against a clock (for request validation). */
export function scheduleSchemaAt(clock: () => Date) {
  return ScheduleSchema.superRefine((s, ctx) => {
    for (const issue of scheduleIssues(s, clock())) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });
}

/**
 * The first run strictly after `after` (for `now`: `after` itself), or null when the schedule has no
 * more runs. Recurring runs are computed in the schedule's time zone; a local time that does not exist
 * on a DST spring-forward day runs at the shifted instant (e.g. 02:30 -> 03:30).
 */
export function nextRunAt(schedule: Schedule, after: Date): Date | null {
  if (schedule.kind === 'now') return after;
  if (schedule.kind === 'at') {
    const at = new Date(schedule.at);
    return at.getTime() > after.getTime() ? at : null;
  }
  const [hour, minute] = schedule.time.split(':').map(Number) as [number, number];
  const from = Math.max(after.getTime(), schedule.startsAt ? Date.parse(schedule.startsAt) - 1 : -Infinity);
  let day = DateTime.fromMillis(from, { zone: schedule.timeZone }).startOf('day');
  for (let i = 0; i < 9; i++, day = day.plus({ days: 1 })) {
    if (schedule.frequency === 'weekly' && !schedule.daysOfWeek!.includes(day.weekday)) continue;
    const run = day.set({ hour, minute, second: 0, millisecond: 0 });
    if (run.toMillis() <= from) continue;
    if (schedule.endsAt && run.toMillis() > Date.parse(schedule.endsAt)) return null;
    return run.toJSDate();
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Variants, holdout and assignment

export const VariantSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
    weight: z.number().int().min(1).max(100),
    /** Template key per variant (subject/body live with the template). */
    templateId: z.string().min(1),
  })
  .strict();
export type Variant = z.infer<typeof VariantSchema>;

export const ExperimentSchema = z
  .object({
    variants: z.array(VariantSchema).min(1).max(10),
    /** Percent of the audience held out (receives nothing), 0..50. */
    holdoutPercent: z.number().min(0).max(50).default(0),
  })
  .strict()
  .superRefine((e, ctx) => {
    const total = e.variants.reduce((s, v) => s + v.weight, 0);
    if (total !== 100) ctx.addIssue({ code: 'custom', message: `variant weights sum to ${total}, expected 100`, path: ['variants'] });
    const ids = new Set<string>();
    e.variants.forEach((v, i) => {
      if (ids.has(v.id)) ctx.addIssue({ code: 'custom', message: `duplicate variant id "${v.id}"`, path: ['variants', i, 'id'] });
      ids.add(v.id);
    });
  });
export type Experiment = z.infer<typeof ExperimentSchema>;

export const CampaignDraftSchema = z
  .object({
    name: z.string().min(1).max(200),
    segmentId: z.string().min(1),
    channel: ChannelSchema,
    schedule: ScheduleSchema,
    experiment: ExperimentSchema,
    /** Purchases within this many days of a send count as conversions. */
    attributionWindowDays: z.number().int().min(1).max(90).default(7),
  })
  .strict();
export type CampaignDraft = z.infer<typeof CampaignDraftSchema>;

/** A number in [0, 1) from sha256(campaignId + NUL + customerId): stable across restarts and processes. */
export function uniformFromHash(campaignId: string, customerId: string): number {
  const digest = createHash('sha256').update(campaignId).update('\u0000').update(customerId).digest();
  // 52 bits -> exactly representable in a double.
  const hi = digest.readUInt32BE(0);
  const lo = digest.readUInt32BE(4) >>> 12;
  return (hi * 2 ** 20 + lo) / 2 ** 52;
}

export type Assignment = { arm: 'holdout' } | { arm: 'variant'; variantId: string };

/** Deterministic arm for a customer: holdout first (by percent), then variants by cumulative weight. */
export function assignArm(campaignId: string, customerId: string, experiment: Experiment): Assignment {
  const u = uniformFromHash(campaignId, customerId);
  const h = experiment.holdoutPercent / 100;
  if (u < h) return { arm: 'holdout' };
  const scaled = ((u - h) / (1 - h)) * 100;
  let cumulative = 0;
  for (const v of experiment.variants) {
    cumulative += v.weight;
    if (scaled < cumulative) return { arm: 'variant', variantId: v.id };
  }
  return { arm: 'variant', variantId: experiment.variants[experiment.variants.length - 1]!.id };
}

/** The idempotency key of one send: a restart recomputes the same key and the store refuses a duplicate. */
export function sendKey(campaignId: string, customerId: string, variantId: string, runAt?: string): string {
  return runAt ? `${campaignId}:${customerId}:${variantId}:${runAt}` : `${campaignId}:${customerId}:${variantId}`;
}
