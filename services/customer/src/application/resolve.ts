// Other services (the purchase import, shop integrations) refer to customers by their own ids. This maps
// a batch of such ids to customer ids, creating a prospect for each one not known yet. Imports send
// thousands of new ids at a time, so creation is set-based: a few multi-row statements per chunk rather
// than the dozen round trips of creating one customer through the API path.
import { newId } from '@crm/contracts';
import type { Db } from '../db.ts';
import { enqueue } from '@crm/event-bus';
import { builders } from '../events/publish.ts';
import type { CustomerView } from '../schemas.ts';
import type { Actor } from './context.ts';

const CHUNK = 500;

function prospectView(id: string, source: string, externalId: string, at: Date): CustomerView {
  const iso = at.toISOString();
  return {
    id, kind: 'person', firstName: null, lastName: null, organisationName: null, organisationId: null, stage: 'prospect',
    ownerId: null, country: null, timeZone: null, locale: null, birthday: null, emails: [], phones: [], addresses: [],
    externalIds: [{ source, id: externalId }], tags: [], attributes: {}, consents: [], version: 1, createdAt: iso, updatedAt: iso,
  };
}

export async function resolveExternalIds(db: Db, source: string, externalIds: string[], actor: Actor) {
  const wanted = [...new Set(externalIds)];
  const known = await db.externalId.findMany({ where: { source, externalId: { in: wanted } } });
  const mapping: Record<string, string> = Object.fromEntries(known.map((k) => [k.externalId, k.customerId]));
  // Sorted, so concurrent resolvers take their locks in one order and cannot deadlock.
  const missing = wanted.filter((id) => !(id in mapping)).sort();
  let created = 0;
  for (let i = 0; i < missing.length; i += CHUNK) {
    const chunk = missing.slice(i, i + CHUNK);
    await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        'SELECT pg_advisory_xact_lock(hashtext($1 || x)) FROM unnest($2::text[]) AS x ORDER BY x',
        `ext:${source}:`,
        chunk,
      );
      // Another resolver may have created some of them since the read above: look again under the locks.
      const raced = await tx.externalId.findMany({ where: { source, externalId: { in: chunk } } });
      for (const r of raced) mapping[r.externalId] = r.customerId;
      const fresh = chunk.filter((id) => !raced.some((r) => r.externalId === id));
      if (fresh.length === 0) return;

      const now = new Date();
      const rows = fresh.map((externalId) => ({ externalId, id: newId('cus') }));
      await tx.customer.createMany({ data: rows.map((r) => ({ id: r.id, kind: 'person', stage: 'prospect', tags: [], createdAt: now, updatedAt: now })) });
      await tx.externalId.createMany({ data: rows.map((r) => ({ source, externalId: r.externalId, customerId: r.id, createdAt: now })) });
      await tx.stageChange.createMany({ data: rows.map((r) => ({ customerId: r.id, fromStage: null, toStage: 'prospect', reason: 'registered', changedAt: now })) });
      await tx.auditEntry.createMany({ data: rows.map((r) => ({ customerId: r.id, actor: actor.sub, action: 'customer.created', fields: [], requestId: actor.requestId ?? null })) });
      const views = rows.map((r) => prospectView(r.id, source, r.externalId, now));
      await enqueue(tx, views.flatMap((v) => [builders.registered(v, actor, 'purchase_import'), builders.profile(v, actor)]));
      for (const r of rows) mapping[r.externalId] = r.id;
      created += rows.length;
    }, { timeout: 120_000 });
  }
  return { source, mapping, created };
}
