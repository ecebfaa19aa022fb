import { describe, expect, it } from 'vitest';
import type { ConsentEntry } from '../../src/domain/facts.ts';
import { decideSend, frequencyCapRetry, quietHoursEnd, type SendSubject } from '../../src/domain/send-policy.ts';

const granted = (channel: ConsentEntry['channel'], purpose: ConsentEntry['purpose'] = 'marketing', at = '2025-01-01T00:00:00Z'): ConsentEntry => ({ channel, purpose, state: 'granted', at });
const withdrawn = (channel: ConsentEntry['channel'], purpose: ConsentEntry['purpose'] = 'marketing', at = '2025-02-01T00:00:00Z'): ConsentEntry => ({ channel, purpose, state: 'withdrawn', at });

const subject = (over: Partial<SendSubject> = {}): SendSubject => ({
  consent: [granted('email'), granted('sms')],
  contactPoints: ['email', 'sms'],
  erased: false,
  timeZone: 'Europe/Berlin',
  recentSends: [],
  ...over,
});
const noon = new Date('2025-06-15T10:00:00Z'); // 12:00 in Berlin (CEST)
const quiet = { start: '21:00', end: '08:00' };

describe('consent and contact checks', () => {
  it('sends with granted consent', () => {
    expect(decideSend(subject(), { channel: 'email', now: noon })).toEqual({ send: true });
  });
  it('refuses an erased customer first', () => {
    expect(decideSend(subject({ erased: true }), { channel: 'email', now: noon })).toEqual({ send: false, reason: 'erased' });
  });
  it('refuses without a contact point for the channel', () => {
    expect(decideSend(subject(), { channel: 'push', now: noon })).toEqual({ send: false, reason: 'no_contact_point' });
  });
  it('refuses without any consent record', () => {
    expect(decideSend(subject({ consent: [] }), { channel: 'email', now: noon })).toEqual({ send: false, reason: 'no_consent' });
  });
  it('distinguishes withdrawn consent', () => {
    expect(decideSend(subject({ consent: [granted('email'), withdrawn('email')] }), { channel: 'email', now: noon })).toEqual({ send: false, reason: 'consent_withdrawn' });
  });
  it('uses the latest consent entry by time, not by array order', () => {
    expect(decideSend(subject({ consent: [withdrawn('email', 'marketing', '2025-01-01T00:00:00Z'), granted('email', 'marketing', '2025-03-01T00:00:00Z')] }), { channel: 'email', now: noon })).toEqual({ send: true });
  });
  it('checks consent per channel', () => {
    const s = subject({ consent: [granted('email'), withdrawn('sms')] });
    expect(decideSend(s, { channel: 'email', now: noon }).send).toBe(true);
    expect(decideSend(s, { channel: 'sms', now: noon })).toEqual({ send: false, reason: 'consent_withdrawn' });
  });
  it('checks consent for the marketing purpose, not another purpose', () => {
    const s = subject({ consent: [granted('email', 'service')] });
    expect(decideSend(s, { channel: 'email', now: noon })).toEqual({ send: false, reason: 'no_consent' });
    expect(decideSend(s, { channel: 'email', now: noon, purpose: 'service' })).toEqual({ send: true });
  });
});

