import type { CloudEvent } from '@crm/contracts';

/** Kafka headers of an event, per docs/platform-api.md (all values are strings). */
export function eventHeaders(event: CloudEvent): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents+json',
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
  };
  if (event.correlationid) headers['x-request-id'] = event.correlationid;
  if (event.causationid) headers['causation-id'] = event.causationid;
  return headers;
}

/** kafkajs header values (Buffer, string or arrays of them) as plain strings; the first value wins. */
export function headersToStrings(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
