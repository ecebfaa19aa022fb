import { describe, expect, it } from 'vitest';
import { alwaysOpenCalendar } from '../../src/domain/calendar.ts';
import {
  SlaPolicySchema,
  aboutToBreach,
  computeSla,
  instantAtElapsed,
  nextDeadline,
  selectPolicy,
  type SlaClockInput,
  type StatusChange,
} from '../../src/domain/sla.ts';
import { HOUR, MINUTE, at, everyDayCalendar, local, weekdayCalendar } from './helpers.ts';

const BER = 'Europe/Berlin';
const NY = 'America/New_York';
const cal = weekdayCalendar(BER);
const t = (s: string) => at(BER, s);

const policy = SlaPolicySchema.parse({
  id: 'sla_p2',
  priority: 'P2',
  calendarId: 'cal_ber',
  firstResponseMinutes: 60,
  resolutionMinutes: 480,
});
const holdPausing = { ...policy, pauseOnHold: true };

function input(
  created: string,
  now: string,
  history: Array<[StatusChange['status'], string]> = [],
  reply?: string,
): SlaClockInput {
  return {
    createdAt: t(created),
    now: t(now),
    statusHistory: history.map(([status, when]) => ({ status, at: t(when) })),
    firstPublicReplyAt: reply ? t(reply) : null,
  };
}

// 2024-06-03 is a Monday.
describe('first response', () => {
  it('is running before the target with a projected due instant', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:30')).first_response;
    expect(s.state).toBe('running');
    expect(s.elapsedMs).toBe(30 * MINUTE);
    expect(s.remainingMs).toBe(30 * MINUTE);
    expect(local(BER, s.dueAt!)).toBe('2024-06-03T10:00');
    expect(s.breached).toBe(false);
    expect(s.stoppedAt).toBeNull();
  });

  it('is met by a public reply before the due instant', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T12:00', [['open', '2024-06-03T09:45']], '2024-06-03T09:45')).first_response;
    expect(s.state).toBe('met');
    expect(s.elapsedMs).toBe(45 * MINUTE);
    expect(s.stoppedAt).toBe(t('2024-06-03T09:45'));
    expect(local(BER, s.dueAt!)).toBe('2024-06-03T10:00');
  });

  it('is breached after the due instant without a reply', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T10:30')).first_response;
    expect(s.state).toBe('breached');
    expect(s.breachedAt).toBe(t('2024-06-03T10:00'));
    expect(s.remainingMs).toBe(-30 * MINUTE);
    expect(s.dueAt).toBe(t('2024-06-03T10:00'));
  });

  it('is breached exactly at the due instant', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T10:00')).first_response;
    expect(s.state).toBe('breached');
    expect(s.breachedAt).toBe(t('2024-06-03T10:00'));
  });

  it('one millisecond before the due instant is still running', () => {
    const i = { ...input('2024-06-03T09:00', '2024-06-03T10:00'), now: t('2024-06-03T10:00') - 1 };
    const s = computeSla(cal, policy, i).first_response;
    expect(s.state).toBe('running');
    expect(s.remainingMs).toBe(1);
  });

  it('a reply exactly at the due instant is a breach; one ms earlier is met', () => {
    const due = t('2024-06-03T10:00');
    const base = input('2024-06-03T09:00', '2024-06-03T11:00');
    expect(computeSla(cal, policy, { ...base, firstPublicReplyAt: due }).first_response.state).toBe('breached');
    const early = computeSla(cal, policy, { ...base, firstPublicReplyAt: due - 1 }).first_response;
    expect(early.state).toBe('met');
    expect(early.stoppedAt).toBe(due - 1);
  });

  it('a reply at exactly now stops the clock', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:40', [], '2024-06-03T09:40')).first_response;
    expect(s.state).toBe('met');
    expect(s.stoppedAt).toBe(t('2024-06-03T09:40'));
  });

  it('a reply in the future (after now) is ignored', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:40', [], '2024-06-03T09:50')).first_response;
    expect(s.state).toBe('running');
  });

  it('counts only business time: created Friday 16:30, due Monday 09:30', () => {
    const s = computeSla(cal, policy, input('2024-06-07T16:30', '2024-06-08T12:00')).first_response;
    expect(s.state).toBe('running');
    expect(s.elapsedMs).toBe(30 * MINUTE);
    expect(local(BER, s.dueAt!)).toBe('2024-06-10T09:30');
  });

  it('created on a Saturday, due Monday 10:00', () => {
    const s = computeSla(cal, policy, input('2024-06-08T11:00', '2024-06-08T12:00')).first_response;
    expect(s.elapsedMs).toBe(0);
    expect(local(BER, s.dueAt!)).toBe('2024-06-10T10:00');
  });

  it('breach that lands on closing time is at 17:00, and a reply after hours is still a breach', () => {
    const s = computeSla(cal, policy, input('2024-06-03T16:00', '2024-06-03T18:00', [], '2024-06-03T17:30')).first_response;
    expect(s.state).toBe('breached');
    expect(local(BER, s.breachedAt!)).toBe('2024-06-03T17:00');
  });

  it('stops at resolution when resolved without any public reply', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T12:00', [['resolved', '2024-06-03T09:20']])).first_response;
    expect(s.state).toBe('met');
    expect(s.stoppedAt).toBe(t('2024-06-03T09:20'));
    expect(s.elapsedMs).toBe(20 * MINUTE);
  });

  it('pauses while pending_customer before the first reply', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T11:00', [
      ['pending_customer', '2024-06-03T09:10'],
      ['open', '2024-06-03T10:40'],
    ])).first_response;
    expect(s.elapsedMs).toBe(30 * MINUTE);
    expect(s.pausedMs).toBe(90 * MINUTE);
    expect(local(BER, s.dueAt!)).toBe('2024-06-03T11:30');
  });
});

