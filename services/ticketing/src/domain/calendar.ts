/**
 * Business calendar: a time zone, working hours per weekday and holidays.
 *
 * Pure functions over instants (epoch milliseconds or Date at the boundary; luxon inside).
 *
 * Semantics (decided here, relied on by sla.ts):
 * - Working intervals are given in local wall-clock time, `HH:mm`, half-open [start, end).
 *   `end` may be `24:00` (end of the day). An interval whose end is earlier than or equal to its start
 *   is an overnight shift: `22:00-06:00` on Monday runs from Monday 22:00 to Tuesday 06:00.
 * - An interval belongs to the weekday (and local date) on which it STARTS. A holiday on date D removes
 *   every interval starting on D; an overnight shift started the evening before still runs into D.
 * - Local times are turned into instants in the calendar's zone. Business time is measured in real
 *   elapsed milliseconds between those instants, so on a spring-forward day a 09:00-17:00 day is still
 *   8 hours, and a 00:00-24:00 day is 23 hours (25 on fall-back). A local time that does not exist
 *   (inside a spring-forward gap) moves forward by the gap (02:30 -> 03:30); an ambiguous one (inside
 *   a fall-back overlap) takes its first occurrence.
 * - Overlapping or touching intervals (also across midnight) are merged: no time counts twice.
 * - Holidays: `{ date: 'YYYY-MM-DD', recurring?: boolean }`; a recurring holiday matches the same month and
 *   day in every year (29 February only in leap years).
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';

export type Instant = number | Date;

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

export const WorkingIntervalSchema = z
  .object({
    start: z.string().regex(HHMM, 'expected HH:mm (00:00-23:59)'),
    end: z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:mm (00:00-24:00)'),
  })
  .refine((i) => i.start !== i.end, {
    message: 'start and end must differ (use 00:00-24:00 for a full day)',
  });
export type WorkingInterval = z.infer<typeof WorkingIntervalSchema>;

export const weekdayKeys = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayKey = (typeof weekdayKeys)[number];

const dayHours = z.array(WorkingIntervalSchema).default([]);

export const WorkingHoursSchema = z.object({
  mon: dayHours,
  tue: dayHours,
  wed: dayHours,
  thu: dayHours,
  fri: dayHours,
  sat: dayHours,
  sun: dayHours,
});
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;

export const HolidaySchema = z.object({
  date: z.iso.date(),
  recurring: z.boolean().default(false),
  name: z.string().optional(),
});
export type Holiday = z.infer<typeof HolidaySchema>;

export const TimeZoneSchema = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), { message: 'unknown IANA time zone' });

export const BusinessCalendarSchema = z.object({
  id: z.string().min(1).optional(),
  name: z.string().optional(),
  timeZone: TimeZoneSchema,
  workingHours: WorkingHoursSchema,
  holidays: z.array(HolidaySchema).default([]),
});
/** A validated calendar (output of BusinessCalendarSchema). */
export type BusinessCalendar = z.infer<typeof BusinessCalendarSchema>;
export type BusinessCalendarInput = z.input<typeof BusinessCalendarSchema>;

/** Validate and normalise (defaults filled in). Throws a ZodError on bad input. */
export function parseCalendar(input: unknown): BusinessCalendar {
  return BusinessCalendarSchema.parse(input);
}

/** A 24x7 calendar in the given zone (every instant is business time). */
export function alwaysOpenCalendar(timeZone = 'UTC'): BusinessCalendar {
  const full = [{ start: '00:00', end: '24:00' }];
  return parseCalendar({
    timeZone,
    workingHours: { mon: full, tue: full, wed: full, thu: full, fri: full, sat: full, sun: full },
  });
}

export class CalendarError extends Error {
  override readonly name = 'CalendarError';
}

// ---------------------------------------------------------------------------------------------------
// Internals: a compiled calendar that yields business intervals as instants, day by day.

