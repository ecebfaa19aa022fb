import { DateTime } from 'luxon';
import { parseCalendar, type BusinessCalendar } from '../../src/domain/calendar.ts';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;

/** Epoch ms of a local wall-clock time `YYYY-MM-DDTHH:mm` in `zone`. */
export function at(zone: string, local: string): number {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad time ${local}`);
  return dt.toMillis();
}

/** Local wall-clock rendering `yyyy-MM-dd'T'HH:mm` of an instant in `zone`. */
export function local(zone: string, ms: number): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
}

const nineToFive = [{ start: '09:00', end: '17:00' }];

export function weekdayCalendar(
  timeZone: string,
  hours: Array<{ start: string; end: string }> = nineToFive,
  holidays: Array<{ date: string; recurring?: boolean }> = [],
): BusinessCalendar {
  return parseCalendar({
    timeZone,
    workingHours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours },
    holidays,
  });
}

export function everyDayCalendar(
  timeZone: string,
  hours: Array<{ start: string; end: string }> = nineToFive,
): BusinessCalendar {
  return parseCalendar({
    timeZone,
    workingHours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: hours, sun: hours },
  });
}
