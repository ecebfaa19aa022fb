// Times arrive as ISO 8601 date-times (with Z or an offset; none means UTC) or plain dates (midnight UTC).
// Hand-parsed (no library): the import calls this once per row, 100,000 times for a large file.
export type DateCheck = { ok: true; value: Date } | { ok: false; message: string };

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2})?)?)?$/;

export function parseIsoTime(raw: string | undefined | null): DateCheck {
  const text = (raw ?? '').trim();
  if (text === '') return { ok: false, message: 'occurred_at is missing' };
  const m = ISO.exec(text);
  if (!m) return { ok: false, message: `occurred_at is not an ISO 8601 date or time: ${text}` };
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (year! < 1900 || year! > 2200) return { ok: false, message: `occurred_at is out of range: ${text}` };
  const local = Date.UTC(year!, month! - 1, day!, hour, minute, second, ms);
  const check = new Date(local);
  // Date.UTC rolls 2025-02-30 over to March: a changed field means the date does not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, message: `occurred_at is not a valid date: ${text}` };
  }
  let offsetMinutes = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11] ?? 0);
    if (oh > 18 || om > 59) return { ok: false, message: `occurred_at has an invalid offset: ${text}` };
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return { ok: true, value: new Date(local - offsetMinutes * 60_000) };
}
