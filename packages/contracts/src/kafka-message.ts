// The one mapping between a CloudEvent and a Kafka record (CloudEvents Kafka binding, structured mode),
// shared by the event bus and any independent subscriber so both read and write the same bytes.
import type { CloudEvent } from './envelope.ts';
import { EventParseError } from './errors.ts';
import { parseEvent, type ParseOptions } from './registry.ts';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

export const headerNames = {
  contentType: 'content-type',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  requestId: 'x-request-id',
  causationId: 'causation-id',
} as const;

export interface KafkaMessageOut {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** What a consumer receives (kafkajs shape: Buffers, headers possibly arrays or undefined). */
export interface KafkaMessageIn {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

/** Key = subject, so all events of one customer land in one partition in order. */
export function toKafkaMessage(event: CloudEvent, options: { requestId?: string | undefined } = {}): KafkaMessageOut {
  const headers: Record<string, string> = {
    [headerNames.contentType]: CLOUDEVENTS_CONTENT_TYPE,
    [headerNames.id]: event.id,
    [headerNames.type]: event.type,
    [headerNames.source]: event.source,
  };
  // Headers let a consumer route or trace without parsing the value; the envelope stays the truth.
  const requestId = options.requestId ?? event.correlationid;
  if (requestId !== undefined) headers[headerNames.requestId] = requestId;
  if (event.causationid !== undefined) headers[headerNames.causationId] = event.causationid;
  return { key: event.subject, value: JSON.stringify(event), headers };
}

/** A null value on a compacted topic: the key was deleted (e.g. an erased customer's profile). */
export function isTombstone(message: KafkaMessageIn): boolean {
  return message.value === null;
}

export function headerValue(message: KafkaMessageIn, name: string): string | undefined {
  const raw = message.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Parses and validates a record's value. Throws EventParseError (tombstones included: check isTombstone first). */
export function fromKafkaMessage(message: KafkaMessageIn, options: ParseOptions = {}): CloudEvent {
  if (message.value === null) throw new EventParseError('tombstone: the message has no value');
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString());
  } catch (error) {
    throw new EventParseError(`message value is not JSON: ${(error as Error).message}`);
  }
  const event = parseEvent(json, options);
  // A producer that only set the header still gets its request id carried on.
  const requestId = headerValue(message, headerNames.requestId);
  if (event.correlationid === undefined && requestId !== undefined) event.correlationid = requestId;
  return event;
}
