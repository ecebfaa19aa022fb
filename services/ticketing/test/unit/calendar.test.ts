import { describe, expect, it } from 'vitest';
import {
  BusinessCalendarSchema,
  CalendarError,
  addBusinessDuration,
  alwaysOpenCalendar,
  businessDurationBetween,
  businessSpansBetween,
  isBusinessTime,
  nextBusinessStart,
  parseCalendar,
} from '../../src/domain/calendar.ts';
import { DAY, HOUR, MINUTE, at, everyDayCalendar, local, weekdayCalendar } from './helpers.ts';

const BER = 'Europe/Berlin';
const NY = 'America/New_York';
const SH = 'Asia/Shanghai';

// 2024-06-03 is a Monday, 2024-06-07 a Friday.
describe('weekday 09:00-17:00 calendar (Europe/Berlin)', () => {
  const cal = weekdayCalendar(BER);
  const t = (s: string) => at(BER, s);

  it('is business time inside the day, with a half-open end', () => {
    expect(isBusinessTime(cal, t('2024-06-03T09:00'))).toBe(true);
    expect(isBusinessTime(cal, t('2024-06-03T16:59'))).toBe(true);
    expect(isBusinessTime(cal, t('2024-06-03T08:59'))).toBe(false);
    expect(isBusinessTime(cal, t('2024-06-03T17:00'))).toBe(false);
  });

  it('is not business time on a weekend', () => {
    expect(isBusinessTime(cal, t('2024-06-08T12:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2024-06-09T12:00'))).toBe(false);
  });

  it('nextBusinessStart returns the instant itself during business hours', () => {
    expect(nextBusinessStart(cal, t('2024-06-04T11:11'))).toBe(t('2024-06-04T11:11'));
  });

  it('nextBusinessStart jumps from Friday evening to Monday 09:00', () => {
    expect(local(BER, nextBusinessStart(cal, t('2024-06-07T18:00'))!)).toBe('2024-06-10T09:00');
  });

  it('nextBusinessStart from early morning gives the same day opening', () => {
    expect(local(BER, nextBusinessStart(cal, t('2024-06-04T06:30'))!)).toBe('2024-06-04T09:00');
  });

  it('nextBusinessStart at the closing instant gives the next opening', () => {
    expect(local(BER, nextBusinessStart(cal, t('2024-06-04T17:00'))!)).toBe('2024-06-05T09:00');
  });

  it('adds across the overnight gap', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-04T16:00'), 2 * HOUR))).toBe('2024-06-05T10:00');
  });

  it('adds across a weekend', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-07T16:00'), 2 * HOUR))).toBe('2024-06-10T10:00');
  });

  it('adding a duration that ends exactly at closing returns the closing instant', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-04T15:00'), 2 * HOUR))).toBe('2024-06-04T17:00');
  });

  it('adding 0 returns the start itself, even outside business hours', () => {
    expect(addBusinessDuration(cal, t('2024-06-08T12:00'), 0)).toBe(t('2024-06-08T12:00'));
  });

  it('adding from a weekend starts counting at the next opening', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-08T12:00'), 30 * MINUTE))).toBe('2024-06-10T09:30');
  });

  it('adds a full business week (40h) landing on the same weekday and time', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-04T10:00'), 40 * HOUR))).toBe('2024-06-11T10:00');
  });

  it('rejects a negative duration', () => {
    expect(() => addBusinessDuration(cal, t('2024-06-04T10:00'), -1)).toThrow(RangeError);
  });

  it('measures the duration across a weekend', () => {
    expect(businessDurationBetween(cal, t('2024-06-07T15:00'), t('2024-06-10T11:00'))).toBe(4 * HOUR);
  });

  it('measures a full week as 40 hours', () => {
    expect(businessDurationBetween(cal, t('2024-06-03T00:00'), t('2024-06-10T00:00'))).toBe(40 * HOUR);
  });

  it('returns a negative duration when b < a', () => {
    expect(businessDurationBetween(cal, t('2024-06-10T11:00'), t('2024-06-07T15:00'))).toBe(-4 * HOUR);
  });

  it('accepts Date instants', () => {
    expect(businessDurationBetween(cal, new Date(t('2024-06-03T09:00')), new Date(t('2024-06-03T10:00')))).toBe(HOUR);
  });

  it('is zero entirely outside business time', () => {
    expect(businessDurationBetween(cal, t('2024-06-08T00:00'), t('2024-06-09T23:59'))).toBe(0);
  });
});

