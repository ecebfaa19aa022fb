// An event definition ties a CloudEvent type to its topic and its data schema.
import type { z } from 'zod';
import { cloudEventSchema, EVENT_TYPE_PATTERN, type CloudEvent } from './envelope.ts';
import { topics, type TopicName } from './topics.ts';

export interface EventDefinition<D = unknown, T extends string = string> {
  readonly type: T;
  readonly topic: TopicName;
  readonly description: string;
  /** Schema of `data` (a zod object). */
  readonly data: z.ZodType<D>;
  /** Schema of the whole envelope with `type` pinned to this definition. */
  readonly envelope: z.ZodType<CloudEvent<D>>;
}

/** The data type of a definition: `EventData<typeof customerRegistered>`. */
export type EventData<E> = E extends EventDefinition<infer D> ? D : never;

export function defineEvent<const T extends string, S extends z.ZodObject>(spec: {
  type: T;
  topic: TopicName;
  description: string;
  data: S;
}): EventDefinition<z.output<S>, T> {
  // Checked at import time so a typo cannot reach a broker.
  if (!EVENT_TYPE_PATTERN.test(spec.type)) throw new Error(`defineEvent: bad type "${spec.type}"`);
  if (!topics.some((t) => t.name === spec.topic)) throw new Error(`defineEvent: undeclared topic "${spec.topic}"`);
  return {
    type: spec.type,
    topic: spec.topic,
    description: spec.description,
    data: spec.data as unknown as z.ZodType<z.output<S>>,
    envelope: cloudEventSchema(spec.data, spec.type) as unknown as z.ZodType<CloudEvent<z.output<S>>>,
  };
}

/** Narrows a parsed event to one definition: `if (isEvent(customerMerged, e)) e.data.survivorId`. */
export function isEvent<D>(def: EventDefinition<D>, event: CloudEvent): event is CloudEvent<D> {
  return event.type === def.type;
}