interface MinuteInterval {
  /** minutes after local midnight of the start day */
  readonly s: number;
  /** minutes after local midnight of the start day; > 1440 for overnight shifts */
  readonly e: number;
}

interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

interface Compiled {
  readonly zone: string;
  readonly tz: IANAZone;
  /** index 1..7 = luxon weekday (Monday = 1) */
  readonly byWeekday: ReadonlyArray<readonly MinuteInterval[]>;
  readonly hasAnyHours: boolean;
  readonly fixed: ReadonlySet<string>;
  readonly recurring: ReadonlySet<string>;
  readonly dayCache: Map<number, readonly Span[]>;
}

const DAY_CACHE_LIMIT = 4096;
/** Days scanned forward without finding business time before giving up. */
const MAX_EMPTY_DAYS = 3 * 366;
const compiledCache = new WeakMap<BusinessCalendar, Compiled>();

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

function compile(cal: BusinessCalendar): Compiled {
  const hit = compiledCache.get(cal);
  if (hit) return hit;
  const byWeekday: MinuteInterval[][] = [[]];
  let hasAnyHours = false;
  for (const key of weekdayKeys) {
    const list = (cal.workingHours[key] ?? []).map((i) => {
      const s = minutes(i.start);
      let e = minutes(i.end);
      if (e <= s) e += 1440;
      return { s, e };
    });
    list.sort((a, b) => a.s - b.s);
    if (list.length > 0) hasAnyHours = true;
    byWeekday.push(list);
  }
  const fixed = new Set<string>();
  const recurring = new Set<string>();
  for (const h of cal.holidays ?? []) {
    if (h.recurring) recurring.add(h.date.slice(5));
    else fixed.add(h.date);
  }
  const compiled: Compiled = {
    zone: cal.timeZone,
    tz: IANAZone.create(cal.timeZone),
    byWeekday,
    hasAnyHours,
    fixed,
    recurring,
    dayCache: new Map(),
  };
  compiledCache.set(cal, compiled);
  return compiled;
}

function toMs(t: Instant): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid instant');
  return ms;
}

