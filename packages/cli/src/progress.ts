// Progress reporting for long uploads and replays: pure formatting functions (unit-tested) and a reporter
// that redraws one status line on a TTY at most 10 times a second, or prints plain lines otherwise.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** Seconds → '42s', '3m05s', '1h02m'. Unknown (NaN/Infinity/negative) → '--'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** 1234567 → '1,234,567'; rates keep one decimal below 10. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const rounded = n < 10 && !Number.isInteger(n) ? Number(n.toFixed(1)) : Math.round(n);
  return rounded.toLocaleString('en-US');
}

export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export type UploadState = {
  bytesSent: number;
  /** total size, when known (a file) */
  bytesTotal?: number;
  rowsSent: number;
  elapsedMs: number;
};

/** One status line: `[████░░░░] 42%  1.2 MiB / 2.9 MiB  10,000 rows  5,000 rows/s  ETA 3s`. */
export function formatUpload(s: UploadState, width = 24): string {
  const secs = s.elapsedMs / 1000;
  const rowRate = secs > 0 ? s.rowsSent / secs : 0;
  const byteRate = secs > 0 ? s.bytesSent / secs : 0;
  const parts: string[] = [];
  if (s.bytesTotal !== undefined && s.bytesTotal > 0) {
    const f = s.bytesSent / s.bytesTotal;
    parts.push(`[${bar(f, width)}] ${String(Math.floor(Math.min(1, f) * 100)).padStart(3)}%`);
    parts.push(`${formatBytes(s.bytesSent)} / ${formatBytes(s.bytesTotal)}`);
  } else {
    parts.push(formatBytes(s.bytesSent));
  }
  parts.push(`${formatCount(s.rowsSent)} rows`);
  parts.push(`${formatCount(rowRate)} rows/s`);
  if (s.bytesTotal !== undefined && s.bytesTotal > 0) {
    const left = s.bytesTotal - s.bytesSent;
    parts.push(`ETA ${left <= 0 ? '0s' : formatDuration(byteRate > 0 ? left / byteRate : Number.NaN)}`);
  }
  return parts.join('  ');
}

export type ReplayState = { replayed: number; total?: number | null; elapsedMs: number; ratePerSecond?: number | null };

/** `[██░░] 12%  120,000 / 1,000,000 events  40,000 events/s  ETA 22s`. */
export function formatReplay(s: ReplayState, width = 24): string {
  const secs = s.elapsedMs / 1000;
  const rate = s.ratePerSecond ?? (secs > 0 ? s.replayed / secs : 0);
  const parts: string[] = [];
  if (s.total) {
    const f = s.replayed / s.total;
    parts.push(`[${bar(f, width)}] ${String(Math.floor(Math.min(1, f) * 100)).padStart(3)}%`);
    parts.push(`${formatCount(s.replayed)} / ${formatCount(s.total)} events`);
  } else parts.push(`${formatCount(s.replayed)} events`);
  parts.push(`${formatCount(rate)} events/s`);
  if (s.total) parts.push(`ETA ${formatDuration(rate > 0 ? (s.total - s.replayed) / rate : Number.NaN)}`);
  return parts.join('  ');
}

type Out = { isTTY?: boolean; write(s: string): unknown };

/**
 * Draws a status line. On a TTY the line is redrawn in place, at most every `intervalMs` (100 ms = 10×/s);
 * elsewhere (CI logs, pipes) a plain line is printed at most every `plainIntervalMs`.
 */
export class ProgressLine {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly out: Out = process.stderr,
    private readonly opts: { intervalMs?: number; plainIntervalMs?: number; now?: () => number } = {},
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Draws unless the last draw was too recent; `force` draws anyway (use for the final state). */
  update(line: string, force = false): boolean {
    const now = (this.opts.now ?? Date.now)();
    const every = this.tty ? (this.opts.intervalMs ?? 100) : (this.opts.plainIntervalMs ?? 2000);
    if (!force && this.drawn && now - this.last < every) return false;
    this.last = now;
    this.drawn = true;
    this.out.write(this.tty ? `\r\x1b[2K${line}` : `${line}\n`);
    return true;
  }

  /** Ends the line on a TTY so later output starts on a fresh line. */
  done(line?: string): void {
    if (line !== undefined) this.update(line, true);
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
