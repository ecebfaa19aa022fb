import { describe, expect, it } from 'vitest';
import { bar, formatBytes, formatCount, formatDuration, formatReplay, formatUpload, ProgressLine } from '../src/progress.ts';

describe('formatters', () => {
  it.each([
    [0, '0 B'], [1023, '1023 B'], [1024, '1.00 KiB'], [1536, '1.50 KiB'], [10 * 1024, '10.0 KiB'],
    [150 * 1024, '150 KiB'], [5 * 1024 ** 2, '5.00 MiB'], [3.5 * 1024 ** 3, '3.50 GiB'], [-1, '?'], [Number.NaN, '?'],
  ])('formatBytes(%d) = %s', (n, s) => expect(formatBytes(n)).toBe(s));

  it.each([
    [0, '0s'], [0.4, '0s'], [59.4, '59s'], [60, '1m00s'], [125, '2m05s'], [3599, '59m59s'], [3600, '1h00m'],
    [7322, '2h02m'], [Number.POSITIVE_INFINITY, '--'], [Number.NaN, '--'], [-3, '--'],
  ])('formatDuration(%d) = %s', (n, s) => expect(formatDuration(n)).toBe(s));

  it.each([[0, '0'], [999, '999'], [1234567, '1,234,567'], [2.345, '2.3'], [12.6, '13'], [Number.NaN, '?']])(
    'formatCount(%d) = %s', (n, s) => expect(formatCount(n)).toBe(s),
  );

  it('draws bars clamped to 0..1', () => {
    expect(bar(0, 4)).toBe('░░░░');
    expect(bar(0.5, 4)).toBe('██░░');
    expect(bar(1, 4)).toBe('████');
    expect(bar(2, 4)).toBe('████');
    expect(bar(-1, 4)).toBe('░░░░');
    expect(bar(Number.NaN, 4)).toBe('░░░░');
  });
});

describe('formatUpload', () => {
  it('shows percent, bytes, rows, rate and ETA when the total is known', () => {
    const line = formatUpload({ bytesSent: 1024 ** 2, bytesTotal: 4 * 1024 ** 2, rowsSent: 10_000, elapsedMs: 2000 }, 8);
    expect(line).toBe('[██░░░░░░]  25%  1.00 MiB / 4.00 MiB  10,000 rows  5,000 rows/s  ETA 6s');
  });

  it('has no bar and no ETA for a stream of unknown size', () => {
    expect(formatUpload({ bytesSent: 2048, rowsSent: 10, elapsedMs: 1000 })).toBe('2.00 KiB  10 rows  10 rows/s');
  });

  it('copes with the first instant (no time elapsed) and with the end', () => {
    expect(formatUpload({ bytesSent: 0, bytesTotal: 100, rowsSent: 0, elapsedMs: 0 }, 4)).toBe('[░░░░]   0%  0 B / 100 B  0 rows  0 rows/s  ETA --');
    expect(formatUpload({ bytesSent: 100, bytesTotal: 100, rowsSent: 3, elapsedMs: 1000 }, 4)).toBe('[████] 100%  100 B / 100 B  3 rows  3 rows/s  ETA 0s');
  });
});

describe('formatReplay', () => {
  it('uses the server rate when given, else its own', () => {
    expect(formatReplay({ replayed: 250_000, total: 1_000_000, elapsedMs: 5000, ratePerSecond: 50_000 }, 4)).toBe(
      '[█░░░]  25%  250,000 / 1,000,000 events  50,000 events/s  ETA 15s',
    );
    expect(formatReplay({ replayed: 300, total: null, elapsedMs: 3000 })).toBe('300 events  100 events/s');
  });
});

describe('ProgressLine', () => {
  function sink(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, out: { isTTY, write: (s: string) => writes.push(s) } };
  }

  it('redraws in place on a TTY at most every 100 ms, and always when forced', () => {
    let now = 0;
    const { writes, out } = sink(true);
    const p = new ProgressLine(out, { now: () => now });
    expect(p.update('a')).toBe(true);
    now = 50;
    expect(p.update('b')).toBe(false);
    now = 100;
    expect(p.update('c')).toBe(true);
    now = 101;
    expect(p.update('d', true)).toBe(true);
    p.done();
    expect(writes).toEqual(['\r\x1b[2Ka', '\r\x1b[2Kc', '\r\x1b[2Kd', '\n']);
  });

  it('prints plain lines, less often, when not on a TTY', () => {
    let now = 0;
    const { writes, out } = sink(false);
    const p = new ProgressLine(out, { now: () => now });
    p.update('a');
    now = 1000;
    p.update('b');
    now = 2000;
    p.update('c');
    p.done('end');
    expect(writes).toEqual(['a\n', 'c\n', 'end\n']);
  });
});