describe('pauses and resumes (resolution, 8 business hours)', () => {
  it('pending_customer pauses; the due instant moves by the paused business time', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T10:30', [
      ['open', '2024-06-03T09:05'],
      ['pending_customer', '2024-06-03T09:20'],
      ['open', '2024-06-03T10:20'],
    ])).resolution;
    expect(s.state).toBe('running');
    expect(s.elapsedMs).toBe(30 * MINUTE);
    expect(s.pausedMs).toBe(HOUR);
    expect(local(BER, s.dueAt!)).toBe('2024-06-04T10:00'); // 7.5h left: 10:30-17:00 (6.5h) + 1h
  });

  it('while paused: state paused, due unknown, no breach even long past the original due', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-20T10:00', [
      ['pending_customer', '2024-06-03T10:00'],
    ])).resolution;
    expect(s.state).toBe('paused');
    expect(s.paused).toBe(true);
    expect(s.dueAt).toBeNull();
    expect(s.breached).toBe(false);
    expect(s.elapsedMs).toBe(HOUR);
  });

  it('multiple pauses and resumes accumulate', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-04T12:00', [
      ['open', '2024-06-03T09:00'],
      ['pending_customer', '2024-06-03T10:00'], // 1h counted
      ['open', '2024-06-03T11:00'],
      ['pending_customer', '2024-06-03T13:00'], // +2h
      ['open', '2024-06-04T10:00'], // paused 4h Mon + 1h Tue
      ['pending_customer', '2024-06-04T11:00'], // +1h
    ])).resolution;
    expect(s.elapsedMs).toBe(4 * HOUR);
    expect(s.pausedMs).toBe(HOUR + 5 * HOUR + HOUR); // 10-11, 13-17 + 09-10, 11-12
    expect(s.state).toBe('paused');
  });

  it('a pause overnight only counts business time as paused', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-04T10:00', [
      ['pending_customer', '2024-06-03T16:00'],
      ['open', '2024-06-04T09:30'],
    ])).resolution;
    expect(s.pausedMs).toBe(90 * MINUTE);
    expect(s.elapsedMs).toBe(7 * HOUR + 30 * MINUTE);
  });

  it('on_hold does not pause by default', () => {
    const i = input('2024-06-03T09:00', '2024-06-03T12:00', [['on_hold', '2024-06-03T10:00']]);
    const s = computeSla(cal, policy, i).resolution;
    expect(s.elapsedMs).toBe(3 * HOUR);
    expect(s.state).toBe('running');
  });

  it('on_hold pauses when the policy says so', () => {
    const i = input('2024-06-03T09:00', '2024-06-03T12:00', [['on_hold', '2024-06-03T10:00']]);
    const s = computeSla(cal, holdPausing, i).resolution;
    expect(s.elapsedMs).toBe(HOUR);
    expect(s.state).toBe('paused');
  });

  it('a breach during a running stretch after resumes is dated correctly', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-04T17:00', [
      ['pending_customer', '2024-06-03T13:00'], // 4h counted
      ['open', '2024-06-04T09:00'],
    ])).resolution;
    expect(s.state).toBe('breached');
    expect(local(BER, s.breachedAt!)).toBe('2024-06-04T13:00');
  });

  it('a pause starting exactly at the due instant comes too late', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-04T12:00', [
      ['pending_customer', '2024-06-03T17:00'],
    ])).resolution;
    expect(s.state).toBe('breached');
    expect(local(BER, s.breachedAt!)).toBe('2024-06-03T17:00');
  });
});

