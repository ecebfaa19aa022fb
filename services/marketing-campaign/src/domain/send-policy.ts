// The send-time decision for one message to one customer: erasure, contact point, consent, quiet
// hours in the customer's local time, and a frequency cap across campaigns. Pure.
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { consentState, type Channel, type ConsentPurpose, type CustomerFacts } from './facts.ts';

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm');

export const QuietHoursSchema = z.object({ start: HhMm, end: HhMm }).strict();
export type QuietHours = z.infer<typeof QuietHoursSchema>;

export const FrequencyCapSchema = z
  .object({ max: z.number().int().min(1).max(1000), perDays: z.number().int().min(1).max(365) })
  .strict();
export type FrequencyCap = z.infer<typeof FrequencyCapSchema>;

export const SendPolicySchema = z
  .object({
    quietHours: QuietHoursSchema.optional(),
    frequencyCap: FrequencyCapSchema.optional(),
    /** Used when the customer has no (valid) time zone. */
    defaultTimeZone: z.string().default('UTC'),
  })
  .strict();
export type SendPolicy = z.infer<typeof SendPolicySchema>;

export type SendSubject = Pick<CustomerFacts, 'consent' | 'contactPoints' | 'erased' | 'timeZone'> & {
  /** Timestamps of marketing messages already sent to this customer (any campaign, any channel). */
  recentSends: readonly (string | Date)[];
};

export interface SendContext {
  channel: Channel;
  now: Date;
  /** Consent purpose checked; campaigns use 'marketing'. */
  purpose?: ConsentPurpose;
  quietHours?: QuietHours;
  frequencyCap?: FrequencyCap;
  defaultTimeZone?: string;
}

export const skipReasons = ['erased', 'no_contact_point', 'consent_withdrawn', 'no_consent', 'quiet_hours', 'frequency_cap'] as const;
export const SkipReasonSchema = z.enum(skipReasons);
export type SkipReason = z.infer<typeof SkipReasonSchema>;

export type SendDecision = { send: true } | { send: false; reason: SkipReason; retryAt?: Date };


function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export function customerZone(timeZone: string | undefined, fallback = 'UTC'): string {
  return timeZone && IANAZone.isValidZone(timeZone) ? timeZone : fallback;
}

/**
 * If `now` falls in the quiet hours (local to `zone`), the instant they end; otherwise null.
 * `start` > `end` means the window crosses midnight (e.g. 21:00-08:00); `start` == `end` means none.
 * Wall-clock semantics: on a DST day the window is still "21:00 to 08:00 local"; an `end` that falls
 * into a spring-forward gap resolves to the shifted instant.
 */
export function quietHoursEnd(now: Date, quietHours: QuietHours, zone: string): Date | null {
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  if (start === end) return null;
  const local = DateTime.fromJSDate(now, { zone });
  const t = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  const inQuiet = start < end ? t >= start && t < end : t >= start || t < end;
  if (!inQuiet) return null;
  // The end is today if we are before it (after-midnight part or same-day window), else tomorrow.
  const endDay = t < end ? local.startOf('day') : local.startOf('day').plus({ days: 1 });
  return endDay.set({ hour: Math.floor(end / 60), minute: end % 60 }).toJSDate();
}

/**
 * When a frequency cap is reached, the instant the rolling window frees a slot; otherwise null.
 * The window is the last `perDays` × 24 hours before `now`.
 */
export function frequencyCapRetry(now: Date, sends: readonly (string | Date)[], cap: FrequencyCap): Date | null {
  const windowMs = cap.perDays * 86_400_000;
  const from = now.getTime() - windowMs;
  const inWindow = sends
    .map((s) => (s instanceof Date ? s.getTime() : Date.parse(s)))
    .filter((t) => t > from && t <= now.getTime())
    .sort((a, b) => a - b);
  if (inWindow.length < cap.max) return null;
  // After the (count - max + 1) oldest sends leave the window, one more message fits.
  return new Date(inWindow[inWindow.length - cap.max]! + windowMs);
}

/** Decide whether a message may go out now. Checks run in a fixed order; the first failing wins. */
export function decideSend(subject: SendSubject, ctx: SendContext): SendDecision {
  if (subject.erased) return { send: false, reason: 'erased' };
  if (!subject.contactPoints.includes(ctx.channel)) return { send: false, reason: 'no_contact_point' };
  const consent = consentState(subject, ctx.channel, ctx.purpose ?? 'marketing');
  if (consent === 'withdrawn') return { send: false, reason: 'consent_withdrawn' };
  if (consent !== 'granted') return { send: false, reason: 'no_consent' };
  if (ctx.quietHours) {
    const end = quietHoursEnd(ctx.now, ctx.quietHours, customerZone(subject.timeZone, ctx.defaultTimeZone));
    if (end) return { send: false, reason: 'quiet_hours', retryAt: end };
  }
  if (ctx.frequencyCap) {
    const retryAt = frequencyCapRetry(ctx.now, subject.recentSends, ctx.frequencyCap);
    if (retryAt) return { send: false, reason: 'frequency_cap', retryAt };
  }
  return { send: true };
}
