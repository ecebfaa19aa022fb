// The one map from CloudEvent type to definition: consumers, the outbox relay and the generators use it
// (no reflection on names, no second list to forget).
import * as customer from './events/customer.ts';
import * as interaction from './events/interaction.ts';
import * as ticket from './events/ticket.ts';
import * as marketing from './events/marketing.ts';
import * as loyalty from './events/loyalty.ts';
import * as analytics from './events/analytics.ts';
import { anyCloudEventSchema, type CloudEvent } from './envelope.ts';
import type { EventDefinition } from './define.ts';
import { EventParseError } from './errors.ts';

export type EventRegistry = ReadonlyMap<string, EventDefinition>;

function buildRegistry(modules: Array<Record<string, unknown>>): Map<string, EventDefinition> {
  const registry = new Map<string, EventDefinition>();
  for (const mod of modules) {
    for (const def of Object.values(mod) as EventDefinition[]) {
      // Event modules export definitions only; anything else there is a mistake worth failing on.
      if (typeof def !== 'object' || def === null || !('envelope' in def)) throw new Error('event modules export only definitions');
      if (registry.has(def.type)) throw new Error(`duplicate event type ${def.type}`);
      registry.set(def.type, def);
    }
  }
  return registry;
}

export const eventRegistry: EventRegistry = buildRegistry([customer, interaction, ticket, marketing, loyalty, analytics]);

export interface ParseOptions {
  registry?: EventRegistry;
  /** Accept a well-formed envelope of a type this build does not know (data left unvalidated). */
  allowUnknownTypes?: boolean;
}

/** Validates the envelope, then the data against the schema of its type. Throws EventParseError. */
export function parseEvent(json: unknown, options: ParseOptions = {}): CloudEvent {
  const registry = options.registry ?? eventRegistry;
  const envelope = anyCloudEventSchema.safeParse(json);
  if (!envelope.success) throw new EventParseError('invalid CloudEvent envelope', envelope.error.issues);
  const def = registry.get(envelope.data.type);
  if (!def) {
    if (options.allowUnknownTypes) return envelope.data as CloudEvent;
    throw new EventParseError(`unknown event type ${envelope.data.type}`, [], envelope.data.type);
  }
  const full = def.envelope.safeParse(json);
  if (!full.success) throw new EventParseError(`invalid ${def.type} event`, full.error.issues, def.type);
  return full.data;
}

/** The topic an event goes to, from its type. */
export function topicOf(type: string, registry: EventRegistry = eventRegistry): string {
  const def = registry.get(type);
  if (!def) throw new EventParseError(`unknown event type ${type}`, [], type);
  return def.topic;
}