describe('split days (09:00-12:00 and 13:00-17:00)', () => {
  const cal = weekdayCalendar(BER, [
    { start: '13:00', end: '17:00' },
    { start: '09:00', end: '12:00' },
  ]);
  const t = (s: string) => at(BER, s);

  it('lunch is not business time', () => {
    expect(isBusinessTime(cal, t('2024-06-03T12:30'))).toBe(false);
    expect(isBusinessTime(cal, t('2024-06-03T13:00'))).toBe(true);
  });

  it('adds across lunch', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-03T11:00'), 2 * HOUR))).toBe('2024-06-03T14:00');
  });

  it('a day is 7 hours', () => {
    expect(businessDurationBetween(cal, t('2024-06-03T00:00'), t('2024-06-04T00:00'))).toBe(7 * HOUR);
  });

  it('duration ending at lunch then add ends at 12:00, not 13:00', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-03T11:00'), HOUR))).toBe('2024-06-03T12:00');
  });

  it('add then between round-trips for many starts and durations', () => {
    const start0 = t('2024-06-01T00:00');
    for (let i = 0; i < 60; i++) {
      const start = start0 + i * 7 * HOUR + i * 13 * MINUTE;
      const d = ((i * 37) % 50) * HOUR + ((i * 11) % 60) * MINUTE;
      const end = addBusinessDuration(cal, start, d);
      expect(businessDurationBetween(cal, start, end)).toBe(d);
    }
  });
});

describe('overlapping intervals', () => {
  it('counts overlapping intervals once', () => {
    const cal = weekdayCalendar(BER, [
      { start: '09:00', end: '13:00' },
      { start: '12:00', end: '17:00' },
    ]);
    expect(businessDurationBetween(cal, at(BER, '2024-06-03T00:00'), at(BER, '2024-06-04T00:00'))).toBe(8 * HOUR);
  });
});

describe('holidays', () => {
  const t = (s: string) => at(BER, s);

  it('a fixed holiday is skipped (Christmas 2024 on a Wednesday)', () => {
    const cal = weekdayCalendar(BER, undefined, [{ date: '2024-12-25' }]);
    expect(isBusinessTime(cal, t('2024-12-25T10:00'))).toBe(false);
    expect(local(BER, addBusinessDuration(cal, t('2024-12-24T16:00'), 2 * HOUR))).toBe('2024-12-26T10:00');
  });

  it('a fixed holiday applies only to its year', () => {
    const cal = weekdayCalendar(BER, undefined, [{ date: '2024-12-25' }]);
    expect(isBusinessTime(cal, t('2025-12-25T10:00'))).toBe(true);
  });

  it('a recurring holiday applies every year', () => {
    const cal = weekdayCalendar(BER, undefined, [{ date: '2000-12-25', recurring: true }]);
    expect(isBusinessTime(cal, t('2024-12-25T10:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2025-12-25T10:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2030-12-25T10:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2030-12-24T10:00'))).toBe(true);
  });

  it('consecutive holidays plus a weekend are all skipped', () => {
    const cal = weekdayCalendar(BER, undefined, [
      { date: '2024-12-25', recurring: true },
      { date: '2024-12-26', recurring: true },
    ]);
    // Tue 24th 16:00 + 2h -> 1h on the 24th, then Fri 27th 10:00.
    expect(local(BER, addBusinessDuration(cal, t('2024-12-24T16:00'), 2 * HOUR))).toBe('2024-12-27T10:00');
    expect(businessDurationBetween(cal, t('2024-12-23T00:00'), t('2024-12-30T00:00'))).toBe(3 * 8 * HOUR);
  });

  it('a recurring 29 February holiday only applies in leap years', () => {
    const cal = weekdayCalendar(BER, undefined, [{ date: '2024-02-29', recurring: true }]);
    expect(isBusinessTime(cal, t('2024-02-29T10:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2028-02-29T10:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2027-03-01T10:00'))).toBe(true);
  });
});

