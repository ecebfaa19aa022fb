// Kafka topics of the platform. One topic per service stream, keyed by customer id (the event subject),
// so all events of one customer stay in order within a partition.
export type CleanupPolicy = 'delete' | 'compact';
/** Who writes to a topic: a service, or external integrators (the ingest topic). */
export type TopicProducer = 'customer' | 'interaction' | 'ticketing' | 'marketing-campaign' | 'analytics' | 'integrators';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** -1 = keep forever. Omitted = broker default. */
  readonly retentionMs?: number;
  /** The dead-letter twin of this topic, or null for a DLQ itself. */
  readonly dlq: string | null;
  readonly description: string;
  readonly producer: TopicProducer;
}

const DAY_MS = 24 * 60 * 60 * 1000;

// History topics keep everything: analytics rebuilds its projections by replaying them from the start,
// which is only possible because they carry no raw personal data (erasure never needs to rewrite them).
const mainTopics = [
  { name: 'crm.customer', partitions: 6, cleanupPolicy: 'delete', retentionMs: -1, producer: 'customer',
    description: 'Customer history: registration, lifecycle, consent, tags, leads, merges, erasure. Ids and codes only.' },
  { name: 'crm.customer.profile', partitions: 6, cleanupPolicy: 'compact', producer: 'customer',
    description: 'Latest contact profile per customer (personal data). Compacted; a tombstone (null value) on erasure.' },
  { name: 'crm.interaction', partitions: 6, cleanupPolicy: 'delete', retentionMs: -1, producer: 'interaction',
    description: 'Interactions on every channel, purchases, refunds and survey answers. No free text.' },
  { name: 'crm.interaction.ingest', partitions: 6, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS, producer: 'integrators',
    description: 'Commands from integrators (shops, ERP): record a purchase or an interaction. Invalid ones go to the DLQ.' },
  { name: 'crm.ticket', partitions: 6, cleanupPolicy: 'delete', retentionMs: -1, producer: 'ticketing',
    description: 'Ticket lifecycle, SLA breaches, escalations and satisfaction ratings.' },
  { name: 'crm.marketing', partitions: 6, cleanupPolicy: 'delete', retentionMs: -1, producer: 'marketing-campaign',
    description: 'Segment membership, campaign states, message outcomes and journeys.' },
  { name: 'crm.loyalty', partitions: 6, cleanupPolicy: 'delete', retentionMs: -1, producer: 'marketing-campaign',
    description: 'Loyalty points ledger, tiers and redemptions.' },
  { name: 'crm.analytics', partitions: 6, cleanupPolicy: 'delete', retentionMs: -1, producer: 'analytics',
    description: 'Customer value and churn-risk signals derived from the event stream.' },
] as const satisfies ReadonlyArray<Omit<TopicSpec, 'dlq'>>;

export type MainTopicName = (typeof mainTopics)[number]['name'];
export type TopicName = MainTopicName | `${MainTopicName}.dlq`;

/** The dead-letter topic of any topic (also of test topics with a random suffix). */
export function dlqOf<T extends string>(topic: T): `${T}.dlq` {
  return `${topic}.dlq`;
}

/** Every topic with its DLQ twin declared after it. */
export const topics: readonly TopicSpec[] = mainTopics.flatMap((t): TopicSpec[] => [
  { ...t, dlq: dlqOf(t.name) },
  {
    name: dlqOf(t.name),
    partitions: 1,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    dlq: null,
    producer: t.producer,
    description: `Dead letters of ${t.name}: messages that failed after retries; reason in the x-error headers.`,
  },
]);

export function allTopicNames(): TopicName[] {
  return topics.map((t) => t.name as TopicName);
}

export function topicSpec(name: string): TopicSpec | undefined {
  return topics.find((t) => t.name === name);
}
