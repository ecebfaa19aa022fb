// Corrections: which facts changed between two versions of an interaction.
export const correctableFields = [
  'channel', 'direction', 'kind', 'intent', 'subject', 'summary', 'agentId', 'occurredAt', 'durationSeconds', 'outcome',
  'ticketId', 'campaignId', 'queueId', 'queueWaitSeconds', 'handleSeconds', 'firstContactResolution',
] as const;
export type CorrectableField = (typeof correctableFields)[number];

const comparable = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);

/** Fields of `patch` whose value differs from `current` (null clears a field; absent leaves it). */
export function changedFields(current: Partial<Record<CorrectableField, unknown>>, patch: Partial<Record<CorrectableField, unknown>>): CorrectableField[] {
  return correctableFields.filter((f) => f in patch && patch[f] !== undefined && comparable(patch[f]) !== comparable(current[f]));
}