describe('overnight shifts (22:00-06:00, Monday to Friday starts)', () => {
  const cal = weekdayCalendar(BER, [{ start: '22:00', end: '06:00' }]);
  const t = (s: string) => at(BER, s);

  it('covers the night after each working day', () => {
    expect(isBusinessTime(cal, t('2024-06-03T23:00'))).toBe(true);
    expect(isBusinessTime(cal, t('2024-06-04T05:59'))).toBe(true);
    expect(isBusinessTime(cal, t('2024-06-04T06:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2024-06-04T21:59'))).toBe(false);
  });

  it("Friday's shift runs into Saturday morning; Sunday night and Monday morning are closed", () => {
    expect(isBusinessTime(cal, t('2024-06-08T03:00'))).toBe(true);
    expect(isBusinessTime(cal, t('2024-06-09T03:00'))).toBe(false);
    expect(isBusinessTime(cal, t('2024-06-10T03:00'))).toBe(false);
  });

  it('adds across the day gap', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-04T05:00'), 2 * HOUR))).toBe('2024-06-04T23:00');
  });

  it('adds from Saturday morning to Monday night', () => {
    expect(local(BER, addBusinessDuration(cal, t('2024-06-08T05:00'), 2 * HOUR))).toBe('2024-06-10T23:00');
  });

  it('a shift is 8 hours and a week is 40', () => {
    expect(businessDurationBetween(cal, t('2024-06-03T12:00'), t('2024-06-04T12:00'))).toBe(8 * HOUR);
    expect(businessDurationBetween(cal, t('2024-06-03T00:00'), t('2024-06-10T00:00'))).toBe(40 * HOUR);
  });

  it("a holiday removes the shift that starts on it but not the previous night's shift", () => {
    const withHoliday = weekdayCalendar(BER, [{ start: '22:00', end: '06:00' }], [{ date: '2024-06-04' }]);
    expect(isBusinessTime(withHoliday, t('2024-06-04T03:00'))).toBe(true); // Monday's shift
    expect(isBusinessTime(withHoliday, t('2024-06-04T23:00'))).toBe(false); // Tuesday's shift cancelled
    expect(isBusinessTime(withHoliday, t('2024-06-05T03:00'))).toBe(false);
    expect(isBusinessTime(withHoliday, t('2024-06-05T23:00'))).toBe(true);
  });

  it('an overnight shift touching the next day interval is continuous', () => {
    const c = weekdayCalendar(BER, [
      { start: '22:00', end: '06:00' },
      { start: '05:00', end: '09:00' },
    ]);
    // Monday 22:00 to Tuesday 09:00 is one stretch of 11 hours (05-06 overlap counted once).
    expect(businessDurationBetween(c, t('2024-06-03T22:00'), t('2024-06-04T09:00'))).toBe(11 * HOUR);
    expect(isBusinessTime(c, t('2024-06-04T06:30'))).toBe(true);
  });

  it('an evening ending at 24:00 continues into an interval starting at 00:00', () => {
    const c = parseCalendar({
      timeZone: BER,
      workingHours: { fri: [{ start: '18:00', end: '24:00' }], sat: [{ start: '00:00', end: '02:00' }] },
    });
    expect(isBusinessTime(c, t('2024-06-08T00:00'))).toBe(true);
    expect(local(BER, addBusinessDuration(c, t('2024-06-07T23:00'), 2 * HOUR))).toBe('2024-06-08T01:00');
    expect(businessSpansBetween(c, t('2024-06-07T00:00'), t('2024-06-09T00:00'))).toHaveLength(2);
  });
});

