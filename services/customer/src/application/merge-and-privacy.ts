// Merge, duplicate candidates, export and erasure: the operations that change who a customer is.
import type { LifecycleStage } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import type { Db } from '../db.ts';
import { scoreDuplicate, type DuplicateCandidateInput } from '../domain/duplicates.ts';
import { planMerge, type MergeSide } from '../domain/merge.ts';
import { publishers } from '../events/publish.ts';
import type { Actor } from './context.ts';
import { audit, resolveId } from './customers.ts';
import { loadCustomer, toView } from './view.ts';

type Loaded = NonNullable<Awaited<ReturnType<typeof loadCustomer>>>;

function mergeSide(c: Loaded): MergeSide {
  return {
    id: c.id,
    stage: c.stage as LifecycleStage,
    profile: {
      firstName: c.firstName,
      lastName: c.lastName,
      organisationName: c.organisationName,
      organisationId: c.organisationId,
      ownerId: c.ownerId,
      country: c.country,
      timeZone: c.timeZone,
      locale: c.locale,
      birthday: c.birthday,
    },
    tags: c.tags,
    contactPoints: c.contactPoints,
    consents: c.consents,
    attributes: c.attributes as Record<string, unknown>,
  };
}

/**
 * Folds `mergedId` into `survivorId`. The merged row stays as a pointer (merged_into_id) so its id keeps
 * resolving; its contact points, external ids and consents move to the survivor; `customer.merged` tells
 * every other service to re-key.
 */
export async function mergeCustomers(db: Db, survivorId: string, mergedId: string, actor: Actor) {
  if (survivorId === mergedId) throw new HttpProblem(400, 'Invalid merge', 'a customer cannot be merged into itself');
  return db.$transaction(async (tx) => {
    // Lock both rows in id order so two opposite merges cannot deadlock or both succeed.
    for (const id of [survivorId, mergedId].sort()) {
      await tx.$queryRawUnsafe('SELECT id FROM customer WHERE id = $1 FOR UPDATE', id);
    }
    const survivor = await loadCustomer(tx, survivorId);
    const merged = await loadCustomer(tx, mergedId);
    for (const [c, id] of [[survivor, survivorId], [merged, mergedId]] as const) {
      if (!c || c.erasedAt) throw new HttpProblem(404, 'Customer not found', `no customer ${id}`);
      if (c.mergedIntoId) throw new HttpProblem(409, 'Customer was merged', `customer ${id} was already merged into ${c.mergedIntoId}`);
    }
    const plan = planMerge(mergeSide(survivor!), mergeSide(merged!));
    const now = new Date();

    await tx.contactPoint.updateMany({ where: { customerId: mergedId, normalized: { in: plan.contactPointsToMove } }, data: { customerId: survivorId, primary: false } });
    await tx.contactPoint.deleteMany({ where: { customerId: mergedId } });
    await tx.externalId.updateMany({ where: { customerId: mergedId }, data: { customerId: survivorId } });
    for (const c of plan.consents) {
      const key = { customerId_channel_purpose: { customerId: survivorId, channel: c.channel, purpose: c.purpose } };
      const row = { granted: c.granted, source: 'merge', recordedAt: c.recordedAt };
      await tx.consent.upsert({ where: key, create: { customerId: survivorId, channel: c.channel, purpose: c.purpose, ...row }, update: row });
      await tx.consentHistory.create({ data: { customerId: survivorId, channel: c.channel, purpose: c.purpose, ...row } });
    }
    await tx.consent.deleteMany({ where: { customerId: mergedId } });
    await tx.customer.update({
      where: { id: survivorId },
      data: { ...plan.profile, stage: plan.stage, tags: plan.tags, attributes: plan.attributes as object, version: { increment: 1 }, updatedAt: now },
    });
    await tx.customer.update({ where: { id: mergedId }, data: { mergedIntoId: survivorId, version: { increment: 1 }, updatedAt: now } });
    // Anyone merged into the merged customer earlier now points straight at the survivor.
    await tx.customer.updateMany({ where: { mergedIntoId: mergedId, id: { not: mergedId } }, data: { mergedIntoId: survivorId } });
    if (plan.stage !== survivor!.stage) {
      await tx.stageChange.create({ data: { customerId: survivorId, fromStage: survivor!.stage, toStage: plan.stage, reason: 'merge', changedAt: now } });
    }
    await audit(tx, survivorId, actor, 'customer.merged', plan.changedFields);
    await audit(tx, mergedId, actor, 'customer.merged_into', ['mergedIntoId']);

    const view = toView((await loadCustomer(tx, survivorId))!);
    await publishers.merged(tx, survivorId, mergedId, actor);
    await publishers.profile(tx, view, actor);
    await publishers.profileTombstone(tx, mergedId);
    return { survivor: view, mergedId };
  });
}