function fromDayNumber(n: number): LocalDate {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function localDayNumber(c: Compiled, ms: number): number {
  return Math.floor((ms + c.tz.offset(ms) * 60_000) / 86_400_000);
}

/**
 * Instant of local date `dn` + `m` minutes (m may exceed 1440: continues on following dates).
 * An ambiguous local time (fall-back overlap) resolves to its FIRST occurrence; a local time inside a
 * spring-forward gap moves forward by the length of the gap (02:30 -> 03:30).
 */
function localInstant(c: Compiled, dn: number, m: number): number {
  const naive = (dn + Math.floor(m / 1440)) * 86_400_000 + (m % 1440) * 60_000;
  const offBefore = c.tz.offset(naive - 86_400_000);
  const offAfter = c.tz.offset(naive + 86_400_000);
  let best: number | null = null;
  for (const off of [offBefore, offAfter]) {
    const candidate = naive - off * 60_000;
    if (c.tz.offset(candidate) === off && (best === null || candidate < best)) best = candidate;
  }
  // In a gap: interpret with the offset in force before the transition, which lands after it.
  return best ?? naive - offBefore * 60_000;
}

function isHoliday(c: Compiled, d: LocalDate): boolean {
  const md = `${pad(d.month)}-${pad(d.day)}`;
  return c.fixed.has(`${d.year}-${md}`) || c.recurring.has(md);
}

/** Business spans (instants) of the intervals that start on local date `dn`, sorted. */
function spansOfDay(c: Compiled, dn: number): readonly Span[] {
  const cached = c.dayCache.get(dn);
  if (cached) return cached;
  const d = fromDayNumber(dn);
  // 1970-01-01 was a Thursday (luxon weekday 4).
  const weekday = ((((dn + 3) % 7) + 7) % 7) + 1;
  const out: Span[] = [];
  if (!isHoliday(c, d)) {
    for (const i of c.byWeekday[weekday] ?? []) {
      const start = localInstant(c, dn, i.s);
      const end = localInstant(c, dn, i.e);
      if (end > start) out.push({ start, end });
    }
    out.sort((a, b) => a.start - b.start);
  }
  if (c.dayCache.size >= DAY_CACHE_LIMIT) c.dayCache.clear();
  c.dayCache.set(dn, out);
  return out;
}

/**
 * Non-overlapping business spans in ascending order, each ending after `from` (the first one may
 * start before `from`). Ends when no business time is found within MAX_EMPTY_DAYS days.
 */
function* spansFrom(c: Compiled, from: number): Generator<Span> {
  if (!c.hasAnyHours) return;
  let dn = localDayNumber(c, from) - 1; // an overnight shift of the previous day may cover `from`
  let cursor = Number.NEGATIVE_INFINITY; // end of the last yielded span
  let emptyDays = 0;
  for (;;) {
    let yielded = false;
    for (const sp of spansOfDay(c, dn)) {
      const start = Math.max(sp.start, cursor);
      if (sp.end <= start || sp.end <= from) continue;
      cursor = sp.end;
      yielded = true;
      yield { start, end: sp.end };
    }
    if (yielded) emptyDays = 0;
    else if (++emptyDays > MAX_EMPTY_DAYS) return;
    dn += 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Public API

/** True when `instant` lies inside working hours (intervals are half-open: the end is not inside). */
export function isBusinessTime(cal: BusinessCalendar, instant: Instant): boolean {
  const t = toMs(instant);
  for (const sp of spansFrom(compile(cal), t)) return sp.start <= t;
  return false;
}

/**
 * The first business instant at or after `instant` (itself when it is business time), or null when
 * the calendar has no business time in the next ~3 years.
 */
export function nextBusinessStart(cal: BusinessCalendar, instant: Instant): number | null {
  const t = toMs(instant);
  for (const sp of spansFrom(compile(cal), t)) return Math.max(sp.start, t);
  return null;
}

/**
 * The earliest instant `t >= start` such that businessDurationBetween(cal, start, t) === ms.
 * So adding 0 returns `start`; a duration that ends exactly at the end of an interval returns that end
 * (17:00), not the next opening. Throws CalendarError when the calendar never opens.
 */
export function addBusinessDuration(cal: BusinessCalendar, start: Instant, ms: number): number {
  const t0 = toMs(start);
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError('duration must be a finite number >= 0');
  if (ms === 0) return t0;
  let remaining = ms;
  for (const sp of spansFrom(compile(cal), t0)) {
    const s = Math.max(sp.start, t0);
    const available = sp.end - s;
    if (remaining <= available) return s + remaining;
    remaining -= available;
  }
  throw new CalendarError('calendar has no business time to add the duration to');
}

/**
 * Business milliseconds in [a, b). Negative when b < a (= -businessDurationBetween(cal, b, a)).
 */
export function businessDurationBetween(cal: BusinessCalendar, a: Instant, b: Instant): number {
  const ta = toMs(a);
  const tb = toMs(b);
  if (tb < ta) return -businessDurationBetween(cal, tb, ta);
  if (tb === ta) return 0;
  let total = 0;
  for (const sp of spansFrom(compile(cal), ta)) {
    if (sp.start >= tb) break;
    total += Math.min(sp.end, tb) - Math.max(sp.start, ta);
  }
  return total;
}

/** Business spans overlapping [a, b), clipped to it, as [start, end) instants. For views and tests. */
export function businessSpansBetween(
  cal: BusinessCalendar,
  a: Instant,
  b: Instant,
): Array<{ start: number; end: number }> {
  const ta = toMs(a);
  const tb = toMs(b);
  const out: Array<{ start: number; end: number }> = [];
  if (tb <= ta) return out;
  for (const sp of spansFrom(compile(cal), ta)) {
    if (sp.start >= tb) break;
    out.push({ start: Math.max(sp.start, ta), end: Math.min(sp.end, tb) });
  }
  return out;
}
