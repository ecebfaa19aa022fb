import type { LifecycleStage } from '@crm/contracts';

/** The parts of a customer a merge combines. */
export interface MergeSide {
  id: string;
  stage: LifecycleStage;
  profile: Record<string, string | null>;
  tags: readonly string[];
  contactPoints: readonly { type: string; normalized: string; primary: boolean }[];
  consents: readonly { channel: string; purpose: string; granted: boolean; recordedAt: Date }[];
  attributes: Record<string, unknown>;
}

export interface MergePlan {
  profile: Record<string, string | null>;
  stage: LifecycleStage;
  tags: string[];
  /** normalized values of the merged customer's contact points the survivor takes over */
  contactPointsToMove: string[];
  /** consent rows to write on the survivor: the most recent decision per channel and purpose wins */
  consents: MergeSide['consents'][number][];
  attributes: Record<string, unknown>;
  changedFields: string[];
}

const purchased: ReadonlySet<LifecycleStage> = new Set(['new', 'active', 'at_risk', 'churned', 'won_back']);

/**
 * The survivor's own values always win; the merged customer only fills gaps. The exception is the
 * lifecycle stage: a survivor that never bought keeps no 'lead' stage when its twin is a paying customer.
 */
export function planMerge(survivor: MergeSide, merged: MergeSide): MergePlan {
  if (survivor.id === merged.id) throw new Error('a customer cannot be merged into itself');
  const changedFields: string[] = [];

  const profile: Record<string, string | null> = { ...survivor.profile };
  for (const [field, value] of Object.entries(merged.profile)) {
    if ((profile[field] === null || profile[field] === undefined) && value !== null && value !== undefined) {
      profile[field] = value;
      changedFields.push(field);
    }
  }

  const stage = !purchased.has(survivor.stage) && purchased.has(merged.stage) ? merged.stage : survivor.stage;
  if (stage !== survivor.stage) changedFields.push('stage');

  const tags = [...new Set([...survivor.tags, ...merged.tags])].sort();
  if (tags.length !== survivor.tags.length) changedFields.push('tags');

  const held = new Set(survivor.contactPoints.map((c) => `${c.type}:${c.normalized}`));
  const contactPointsToMove = merged.contactPoints
    .filter((c) => !held.has(`${c.type}:${c.normalized}`))
    .map((c) => c.normalized);
  if (contactPointsToMove.length > 0) changedFields.push('contactPoints');

  const latest = new Map<string, MergeSide['consents'][number]>();
  for (const consent of [...survivor.consents, ...merged.consents]) {
    const key = `${consent.channel}:${consent.purpose}`;
    const current = latest.get(key);
    if (!current || consent.recordedAt.getTime() > current.recordedAt.getTime()) latest.set(key, consent);
  }
  const consents = [...latest.values()].filter((c) => !survivor.consents.includes(c));
  if (consents.length > 0) changedFields.push('consents');

  const attributes = { ...merged.attributes, ...survivor.attributes };
  if (Object.keys(attributes).length !== Object.keys(survivor.attributes).length) changedFields.push('attributes');

  return { profile, stage, tags, contactPointsToMove, consents, attributes, changedFields };
}