describe('24x7 calendar', () => {
  it('every instant is business time and durations equal wall-clock', () => {
    const cal = alwaysOpenCalendar(BER);
    const a = at(BER, '2024-06-08T03:17');
    expect(isBusinessTime(cal, a)).toBe(true);
    expect(addBusinessDuration(cal, a, 100 * HOUR)).toBe(a + 100 * HOUR);
    expect(businessDurationBetween(cal, a, a + 9 * DAY + 5)).toBe(9 * DAY + 5);
  });

  it('the spring-forward day is 23 hours and the fall-back day 25 hours (Berlin)', () => {
    const cal = alwaysOpenCalendar(BER);
    expect(businessDurationBetween(cal, at(BER, '2024-03-31T00:00'), at(BER, '2024-04-01T00:00'))).toBe(23 * HOUR);
    expect(businessDurationBetween(cal, at(BER, '2024-10-27T00:00'), at(BER, '2024-10-28T00:00'))).toBe(25 * HOUR);
  });
});

describe('DST transitions', () => {
  it('Berlin spring-forward day: 09:00-17:00 is still 8 hours', () => {
    const cal = everyDayCalendar(BER);
    expect(businessDurationBetween(cal, at(BER, '2024-03-31T00:00'), at(BER, '2024-04-01T00:00'))).toBe(8 * HOUR);
    expect(local(BER, addBusinessDuration(cal, at(BER, '2024-03-30T16:00'), 2 * HOUR))).toBe('2024-03-31T10:00');
  });

  it('Berlin fall-back day: 09:00-17:00 is still 8 hours', () => {
    const cal = everyDayCalendar(BER);
    expect(businessDurationBetween(cal, at(BER, '2024-10-27T00:00'), at(BER, '2024-10-28T00:00'))).toBe(8 * HOUR);
  });

  it('Berlin spring-forward: an interval starting in the gap starts at 03:00 (02:00-04:00 is 1 hour)', () => {
    const cal = everyDayCalendar(BER, [{ start: '02:00', end: '04:00' }]);
    expect(businessDurationBetween(cal, at(BER, '2024-03-31T00:00'), at(BER, '2024-04-01T00:00'))).toBe(HOUR);
    expect(businessDurationBetween(cal, at(BER, '2024-03-30T00:00'), at(BER, '2024-03-31T00:00'))).toBe(2 * HOUR);
  });

  it('New York fall-back: overnight 22:00-06:00 across it is 9 hours', () => {
    const cal = everyDayCalendar(NY, [{ start: '22:00', end: '06:00' }]);
    expect(businessDurationBetween(cal, at(NY, '2024-11-02T12:00'), at(NY, '2024-11-03T12:00'))).toBe(9 * HOUR);
  });

  it('New York spring-forward: overnight 22:00-06:00 across it is 7 hours', () => {
    const cal = everyDayCalendar(NY, [{ start: '22:00', end: '06:00' }]);
    expect(businessDurationBetween(cal, at(NY, '2024-03-09T12:00'), at(NY, '2024-03-10T12:00'))).toBe(7 * HOUR);
  });

  it('New York fall-back: 01:00-03:00 spans the repeated hour (3 real hours, first 01:00)', () => {
    const cal = everyDayCalendar(NY, [{ start: '01:00', end: '03:00' }]);
    expect(businessDurationBetween(cal, at(NY, '2024-11-03T00:00'), at(NY, '2024-11-04T00:00'))).toBe(3 * HOUR);
  });

  it('New York fall-back: 09:00-17:00 weekdays unaffected, adding across the weekend change', () => {
    const cal = weekdayCalendar(NY);
    // Fri 1 Nov 16:00 EDT + 2h -> Mon 4 Nov 10:00 EST
    const due = addBusinessDuration(cal, at(NY, '2024-11-01T16:00'), 2 * HOUR);
    expect(local(NY, due)).toBe('2024-11-04T10:00');
    expect(new Date(due).toISOString()).toBe('2024-11-04T15:00:00.000Z');
  });

  it('New York spring-forward: a 24x7 add of 3 hours from 00:30 lands at 04:30 local', () => {
    const cal = alwaysOpenCalendar(NY);
    expect(local(NY, addBusinessDuration(cal, at(NY, '2024-03-10T00:30'), 3 * HOUR))).toBe('2024-03-10T04:30');
  });

  it('Berlin fall-back: 24x7 add of 3 hours from 01:30 lands at 03:30 local (02:xx happens twice)', () => {
    const cal = alwaysOpenCalendar(BER);
    expect(local(BER, addBusinessDuration(cal, at(BER, '2024-10-27T01:30'), 3 * HOUR))).toBe('2024-10-27T03:30');
  });
});