describe('resolution, resolve and reopen', () => {
  it('is met when resolved before the due instant', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-05T09:00', [
      ['open', '2024-06-03T09:10'],
      ['resolved', '2024-06-03T15:00'],
    ])).resolution;
    expect(s.state).toBe('met');
    expect(s.elapsedMs).toBe(6 * HOUR);
    expect(s.stoppedAt).toBe(t('2024-06-03T15:00'));
  });

  it('closing after resolving keeps it met, stopped at the resolution', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-10T09:00', [
      ['resolved', '2024-06-03T15:00'],
      ['closed', '2024-06-06T15:00'],
    ])).resolution;
    expect(s.state).toBe('met');
    expect(s.stoppedAt).toBe(t('2024-06-03T15:00'));
  });

  it('a reopen resumes the clock with the elapsed time kept; time spent resolved is not counted', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-04T10:00', [
      ['resolved', '2024-06-03T15:00'], // 6h
      ['open', '2024-06-04T09:30'], // reopened; +30m by now
    ])).resolution;
    expect(s.state).toBe('running');
    expect(s.elapsedMs).toBe(6 * HOUR + 30 * MINUTE);
    expect(local(BER, s.dueAt!)).toBe('2024-06-04T11:30');
  });

  it('a reopened ticket can breach', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-04T12:00', [
      ['resolved', '2024-06-03T15:00'],
      ['open', '2024-06-04T09:30'],
    ])).resolution;
    expect(s.state).toBe('breached');
    expect(local(BER, s.breachedAt!)).toBe('2024-06-04T11:30');
  });

  it('a breach is permanent: resolving later does not make it met', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-05T12:00', [['resolved', '2024-06-04T12:00']])).resolution;
    expect(s.state).toBe('breached');
    expect(s.breached).toBe(true);
    expect(s.stoppedAt).toBe(t('2024-06-04T12:00'));
    expect(local(BER, s.breachedAt!)).toBe('2024-06-03T17:00');
  });

  it('history after now is ignored and history is sorted', () => {
    const s = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T12:00', [
      ['resolved', '2024-06-03T14:00'],
      ['open', '2024-06-03T10:00'],
    ])).resolution;
    expect(s.state).toBe('running');
    expect(s.elapsedMs).toBe(3 * HOUR);
  });
});

