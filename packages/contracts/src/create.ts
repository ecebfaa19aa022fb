// Builds a validated event, so an invalid event fails where it is made, not in some consumer later.
import { newId } from './ids.ts';
import type { CloudEvent } from './envelope.ts';
import type { EventDefinition } from './define.ts';
import { EventParseError } from './errors.ts';

export interface CreateEventInput<D> {
  /** Producing service, e.g. `/crm/customer`. */
  source: string;
  /** Aggregate id; the customer id for customer events. Becomes the Kafka key. */
  subject: string;
  data: D;
  id?: string;
  time?: string | Date;
  correlationId?: string | undefined;
  causationId?: string | undefined;
}

export function createEvent<D>(def: EventDefinition<D>, input: CreateEventInput<D>): CloudEvent<D> {
  const time = input.time instanceof Date ? input.time.toISOString() : (input.time ?? new Date().toISOString());
  const candidate: CloudEvent<D> = {
    specversion: '1.0',
    id: input.id ?? newId('evt'),
    source: input.source,
    type: def.type,
    time,
    subject: input.subject,
    datacontenttype: 'application/json',
    data: input.data,
  };
  if (input.correlationId !== undefined) candidate.correlationid = input.correlationId;
  if (input.causationId !== undefined) candidate.causationid = input.causationId;
  const result = def.envelope.safeParse(candidate);
  if (!result.success) throw new EventParseError(`invalid ${def.type} event`, result.error.issues, def.type);
  return result.data;
}