describe('time zones', () => {
  it('Asia/Shanghai 09:00-18:00: business time judged in the calendar zone, not UTC', () => {
    const cal = weekdayCalendar(SH, [{ start: '09:00', end: '18:00' }]);
    expect(isBusinessTime(cal, Date.parse('2024-06-03T01:00:00Z'))).toBe(true); // Mon 09:00 CST
    expect(isBusinessTime(cal, Date.parse('2024-06-03T00:59:00Z'))).toBe(false);
    expect(nextBusinessStart(cal, Date.parse('2024-06-02T23:00:00Z'))).toBe(Date.parse('2024-06-03T01:00:00Z'));
  });

  it('Asia/Shanghai: Friday 17:30 + 1h is Monday 09:30 local', () => {
    const cal = weekdayCalendar(SH, [{ start: '09:00', end: '18:00' }]);
    expect(local(SH, addBusinessDuration(cal, at(SH, '2024-06-07T17:30'), HOUR))).toBe('2024-06-10T09:30');
  });

  it('America/New_York: Monday 02:00Z is Sunday evening locally, not business time', () => {
    const cal = weekdayCalendar(NY);
    expect(isBusinessTime(cal, Date.parse('2024-06-10T02:00:00Z'))).toBe(false);
    expect(nextBusinessStart(cal, Date.parse('2024-06-10T02:00:00Z'))).toBe(Date.parse('2024-06-10T13:00:00Z'));
  });

  it('the same instant is business time in Shanghai and not in New York', () => {
    const instant = Date.parse('2024-06-04T03:00:00Z');
    expect(isBusinessTime(weekdayCalendar(SH), instant)).toBe(true);
    expect(isBusinessTime(weekdayCalendar(NY), instant)).toBe(false);
  });
});

describe('calendar without business time', () => {
  const cal = parseCalendar({ timeZone: 'UTC', workingHours: {} });
  it('never opens', () => {
    expect(isBusinessTime(cal, 0)).toBe(false);
    expect(nextBusinessStart(cal, 0)).toBeNull();
    expect(businessDurationBetween(cal, 0, 10 * DAY)).toBe(0);
    expect(() => addBusinessDuration(cal, 0, 1)).toThrow(CalendarError);
  });
});

describe('calendar schema', () => {
  it('rejects an unknown time zone', () => {
    expect(BusinessCalendarSchema.safeParse({ timeZone: 'Mars/Olympus', workingHours: {} }).success).toBe(false);
  });
  it('rejects malformed times and empty intervals', () => {
    const bad = (i: { start: string; end: string }) =>
      BusinessCalendarSchema.safeParse({ timeZone: 'UTC', workingHours: { mon: [i] } }).success;
    expect(bad({ start: '9:00', end: '17:00' })).toBe(false);
    expect(bad({ start: '09:00', end: '25:00' })).toBe(false);
    expect(bad({ start: '24:00', end: '01:00' })).toBe(false);
    expect(bad({ start: '09:00', end: '09:00' })).toBe(false);
    expect(bad({ start: '18:00', end: '24:00' })).toBe(true);
  });
  it('fills defaults for missing days and holidays', () => {
    const c = parseCalendar({ timeZone: 'UTC', workingHours: { mon: [{ start: '09:00', end: '10:00' }] } });
    expect(c.workingHours.sun).toEqual([]);
    expect(c.holidays).toEqual([]);
  });
  it('rejects a malformed holiday date', () => {
    expect(
      BusinessCalendarSchema.safeParse({ timeZone: 'UTC', workingHours: {}, holidays: [{ date: '2024-13-01' }] })
        .success,
    ).toBe(false);
  });
});
