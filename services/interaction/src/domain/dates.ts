// Times arrive as ISO 8601 date-times (with Z or an offset; none means UTC) or plain dates (midnight UTC).
import { DateTime } from 'luxon';

export type DateCheck = { ok: true; value: Date } | { ok: false; message: string };

const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

export function parseIsoTime(raw: string | undefined | null): DateCheck {
  const text = (raw ?? '').trim();
  if (text === '') return { ok: false, message: 'occurred_at is missing' };
  if (!ISO_SHAPE.test(text)) return { ok: false, message: `occurred_at is not an ISO 8601 date or time: ${text}` };
  const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone: 'utc', setZone: true });
  if (!parsed.isValid) return { ok: false, message: `occurred_at is not a valid date: ${text} (${parsed.invalidReason ?? 'invalid'})` };
  const year = parsed.toUTC().year;
  if (year < 1900 || year > 2200) return { ok: false, message: `occurred_at is out of range: ${text}` };
  return { ok: true, value: parsed.toJSDate() };
}