describe('SLA across time zones and DST', () => {
  it('Berlin spring-forward Sunday on an every-day 09-17 calendar: Saturday 16:00 + 2h is Sunday 10:00', () => {
    const c = everyDayCalendar(BER);
    const p = { ...policy, resolutionMinutes: 120 };
    const s = computeSla(c, p, { createdAt: at(BER, '2024-03-30T16:00'), now: at(BER, '2024-03-31T09:30'), statusHistory: [] }).resolution;
    expect(s.elapsedMs).toBe(90 * MINUTE);
    expect(local(BER, s.dueAt!)).toBe('2024-03-31T10:00');
  });

  it('New York fall-back, 24x7: 3 hours from midnight is 02:00 local (EST)', () => {
    const c = alwaysOpenCalendar(NY);
    const p = { ...policy, firstResponseMinutes: 180 };
    const s = computeSla(c, p, { createdAt: at(NY, '2024-11-03T00:00'), now: at(NY, '2024-11-03T00:30'), statusHistory: [] }).first_response;
    expect(new Date(s.dueAt!).toISOString()).toBe('2024-11-03T07:00:00.000Z');
    expect(local(NY, s.dueAt!)).toBe('2024-11-03T02:00');
  });

  it('Asia/Shanghai calendar evaluated with UTC instants', () => {
    const c = weekdayCalendar('Asia/Shanghai');
    const s = computeSla(c, policy, {
      createdAt: Date.parse('2024-06-03T08:30:00Z'), // 16:30 CST Monday
      now: Date.parse('2024-06-03T09:30:00Z'),
      statusHistory: [],
    }).first_response;
    expect(s.elapsedMs).toBe(30 * MINUTE);
    expect(new Date(s.dueAt!).toISOString()).toBe('2024-06-04T01:30:00.000Z'); // Tue 09:30 CST
  });
});

describe('aboutToBreach, instantAtElapsed, nextDeadline', () => {
  const running = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:45')).first_response;

  it('warns within the window, not outside it', () => {
    expect(aboutToBreach(running, t('2024-06-03T09:45'), 15 * MINUTE)).toBe(true);
    expect(aboutToBreach(running, t('2024-06-03T09:45'), 14 * MINUTE)).toBe(false);
  });

  it('does not warn for paused, met or breached metrics, nor at the due instant', () => {
    const paused = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:50', [['pending_customer', '2024-06-03T09:45']])).first_response;
    expect(aboutToBreach(paused, t('2024-06-03T09:50'), HOUR)).toBe(false);
    const breached = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T10:00')).first_response;
    expect(aboutToBreach(breached, t('2024-06-03T10:00'), HOUR)).toBe(false);
    expect(aboutToBreach(running, running.dueAt!, HOUR)).toBe(false);
  });

  it('instantAtElapsed projects when 80% of the target is reached', () => {
    const s = computeSla(cal, policy, input('2024-06-03T16:30', '2024-06-03T16:40')).resolution;
    expect(local(BER, instantAtElapsed(cal, s, t('2024-06-03T16:40'), 0.8 * s.targetMs)!)).toBe('2024-06-04T14:54');
    expect(instantAtElapsed(cal, s, t('2024-06-03T16:40'), 5 * MINUTE)).toBe(t('2024-06-03T16:40'));
  });

  it('nextDeadline is the earliest running due instant', () => {
    const states = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:10'));
    expect(nextDeadline(states)).toBe(t('2024-06-03T10:00'));
    const replied = computeSla(cal, policy, input('2024-06-03T09:00', '2024-06-03T09:10', [], '2024-06-03T09:05'));
    expect(nextDeadline(replied)).toBe(t('2024-06-03T17:00'));
  });
});

describe('policy selection', () => {
  const policies = [
    SlaPolicySchema.parse({ id: 'a', priority: 'P1', calendarId: 'c', firstResponseMinutes: 15, resolutionMinutes: 240 }),
    SlaPolicySchema.parse({ id: 'b', priority: 'P1', category: 'billing', calendarId: 'c', firstResponseMinutes: 10, resolutionMinutes: 120 }),
  ];
  it('prefers the category-specific policy', () => {
    expect(selectPolicy(policies, 'P1', 'billing')?.id).toBe('b');
  });
  it('falls back to the catch-all for the priority', () => {
    expect(selectPolicy(policies, 'P1', 'shipping')?.id).toBe('a');
    expect(selectPolicy(policies, 'P1', null)?.id).toBe('a');
  });
  it('returns null when no policy covers the priority', () => {
    expect(selectPolicy(policies, 'P3', null)).toBeNull();
  });
  it('rejects non-positive targets', () => {
    expect(SlaPolicySchema.safeParse({ id: 'x', priority: 'P1', calendarId: 'c', firstResponseMinutes: 0, resolutionMinutes: 1 }).success).toBe(false);
  });
});