/** Pairs of live customers that are likely one person, best first. Blocking keeps it to plausible pairs. */
export async function duplicateCandidates(db: Db, minScore: number, limit: number) {
  const pairs = await db.$queryRawUnsafe<{ a: string; b: string }[]>(
    `WITH live AS (SELECT id, first_name, last_name, organisation_name FROM customer WHERE erased_at IS NULL AND merged_into_id IS NULL),
          keys AS (
            SELECT id, 'n:' || lower(coalesce(last_name, organisation_name, '')) || ':' || left(lower(coalesce(first_name, '')), 1) AS k FROM live
            WHERE coalesce(last_name, organisation_name) IS NOT NULL
            UNION ALL
            SELECT cp.customer_id, 'p:' || right(cp.normalized, 8) FROM contact_point cp JOIN live ON live.id = cp.customer_id WHERE cp.type = 'phone'
            UNION ALL
            SELECT cp.customer_id, 'm:' || replace(split_part(split_part(cp.normalized, '@', 1), '+', 1), '.', '') || '@' || split_part(cp.normalized, '@', 2)
            FROM contact_point cp JOIN live ON live.id = cp.customer_id WHERE cp.type = 'email'
          )
     SELECT DISTINCT k1.id AS a, k2.id AS b FROM keys k1 JOIN keys k2 ON k1.k = k2.k AND k1.id < k2.id
     LIMIT 5000`,
  );
  if (pairs.length === 0) return [];
  const ids = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const rows = await db.customer.findMany({ where: { id: { in: ids } }, include: { contactPoints: true } });
  const byId = new Map<string, DuplicateCandidateInput>(
    rows.map((c) => [
      c.id,
      {
        id: c.id,
        firstName: c.firstName,
        lastName: c.lastName,
        organisationName: c.organisationName,
        birthday: c.birthday,
        country: c.country,
        emails: c.contactPoints.filter((p) => p.type === 'email').map((p) => p.normalized),
        phones: c.contactPoints.filter((p) => p.type === 'phone').map((p) => p.normalized),
      },
    ]),
  );
  return pairs
    .map((p) => ({ customerIds: [p.a, p.b] as [string, string], ...scoreDuplicate(byId.get(p.a)!, byId.get(p.b)!) }))
    .filter((p) => p.score >= minScore)
    .sort((x, y) => y.score - x.score || x.customerIds[0].localeCompare(y.customerIds[0]))
    .slice(0, limit);
}