describe('quiet hours', () => {
  it('allows midday and blocks late evening across midnight (Berlin)', () => {
    expect(decideSend(subject(), { channel: 'email', now: noon, quietHours: quiet })).toEqual({ send: true });
    const late = new Date('2025-06-15T20:30:00Z'); // 22:30 CEST
    expect(decideSend(subject(), { channel: 'email', now: late, quietHours: quiet })).toEqual({ send: false, reason: 'quiet_hours', retryAt: new Date('2025-06-16T06:00:00Z') });
  });
  it('blocks after midnight and retries the same morning', () => {
    const early = new Date('2025-06-16T03:00:00Z'); // 05:00 CEST
    expect(quietHoursEnd(early, quiet, 'Europe/Berlin')!.toISOString()).toBe('2025-06-16T06:00:00.000Z');
  });
  it('treats start as quiet and end as not quiet', () => {
    expect(quietHoursEnd(new Date('2025-06-15T19:00:00Z'), quiet, 'Europe/Berlin')).not.toBeNull(); // 21:00 local
    expect(quietHoursEnd(new Date('2025-06-15T18:59:00Z'), quiet, 'Europe/Berlin')).toBeNull();
    expect(quietHoursEnd(new Date('2025-06-16T06:00:00Z'), quiet, 'Europe/Berlin')).toBeNull(); // 08:00 local
  });
  it('uses the customer time zone: one instant is quiet in Tokyo but not in Berlin or New York', () => {
    const t = new Date('2025-06-15T14:00:00Z'); // 23:00 Tokyo, 16:00 Berlin, 10:00 New York
    expect(decideSend(subject({ timeZone: 'Asia/Tokyo' }), { channel: 'email', now: t, quietHours: quiet })).toMatchObject({ send: false, reason: 'quiet_hours', retryAt: new Date('2025-06-15T23:00:00Z') });
    expect(decideSend(subject({ timeZone: 'Europe/Berlin' }), { channel: 'email', now: t, quietHours: quiet }).send).toBe(true);
    expect(decideSend(subject({ timeZone: 'America/New_York' }), { channel: 'email', now: t, quietHours: quiet }).send).toBe(true);
  });
  it('crosses the date line for a customer in Auckland', () => {
    const t = new Date('2025-06-15T11:30:00Z'); // 23:30 NZST
    expect(quietHoursEnd(t, quiet, 'Pacific/Auckland')!.toISOString()).toBe('2025-06-15T20:00:00.000Z');
  });
  it('handles a same-day window (e.g. a 12:00-14:00 lunch break)', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(quietHoursEnd(noon, lunch, 'Europe/Berlin')!.toISOString()).toBe('2025-06-15T12:00:00.000Z');
    expect(quietHoursEnd(new Date('2025-06-15T12:00:00Z'), lunch, 'Europe/Berlin')).toBeNull();
  });
  it('ignores equal start and end', () => {
    expect(quietHoursEnd(noon, { start: '10:00', end: '10:00' }, 'UTC')).toBeNull();
  });
  it('falls back to the default time zone when the customer has none or an invalid one', () => {
    const t = new Date('2025-06-15T22:00:00Z');
    expect(decideSend(subject({ timeZone: undefined }), { channel: 'email', now: t, quietHours: quiet }).send).toBe(false);
    expect(decideSend(subject({ timeZone: 'Not/AZone' }), { channel: 'email', now: t, quietHours: quiet, defaultTimeZone: 'America/Los_Angeles' }).send).toBe(true);
  });
  it('DST autumn: quiet window ends at 08:00 local after the clocks go back', () => {
    // Berlin 26 Oct 2025: 03:00 CEST -> 02:00 CET. 23:00 CEST on 25 Oct = 21:00Z; end 08:00 CET = 07:00Z
    expect(quietHoursEnd(new Date('2025-10-25T21:00:00Z'), quiet, 'Europe/Berlin')!.toISOString()).toBe('2025-10-26T07:00:00.000Z');
    // 07:30Z is 08:30 CET: no longer quiet, although it would be 07:30 in summer time
    expect(quietHoursEnd(new Date('2025-10-26T07:30:00Z'), quiet, 'Europe/Berlin')).toBeNull();
  });
  it('DST spring: a quiet window ending in the skipped hour ends at the shifted instant', () => {
    // New York 9 Mar 2025: 02:00 EST -> 03:00 EDT. Window 22:00-02:30 ends at 03:30 EDT = 07:30Z
    expect(quietHoursEnd(new Date('2025-03-09T04:00:00Z'), { start: '22:00', end: '02:30' }, 'America/New_York')!.toISOString()).toBe('2025-03-09T07:30:00.000Z');
  });
  it('checks consent before quiet hours', () => {
    const late = new Date('2025-06-15T20:30:00Z');
    expect(decideSend(subject({ consent: [] }), { channel: 'email', now: late, quietHours: quiet })).toEqual({ send: false, reason: 'no_consent' });
  });
});

describe('frequency cap', () => {
  const cap = { max: 2, perDays: 7 };
  const now = new Date('2025-06-15T10:00:00Z');
  it('allows below the cap', () => {
    expect(decideSend(subject({ recentSends: ['2025-06-14T10:00:00Z'] }), { channel: 'email', now, frequencyCap: cap })).toEqual({ send: true });
  });
  it('blocks at the cap and says when a slot frees up', () => {
    const s = subject({ recentSends: ['2025-06-10T09:00:00Z', '2025-06-14T10:00:00Z'] });
    expect(decideSend(s, { channel: 'email', now, frequencyCap: cap })).toEqual({ send: false, reason: 'frequency_cap', retryAt: new Date('2025-06-17T09:00:00Z') });
  });
  it('ignores sends older than the window and future timestamps', () => {
    const s = subject({ recentSends: ['2025-06-08T09:59:00Z', '2025-06-14T10:00:00Z', '2025-06-20T00:00:00Z'] });
    expect(decideSend(s, { channel: 'email', now, frequencyCap: cap })).toEqual({ send: true });
  });
  it('computes the retry from the right send when far over the cap', () => {
    const sends = ['2025-06-09T11:00:00Z', '2025-06-11T00:00:00Z', '2025-06-12T00:00:00Z', '2025-06-13T00:00:00Z'];
    // 4 sends, max 2: to fit one more, three must leave the window -> the third oldest (12 June) + 7 days
    expect(frequencyCapRetry(now, sends, cap)!.toISOString()).toBe('2025-06-19T00:00:00.000Z');
  });
  it('counts across campaigns and channels (timestamps only)', () => {
    const s = subject({ recentSends: [new Date('2025-06-15T09:00:00Z')] });
    expect(decideSend(s, { channel: 'sms', now, frequencyCap: { max: 1, perDays: 1 } })).toMatchObject({ send: false, reason: 'frequency_cap' });
  });
  it('quiet hours win over the cap when both apply', () => {
    const s = subject({ recentSends: ['2025-06-15T09:00:00Z'] });
    expect(decideSend(s, { channel: 'email', now: new Date('2025-06-15T21:00:00Z'), frequencyCap: { max: 1, perDays: 1 }, quietHours: quiet })).toMatchObject({ reason: 'quiet_hours' });
  });
});
