// Builds the published artifacts in memory from the registry: one JSON Schema per event type and an
// AsyncAPI 3.0 document. generate.ts writes them; check-compat.ts compares them with the committed copy.
import { z } from 'zod';
import { eventRegistry, type EventRegistry } from '../../src/registry.ts';
import { topics, type TopicSpec } from '../../src/topics.ts';
import { CLOUDEVENTS_CONTENT_TYPE, headerNames } from '../../src/kafka-message.ts';

export type JsonSchema = Record<string, unknown>;

export interface Artifacts {
  /** type → JSON Schema (draft 2020-12) of the full envelope. */
  schemas: Record<string, JsonSchema>;
  asyncapi: Record<string, unknown>;
}

export function envelopeJsonSchema(type: string, registry: EventRegistry = eventRegistry): JsonSchema {
  const def = registry.get(type);
  if (!def) throw new Error(`unknown event type ${type}`);
  // io 'input' leaves objects open (no additionalProperties: false), so a consumer validating with an
  // older schema still accepts events that gained an optional field.
  const { $schema, ...rest } = z.toJSONSchema(def.envelope, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
  return { $schema, $id: `${type}.json`, title: type, description: def.description, ...rest };
}

const PRODUCER_TITLES: Record<TopicSpec['producer'], string> = {
  customer: 'customer service',
  interaction: 'interaction service',
  ticketing: 'ticketing service',
  'marketing-campaign': 'marketing-campaign service',
  analytics: 'analytics service',
  integrators: 'integrators (shops, ERP)',
};

function kafkaTopicBinding(t: TopicSpec) {
  const config: Record<string, unknown> = { 'cleanup.policy': [t.cleanupPolicy] };
  if (t.retentionMs !== undefined) config['retention.ms'] = t.retentionMs;
  return { kafka: { topic: t.name, partitions: t.partitions, topicConfiguration: config, bindingVersion: '0.5.0' } };
}

const messageHeaders = {
  type: 'object',
  properties: {
    [headerNames.contentType]: { type: 'string', const: CLOUDEVENTS_CONTENT_TYPE },
    [headerNames.id]: { type: 'string', description: 'CloudEvent id' },
    [headerNames.type]: { type: 'string', description: 'CloudEvent type' },
    [headerNames.source]: { type: 'string', description: 'CloudEvent source' },
    [headerNames.requestId]: { type: 'string', description: 'Request id that started the chain' },
    [headerNames.causationId]: { type: 'string', description: 'Id of the event that caused this one' },
  },
  required: [headerNames.contentType, headerNames.id, headerNames.type, headerNames.source],
};

export function buildAsyncApi(version: string, registry: EventRegistry = eventRegistry): Record<string, unknown> {
  const types = [...registry.keys()].sort();
  const messages: Record<string, unknown> = {};
  for (const type of types) {
    const def = registry.get(type)!;
    messages[type] = {
      name: type,
      title: type,
      summary: def.description,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      headers: messageHeaders,
      payload: {
        schemaFormat: 'application/schema+json;version=draft-2020-12',
        schema: { $ref: `./schemas/${type}.json` },
      },
      bindings: { kafka: { key: { type: 'string', description: 'The event subject (customer id for customer events).' }, bindingVersion: '0.5.0' } },
    };
  }
  const tombstone = 'crm.customer.profile.tombstone';
  messages[tombstone] = {
    name: tombstone,
    title: 'Profile tombstone',
    summary: 'Null value keyed by customer id: the profile was erased (or merged away). Drop what you hold for that key.',
    payload: { type: 'null' },
    bindings: { kafka: { key: { type: 'string' }, bindingVersion: '0.5.0' } },
  };

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const t of topics) {
    const onTopic = types.filter((type) => registry.get(type)!.topic === t.name);
    if (t.name === 'crm.customer.profile') onTopic.push(tombstone);
    const channelMessages = Object.fromEntries(onTopic.map((m) => [m, { $ref: `#/components/messages/${m}` }]));
    channels[t.name] = {
      address: t.name,
      title: t.name,
      description: t.description,
      ...(onTopic.length > 0 ? { messages: channelMessages } : {}),
      bindings: kafkaTopicBinding(t),
    };
    if (onTopic.length > 0) {
      operations[`${t.producer}.send.${t.name}`] = {
        action: 'send',
        title: `${PRODUCER_TITLES[t.producer]} publishes to ${t.name}`,
        channel: { $ref: `#/channels/${t.name}` },
        messages: onTopic.map((m) => ({ $ref: `#/channels/${t.name}/messages/${m}` })),
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Operational CRM events',
      version,
      description:
        'CloudEvents 1.0 (structured mode, JSON) on Apache Kafka. Key = event subject, so one customer\'s events ' +
        'stay in order. History topics carry no raw personal data; contact data is only on the compacted ' +
        'crm.customer.profile topic, which gets a tombstone on erasure. A breaking change is a new type (.v2).',
    },
    defaultContentType: CLOUDEVENTS_CONTENT_TYPE,
    servers: { local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'Local single-node KRaft broker' } },
    channels,
    operations,
    components: { messages },
  };
}

export function buildArtifacts(version: string, registry: EventRegistry = eventRegistry): Artifacts {
  const schemas: Record<string, JsonSchema> = {};
  for (const type of [...registry.keys()].sort()) schemas[type] = envelopeJsonSchema(type, registry);
  return { schemas, asyncapi: buildAsyncApi(version, registry) };
}

/** Stable text form of a generated file. */
export function toFileText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