/** Everything this service holds about a customer (data subject access request). */
export async function exportCustomer(db: Db, id: string) {
  const resolved = await resolveId(db, id);
  const customer = toView((await loadCustomer(db as never, resolved))!);
  const [consentHistory, stageHistory, auditEntries, mergedIds, leads] = await Promise.all([
    db.consentHistory.findMany({ where: { customerId: resolved }, orderBy: { id: 'asc' } }),
    db.stageChange.findMany({ where: { customerId: resolved }, orderBy: { id: 'asc' } }),
    db.auditEntry.findMany({ where: { customerId: resolved }, orderBy: { id: 'asc' } }),
    db.customer.findMany({ where: { mergedIntoId: resolved }, select: { id: true } }),
    db.lead.findMany({ where: { convertedCustomer: resolved } }),
  ]);
  return {
    exportedAt: new Date().toISOString(),
    service: 'customer',
    customer,
    mergedCustomerIds: mergedIds.map((m) => m.id),
    consentHistory: consentHistory.map((c) => ({ channel: c.channel, purpose: c.purpose, granted: c.granted, source: c.source, recordedAt: c.recordedAt.toISOString() })),
    stageHistory: stageHistory.map((s) => ({ from: s.fromStage, to: s.toStage, reason: s.reason, changedAt: s.changedAt.toISOString() })),
    leads: leads.map((l) => ({ id: l.id, source: l.source, status: l.status, firstName: l.firstName, lastName: l.lastName, company: l.company, email: l.email, phone: l.phone, createdAt: l.createdAt.toISOString() })),
    audit: auditEntries.map((a) => ({ actor: a.actor, action: a.action, fields: a.fields, at: a.at.toISOString() })),
  };
}

/**
 * Erasure (GDPR art. 17 / PIPL art. 47): personal data is deleted here, the row keeps only its id, stage and
 * timestamps so that references and the audit trail stay intact; `customer.erased` asks every other
 * service to do the same, and the compacted profile topic gets a tombstone.
 */
export async function eraseCustomer(db: Db, id: string, actor: Actor) {
  return db.$transaction(async (tx) => {
    const current = await tx.customer.findUnique({ where: { id } });
    if (!current || current.erasedAt) throw new HttpProblem(404, 'Customer not found', `no customer ${id}`);
    const ids = [id, ...(await tx.customer.findMany({ where: { mergedIntoId: id }, select: { id: true } })).map((m) => m.id)];
    const now = new Date();
    await tx.contactPoint.deleteMany({ where: { customerId: { in: ids } } });
    await tx.externalId.deleteMany({ where: { customerId: { in: ids } } });
    await tx.consent.deleteMany({ where: { customerId: { in: ids } } });
    await tx.consentHistory.deleteMany({ where: { customerId: { in: ids } } });
    await tx.lead.updateMany({
      where: { convertedCustomer: { in: ids } },
      data: { firstName: null, lastName: null, company: null, email: null, phone: null, reason: null, history: [], erasedAt: now },
    });
    await tx.customer.updateMany({
      where: { id: { in: ids } },
      data: {
        firstName: null, lastName: null, organisationName: null, ownerId: null, country: null, timeZone: null, locale: null,
        birthday: null, tags: [], attributes: {}, erasedAt: now, updatedAt: now, version: { increment: 1 },
      },
    });
    // Copies of the profile live on in published outbox rows and stored idempotent responses: scrub both.
    await tx.$executeRawUnsafe('DELETE FROM outbox_event WHERE key = ANY($1::text[]) AND published_at IS NOT NULL', ids);
    await tx.$executeRawUnsafe(`DELETE FROM idempotency_key WHERE response->>'id' = ANY($1::text[])`, ids);
    await audit(tx, id, actor, 'customer.erased');
    for (const erased of ids) {
      await publishers.erased(tx, erased, now, actor);
      await publishers.profileTombstone(tx, erased);
    }
    return { customerId: id, erasedAt: now.toISOString(), erasedIds: ids };
  });
}

export async function erasureStatus(db: Db, id: string) {
  const row = await db.customer.findUnique({ where: { id }, select: { erasedAt: true } });
  if (!row?.erasedAt) throw new HttpProblem(404, 'No erasure', `customer ${id} has not been erased`);
  const confirmations = await db.erasureConfirmation.findMany({ where: { customerId: id }, orderBy: { service: 'asc' } });
  return {
    customerId: id,
    erasedAt: row.erasedAt.toISOString(),
    confirmations: confirmations.map((c) => ({ service: c.service, confirmedAt: c.confirmedAt.toISOString() })),
  };
}
