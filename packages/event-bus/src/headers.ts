import { toKafkaMessage, type CloudEvent } from '@crm/contracts';

/**
 * Kafka headers of an event (content-type, ce_id, ce_type, ce_source, x-request-id, causation-id), from
 * @crm/contracts' toKafkaMessage so the bus and independent subscribers share one mapping.
 */
export function eventHeaders(event: CloudEvent): Record<string, string> {
  return toKafkaMessage(event).headers;
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
