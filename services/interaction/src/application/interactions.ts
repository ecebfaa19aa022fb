// Interactions: record, read, correct (every earlier version kept whole in interaction_revision), search.
import { newId } from '@crm/contracts';
import { decodeCursor, encodeCursor, HttpProblem } from '@crm/service-kit';
import { z } from 'zod';
import type { Db, Tx } from '../db.ts';
import { changedFields, correctableFields } from '../domain/interaction.ts';
import { publishers } from '../events/publish.ts';
import type { Interaction } from '../generated/prisma/client.ts';
import type { InteractionCreate, InteractionPatch, InteractionView } from '../schemas.ts';
import type { Actor } from './context.ts';
import { requireCustomer, type CustomerDirectory } from './customer-directory.ts';

export function toInteractionView(r: Interaction): InteractionView {
  return {
    ...r,
    occurredAt: r.occurredAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const notFound = (id: string) => new HttpProblem(404, 'Not Found', `interaction ${id} not found`);

export type NewInteraction = Omit<InteractionCreate, 'customerId'> & { externalId?: string | undefined };

/** Records an interaction for a live customer id inside the caller's transaction, with its event. */
export async function recordInteractionTx(tx: Tx, customerId: string, input: NewInteraction, source: 'api' | 'ingest', actor: Actor): Promise<Interaction> {
  const now = new Date();
  const row = await tx.interaction.create({
    data: {
      id: newId('int'),
      customerId,
      externalId: input.externalId ?? null,
      channel: input.channel,
      direction: input.direction,
      kind: input.kind,
      intent: input.intent ?? null,
      subject: input.subject ?? null,
      summary: input.summary ?? null,
      agentId: input.agentId ?? null,
      occurredAt: new Date(input.occurredAt),
      durationSeconds: input.durationSeconds ?? null,
      outcome: input.outcome ?? null,
      ticketId: input.ticketId ?? null,
      campaignId: input.campaignId ?? null,
      queueId: input.queueId ?? null,
      queueWaitSeconds: input.queueWaitSeconds ?? null,
      handleSeconds: input.handleSeconds ?? null,
      firstContactResolution: input.firstContactResolution ?? null,
      source,
      createdAt: now,
      updatedAt: now,
    },
  });
  await publishers.interactionRecorded(tx, row, actor);
  return row;
}

export async function recordInteraction(db: Db, directory: CustomerDirectory, input: InteractionCreate, actor: Actor): Promise<InteractionView> {
  const { customerId, ...rest } = input;
  return db.$transaction(async (tx) => toInteractionView(await recordInteractionTx(tx, await requireCustomer(directory, tx, customerId), rest, 'api', actor)));
}

export async function getInteraction(db: Db | Tx, id: string): Promise<InteractionView> {
  const row = await db.interaction.findUnique({ where: { id } });
  if (!row) throw notFound(id);
  return toInteractionView(row);
}

/** Snapshot of the facts of a version, as stored in interaction_revision.data. */
function snapshot(r: Interaction): Record<string, unknown> {
  const out: Record<string, unknown> = { customerId: r.customerId };
  for (const f of correctableFields) out[f] = r[f] instanceof Date ? (r[f] as Date).toISOString() : r[f];
  return out;
}

export async function correctInteraction(db: Db, id: string, expectedVersion: number, patch: InteractionPatch, actor: Actor): Promise<InteractionView> {
  return db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id FROM interaction WHERE id = $1 FOR UPDATE', id);
    if (!locked) throw notFound(id);
    const current = await tx.interaction.findUniqueOrThrow({ where: { id } });
    if (current.version !== expectedVersion) {
      throw new HttpProblem(409, 'Conflict', `interaction ${id} is at version ${current.version}, not ${expectedVersion}`, { currentVersion: current.version });
    }
    const normalised: Record<string, unknown> = { ...patch };
    if (patch.occurredAt) normalised.occurredAt = new Date(patch.occurredAt);
    const changed = changedFields(current, normalised);
    if (changed.length === 0) return toInteractionView(current);
    await tx.interactionRevision.create({
      data: { interactionId: id, version: current.version, data: snapshot(current) as object, changedFields: changed, changedBy: actor.sub, changedAt: current.updatedAt },
    });
    const data: Record<string, unknown> = {};
    for (const f of changed) data[f] = normalised[f];
    const updated = await tx.interaction.update({ where: { id }, data: { ...data, version: current.version + 1, corrected: true, updatedAt: new Date() } });
    await publishers.interactionCorrected(tx, updated, updated.version, changed, actor);
    return toInteractionView(updated);
  });
}

/** Every version, newest first: the current one, then each earlier one as it was. */
export async function interactionRevisions(db: Db, id: string) {
  const current = await db.interaction.findUnique({ where: { id }, include: { revisions: { orderBy: { version: 'desc' } } } });
  if (!current) throw notFound(id);
  // The revision row of version n records what changed from n to n+1 and who changed it.
  const byVersion = new Map(current.revisions.map((r) => [r.version, r]));
  const next = (v: number) => byVersion.get(v);
  return [
    { version: current.version, current: true, changedFields: next(current.version - 1)?.changedFields ?? [], changedBy: next(current.version - 1)?.changedBy ?? null, changedAt: current.updatedAt.toISOString(), data: snapshot(current) },
    ...current.revisions.map((r) => ({
      version: r.version,
      current: false,
      changedFields: next(r.version - 1)?.changedFields ?? [],
      changedBy: next(r.version - 1)?.changedBy ?? null,
      changedAt: r.changedAt.toISOString(),
      data: r.data as Record<string, unknown>,
    })),
  ];
}

const cursorSchema = z.object({ t: z.string(), id: z.string() });

/** Text search over subject and summary (full-text, 'simple' configuration), newest first. */
export async function searchInteractions(db: Db, query: { q?: string | undefined; customerId?: string | undefined; limit: number; cursor?: string | undefined }) {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => `$${args.push(v)}`;
  if (query.q) where.push(`to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(summary, '')) @@ websearch_to_tsquery('simple', ${arg(query.q)})`);
  if (query.customerId) where.push(`customer_id = ${arg(query.customerId)}`);
  if (query.cursor) {
    const c = decodeCursor(query.cursor, cursorSchema);
    where.push(`(occurred_at, id) < (${arg(c.t)}::timestamptz, ${arg(c.id)})`);
  }
  const sql = `SELECT id FROM interaction ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY occurred_at DESC, id DESC LIMIT ${arg(query.limit + 1)}`;
  const ids = (await db.$queryRawUnsafe<{ id: string }[]>(sql, ...args)).map((r) => r.id);
  const page = ids.slice(0, query.limit);
  const rows = await db.interaction.findMany({ where: { id: { in: page } }, orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }] });
  const last = rows.at(-1);
  return {
    items: rows.map(toInteractionView),
    nextCursor: ids.length > query.limit && last ? encodeCursor({ t: last.occurredAt.toISOString(), id: last.id }) : null,
  };
}
